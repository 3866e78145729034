"""EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): the Endpoints of a
Service without a selector (written by hand or by another controller) are mirrored into EndpointSlices
managed by ``endpointslicemirroring-controller.k8s.io``, so kube-proxy (the routing table) and DNS see
them. One slice per address type and port set, at most 1000 endpoints per subset, the Endpoints' labels
and annotations copied, owned by the Endpoints. Runs inside the write's transaction like its siblings."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from ..errors import StatusError, is_forbidden
from ..registry import RESOURCES_BY_KIND
from ..registry.rest import Change, Txn
from . import servicematch
from .endpoints import NAME as ENDPOINTS_CONTROLLER
from .podutil import TRIGGER_TIME, Obj, meta, spec
from .slicepack import MANAGED_BY_LABEL, SERVICE_NAME_LABEL, foreign_edit_key

NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_PER_SUBSET = 1000
Key = tuple[str, str]
PortKey = tuple[str, tuple[tuple[Any, ...], ...]]


def _port_tuple(ports: list[Obj]) -> tuple[tuple[Any, ...], ...]:
    return tuple(sorted((p.get("name") or "", p.get("port"), p.get("protocol") or "TCP", p.get("appProtocol") or "")
                        for p in ports))


def _slice_ports(ports: list[Obj]) -> list[Obj]:
    """epPortsToEpsPorts: name, port and protocol always set; appProtocol when given."""
    out = []
    for p in ports:
        port = {"name": p.get("name") or "", "port": p.get("port"), "protocol": p.get("protocol") or "TCP"}
        if p.get("appProtocol"):
            port["appProtocol"] = p["appProtocol"]
        out.append(port)
    return out


def _endpoint(address: Obj, ready: bool) -> tuple[Obj, str] | None:
    """addressToEndpoint: None for an address that is not an IP (not mirrored)."""
    try:
        ip = ipaddress.ip_address(str(address.get("ip") or ""))
    except ValueError:
        return None
    endpoint: Obj = {"addresses": [str(ip)], "conditions": {"ready": ready}}
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    if address.get("targetRef"):
        endpoint["targetRef"] = address["targetRef"]
    return endpoint, "IPv4" if ip.version == 4 else "IPv6"


def desired(endpoints: Obj) -> dict[PortKey, tuple[list[Obj], list[Obj]]]:
    """{(addressType, ports): (slice ports, endpoints)}: subsets with the same ports share a slice; an IP
    is listed once; at most MAX_PER_SUBSET addresses of each subset are mirrored."""
    out: dict[PortKey, tuple[list[Obj], list[Obj]]] = {}
    seen: dict[PortKey, set[str]] = {}
    for subset in endpoints.get("subsets") or []:
        ports = subset.get("ports") or []
        added = 0
        pairs = [(a, True) for a in subset.get("addresses") or []]
        pairs += [(a, False) for a in subset.get("notReadyAddresses") or []]
        for address, ready in pairs:
            if added >= MAX_PER_SUBSET:
                break
            converted = _endpoint(address, ready)
            if converted is None:
                continue
            added += 1
            endpoint, family = converted
            key = (family, _port_tuple(ports))
            bucket = out.setdefault(key, (_slice_ports(ports), []))
            ip = endpoint["addresses"][0]
            if ip not in seen.setdefault(key, set()):
                seen[key].add(ip)
                bucket[1].append(endpoint)
    return out


def _new_slice(endpoints: Obj, ports: list[Obj], family: str, name: str) -> Obj:
    md = meta(endpoints)
    labels = dict(md.get("labels") or {})
    labels[SERVICE_NAME_LABEL] = md["name"]
    labels[MANAGED_BY_LABEL] = NAME
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k not in (TRIGGER_TIME, LAST_APPLIED)}
    owner = {"apiVersion": "v1", "kind": "Endpoints", "name": md["name"], "uid": md.get("uid", ""),
             "controller": True, "blockOwnerDeletion": True}
    metadata: Obj = {"namespace": md.get("namespace", ""), "labels": labels, "ownerReferences": [owner]}
    if annotations:
        metadata["annotations"] = annotations
    if name:
        metadata["name"] = name
    else:  # getEndpointSlicePrefix (a 63-character name leaves no room for the dash)
        metadata["generateName"] = md["name"] + "-" if len(md["name"]) < 63 else md["name"]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": metadata,
            "addressType": family, "ports": ports, "endpoints": []}


def _mirrored(txn: Txn, ns: str, name: str) -> list[Obj]:
    rows = servicematch.labelled(txn.conn, "endpointslices.discovery.k8s.io", ns,
                                 {SERVICE_NAME_LABEL: name, MANAGED_BY_LABEL: NAME})
    return sorted((row.obj() for row in rows), key=lambda s: meta(s)["name"])


def _should_mirror(endpoints: Obj | None) -> bool:
    if endpoints is None:
        return False
    md = meta(endpoints)
    return (md.get("labels") or {}).get(SKIP_MIRROR_LABEL) != "true" and \
        LEADER_ANNOTATION not in (md.get("annotations") or {})


def _slice_key(slice_: Obj) -> PortKey:
    return slice_.get("addressType") or "IPv4", _port_tuple(slice_.get("ports") or [])


def reconcile(txn: Txn, key: Key) -> dict[str, int]:
    """syncEndpoints for one Service name; counts of created/updated/deleted slices."""
    ns, name = key
    rt = RESOURCES_BY_KIND["EndpointSlice"]
    done = {"created": 0, "updated": 0, "deleted": 0}
    svc = txn.get(RESOURCES_BY_KIND["Service"], ns, name)
    if svc is None or spec(svc).get("type") == "ExternalName":
        return done  # upstream leaves them: the Endpoints' ownerReference takes them with it
    existing = _mirrored(txn, ns, name)
    endpoints = txn.get(RESOURCES_BY_KIND["Endpoints"], ns, name)
    # a selector (non-empty: an empty one does not survive a real apiserver's storage) means the
    # EndpointSlice controller owns this Service's slices
    want = desired(endpoints) if endpoints is not None and not spec(svc).get("selector") and _should_mirror(endpoints) else {}
    by_key: dict[PortKey, list[Obj]] = {}
    for cur in existing:
        by_key.setdefault(_slice_key(cur), []).append(cur)
    creates: list[Obj] = []
    updates: list[tuple[Obj, Obj]] = []
    deletes = [cur for k, group in by_key.items() if k not in want for cur in group]
    for k, (ports, eps) in sorted(want.items()):
        group = by_key.get(k, [])
        deletes += group[1:]
        if not eps:
            deletes += group[:1]
            continue
        body = _new_slice(endpoints or {}, ports, k[0], meta(group[0])["name"] if group else "")
        body["endpoints"] = eps
        if group and _same(group[0], body):
            continue
        (updates.append((body, group[0])) if group else creates.append(body))
    while creates and deletes:  # recycleSlices: reuse a slice due for deletion instead of creating one
        body, old = creates.pop(), deletes.pop()
        body["metadata"]["name"] = meta(old)["name"]
        body["metadata"].pop("generateName", None)
        updates.append((body, old))
    try:
        if endpoints is not None and not meta(endpoints).get("deletionTimestamp"):
            for body in creates:
                txn.apply_create(rt, ns, body, manager=NAME)
                done["created"] += 1
        for body, old in updates:
            new = {**old, "metadata": {**meta(old), **{k: v for k, v in body["metadata"].items()}},
                   "addressType": body["addressType"], "ports": body["ports"], "endpoints": body["endpoints"]}
            if "annotations" not in body["metadata"]:
                new["metadata"].pop("annotations", None)
            txn.apply_update(rt, new, old, manager=NAME)
            done["updated"] += 1
        for cur in deletes:
            txn.apply_delete(rt, cur, manager=NAME)
            done["deleted"] += 1
    except StatusError as err:
        if not is_forbidden(err):  # a terminating namespace takes no new slices
            raise
    return done


def _same(cur: Obj, body: Obj) -> bool:
    md, want = meta(cur), body["metadata"]
    return bool((cur.get("endpoints") or []) == body["endpoints"] and (cur.get("ports") or []) == body["ports"] \
        and (md.get("labels") or {}) == want["labels"] and (md.get("annotations") or {}) == want.get("annotations", {}) \
        and md.get("ownerReferences") == want["ownerReferences"])


def _endpoints_view(ep: Obj | None) -> Any:
    return None if ep is None else (ep.get("subsets"), meta(ep).get("labels"), meta(ep).get("annotations"),
                                    meta(ep).get("uid"), bool(meta(ep).get("deletionTimestamp")))


def _service_view(svc: Obj | None) -> Any:
    return None if svc is None else (not spec(svc).get("selector"), spec(svc).get("type"))


def keys_for(changes: Sequence[Change]) -> set[Key]:
    keys: set[Key] = set()
    for ch in changes:
        obj = ch.new or ch.old
        assert obj is not None
        kind = ch.rt.kind
        key = (meta(obj).get("namespace", ""), meta(obj).get("name", ""))
        if kind in ("Endpoints", "Service"):
            # the Endpoints controller writes Endpoints only for Services with selectors: never mirrored
            view = _endpoints_view if kind == "Endpoints" else _service_view
            if ch.manager != ENDPOINTS_CONTROLLER and view(ch.old) != view(ch.new):
                keys.add(key)
        elif kind == "EndpointSlice":
            edited = foreign_edit_key(ch, NAME)  # someone touched a mirrored slice
            if edited is not None:
                keys.add(edited)
    return keys


class SliceMirrorController:
    """Keys are Endpoints / Services (namespace, name) without a selector."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[Key]:
        return keys_for(changes)

    def reconcile(self, txn: Txn, key: Key) -> dict[str, int]:
        return reconcile(txn, key)

    def resync(self, txn: Txn) -> dict[str, int]:
        """Every Service once (POST /mock/reconcile)."""
        return servicematch.resync_each(txn, reconcile)
