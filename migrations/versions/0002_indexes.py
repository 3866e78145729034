"""side indexes leave the allocations table: GC owner edges, pod deadlines, pods per node

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Rows of the ``owner:<uid>``, ``pod-deadline`` and ``node-pods:<node>`` pools move to ``indexes``
(name, key, value, holder); the pool name splits at its first colon into name and key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (index name, allocations pool pattern) of the rows that move
MOVED = (("owner", "owner:%"), ("pod-deadline", "pod-deadline"), ("node-pods", "node-pods:%"))


def upgrade() -> None:
    op.create_table(
        "indexes",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(253), primary_key=True),
        sa.Column("value", sa.String(253), primary_key=True),
        sa.Column("holder", sa.String(400), nullable=False),
    )
    op.create_index("ix_indexes_holder", "indexes", ["holder"])
    for name, pattern in MOVED:
        start = len(name) + 2  # 1-based, after "<name>:"
        key = "''" if "%" not in pattern else f"substr(pool, {start})"
        op.execute(sa.text(f"INSERT INTO indexes (name, key, value, holder) SELECT '{name}', {key}, value, owner "
                           f"FROM allocations WHERE pool LIKE '{pattern}'"))
        op.execute(sa.text(f"DELETE FROM allocations WHERE pool LIKE '{pattern}'"))


def downgrade() -> None:
    for name, pattern in MOVED:
        pool = f"'{name}'" if "%" not in pattern else f"'{name}:' || key"
        op.execute(sa.text(f"INSERT INTO allocations (pool, value, owner) SELECT {pool}, value, holder "
                           f"FROM indexes WHERE name = '{name}'"))
    op.drop_table("indexes")
