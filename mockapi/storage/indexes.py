"""Side indexes: ``(name, key) -> {value: holder}`` entries that controllers keep in step with the
objects (GC owner edges, pod deadlines, pods per node), so a lookup is a primary-key range, not a scan.

Owns the ``indexes`` table's queries only; what an index means belongs to the controller that keeps
it. An entry's ``holder`` is the object key ("<resource>/<namespace>/<name>") that drops it when it
goes (``allocations.release_owner``). Runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, func, insert, select

from .tables import indexes

Entry = tuple[str, str, str, str]  # (name, key, value, holder)


def put(conn: Connection, name: str, key: str, value: str, holder: str) -> bool:
    """Add ``value`` under ``(name, key)`` iff absent (one statement on SQLite/PostgreSQL, so two
    writers cannot both add it); False when it is already there."""
    values = {"name": name, "key": key, "value": value, "holder": holder}
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        stmt = sqlite.insert(indexes) if dialect == "sqlite" else postgresql.insert(indexes)
        return bool(conn.execute(stmt.values(**values).on_conflict_do_nothing()).rowcount == 1)
    if conn.execute(select(indexes.c.holder).where(indexes.c.name == name, indexes.c.key == key,
                                                   indexes.c.value == value)).first() is not None:
        return False
    conn.execute(insert(indexes).values(**values))
    return True


def drop(conn: Connection, name: str, key: str, values: Iterable[str] | None = None) -> None:
    """Remove ``values`` (or every entry) under ``(name, key)``."""
    q = delete(indexes).where(indexes.c.name == name, indexes.c.key == key)
    if values is not None:
        q = q.where(indexes.c.value.in_(list(values)))
    conn.execute(q)


def drop_holder(conn: Connection, holder: str, name: str | None = None) -> None:
    """Remove every entry ``holder`` holds (in index ``name``, or in all of them)."""
    q = delete(indexes).where(indexes.c.holder == holder)
    if name is not None:
        q = q.where(indexes.c.name == name)
    conn.execute(q)


def clear(conn: Connection, name: str | None = None) -> None:
    """Empty index ``name`` (before a rebuild), or every index."""
    q = delete(indexes)
    if name is not None:
        q = q.where(indexes.c.name == name)
    conn.execute(q)


def entries(conn: Connection, name: str, key: str) -> list[tuple[str, str]]:
    """(value, holder) of every entry under ``(name, key)``, ordered by holder."""
    q = select(indexes.c.value, indexes.c.holder).where(indexes.c.name == name, indexes.c.key == key)
    return [(str(v), str(h)) for v, h in conn.execute(q.order_by(indexes.c.holder))]


def below(conn: Connection, name: str, key: str, bound: str) -> list[tuple[str, str]]:
    """(value, holder) of the entries under ``(name, key)`` whose value sorts before ``bound``, in
    value order (values that sort as time stamps make this a queue of what is due)."""
    q = (select(indexes.c.value, indexes.c.holder)
         .where(indexes.c.name == name, indexes.c.key == key, indexes.c.value < bound).order_by(indexes.c.value))
    return [(str(v), str(h)) for v, h in conn.execute(q)]


def counts(conn: Connection, name: str, keys: Sequence[str]) -> dict[str, int]:
    """How many entries each of ``keys`` has in index ``name`` (keys without entries are left out)."""
    if not keys:
        return {}
    q = (select(indexes.c.key, func.count()).where(indexes.c.name == name, indexes.c.key.in_(list(keys)))
         .group_by(indexes.c.key))
    return {str(k): int(n) for k, n in conn.execute(q)}


def all_entries(conn: Connection) -> list[Entry]:
    """Every entry of every index, ordered by (name, key, value): for snapshots."""
    q = select(indexes.c.name, indexes.c.key, indexes.c.value, indexes.c.holder)
    return [(str(n), str(k), str(v), str(h))
            for n, k, v, h in conn.execute(q.order_by(indexes.c.name, indexes.c.key, indexes.c.value))]


def replace_all(conn: Connection, rows: Sequence[Entry]) -> None:
    """Empty every index, then hold exactly ``rows``."""
    conn.execute(delete(indexes))
    if rows:
        conn.execute(insert(indexes), [{"name": n, "key": k, "value": v, "holder": h} for n, k, v, h in rows])
