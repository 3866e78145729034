"""EndpointSlice controller, pure part (staging/src/k8s.io/endpointslice: utils.go podToEndpoint,
getEndpointPorts, newEndpointSlice, setEndpointSliceLabels; reconciler.go reconcileByPortMapping and
the placeholder rule): desired endpoints bucketed by port list, and a Plan of slices to create, update
and delete that keeps churn minimal. No storage."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .podutil import (
    HEADLESS_LABEL,
    ZONE_LABEL,
    Obj,
    family_of,
    find_port,
    is_headless,
    is_ready,
    meta,
    pod_ips,
    should_be_in_endpoints,
    should_set_hostname,
    spec,
    target_ref,
)

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
RESERVED = (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)
PortKey = tuple[tuple[Any, ...], ...]


def address_types(svc: Obj) -> list[str]:
    """getAddressTypesForService: the Service's ipFamilies (legacy: the ClusterIP's family)."""
    families = [f for f in spec(svc).get("ipFamilies") or [] if f in ("IPv4", "IPv6")]
    if families:
        return families
    ip = spec(svc).get("clusterIP") or ""
    return [family_of(ip) or "IPv4"] if ip not in ("", "None") else ["IPv4"]


def endpoint_ports(svc: Obj, pod: Obj) -> list[Obj]:
    """getEndpointPorts: one port per Service port the pod can serve (name, protocol, port, appProtocol)."""
    out = []
    for sp in spec(svc).get("ports") or []:
        number = find_port(pod, sp)
        if number is None:
            continue
        port: Obj = {"name": sp.get("name") or "", "protocol": sp.get("protocol") or "TCP", "port": number}
        if sp.get("appProtocol") is not None:
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def port_key(ports: list[Obj]) -> PortKey:
    return tuple(sorted((p.get("name") or "", p.get("protocol") or "", p.get("port") or 0,
                         p.get("appProtocol") or "") for p in ports))


def pod_to_endpoint(pod: Obj, node: Obj | None, svc: Obj, address_type: str) -> Obj:
    serving = is_ready(pod)
    terminating = bool(meta(pod).get("deletionTimestamp"))
    ready = bool(spec(svc).get("publishNotReadyAddresses")) or (serving and not terminating)
    ep: Obj = {"addresses": [ip for ip in pod_ips(pod) if family_of(ip) == address_type],
               "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
    if should_set_hostname(pod, svc):
        ep["hostname"] = spec(pod)["hostname"]
    ep["targetRef"] = target_ref(pod)
    if spec(pod).get("nodeName"):
        ep["nodeName"] = spec(pod)["nodeName"]
    zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(ZONE_LABEL) if node else None
    if zone:
        ep["zone"] = zone
    return ep


def desired_buckets(svc: Obj, pods: list[Obj], nodes: dict[str, Obj], address_type: str
                    ) -> dict[PortKey, tuple[list[Obj], list[Obj]]]:
    """{port key: (ports, endpoints)} for one address type. Pods on a missing Node are skipped
    unless publishNotReadyAddresses, as upstream."""
    publish = bool(spec(svc).get("publishNotReadyAddresses"))
    buckets: dict[PortKey, tuple[list[Obj], list[Obj]]] = {}
    for pod in sorted(pods, key=lambda p: meta(p).get("name", "")):
        if not should_be_in_endpoints(pod, include_terminating=True):
            continue
        node = nodes.get(spec(pod).get("nodeName") or "")
        if node is None and not publish:
            continue
        ep = pod_to_endpoint(pod, node, svc, address_type)
        if not ep["addresses"]:
            continue
        ports = endpoint_ports(svc, pod)
        buckets.setdefault(port_key(ports), (ports, []))[1].append(ep)
    return buckets


def foreign_edit_key(ch: Any, manager: str) -> tuple[str, str] | None:
    """The Service key of a slice ``manager`` owns (by its managed-by label) that someone else just
    wrote or deleted, so the owner puts it back; None for any other change."""
    obj = ch.new or ch.old
    if ch.rt.kind != "EndpointSlice" or ch.manager == manager or obj is None:
        return None
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != manager or not labels.get(SERVICE_NAME_LABEL):
        return None
    return obj["metadata"].get("namespace", ""), labels[SERVICE_NAME_LABEL]


def slice_labels(svc: Obj) -> dict[str, str]:
    """setEndpointSliceLabels: Service labels minus reserved keys, headless marker, ours."""
    labels = {k: v for k, v in (meta(svc).get("labels") or {}).items() if k not in RESERVED}
    if is_headless(svc):
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    labels[SERVICE_NAME_LABEL] = meta(svc)["name"]
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    return labels


def owner_ref(svc: Obj) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "name": meta(svc)["name"], "uid": meta(svc).get("uid", ""),
            "controller": True, "blockOwnerDeletion": True}


def owned_by(slice_: Obj, svc: Obj) -> bool:
    return any(ref.get("uid") == meta(svc).get("uid") for ref in meta(slice_).get("ownerReferences") or [])


def new_slice(svc: Obj, ports: list[Obj], address_type: str) -> Obj:
    prefix = f"{meta(svc)['name']}-"  # Service names are DNS labels: the prefix is always valid
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": prefix, "namespace": meta(svc).get("namespace", ""),
                         "labels": slice_labels(svc), "ownerReferences": [owner_ref(svc)]},
            "addressType": address_type, "endpoints": [], "ports": copy.deepcopy(ports)}


def endpoint_key(ep: Obj) -> tuple[Any, ...]:
    """hashEndpoint: addresses, hostname and the target's namespace/name identify an endpoint."""
    ref = ep.get("targetRef") or {}
    return tuple(sorted(ep.get("addresses") or [])), ep.get("hostname") or "", ref.get("namespace"), ref.get("name")


def _without_hints(ep: Obj) -> Obj:
    return {k: v for k, v in ep.items() if k != "hints"}


@dataclass
class Plan:
    """What one address type needs: new slices, changed slices (by name), slices to delete, and the
    unchanged ones (hints may still move them to ``update``)."""

    create: list[Obj] = field(default_factory=list)
    update: dict[str, Obj] = field(default_factory=dict)
    delete: list[Obj] = field(default_factory=list)
    unchanged: dict[str, Obj] = field(default_factory=dict)


def _fill(slice_: Obj, pending: list[Obj], limit: int) -> None:
    while pending and len(slice_["endpoints"]) < limit:
        slice_["endpoints"].append(pending.pop(0))


def plan_by_ports(svc: Obj, existing: list[Obj], ports: list[Obj], desired: list[Obj], address_type: str,
                  limit: int, plan: Plan) -> None:
    """reconcileByPortMapping: keep desired endpoints where they are (updated in place), drop the rest,
    fill changed slices (fullest first), then the unchanged slice closest to full, then new slices."""
    pending = {endpoint_key(ep): ep for ep in desired}
    labels = slice_labels(svc)
    changed: list[Obj] = []
    unchanged: list[Obj] = []
    for cur in existing:
        kept, updated = [], False
        for ep in cur.get("endpoints") or []:
            want = pending.pop(endpoint_key(ep), None)
            if want is not None:
                kept.append(want)
                updated = updated or _without_hints(want) != _without_hints(ep)
        labels_changed = (meta(cur).get("labels") or {}) != labels
        if updated or len(kept) != len(cur.get("endpoints") or []):
            if not kept:
                plan.delete.append(cur)
                continue
            new = copy.deepcopy(cur)
            new["endpoints"], new["metadata"]["labels"] = kept, labels
            changed.append(new)
        elif labels_changed:
            new = copy.deepcopy(cur)
            new["metadata"]["labels"] = labels
            changed.append(new)
        else:
            unchanged.append(cur)
    rest = list(pending.values())
    for s in sorted(changed, key=lambda s: -len(s["endpoints"])):
        _fill(s, rest, limit)
    while rest:
        target = None
        if len(rest) < limit and unchanged:
            best = limit
            for s in unchanged:
                diff = limit - (len(rest) + len(s.get("endpoints") or []))
                if 0 <= diff < best:
                    best, target = diff, s
        if target is not None:
            unchanged.remove(target)
            target = copy.deepcopy(target)
            changed.append(target)
        else:
            target = new_slice(svc, ports, address_type)
            plan.create.append(target)
        _fill(target, rest, limit)
    for s in changed:
        plan.update[meta(s)["name"]] = s
    for s in unchanged:
        plan.unchanged[meta(s)["name"]] = s


def plan_address_type(svc: Obj, existing: list[Obj], buckets: dict[PortKey, tuple[list[Obj], list[Obj]]],
                      address_type: str, limit: int) -> Plan:
    """reconcileByAddressType without hints: slices of other owners go, each bucket is packed, slices
    of port lists no longer wanted go, and the placeholder keeps an empty Service visible."""
    plan = Plan()
    by_ports: dict[PortKey, list[Obj]] = {}
    for cur in existing:
        if owned_by(cur, svc):
            by_ports.setdefault(port_key(cur.get("ports") or []), []).append(cur)
        else:
            plan.delete.append(cur)
    for key, (ports, endpoints) in buckets.items():
        plan_by_ports(svc, by_ports.get(key, []), ports, endpoints, address_type, limit, plan)
    for key, slices in by_ports.items():
        if key not in buckets:
            plan.delete.extend(slices)
    if len(existing) == len(plan.delete) and not plan.create:
        placeholder = new_slice(svc, [], address_type)
        if len(plan.delete) == 1 and _is_placeholder(plan.delete[0], placeholder):
            kept = plan.delete.pop()
            plan.unchanged[meta(kept)["name"]] = kept
        else:
            plan.create.append(placeholder)
    return plan


def _is_placeholder(cur: Obj, placeholder: Obj) -> bool:
    return (not cur.get("endpoints") and not cur.get("ports") and cur.get("addressType") == placeholder["addressType"]
            and (meta(cur).get("labels") or {}) == placeholder["metadata"]["labels"]
            and [r.get("uid") for r in meta(cur).get("ownerReferences") or []] ==
            [r["uid"] for r in placeholder["metadata"]["ownerReferences"]])


def pair_creates_with_deletes(plan: Plan, svc: Obj) -> None:
    """finalize(): a create paired with a delete of the same address type becomes an update of the
    slice that would have gone (its name reused)."""
    i = 0
    while i < len(plan.delete) and plan.create:
        doomed, fresh = plan.delete[i], plan.create[-1]
        if doomed.get("addressType") == fresh["addressType"] and owned_by(doomed, svc):
            plan.create.pop()
            new = copy.deepcopy(doomed)
            new["metadata"]["labels"] = fresh["metadata"]["labels"]
            new["metadata"]["ownerReferences"] = fresh["metadata"]["ownerReferences"]
            new["endpoints"], new["ports"] = fresh["endpoints"], fresh["ports"]
            plan.update[meta(doomed)["name"]] = new
            plan.delete.pop(i)
        else:
            i += 1
