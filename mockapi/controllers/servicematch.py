"""Which Services a pod change touches, and which pods a Service selects, at a cost that follows
the change: a per-namespace inverted index of Service selectors ((key, value) -> Services), cached
per process and revalidated inside each transaction by one aggregate over the namespace's live
Services (count, max revision) so writes from other workers are seen; with one worker, every Service
write is seen here (store.WRITE_LISTENERS) and a cached index is used as it is. Pods come from the label
index (SQL), never from a scan of every pod. Storage reads only; no writes."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, event, func, select

from ..storage import store
from ..storage.tables import labels as label_rows
from ..storage.tables import objects
from .podutil import Obj, matches, selector_of

_SIGNATURE = (
    select(func.count(), func.max(objects.c.rev))
    .where(objects.c.resource == "services")
    .where(objects.c.until.is_(None))
)


@dataclass
class _NamespaceIndex:
    signature: tuple[int, int]
    generation: int = 0  # the engine's count of committed Service writes when this was built
    selectors: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> selector
    by_pair: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (key, value) -> services


class ServiceIndex:
    """Per-namespace selector index, per engine; one instance per process. An index built inside a
    transaction stays private to that connection until it commits (a rollback drops it), so state
    that never committed cannot leak into later transactions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed: weakref.WeakKeyDictionary[Engine, dict[str, _NamespaceIndex]] = weakref.WeakKeyDictionary()
        self._pending: weakref.WeakKeyDictionary[Connection, dict[str, _NamespaceIndex]] = weakref.WeakKeyDictionary()
        self._touched: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()
        self._engines: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._exclusive: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._generation: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
        store.WRITE_LISTENERS.setdefault("services", []).append(self._service_written)

    def set_exclusive(self, engine: Engine, exclusive: bool) -> None:
        """``exclusive``: every write to this database goes through this process (one worker), so
        the Service writes it sees (store.WRITE_LISTENERS) are all there are and a cached index needs
        no revalidation query; otherwise each transaction checks the namespace's signature."""
        self._watch(engine)
        with self._lock:
            (self._exclusive.add if exclusive else self._exclusive.discard)(engine)

    def _service_written(self, conn: Connection, namespace: str) -> None:
        with self._lock:
            self._touched.setdefault(conn, set()).add(namespace)
            (self._pending.get(conn) or {}).pop(namespace, None)  # rebuilt on next use, from this txn's view

    def _on_commit(self, conn: Connection) -> None:
        with self._lock:
            engine = conn.engine
            touched = self._touched.pop(conn, None)
            committed = self._committed.setdefault(engine, {})
            generation = self._generation.get(engine, 0)
            pending = self._pending.pop(conn, None) or {}
            if not _writer(conn):  # a reader's snapshot may predate a commit: never cached for others
                pending = {}
            for namespace in touched or ():
                committed.pop(namespace, None)
            # an index built after this txn's last Service write is current, unless another
            # transaction committed Service writes since it was built (a reader's older snapshot)
            committed.update({ns: ix for ns, ix in pending.items() if ix.generation == generation})
            if touched:
                self._generation[engine] = generation + 1
                for ix in committed.values():
                    ix.generation = generation + 1

    def _on_rollback(self, conn: Connection) -> None:
        with self._lock:
            self._pending.pop(conn, None)
            self._touched.pop(conn, None)

    def _watch(self, engine: Engine) -> None:
        with self._lock:
            if engine in self._engines:
                return
            self._engines.add(engine)
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "rollback", self._on_rollback)

    def _index(self, conn: Connection, namespace: str) -> _NamespaceIndex:
        self._watch(conn.engine)
        with self._lock:
            cached = (self._pending.get(conn) or {}).get(namespace)
            if cached is None and namespace not in (self._touched.get(conn) or ()):
                cached = (self._committed.get(conn.engine) or {}).get(namespace)
            exclusive = conn.engine in self._exclusive and _writer(conn)
        if cached is not None and exclusive:
            return cached
        count, max_rev = conn.execute(_SIGNATURE.where(objects.c.namespace == namespace)).one()
        signature = (int(count or 0), int(max_rev or 0))
        if cached is not None and cached.signature == signature:
            return cached
        with self._lock:
            generation = self._generation.get(conn.engine, 0)
        index = _NamespaceIndex(signature, generation)
        for row in store.list_rows(conn, "services", namespace):
            selector = selector_of(row.obj())
            if selector:
                index.selectors[row.name] = selector
                for pair in selector.items():
                    index.by_pair.setdefault(pair, set()).add(row.name)
        with self._lock:
            self._pending.setdefault(conn, {})[namespace] = index
        return index

    def services_for(self, conn: Connection, namespace: str, label_sets: Iterable[dict[str, str] | None]) -> set[str]:
        """Services of ``namespace`` whose selector matches any of ``label_sets`` (old and new labels)."""
        label_sets = [labels for labels in label_sets if labels]
        if not label_sets:
            return set()
        index = self._index(conn, namespace)
        out: set[str] = set()
        for labels in label_sets:
            candidates: set[str] = set()
            for pair in labels.items():
                candidates |= index.by_pair.get(pair, set())
            out |= {name for name in candidates if matches(index.selectors[name], labels)}
        return out


def _writer(conn: Connection) -> bool:
    """A write transaction (storage.engine.Database.write): serialised, so it sees every commit."""
    return bool(conn.get_execution_options().get("mockapi_write"))


SERVICES = ServiceIndex()


def _match_labels(selector: dict[str, str]) -> Any:
    """``id IN (label index hits)`` per pair: the query is driven by ix_labels_key_value, so its cost
    follows the matching objects, not every object of the namespace (an EXISTS per row would scan)."""
    clauses = [objects.c.id.in_(select(label_rows.c.object_id).where(label_rows.c.key == k, label_rows.c.value == v))
               for k, v in sorted(selector.items())]
    return and_(*clauses)


def pods_for(conn: Connection, namespace: str, selector: dict[str, str]) -> list[Obj]:
    """Pods of ``namespace`` selected by ``selector``, through the label index."""
    return [row.obj() for row in store.list_rows(conn, "pods", namespace, label_filter=_match_labels(selector))]


def service_names(conn: Connection, namespace: str | None = None) -> list[tuple[str, str]]:
    """Every Service key (namespace, name): the resync of POST /mock/reconcile."""
    return [(row.namespace, row.name) for row in store.list_rows(conn, "services", namespace)]


def resync_each(txn: Any, reconcile: Any) -> dict[str, int]:
    """``reconcile(txn, key)`` (returning created/updated/deleted counts) for every Service: the resync of
    the slice controllers; totals, with the number of Services."""
    totals = {"services": 0, "created": 0, "updated": 0, "deleted": 0}
    for key in service_names(txn.conn):
        totals["services"] += 1
        for k, n in reconcile(txn, key).items():
            totals[k] += n
    return totals


def labelled(conn: Connection, resource: str, namespace: str, match: dict[str, str]) -> list[Any]:
    return store.list_rows(conn, resource, namespace, label_filter=_match_labels(match))
