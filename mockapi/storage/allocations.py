"""Allocations: (pool, value) -> owner rows, the one table IP and port allocators claim from.

Owns the ``allocations`` table's queries (claims, releases, lookups, whole-table reads for
snapshots); pools and their meaning belong to ``mockapi.allocators``. Runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select, update

from . import indexes
from .tables import allocations


def allocate(conn: Connection, pool: str, value: str, owner: str) -> bool:
    """Claim ``value`` in ``pool`` for ``owner``; False if someone else holds it."""
    held = conn.execute(
        select(allocations.c.owner).where(allocations.c.pool == pool, allocations.c.value == value)
    ).scalar_one_or_none()
    if held is not None:
        return bool(held == owner)
    conn.execute(insert(allocations).values(pool=pool, value=value, owner=owner))
    return True


def allocated(conn: Connection, pool: str) -> set[str]:
    return set(conn.execute(select(allocations.c.value).where(allocations.c.pool == pool)).scalars())


def release(conn: Connection, pool: str, values: Iterable[str] | None = None, owner: str | None = None) -> None:
    q = delete(allocations).where(allocations.c.pool == pool)
    if values is not None:
        q = q.where(allocations.c.value.in_(list(values)))
    if owner is not None:
        q = q.where(allocations.c.owner == owner)
    conn.execute(q)


def release_owner(conn: Connection, owner: str) -> None:
    """Everything ``owner`` holds: its allocations in every pool and its side-index entries."""
    conn.execute(delete(allocations).where(allocations.c.owner == owner))
    indexes.drop_holder(conn, owner)


def release_prefixed(conn: Connection, owner: str, prefix: str) -> None:
    """What ``owner`` holds in every pool whose name starts with ``prefix`` (e.g. its pod IPs on any node)."""
    conn.execute(delete(allocations).where(allocations.c.owner == owner, allocations.c.pool.like(prefix + "%")))


def claim(conn: Connection, pool: str, value: str, owner: str) -> bool:
    """Take ``value`` for ``owner`` iff nobody holds it, not even ``owner`` (one statement, so two
    writers on PostgreSQL cannot both win); False if it is held."""
    values = {"pool": pool, "value": value, "owner": owner}
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        stmt = (sqlite.insert(allocations) if dialect == "sqlite" else postgresql.insert(allocations))
        result = conn.execute(stmt.values(**values).on_conflict_do_nothing())
        return bool(result.rowcount == 1)
    if holder(conn, pool, value) is not None:
        return False
    conn.execute(insert(allocations).values(**values))
    return True


def holder(conn: Connection, pool: str, value: str) -> str | None:
    """The owner of ``value`` in ``pool``, or None when it is free."""
    return conn.execute(
        select(allocations.c.owner).where(allocations.c.pool == pool, allocations.c.value == value)
    ).scalar_one_or_none()


def taken(conn: Connection, pool: str, values: Sequence[str]) -> set[str]:
    """Which of ``values`` are held in ``pool`` (primary-key lookups: cost follows len(values), not
    the size of the pool)."""
    if not values:
        return set()
    q = select(allocations.c.value).where(allocations.c.pool == pool, allocations.c.value.in_(list(values)))
    return set(conn.execute(q).scalars())


def owned(conn: Connection, owner: str, pool: str | None = None) -> list[str]:
    """The values ``owner`` holds (in ``pool``, or anywhere), by the owner index."""
    q = select(allocations.c.value).where(allocations.c.owner == owner)
    if pool is not None:
        q = q.where(allocations.c.pool == pool)
    return list(conn.execute(q.order_by(allocations.c.value)).scalars())


def holders(conn: Connection, pools: Sequence[str]) -> dict[tuple[str, str], str]:
    """(pool, value) -> owner of every row in ``pools`` (the repair pass's view of the table)."""
    q = select(allocations.c.pool, allocations.c.value, allocations.c.owner).where(allocations.c.pool.in_(list(pools)))
    return {(str(p), str(v)): str(o) for p, v, o in conn.execute(q)}


def reassign(conn: Connection, pool: str, value: str, owner: str) -> None:
    """Give the held ``value`` of ``pool`` to ``owner`` (the repair pass correcting a stale owner)."""
    conn.execute(update(allocations).where(allocations.c.pool == pool, allocations.c.value == value)
                 .values(owner=owner))


def all_allocations(conn: Connection) -> list[tuple[str, str, str]]:
    """Every (pool, value, owner) row, ordered by pool and value."""
    q = select(allocations.c.pool, allocations.c.value, allocations.c.owner)
    return [(str(p), str(v), str(o)) for p, v, o in conn.execute(q.order_by(allocations.c.pool, allocations.c.value))]


def replace_allocations(conn: Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """Empty the allocations table, then hold exactly ``rows`` (pool, value, owner)."""
    conn.execute(delete(allocations))
    if rows:
        conn.execute(insert(allocations), [{"pool": p, "value": v, "owner": o} for p, v, o in rows])
