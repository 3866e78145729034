"""EndpointSlice controller (pkg/controller/endpointslice + staging endpointslice reconciler): the
slices of every Service with a selector, one set per address type, packed by ``slicepack`` with hints
from ``slicehints``. Runs inside the write's transaction; writes only slices that changed, through
the registry's write path. A deleted Service's slices are removed here as well (upstream leaves that
to the garbage collector through the ownerReference; doing it here keeps read-your-writes without it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import StatusError, is_forbidden
from ..registry import RESOURCES_BY_KIND
from ..registry.rest import Change, Txn
from ..storage import store
from . import servicematch, slicehints
from .endpoints import Key, service_and_pod_keys
from .podutil import TRIGGER_TIME, Obj, meta, rfc3339_nano, selector_of, spec
from .servicematch import ServiceIndex
from .slicepack import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    Plan,
    address_types,
    desired_buckets,
    foreign_edit_key,
    pair_creates_with_deletes,
    plan_address_type,
)

NAME = CONTROLLER_NAME
DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100


def max_endpoints(txn: Txn) -> int:
    config = txn.registry.config
    return int(getattr(config, "max_endpoints_per_slice", 0) or DEFAULT_MAX_ENDPOINTS_PER_SLICE)


# -- keys ---------------------------------------------------------------------------------------------

def _service_view(svc: Obj | None) -> Any:
    return None if svc is None else (svc.get("spec"), meta(svc).get("labels"), meta(svc).get("annotations"),
                                     meta(svc).get("uid"), bool(meta(svc).get("deletionTimestamp")))


def _node_view(node: Obj | None) -> Any:
    if node is None:
        return None
    st = node.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in st.get("conditions") or [])
    return meta(node).get("labels"), ready, (st.get("allocatable") or {}).get("cpu")


def _node_keys(txn: Txn, services: ServiceIndex, ch: Change) -> set[Key]:
    """Services with pods on the node (their zone), plus, when topology facts changed, every Service
    asking for topology hints (a node change is rare; this is the one cluster-wide path)."""
    if _node_view(ch.old) == _node_view(ch.new):
        return set()
    name = meta(ch.new or ch.old or {}).get("name", "")
    keys: set[Key] = set()
    for row in store.list_rows(txn.conn, "pods", None, node_name=name):
        pod = row.obj()
        labels = meta(pod).get("labels")
        keys |= {(row.namespace, svc) for svc in services.services_for(txn.conn, row.namespace, [labels])}
    for row in store.list_rows(txn.conn, "services"):
        if slicehints.hints_enabled(row.obj()):
            keys.add((row.namespace, row.name))
    return keys


def keys_for(txn: Txn, services: ServiceIndex, changes: Sequence[Change]) -> set[Key]:
    keys: set[Key] = set()
    for ch in changes:
        kind, obj = ch.rt.kind, ch.new or ch.old
        assert obj is not None
        shared = service_and_pod_keys(txn, services, ch, _service_view)
        if shared is not None:
            keys |= shared
        elif kind == "EndpointSlice":
            edited = foreign_edit_key(ch, NAME)
            if edited is not None:
                keys.add(edited)
        elif kind == "Node":
            keys |= _node_keys(txn, services, ch)
    return keys


# -- reconcile ----------------------------------------------------------------------------------------

def _managed_slices(txn: Txn, ns: str, name: str) -> list[Obj]:
    rows = servicematch.labelled(txn.conn, "endpointslices.discovery.k8s.io", ns,
                                 {SERVICE_NAME_LABEL: name, MANAGED_BY_LABEL: NAME})
    return [row.obj() for row in rows]


def _nodes(txn: Txn, pods: list[Obj], everything: bool) -> tuple[dict[str, Obj], list[Obj]]:
    node_rt = RESOURCES_BY_KIND["Node"]
    if everything:
        all_nodes = [row.obj() for row in store.list_rows(txn.conn, "nodes", "")]
        return {meta(n)["name"]: n for n in all_nodes}, all_nodes
    by_name: dict[str, Obj] = {}
    for name in {str(spec(p)["nodeName"]) for p in pods if spec(p).get("nodeName")}:
        node = txn.get(node_rt, "", name)
        if node is not None:
            by_name[name] = node
    return by_name, []


def reconcile(txn: Txn, key: Key) -> dict[str, int]:
    """Sync one Service's slices; returns counts of created/updated/deleted slices."""
    ns, name = key
    rt = RESOURCES_BY_KIND["EndpointSlice"]
    svc = txn.get(RESOURCES_BY_KIND["Service"], ns, name)
    existing = _managed_slices(txn, ns, name)
    done = {"created": 0, "updated": 0, "deleted": 0}
    if svc is None:  # slices still owned by a Service of this name go with it (orphaned ones stay)
        for cur in existing:
            if any(r.get("kind") == "Service" and r.get("name") == name for r in meta(cur).get("ownerReferences") or []):
                txn.apply_delete(rt, cur, manager=NAME)
                done["deleted"] += 1
        return done
    selector = selector_of(svc)
    if selector is None:
        return done  # selectorless / ExternalName: slices (mirrored or user-made) are left alone
    pods = servicematch.pods_for(txn.conn, ns, selector)
    nodes, all_nodes = _nodes(txn, pods, slicehints.hints_enabled(svc))
    limit = max_endpoints(txn)
    types = address_types(svc)
    plan = Plan()
    for cur in existing:
        if cur.get("addressType") not in types:
            plan.delete.append(cur)
    for address_type in types:
        current = [s for s in existing if s.get("addressType") == address_type]
        buckets = desired_buckets(svc, pods, nodes, address_type)
        sub = plan_address_type(svc, current, buckets, address_type, limit)
        slicehints.apply_hints(svc, sub, all_nodes)
        plan.create += sub.create
        plan.update.update(sub.update)
        plan.delete += sub.delete
    pair_creates_with_deletes(plan, svc)
    stamp = rfc3339_nano()
    try:
        if not meta(svc).get("deletionTimestamp"):
            for body in plan.create:
                body["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = stamp
                txn.apply_create(rt, ns, body, manager=NAME)
                done["created"] += 1
        by_name = {meta(s)["name"]: s for s in existing}
        for slice_name, body in plan.update.items():
            body["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = stamp
            txn.apply_update(rt, body, by_name[slice_name], manager=NAME)
            done["updated"] += 1
        for cur in plan.delete:
            txn.apply_delete(rt, cur, manager=NAME)
            done["deleted"] += 1
    except StatusError as err:
        if not is_forbidden(err):  # a terminating namespace takes no new slices
            raise
    return done


class EndpointSliceController:
    """Keys are Services (namespace, name); ``services`` is the runtime's selector index."""

    name = NAME

    def __init__(self, services: ServiceIndex) -> None:
        self.services = services

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[Key]:
        return keys_for(txn, self.services, changes)

    def reconcile(self, txn: Txn, key: Key) -> dict[str, int]:
        return reconcile(txn, key)

    def resync(self, txn: Txn) -> dict[str, int]:
        """Every Service once (POST /mock/reconcile)."""
        return servicematch.resync_each(txn, reconcile)
