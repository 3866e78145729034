"""initial schema: MVCC objects, labels, meta (revision counters), allocations

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "objects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("resource", sa.String(253), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("until", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(1), nullable=False),
        sa.Column("node_name", sa.String(253), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_objects_live", "objects", ["resource", "namespace", "name"], unique=True,
        sqlite_where=sa.text("until IS NULL"), postgresql_where=sa.text("until IS NULL"),
    )
    op.create_index("ix_objects_key", "objects", ["resource", "namespace", "name", "rev"])
    op.create_index("ix_objects_rev", "objects", ["rev"])
    op.create_index("ix_objects_until", "objects", ["until"])
    op.create_index("ix_objects_node", "objects", ["resource", "node_name"])
    op.create_table(
        "labels",
        sa.Column("object_id", sa.Integer(), sa.ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(317), primary_key=True),
        sa.Column("value", sa.String(63), nullable=False),
    )
    op.create_index("ix_labels_key_value", "labels", ["key", "value"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "allocations",
        sa.Column("pool", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(400), nullable=False),
    )
    op.create_index("ix_allocations_owner", "allocations", ["owner"])


def downgrade() -> None:
    op.drop_table("allocations")
    op.drop_table("meta")
    op.drop_table("labels")
    op.drop_table("objects")
