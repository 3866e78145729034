"""Store: CRUD over the MVCC ``objects`` table with one cluster-wide revision counter.

Owns persistence only: revision bumps, compare-and-swap writes, tombstones, snapshot reads, the
event history and compaction. It takes an explicit Connection, raises small domain exceptions
(``Exists``, ``Stale``, ``Missing``, ``Compacted``) and imports neither the registry nor Flask.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from .. import _json
from .tables import labels, meta, objects


class StoreError(Exception):
    """Base of the Store's domain exceptions."""


class Exists(StoreError):
    pass


class Stale(StoreError):
    """A compare-and-swap lost: the stored version is not the one the caller read."""


class Missing(StoreError):
    pass


class Compacted(StoreError):
    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"too old resource version: {requested} ({compacted})")
        self.requested = requested
        self.compacted = compacted


@dataclass
class Row:
    """One stored version of an object; ``body`` is canonical JSON text (joined into lists as is)."""

    id: int
    resource: str
    namespace: str
    name: str
    uid: str
    rev: int
    body: str
    event: str = "A"
    prev_body: str | None = None

    def obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = _json.loads(self.body)
        return obj


_ROW_COLS = (
    objects.c.id,
    objects.c.resource,
    objects.c.namespace,
    objects.c.name,
    objects.c.uid,
    objects.c.rev,
    objects.c.body,
    objects.c.event,
)


def _row(r: Any) -> Row:
    return Row(*r[:8])  # positional: _ROW_COLS order


# Hot-path statements are built once: constructing Core statements costs more than running them.
_KEY = (
    objects.c.resource == bindparam("b_resource"),
    objects.c.namespace == bindparam("b_namespace"),
    objects.c.name == bindparam("b_name"),
    objects.c.until.is_(None),
)
_GET = select(*_ROW_COLS).where(*_KEY)
_SUPERSEDE = update(objects).where(*_KEY, objects.c.rev == bindparam("b_expected")).values(until=bindparam("b_rev"))
_INSERT = insert(objects).returning(objects.c.id)
_INSERT_LABELS = insert(labels)
_NEXT_REVISION = (
    update(meta).where(meta.c.key == "revision").values(value=meta.c.value + 1).returning(meta.c.value)
)
_CURRENT = select(meta.c.value).where(meta.c.key == "revision")
_COMPACTED = select(meta.c.value).where(meta.c.key == "compacted")
_SIGNATURE = select(func.count(), func.max(objects.c.rev)).where(
    objects.c.resource == bindparam("b_resource"), objects.c.namespace == bindparam("b_namespace"),
    objects.c.until.is_(None))


# -- revision ---------------------------------------------------------------------------------

def init_meta(conn: Connection) -> None:
    existing = {r.key for r in conn.execute(select(meta.c.key))}
    for key in ("revision", "compacted"):
        if key not in existing:
            conn.execute(insert(meta).values(key=key, value=1 if key == "revision" else 0))


def current_revision(conn: Connection) -> int:
    return int(conn.execute(_CURRENT).scalar_one())


def compacted_revision(conn: Connection) -> int:
    return int(conn.execute(_COMPACTED).scalar_one())


def _next_revision(conn: Connection) -> int:
    return int(conn.execute(_NEXT_REVISION).scalar_one())


# -- reads ------------------------------------------------------------------------------------

def get(conn: Connection, resource: str, namespace: str, name: str) -> Row | None:
    r = conn.execute(_GET, {"b_resource": resource, "b_namespace": namespace, "b_name": name}).first()
    return _row(r) if r is not None else None


def _list_query(
    conn: Connection,
    columns: Any,
    resource: str,
    namespace: str | None,
    name: str | None,
    label_filter: Any,
    node_name: str | None,
    at_revision: int | None,
    after: tuple[str, str] | None,
) -> Any:
    q = select(*columns).where(objects.c.resource == resource)
    if at_revision is None:
        q = q.where(objects.c.until.is_(None))
    else:
        compacted = compacted_revision(conn)
        if at_revision < compacted:
            raise Compacted(at_revision, compacted)
        q = q.where(
            objects.c.rev <= at_revision,
            or_(objects.c.until.is_(None), objects.c.until > at_revision),
            objects.c.event != "D",
        )
    if namespace is not None:
        q = q.where(objects.c.namespace == namespace)
    if name is not None:
        q = q.where(objects.c.name == name)
    if node_name is not None:
        q = q.where(objects.c.node_name == node_name)
    if label_filter is not None:
        q = q.where(label_filter)
    if after is not None:
        q = q.where(tuple_(objects.c.namespace, objects.c.name) > tuple_(*after))
    return q


def list_rows(
    conn: Connection,
    resource: str,
    namespace: str | None = None,
    *,
    name: str | None = None,
    label_filter: Any = None,
    node_name: str | None = None,
    at_revision: int | None = None,
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Objects of one resource ordered by (namespace, name): live ones, or as they were at
    ``at_revision`` (a snapshot for paginated lists; raises ``Compacted`` if no longer retained)."""
    q = _list_query(conn, _ROW_COLS, resource, namespace, name, label_filter, node_name, at_revision, after)
    q = q.order_by(objects.c.namespace, objects.c.name)
    if limit is not None:
        q = q.limit(limit)
    return [_row(r) for r in conn.execute(q)]


def least_recently_written(conn: Connection, resource: str, limit: int) -> list[Row]:
    """Live objects of ``resource``, the longest unwritten first (by the revision of their last write)."""
    q = select(*_ROW_COLS).where(objects.c.resource == resource, objects.c.until.is_(None))
    return [_row(r) for r in conn.execute(q.order_by(objects.c.rev).limit(limit))]


def count_rows(
    conn: Connection,
    resource: str,
    namespace: str | None = None,
    *,
    name: str | None = None,
    label_filter: Any = None,
    node_name: str | None = None,
    at_revision: int | None = None,
    after: tuple[str, str] | None = None,
) -> int:
    """How many rows ``list_rows`` would return without a limit."""
    q = _list_query(conn, (func.count(),), resource, namespace, name, label_filter, node_name, at_revision,
                    after)
    return int(conn.execute(q).scalar_one())


def without_node(conn: Connection, resource: str) -> list[Row]:
    """Live objects of ``resource`` whose derived ``node_name`` is empty (by the node_name index),
    in the order they were first stored."""
    q = select(*_ROW_COLS).where(objects.c.resource == resource, objects.c.node_name.is_(None),
                                 objects.c.until.is_(None)).order_by(objects.c.id)
    return [_row(r) for r in conn.execute(q)]


def live_signature(conn: Connection, resource: str, namespace: str) -> tuple[int, int]:
    """(count, highest revision) of the live objects of ``resource`` in ``namespace``: changes
    whenever any of them is created, updated or deleted (a cache's revalidation)."""
    count, max_rev = conn.execute(_SIGNATURE, {"b_resource": resource, "b_namespace": namespace}).one()
    return int(count or 0), int(max_rev or 0)


def match_labels(selector: Mapping[str, str]) -> Any:
    """A ``label_filter`` for ``list_rows``: objects carrying every (key, value) of ``selector``, as
    ``id IN (label index hits)`` per pair, so the cost follows the matching objects, not every object
    of the namespace (an EXISTS per row would scan)."""
    return and_(*(objects.c.id.in_(select(labels.c.object_id).where(labels.c.key == k, labels.c.value == v))
                  for k, v in sorted(selector.items())))


def events_since(conn: Connection, revision: int, upto: int | None = None, limit: int = 1000) -> list[Row]:
    """Every write after ``revision`` (up to ``upto``), oldest first, each with the version it
    replaced (``prev_body``) so watchers can tell objects that entered or left their selector."""
    compacted = compacted_revision(conn)
    if revision < compacted:
        raise Compacted(revision, compacted)
    prev = objects.alias("prev")
    q = (
        select(*_ROW_COLS, prev.c.body.label("prev_body"))
        .outerjoin(
            prev,
            and_(
                prev.c.resource == objects.c.resource,
                prev.c.namespace == objects.c.namespace,
                prev.c.name == objects.c.name,
                prev.c.until == objects.c.rev,
                prev.c.rev < objects.c.rev,
            ),
        )
        .where(objects.c.rev > revision)
        .order_by(objects.c.rev)
        .limit(limit)
    )
    if upto is not None:
        q = q.where(objects.c.rev <= upto)
    out = []
    for r in conn.execute(q):
        row = _row(r)
        row.prev_body = r.prev_body
        out.append(row)
    return out


# -- writes -----------------------------------------------------------------------------------

def _stamp(obj: dict[str, Any], rev: int) -> str:
    obj.setdefault("metadata", {})["resourceVersion"] = str(rev)
    return _json.dumps(obj)


_NO_HOOKS: Any = None


def _hooks(conn: Connection) -> Any:
    """The WriteHooks of the database this write connection belongs to (engine.Database.write); a
    connection made some other way has none: no derived columns, no listeners."""
    return conn.get_execution_options().get("mockapi_hooks", _NO_HOOKS)


def _insert_version(
    conn: Connection, resource: str, namespace: str, name: str, obj: dict[str, Any], rev: int, event: str
) -> Row:
    hooks = _hooks(conn)
    derive = None
    if hooks is not None:
        for listener in hooks.listeners.get(resource, ()):
            listener(conn, namespace)
        derive = hooks.derived.get(resource)
    body = _stamp(obj, rev)
    meta_ = obj.get("metadata", {})
    uid = meta_.get("uid", "")
    values = {"resource": resource, "namespace": namespace, "name": name, "uid": uid, "rev": rev,
              "until": rev if event == "D" else None, "event": event, "node_name": None, "body": body}
    if derive is not None:
        values.update(derive(obj))
    oid = conn.execute(_INSERT, values).scalar_one()
    obj_labels = meta_.get("labels") or {}
    if obj_labels and event != "D":
        conn.execute(_INSERT_LABELS, [{"object_id": oid, "key": k, "value": v} for k, v in obj_labels.items()])
    return Row(oid, resource, namespace, name, uid, rev, body, event)


def create(conn: Connection, resource: str, namespace: str, name: str, obj: dict[str, Any]) -> Row:
    """Insert a new object; ``obj``'s resourceVersion is set in place. Raises ``Exists``."""
    if get(conn, resource, namespace, name) is not None:
        raise Exists(name)
    rev = _next_revision(conn)
    try:
        return _insert_version(conn, resource, namespace, name, obj, rev, "A")
    except IntegrityError as exc:  # a writer in another process won the race (PostgreSQL)
        raise Exists(name) from exc


def _supersede(conn: Connection, resource: str, namespace: str, name: str, expected_rev: int, rev: int) -> None:
    result = conn.execute(
        _SUPERSEDE,
        {"b_resource": resource, "b_namespace": namespace, "b_name": name, "b_expected": expected_rev, "b_rev": rev},
    )
    if result.rowcount == 0:
        if get(conn, resource, namespace, name) is None:
            raise Missing(name)
        raise Stale(name)


def update_(
    conn: Connection, resource: str, namespace: str, name: str, expected_rev: int, obj: dict[str, Any]
) -> Row:
    """Compare-and-swap: replace the live version iff it is still ``expected_rev``."""
    rev = _next_revision(conn)
    _supersede(conn, resource, namespace, name, expected_rev, rev)
    return _insert_version(conn, resource, namespace, name, obj, rev, "M")


def delete_(
    conn: Connection, resource: str, namespace: str, name: str, expected_rev: int, obj: dict[str, Any]
) -> Row:
    """Compare-and-swap delete; writes a tombstone carrying the final state at the new revision."""
    rev = _next_revision(conn)
    _supersede(conn, resource, namespace, name, expected_rev, rev)
    return _insert_version(conn, resource, namespace, name, obj, rev, "D")


def compact(conn: Connection, keep: int) -> int:
    """Forget versions superseded more than ``keep`` revisions ago; returns the compacted revision."""
    target = current_revision(conn) - keep
    if target <= compacted_revision(conn):
        return compacted_revision(conn)
    old = select(objects.c.id).where(objects.c.until.is_not(None), objects.c.until <= target)
    conn.execute(delete(labels).where(labels.c.object_id.in_(old)))
    conn.execute(delete(objects).where(objects.c.until.is_not(None), objects.c.until <= target))
    conn.execute(update(meta).where(meta.c.key == "compacted").values(value=target))
    return target


# -- whole-state reads and writes (POST /mock/reset, /mock/snapshot) ---------------------------------

def live_rows(conn: Connection) -> list[Row]:
    """Every live object of every resource, in revision order."""
    q = select(*_ROW_COLS).where(objects.c.until.is_(None)).order_by(objects.c.rev)
    return [_row(r) for r in conn.execute(q)]


def join_bodies(rows: Sequence[Row]) -> Iterator[str]:
    for r in rows:
        yield r.body
