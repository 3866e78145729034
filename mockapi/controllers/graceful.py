"""Graceful pod deletion (``--graceful-deletion``): a deleted pod on a node stays terminating until
its deletionTimestamp, then goes, as if its kubelet had finished and force-deleted it.

The controller records each deadline in the ``pod-deadline`` side index (value
``<deletionTimestamp>/<uid>``, ordered by time, shared by every process on the database); the
``Reaper`` thread of a serving process removes the pods whose deadline passed. No Flask.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence

from ..errors import StatusError
from ..registry import RESOURCES_BY_KIND
from ..registry.base import Obj
from ..registry.objectmeta import now
from ..registry.rest import Change, Registry, Txn
from ..storage import Conn, indexes, store

INDEX = "pod-deadline"  # side index (one key, ""): value "<deletionTimestamp>/<uid>", held by the pod
NAME = "graceful-deletion"
PODS = RESOURCES_BY_KIND["Pod"]
log = logging.getLogger("mockapi")


def _owner(pod: Obj) -> str:
    meta = pod["metadata"]
    return f"pods/{meta.get('namespace', '')}/{meta['name']}"


def terminating(pod: Obj) -> bool:
    meta = pod["metadata"]
    return bool(meta.get("deletionTimestamp")) and bool(meta.get("deletionGracePeriodSeconds"))


def record(conn: Conn, pod: Obj) -> None:
    """(Re)record the pod's deadline; a shortened grace period replaces the earlier entry."""
    meta = pod["metadata"]
    indexes.drop_holder(conn, _owner(pod), INDEX)
    indexes.put(conn, INDEX, "", f"{meta['deletionTimestamp']}/{meta.get('uid', '')}", _owner(pod))


def due(conn: Conn, moment: str) -> list[tuple[str, str]]:
    """(value, owner) of deadlines strictly before ``moment``'s second: a pod never goes early,
    even though deletionTimestamp is truncated to the second."""
    return indexes.below(conn, INDEX, "", moment)


class GracefulDeletionController:
    """Keys are pods (namespace, name) whose deletionTimestamp or grace period changed: their
    deadline is recorded; ``resync`` records them all (startup, reconcile)."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[tuple[str, str]]:
        keys: set[tuple[str, str]] = set()
        for ch in changes:
            if ch.rt.kind != "Pod" or ch.new is None or not terminating(ch.new):
                continue
            old_meta = (ch.old or {}).get("metadata") or {}
            meta = ch.new["metadata"]
            if old_meta.get("deletionTimestamp") != meta["deletionTimestamp"] or \
                    old_meta.get("deletionGracePeriodSeconds") != meta["deletionGracePeriodSeconds"]:
                keys.add((meta.get("namespace", ""), meta["name"]))
        return keys

    def reconcile(self, txn: Txn, key: tuple[str, str]) -> None:
        pod = txn.get(PODS, *key)
        if pod is not None and terminating(pod):
            record(txn.conn, pod)

    def resync(self, txn: Txn) -> dict[str, int]:
        count = 0
        for row in store.list_rows(txn.conn, PODS.key):
            if '"deletionTimestamp"' in row.body:
                pod = row.obj()
                if terminating(pod):
                    record(txn.conn, pod)
                    count += 1
        return {"terminating": count}


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
    indexes.drop(txn.conn, INDEX, "", [value])
    if pod is None or pod["metadata"].get("uid") != uid or not terminating(pod):
        return False
    if f"{pod['metadata']['deletionTimestamp']}/{uid}" != value:
        record(txn.conn, pod)  # the period changed since this row was written
        return False
    return txn.delete(PODS, pod, grace_period=0)[1]


class Reaper:
    """Background thread of a serving process: every ``interval`` seconds, ``expire``."""

    def __init__(self, registry: Registry, controller: GracefulDeletionController, interval: float = 0.2) -> None:
        self.registry = registry
        self.controller = controller
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
            self.registry.write(self.controller.resync)  # terminating pods left over from an earlier run
        except Exception as exc:  # noqa: BLE001 - a background thread must not die silently
            log.warning("graceful deletion startup pass: %s", exc)
        while not self._stop.wait(self.interval):
            try:
                expire(self.registry)
            except Exception as exc:  # noqa: BLE001
                log.warning("graceful deletion: %s", exc)
