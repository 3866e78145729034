"""Garbage collector (kube-controller-manager's garbagecollector, reduced to what a test needs): when
an object goes, its dependents whose ownerReferences now all point to gone owners are deleted
(Background propagation; Foreground is treated as Background); dependents with a live owner left
lose only the dangling references. ``propagationPolicy: Orphan`` puts the ``orphan`` finalizer on
the owner (registry.rest), and this controller then takes the owner's references off its dependents
and removes the finalizer.

Owner -> dependent edges are indexed as ``allocations`` rows (pool ``owner:<owner uid>``, value the
dependent's uid, owner the dependent's ``resource/namespace/name``), kept up to date from each
change, so finding the dependents of one object costs a primary-key range, not a scan. Objects that
never had their owner (dangling from the start) are left alone.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from sqlalchemy import Connection, delete, select

from ..errors import StatusError
from ..registry.base import Obj, ResourceType
from ..registry.rest import Change, Txn
from ..storage import store
from ..storage.tables import allocations

MANAGER = "garbage-collector"
PREFIX = "owner:"
log = logging.getLogger("mockapi")


def _key(rt: ResourceType, obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{rt.key}/{meta.get('namespace', '') if rt.namespaced else ''}/{meta['name']}"


def ref_uids(obj: Obj | None) -> set[str]:
    if obj is None:
        return set()
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return {str(r["uid"]) for r in refs if isinstance(r, dict) and r.get("uid")}


def dependents(conn: Connection, owner_uid: str) -> list[tuple[str, str]]:
    """(dependent uid, dependent key) of every indexed dependent of ``owner_uid``."""
    q = select(allocations.c.value, allocations.c.owner).where(allocations.c.pool == PREFIX + owner_uid)
    return [(str(v), str(o)) for v, o in conn.execute(q.order_by(allocations.c.owner))]


def _forget(conn: Connection, key: str) -> None:
    conn.execute(delete(allocations).where(allocations.c.owner == key, allocations.c.pool.like(PREFIX + "%")))


def index(conn: Connection, rt: ResourceType, old: Obj | None, new: Obj | None) -> None:
    """Keep the owner index in step with one change."""
    if new is None:
        if old is not None and ref_uids(old):
            _forget(conn, _key(rt, old))
        return
    before, after = ref_uids(old), ref_uids(new)
    if before == after:
        return
    uid = str(new["metadata"].get("uid", ""))
    for owner in sorted(before - after):
        store.release(conn, PREFIX + owner, [uid])
    for owner in sorted(after - before):
        store.claim(conn, PREFIX + owner, uid, _key(rt, new))


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
    pool = PREFIX + owner_uid
    for dep_uid, dep_key in dependents(txn.conn, owner_uid):
        store.release(txn.conn, pool, [dep_uid])
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
        store.release(txn.conn, PREFIX + owner_uid, [dep_uid])
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


class GarbageCollector:
    """The controller callable; ``resync`` rebuilds the owner index from what is stored."""

    controller_name = "garbage-collector"

    def __call__(self, txn: Txn, changes: list[Change]) -> None:
        gone: list[str] = []
        orphaning: list[tuple[ResourceType, Obj]] = []
        for ch in changes:
            index(txn.conn, ch.rt, ch.old, ch.new)
            if ch.new is None and ch.old is not None:
                gone.append(str(ch.old["metadata"].get("uid", "")))
            elif ch.new is not None and ch.new["metadata"].get("deletionTimestamp") and \
                    "orphan" in (ch.new["metadata"].get("finalizers") or []):
                orphaning.append((ch.rt, ch.new))
        for rt, obj in orphaning:
            orphan(txn, rt, obj)
        for uid in gone:
            collect(txn, uid)

    def resync(self, txn: Txn) -> dict[str, int]:
        """Rebuild the owner index. With controllers off (``--controllers=manual``) removals were not
        seen as they happened, so dependents whose owners are all gone are collected here too."""
        txn.conn.execute(delete(allocations).where(allocations.c.pool.like(PREFIX + "%")))
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


controller = GarbageCollector()
