"""EndpointSlice hints, pure (staging/src/k8s.io/endpointslice: topologycache for the
``service.kubernetes.io/topology-mode: Auto`` annotation, trafficdist for ``trafficDistribution:
PreferClose``). Functions rewrite a Plan's slices in place; unchanged slices whose hints must move
become updates. Returns why hints were withheld (an event message) or None."""

from __future__ import annotations

import copy
import math
from typing import Any

from .podutil import ZONE_LABEL, Obj, meta, spec
from .slicepack import Plan

TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"  # deprecated spelling
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
OVERLOAD_THRESHOLD = 0.2

INSUFFICIENT_NODE_INFO = "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes"
NO_ZONE_SPECIFIED = "One or more endpoints do not have a Zone specified"
INSUFFICIENT_ZONES = "Insufficient number of zones"
INSUFFICIENT_ENDPOINTS = "Insufficient number of endpoints"
MIN_ALLOCATION_EXCEEDS = "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold"


def hints_enabled(svc: Obj) -> bool:
    annotations = meta(svc).get("annotations") or {}
    value = annotations.get(TOPOLOGY_MODE, annotations.get(TOPOLOGY_HINTS))
    return value in ("Auto", "auto")


def endpoint_ready(ep: Obj) -> bool:
    return (ep.get("conditions") or {}).get("ready") is not False  # nil means ready


def parse_cpu(value: Any) -> float:
    text = str(value or "0")
    try:
        return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        return 0.0


def cpu_ratios_by_zone(nodes: list[Obj]) -> dict[str, float] | None:
    """TopologyCache.SetNodes: Ready, non-control-plane nodes; any of them without a zone or CPU
    disables hints; fewer than 2 zones too (None)."""
    cpu_by_zone: dict[str, float] = {}
    for node in nodes:
        labels = meta(node).get("labels") or {}
        if any(k in labels for k in CONTROL_PLANE_LABELS):
            continue
        conditions = (node.get("status") or {}).get("conditions") or []
        if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            continue
        cpu = parse_cpu(((node.get("status") or {}).get("allocatable") or {}).get("cpu"))
        zone = labels.get(ZONE_LABEL) or ""
        if not zone or cpu <= 0:
            return None
        cpu_by_zone[zone] = cpu_by_zone.get(zone, 0.0) + cpu
    total = sum(cpu_by_zone.values())
    if total <= 0 or len(cpu_by_zone) < 2:
        return None
    return {zone: cpu / total for zone, cpu in cpu_by_zone.items()}


def allocations(ratios: dict[str, float] | None, n: int) -> tuple[dict[str, tuple[int, int]] | None, str]:
    """getAllocations: per zone (minimum, maximum) endpoints, or None and the reason."""
    if ratios is None:
        return None, INSUFFICIENT_NODE_INFO
    if len(ratios) < 2:
        return None, INSUFFICIENT_ZONES
    if len(ratios) > n:
        return None, f"{INSUFFICIENT_ENDPOINTS} ({n} endpoints, {len(ratios)} zones)"
    remaining, min_total, minimums = n, 0, {}
    for zone, ratio in sorted(ratios.items()):
        desired = ratio * n
        minimum = math.ceil(desired * (1 / (1 + OVERLOAD_THRESHOLD)))
        minimums[zone] = minimum
        min_total += minimum
        remaining -= minimum
        if remaining < 0:
            return None, f"{MIN_ALLOCATION_EXCEEDS} ({n} endpoints, {len(ratios)} zones)"
    return {z: (m, m + n - min_total) for z, m in minimums.items()}, ""


def _all_slices(plan: Plan) -> list[Obj]:
    return plan.create + list(plan.update.values()) + list(plan.unchanged.values())


def remove_hints(plan: Plan) -> None:
    """RemoveHintsFromSlices: no endpoint keeps hints; unchanged slices holding some are updated."""
    for s in plan.create + list(plan.update.values()):
        for ep in s["endpoints"]:
            ep.pop("hints", None)
    for name, s in list(plan.unchanged.items()):
        if any("hints" in ep for ep in s.get("endpoints") or []):
            new = copy.deepcopy(s)
            for ep in new["endpoints"]:
                ep.pop("hints", None)
            plan.update[name] = new
            del plan.unchanged[name]


def prefer_close(plan: Plan) -> None:
    """trafficdist PreferClose: every ready endpoint with a zone is hinted for its own zone."""
    def want(ep: Obj) -> Obj | None:
        return {"forZones": [{"name": ep["zone"]}]} if endpoint_ready(ep) and ep.get("zone") else None

    def apply(s: Obj) -> None:
        for ep in s["endpoints"]:
            hint = want(ep)
            if hint is None:
                ep.pop("hints", None)
            else:
                ep["hints"] = hint

    for name, s in list(plan.unchanged.items()):
        if any(ep.get("hints") != want(ep) for ep in s.get("endpoints") or []):
            new = copy.deepcopy(s)
            apply(new)
            plan.update[name] = new
            del plan.unchanged[name]
    for s in plan.create + list(plan.update.values()):
        apply(s)


def add_topology_hints(plan: Plan, nodes: list[Obj]) -> str | None:
    """TopologyCache.AddHints: same-zone hints first, then surplus endpoints of over-served zones are
    re-hinted to under-served ones; any failure removes every hint (returns the reason)."""
    total = sum(1 for s in _all_slices(plan) for ep in s.get("endpoints") or [] if endpoint_ready(ep))
    allocs, reason = allocations(cpu_ratios_by_zone(nodes), total)
    if allocs is None:
        remove_hints(plan)
        return reason
    allocated: dict[str, int] = {}
    for name, s in list(plan.unchanged.items()):  # getAllocatedHintsByZone
        ready = [ep for ep in s.get("endpoints") or [] if endpoint_ready(ep)]
        if all(len((ep.get("hints") or {}).get("forZones") or []) == 1 and
               ep["hints"]["forZones"][0].get("name") in allocs for ep in ready):
            for ep in ready:
                zone = ep["hints"]["forZones"][0]["name"]
                allocated[zone] = allocated.get(zone, 0) + 1
        else:
            plan.update[name] = copy.deepcopy(s)
            del plan.unchanged[name]
    slices = plan.create + list(plan.update.values())
    for s in slices:
        for ep in s["endpoints"]:
            if not endpoint_ready(ep):
                ep.pop("hints", None)
                continue
            if not ep.get("zone"):
                remove_hints(plan)
                return NO_ZONE_SPECIFIED
            allocated[ep["zone"]] = allocated.get(ep["zone"], 0) + 1
            ep["hints"] = {"forZones": [{"name": ep["zone"]}]}
    giving = {z: allocated.get(z, 0) - mx for z, (_, mx) in allocs.items() if allocated.get(z, 0) > mx}
    receiving = {z: mn - allocated.get(z, 0) for z, (mn, _) in allocs.items() if allocated.get(z, 0) < mn}
    for s in slices:
        for ep in s["endpoints"]:
            if not giving or not receiving:
                return None
            if not endpoint_ready(ep) or ep.get("zone") not in giving:
                continue
            source = ep["zone"]
            target = max(sorted(receiving), key=lambda z: receiving[z])
            ep["hints"] = {"forZones": [{"name": target}]}
            for table, zone in ((giving, source), (receiving, target)):
                table[zone] -= 1
                if table[zone] == 0:
                    del table[zone]
    return None


def apply_hints(svc: Obj, plan: Plan, nodes: list[Obj] | None) -> str | None:
    """reconcileByAddressType's hint step: the annotation wins over trafficDistribution; neither
    removes hints."""
    if hints_enabled(svc):
        return add_topology_hints(plan, nodes or [])
    if spec(svc).get("trafficDistribution") in ("PreferClose", "PreferSameZone", "PreferSameNode"):
        prefer_close(plan)
    else:
        remove_hints(plan)
    return None
