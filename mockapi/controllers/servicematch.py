"""Which Services a pod change touches, and which pods a Service selects, at a cost that follows
the change: a per-namespace inverted index of Service selectors ((key, value) -> Services), cached
per database (one ServiceIndex per Runtime) and revalidated inside each transaction by one aggregate
over the namespace's live Services (count, max revision) so writes from other workers are seen; with
one worker, every Service write is seen here (the database's write hooks) and a cached index is used as
it is. Pods come from the label index (SQL), never from a scan of every pod. Storage reads only."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..storage import Conn, store
from ..storage.engine import Database
from .podutil import Obj, matches, selector_of

SERVICE_RESOURCE = "services"


@dataclass
class _NamespaceIndex:
    signature: tuple[int, int]
    generation: int = 0  # the engine's count of committed Service writes when this was built
    selectors: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> selector
    by_pair: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (key, value) -> services


class ServiceIndex:
    """Per-namespace selector index of one database (one instance per Runtime: servers in one process
    never share it). An index built inside a transaction stays private to that connection until it
    commits (a rollback drops it), so state that never committed cannot leak into later transactions.
    ``exclusive``: every write to this database goes through this process (one worker), so the Service
    writes it sees are all there are and a cached index needs no revalidation query; otherwise each
    transaction checks the namespace's signature."""

    def __init__(self, db: Database, exclusive: bool = True) -> None:
        self.exclusive = exclusive
        self._lock = threading.Lock()
        self._committed: dict[str, _NamespaceIndex] = {}
        self._generation = 0  # committed transactions that wrote Services
        self._pending: weakref.WeakKeyDictionary[Conn, dict[str, _NamespaceIndex]] = weakref.WeakKeyDictionary()
        self._touched: weakref.WeakKeyDictionary[Conn, set[str]] = weakref.WeakKeyDictionary()
        db.hooks.listen(SERVICE_RESOURCE, self._service_written)
        db.on_transaction_end(self._on_commit, self._on_rollback)

    def _service_written(self, conn: Conn, namespace: str) -> None:
        with self._lock:
            self._touched.setdefault(conn, set()).add(namespace)
            (self._pending.get(conn) or {}).pop(namespace, None)  # rebuilt on next use, from this txn's view

    def _on_commit(self, conn: Conn) -> None:
        with self._lock:
            touched = self._touched.pop(conn, None)
            committed = self._committed
            generation = self._generation
            pending = self._pending.pop(conn, None) or {}
            if not _writer(conn):  # a reader's snapshot may predate a commit: never cached for others
                pending = {}
            for namespace in touched or ():
                committed.pop(namespace, None)
            # an index built after this txn's last Service write is current, unless another
            # transaction committed Service writes since it was built (a reader's older snapshot)
            committed.update({ns: ix for ns, ix in pending.items() if ix.generation == generation})
            if touched:
                self._generation = generation + 1
                for ix in committed.values():
                    ix.generation = generation + 1

    def _on_rollback(self, conn: Conn) -> None:
        with self._lock:
            self._pending.pop(conn, None)
            self._touched.pop(conn, None)

    def _index(self, conn: Conn, namespace: str) -> _NamespaceIndex:
        with self._lock:
            cached = (self._pending.get(conn) or {}).get(namespace)
            if cached is None and namespace not in (self._touched.get(conn) or ()):
                cached = self._committed.get(namespace)
            exclusive = self.exclusive and _writer(conn)
        if cached is not None and exclusive:
            return cached
        signature = store.live_signature(conn, SERVICE_RESOURCE, namespace)
        if cached is not None and cached.signature == signature:
            return cached
        with self._lock:
            generation = self._generation
        index = _NamespaceIndex(signature, generation)
        for row in store.list_rows(conn, SERVICE_RESOURCE, namespace):
            selector = selector_of(row.obj())
            if selector:
                index.selectors[row.name] = selector
                for pair in selector.items():
                    index.by_pair.setdefault(pair, set()).add(row.name)
        with self._lock:
            self._pending.setdefault(conn, {})[namespace] = index
        return index

    def services_for(self, conn: Conn, namespace: str, label_sets: Iterable[dict[str, str] | None]) -> set[str]:
        """Services of ``namespace`` whose selector matches any of ``label_sets`` (old and new labels)."""
        label_sets = [labels for labels in label_sets if labels]
        if not label_sets:
            return set()
        index = self._index(conn, namespace)
        out: set[str] = set()
        for labels in label_sets:
            candidates: set[str] = set()
            for pair in (labels or {}).items():
                candidates |= index.by_pair.get(pair, set())
            out |= {name for name in candidates if matches(index.selectors[name], labels)}
        return out


def _writer(conn: Conn) -> bool:
    """A write transaction (storage.engine.Database.write): serialised, so it sees every commit."""
    return bool(conn.get_execution_options().get("mockapi_write"))


def pods_for(conn: Conn, namespace: str, selector: dict[str, str]) -> list[Obj]:
    """Pods of ``namespace`` selected by ``selector``, through the label index."""
    return [row.obj() for row in store.list_rows(conn, "pods", namespace, label_filter=store.match_labels(selector))]


def service_names(conn: Conn, namespace: str | None = None) -> list[tuple[str, str]]:
    """Every Service key (namespace, name): the resync of POST /mock/reconcile."""
    return [(row.namespace, row.name) for row in store.list_rows(conn, SERVICE_RESOURCE, namespace)]


def resync_each(txn: Any, reconcile: Any) -> dict[str, int]:
    """``reconcile(txn, key)`` (returning created/updated/deleted counts) for every Service: the resync of
    the slice controllers; totals, with the number of Services."""
    totals = {"services": 0, "created": 0, "updated": 0, "deleted": 0}
    for key in service_names(txn.conn):
        totals["services"] += 1
        for k, n in reconcile(txn, key).items():
            totals[k] += n
    return totals


def labelled(conn: Conn, resource: str, namespace: str, match: dict[str, str]) -> list[Any]:
    return store.list_rows(conn, resource, namespace, label_filter=store.match_labels(match))
