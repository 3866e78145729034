"""Graceful pod deletion (``--graceful-deletion``): a deleted pod on a node stays terminating until
its deletionTimestamp, then goes, as if its kubelet had finished and force-deleted it.

The controller records each deadline as an ``allocations`` row (pool ``pod-deadline``, value
``<deletionTimestamp>/<uid>``, ordered by time, shared by every process on the database); the
``Reaper`` thread of a serving process removes the pods whose deadline passed. No Flask.
"""

from __future__ import annotations

import functools
import logging
import threading

from sqlalchemy import Connection, select

from ..errors import StatusError
from ..registry import RESOURCES_BY_KIND
from ..registry.base import Obj
from ..registry.objectmeta import now
from ..registry.rest import Change, Registry, Txn
from ..storage import store
from ..storage.tables import allocations

POOL = "pod-deadline"
PODS = RESOURCES_BY_KIND["Pod"]
log = logging.getLogger("mockapi")


def _owner(pod: Obj) -> str:
    meta = pod["metadata"]
    return f"pods/{meta.get('namespace', '')}/{meta['name']}"


def terminating(pod: Obj) -> bool:
    meta = pod["metadata"]
    return bool(meta.get("deletionTimestamp")) and bool(meta.get("deletionGracePeriodSeconds"))


def record(conn: Connection, pod: Obj) -> None:
    """(Re)record the pod's deadline; a shortened grace period replaces the earlier row."""
    meta = pod["metadata"]
    store.release(conn, POOL, owner=_owner(pod))
    store.claim(conn, POOL, f"{meta['deletionTimestamp']}/{meta.get('uid', '')}", _owner(pod))


def due(conn: Connection, moment: str) -> list[tuple[str, str]]:
    """(value, owner) of deadlines strictly before ``moment``'s second: a pod never goes early,
    even though deletionTimestamp is truncated to the second."""
    q = (select(allocations.c.value, allocations.c.owner)
         .where(allocations.c.pool == POOL, allocations.c.value < moment).order_by(allocations.c.value))
    return [(str(v), str(o)) for v, o in conn.execute(q)]


class GracefulDeletionController:
    """Records deadlines as pods start terminating; ``resync`` finds them all (startup, reconcile)."""

    controller_name = "graceful-deletion"

    def __call__(self, txn: Txn, changes: list[Change]) -> None:
        for ch in changes:
            if ch.rt.kind != "Pod" or ch.new is None or not terminating(ch.new):
                continue
            old_meta = (ch.old or {}).get("metadata") or {}
            meta = ch.new["metadata"]
            if old_meta.get("deletionTimestamp") != meta["deletionTimestamp"] or \
                    old_meta.get("deletionGracePeriodSeconds") != meta["deletionGracePeriodSeconds"]:
                record(txn.conn, ch.new)

    def resync(self, txn: Txn) -> dict[str, int]:
        count = 0
        for row in store.list_rows(txn.conn, PODS.key):
            if '"deletionTimestamp"' in row.body:
                pod = row.obj()
                if terminating(pod):
                    record(txn.conn, pod)
                    count += 1
        return {"terminating": count}


controller = GracefulDeletionController()


def expire(registry: Registry, moment: str | None = None) -> int:
    """Remove every pod whose grace period is over; returns how many went."""
    with registry.db.read() as conn:
        rows = due(conn, moment or now())
    gone = 0
    for value, owner in rows:
        try:
            gone += bool(registry.write(functools.partial(_expire_one, value=value, owner=owner)))
        except StatusError as err:  # raced with a client's write: the next tick tries again
            log.debug("graceful deletion of %s: %s", owner, err.message)
    return gone


def _expire_one(txn: Txn, value: str, owner: str) -> bool:
    _, namespace, name = owner.split("/", 2)
    uid = value.split("/", 1)[1]
    pod = txn.get(PODS, namespace, name)
    store.release(txn.conn, POOL, [value])
    if pod is None or pod["metadata"].get("uid") != uid or not terminating(pod):
        return False
    if f"{pod['metadata']['deletionTimestamp']}/{uid}" != value:
        record(txn.conn, pod)  # the period changed since this row was written
        return False
    return txn.delete(PODS, pod, grace_period=0)[1]


class Reaper:
    """Background thread of a serving process: every ``interval`` seconds, ``expire``."""

    def __init__(self, registry: Registry, interval: float = 0.2) -> None:
        self.registry = registry
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mockapi-graceful-deletion", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        try:
            self.registry.write(controller.resync)  # terminating pods left over from an earlier run
        except Exception as exc:  # noqa: BLE001 - a background thread must not die silently
            log.warning("graceful deletion startup pass: %s", exc)
        while not self._stop.wait(self.interval):
            try:
                expire(self.registry)
            except Exception as exc:  # noqa: BLE001
                log.warning("graceful deletion: %s", exc)
