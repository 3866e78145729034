"""Garbage collector (kube-controller-manager's garbagecollector, reduced to what a test needs): when
an object goes, its dependents whose ownerReferences now all point to gone owners are deleted
(Background propagation; Foreground is treated as Background); dependents with a live owner left
lose only the dangling references. ``propagationPolicy: Orphan`` puts the ``orphan`` finalizer on
the owner (registry.rest), and this controller then takes the owner's references off its dependents
and removes the finalizer.

Owner -> dependent edges live in the ``owner`` side index (key the owner's uid, value the dependent's
uid, held by the dependent's ``resource/namespace/name``), kept up to date from each change, so
finding the dependents of one object costs a primary-key range, not a scan. Objects that never had
their owner (dangling from the start) are left alone.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

from ..errors import StatusError
from ..registry.base import Obj, ResourceType
from ..registry.rest import Change, Txn
from ..storage import Conn, indexes, store

MANAGER = "garbage-collector"
INDEX = "owner"  # side index: key the owner's uid, value the dependent's uid, held by the dependent
log = logging.getLogger("mockapi")


def _key(rt: ResourceType, obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{rt.key}/{meta.get('namespace', '') if rt.namespaced else ''}/{meta['name']}"


def ref_uids(obj: Obj | None) -> set[str]:
    if obj is None:
        return set()
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return {str(r["uid"]) for r in refs if isinstance(r, dict) and r.get("uid")}


def dependents(conn: Conn, owner_uid: str) -> list[tuple[str, str]]:
    """(dependent uid, dependent key) of every indexed dependent of ``owner_uid``."""
    return indexes.entries(conn, INDEX, owner_uid)


def index_delta(rt: ResourceType, old: Obj | None, new: Obj | None) -> tuple[Any, ...] | None:
    """What one change does to the owner index, as data: ("forget", dependent key), ("edges",
    dependent key, uid, owners dropped, owners added), or None."""
    if new is None:
        return ("forget", _key(rt, old)) if old is not None and ref_uids(old) else None
    before, after = ref_uids(old), ref_uids(new)
    if before == after:
        return None
    return ("edges", _key(rt, new), str(new["metadata"].get("uid", "")), tuple(sorted(before - after)),
            tuple(sorted(after - before)))


def apply_delta(conn: Conn, delta: tuple[Any, ...]) -> None:
    if delta[0] == "forget":
        indexes.drop_holder(conn, delta[1], INDEX)
        return
    _, key, uid, dropped, added = delta
    for owner in dropped:
        indexes.drop(conn, INDEX, owner, [uid])
    for owner in added:
        indexes.put(conn, INDEX, owner, uid, key)


def index(conn: Conn, rt: ResourceType, old: Obj | None, new: Obj | None) -> None:
    """Keep the owner index in step with one change."""
    delta = index_delta(rt, old, new)
    if delta is not None:
        apply_delta(conn, delta)


def _resolve(txn: Txn, ref: dict[str, Any]) -> ResourceType | None:
    api_version = str(ref.get("apiVersion") or "")
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    for rt in txn.registry.resources.values():
        if rt.kind == ref.get("kind") and rt.group == group:
            return rt
    return None


def owner_exists(txn: Txn, dep_rt: ResourceType, dep: Obj, ref: dict[str, Any]) -> bool:
    """Is the owner ``ref`` names still there (same uid)? A kind we do not serve cannot be looked
    up, so it never counts as gone (upstream's collector retries such references forever)."""
    rt = _resolve(txn, ref)
    if rt is None:
        return True
    if rt.namespaced and not dep_rt.namespaced:
        return False  # a cluster-scoped dependent cannot have a namespaced owner
    namespace = dep["metadata"].get("namespace", "") if rt.namespaced else ""
    owner = txn.get(rt, namespace, str(ref.get("name") or ""))
    return owner is not None and owner["metadata"].get("uid") == ref.get("uid")


def _load(txn: Txn, dep_uid: str, dep_key: str) -> tuple[ResourceType, Obj] | None:
    resource, namespace, name = dep_key.split("/", 2)
    rt = txn.registry.resources.get(resource)
    dep = txn.get(rt, namespace, name) if rt is not None else None
    if rt is None or dep is None or dep["metadata"].get("uid") != dep_uid:
        return None
    return rt, dep


def _set_refs(txn: Txn, rt: ResourceType, dep: Obj, refs: list[Any]) -> None:
    new = copy.deepcopy(dep)
    if refs:
        new["metadata"]["ownerReferences"] = refs
    else:
        new["metadata"].pop("ownerReferences", None)
    txn.replace(rt, new, dep)  # metadata only: no strategy hook has a say in it
    txn.changes[-1].manager = MANAGER


def collect(txn: Txn, owner_uid: str) -> None:
    """The owner ``owner_uid`` is gone: delete its dependents, or drop the dangling references of
    those that still have a live owner."""
    for dep_uid, dep_key in dependents(txn.conn, owner_uid):
        indexes.drop(txn.conn, INDEX, owner_uid, [dep_uid])
        loaded = _load(txn, dep_uid, dep_key)
        if loaded is None:
            continue
        rt, dep = loaded
        refs = (dep["metadata"].get("ownerReferences") or [])
        if not any(isinstance(r, dict) and r.get("uid") == owner_uid for r in refs):
            continue
        solid = [r for r in refs if isinstance(r, dict) and r.get("uid") != owner_uid and owner_exists(txn, rt, dep, r)]
        if solid:
            _set_refs(txn, rt, dep, solid)
            continue
        if dep["metadata"].get("deletionTimestamp") and not dep["metadata"].get("deletionGracePeriodSeconds"):
            continue  # already being deleted (held by finalizers)
        before = len(txn.changes)
        try:
            rt.strategy.check_delete(rt, dep)
            txn.delete(rt, dep)
        except StatusError as err:  # e.g. a protected object: leave it
            log.info("garbage collector: not deleting %s: %s", dep_key, err.message)
            continue
        if len(txn.changes) > before:
            txn.changes[-1].manager = MANAGER


def orphan(txn: Txn, rt: ResourceType, owner: Obj) -> None:
    """propagationPolicy Orphan: take the owner's references off its dependents, then drop the
    ``orphan`` finalizer (the owner goes if nothing else holds it)."""
    owner_uid = str(owner["metadata"].get("uid", ""))
    for dep_uid, dep_key in dependents(txn.conn, owner_uid):
        loaded = _load(txn, dep_uid, dep_key)
        if loaded is not None:
            dep_rt, dep = loaded
            refs = [r for r in dep["metadata"].get("ownerReferences") or []
                    if not (isinstance(r, dict) and r.get("uid") == owner_uid)]
            _set_refs(txn, dep_rt, dep, refs)  # (the index follows from the change)
        indexes.drop(txn.conn, INDEX, owner_uid, [dep_uid])
    meta = owner["metadata"]
    current = txn.get(rt, meta.get("namespace", ""), meta["name"])
    if current is None or current["metadata"].get("uid") != owner_uid:
        return
    new = copy.deepcopy(current)
    finalizers = [f for f in new["metadata"].get("finalizers") or [] if f != "orphan"]
    if finalizers:
        new["metadata"]["finalizers"] = finalizers
    else:
        new["metadata"].pop("finalizers", None)
    txn.replace(rt, new, current)
    txn.changes[-1].manager = MANAGER


# key phases: the index follows every change of the batch first, then owners being orphaned, then
# owners that went (each phase in the order of the changes)
_INDEX, _ORPHAN, _GONE = 0, 1, 2


class GarbageCollector:
    """Keys are (phase, position in the batch, ...); ``resync`` rebuilds the owner index."""

    name = MANAGER

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[tuple[Any, ...]]:
        keys: set[tuple[Any, ...]] = set()
        for pos, ch in enumerate(changes):
            delta = index_delta(ch.rt, ch.old, ch.new)
            if delta is not None:
                keys.add((_INDEX, pos, delta))
            if ch.new is None and ch.old is not None:
                keys.add((_GONE, pos, str(ch.old["metadata"].get("uid", ""))))
            elif ch.new is not None and ch.new["metadata"].get("deletionTimestamp") and \
                    "orphan" in (ch.new["metadata"].get("finalizers") or []):
                meta = ch.new["metadata"]
                keys.add((_ORPHAN, pos, ch.rt.key, meta.get("namespace", ""), meta["name"], meta.get("uid", "")))
        return keys

    def reconcile(self, txn: Txn, key: tuple[Any, ...]) -> None:
        phase = key[0]
        if phase == _INDEX:
            apply_delta(txn.conn, key[2])
        elif phase == _ORPHAN:
            _, _, resource, namespace, name, uid = key
            orphan(txn, txn.registry.resources[resource],
                   {"metadata": {"namespace": namespace, "name": name, "uid": uid}})
        else:
            collect(txn, key[2])

    def resync(self, txn: Txn) -> dict[str, int]:
        """Rebuild the owner index. With controllers off (``--controllers=manual``) removals were not
        seen as they happened, so dependents whose owners are all gone are collected here too."""
        indexes.clear(txn.conn, INDEX)
        edges = collected = 0
        catch_up = not txn.registry.controllers_enabled
        for rt in list(txn.registry.resources.values()):
            for row in store.list_rows(txn.conn, rt.key):
                if '"ownerReferences"' not in row.body:
                    continue
                obj = row.obj()
                refs = [r for r in obj["metadata"].get("ownerReferences") or [] if isinstance(r, dict)]
                if catch_up and refs and not obj["metadata"].get("deletionTimestamp") and \
                        not any(owner_exists(txn, rt, obj, r) for r in refs):
                    txn.delete(rt, obj)
                    collected += 1
                    continue
                index(txn.conn, rt, None, obj)
                edges += len(ref_uids(obj))
        return {"edges": edges, "collected": collected}
