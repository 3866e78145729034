"""Namespace controller: empties a Terminating namespace, then removes its ``kubernetes``
finalizer so the namespace itself goes. Work is per affected namespace, not per cluster."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from ..registry import RESOURCES_BY_KIND
from ..registry.base import ResourceType
from ..registry.rest import Change, Txn
from ..storage import store

NAME = "namespace-controller"


def keys_for(changes: Sequence[Change]) -> set[str]:
    keys: set[str] = set()
    for ch in changes:
        if ch.rt.kind == "Namespace":
            obj = ch.new or ch.old
            if ch.new is not None and obj and obj["metadata"].get("deletionTimestamp"):
                keys.add(obj["metadata"]["name"])
        elif ch.rt.namespaced and ch.new is None and ch.old is not None:
            keys.add(ch.old["metadata"].get("namespace", ""))
    return keys


def reconcile(txn: Txn, namespace: str) -> None:
    ns_rt = RESOURCES_BY_KIND["Namespace"]
    ns = txn.get(ns_rt, "", namespace)
    if ns is None or not ns["metadata"].get("deletionTimestamp"):
        return
    remaining = 0
    for rt in _namespaced(txn):
        for row in store.list_rows(txn.conn, rt.key, namespace):
            obj = row.obj()
            _, removed = txn.delete(rt, obj)
            if not removed:
                remaining += 1
    if remaining:
        return
    spec_finalizers = (ns.get("spec") or {}).get("finalizers") or []
    if "kubernetes" in spec_finalizers:
        new = copy.deepcopy(ns)
        new["spec"]["finalizers"] = [f for f in spec_finalizers if f != "kubernetes"]
        txn.replace(ns_rt, new, ns)


def _namespaced(txn: Txn) -> list[ResourceType]:
    return [rt for rt in txn.registry.resources.values() if rt.namespaced]


class NamespaceController:
    """Per write: the namespaces that started terminating or lost an object. No resync of its own
    (a terminating namespace is reconciled by the next change in it)."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[str]:
        return keys_for(changes)

    def reconcile(self, txn: Txn, key: str) -> None:
        reconcile(txn, key)

    def resync(self, txn: Txn) -> None:
        return None
