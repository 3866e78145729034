"""The allocation repair pass (Kubernetes' ipallocator and portallocator repair controllers): rebuild
what the stored Services hold (clusterIPs, nodePorts, healthCheckNodePort, LoadBalancer ingress IPs
of our class), re-reserve what the ``allocations`` table lost and free what no Service holds.

Runs in one write transaction (BEGIN IMMEDIATE on SQLite: no Service write of any process can run
beside it), so a leak is freed on the first pass rather than upstream's third. Reads stored Service
bodies through the Store only; no registry, no Flask.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..storage import Conn, allocations, store
from . import Allocators
from .clusterip import POOL as SERVICE_IP_POOL
from .loadbalancer import POOL as LB_POOL
from .nodeport import POOL as NODE_PORT_POOL
from .ranges import parse_ip

#: the pools this pass owns; rows of other pools (pod IPs ...) are never touched
POOLS = (SERVICE_IP_POOL, NODE_PORT_POOL, LB_POOL)
#: loadBalancerClass of the LoadBalancers we implement (registry.service_alloc.LB_CLASS; a Service
#: without a class is ours too)
DEFAULT_LB_CLASS = "mockapi.dev/load-balancer"

#: event reasons of upstream's repair loops, by pool: (not allocated, already allocated, out of range)
_REASONS = {
    SERVICE_IP_POOL: ("ClusterIPNotAllocated", "ClusterIPAlreadyAllocated", "ClusterIPOutOfRange"),
    NODE_PORT_POOL: ("PortNotAllocated", "PortAlreadyAllocated", "PortOutOfRange"),
    LB_POOL: ("LoadBalancerIPNotAllocated", "LoadBalancerIPAlreadyAllocated", "LoadBalancerIPOutOfRange"),
}


@dataclass(frozen=True)
class Finding:
    """One thing the pass found: ``reason`` is upstream's event reason (or ``Leaked`` /
    ``OwnerCorrected`` for what only the table knew)."""

    reason: str
    pool: str
    value: str
    owner: str  # the Service that holds it ("services/<ns>/<name>"), or the stale row's owner
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.reason}: {self.pool} {self.value} ({self.owner})"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class RepairReport:
    """What one pass fixed (``reserved``, ``released``, ``reassigned``) and what it could only
    report (``duplicates``, ``out_of_range``: the objects are left as they are, as upstream does)."""

    services: int = 0
    reserved: list[Finding] = field(default_factory=list)
    released: list[Finding] = field(default_factory=list)
    reassigned: list[Finding] = field(default_factory=list)
    duplicates: list[Finding] = field(default_factory=list)
    out_of_range: list[Finding] = field(default_factory=list)

    @property
    def fixed(self) -> bool:
        return bool(self.reserved or self.released or self.reassigned)

    @property
    def problems(self) -> bool:
        return self.fixed or bool(self.duplicates or self.out_of_range)

    def findings(self) -> list[Finding]:
        return [*self.reserved, *self.released, *self.reassigned, *self.duplicates, *self.out_of_range]

    def summary(self) -> str:
        return (f"checked {self.services} Services: {len(self.reserved)} re-reserved, {len(self.released)} "
                f"leaked released, {len(self.reassigned)} owners corrected, {len(self.duplicates)} duplicates, "
                f"{len(self.out_of_range)} out of range")

    def lines(self) -> list[str]:
        return [str(f) for f in self.findings()] + [self.summary()]

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[Finding]) -> list[dict[str, str]]:
            return [{"reason": f.reason, "pool": f.pool, "value": f.value, "owner": f.owner} for f in items]

        return {"services": self.services, "reserved": rows(self.reserved), "released": rows(self.released),
                "reassigned": rows(self.reassigned), "duplicates": rows(self.duplicates),
                "outOfRange": rows(self.out_of_range)}


def owner_of(svc: dict[str, Any]) -> str:
    """The allocations-table owner of a Service (as registry.service_alloc.owner_of writes it)."""
    meta = svc.get("metadata") or {}
    return f"services/{meta.get('namespace', '')}/{meta.get('name', '')}"


def _canonical_ip(text: Any) -> str | None:
    ip = parse_ip(text) if isinstance(text, str) else None
    return str(ip) if ip is not None else None


def held_by(svc: dict[str, Any], lb_class: str = DEFAULT_LB_CLASS) -> list[tuple[str, str]]:
    """(pool, value) pairs a stored Service holds, in the order upstream's repair visits them."""
    spec = svc.get("spec") if isinstance(svc.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    out: list[tuple[str, str]] = []
    if spec.get("type") != "ExternalName":
        for text in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            ip = _canonical_ip(text)
            if ip is not None:  # "None" (headless) and "" hold nothing
                out.append((SERVICE_IP_POOL, ip))
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    for port in [p.get("nodePort") for p in ports] + [spec.get("healthCheckNodePort")]:
        if isinstance(port, int) and not isinstance(port, bool) and port > 0:
            out.append((NODE_PORT_POOL, str(port)))
    if spec.get("type") == "LoadBalancer" and spec.get("loadBalancerClass") in (None, lb_class):
        status = svc.get("status") if isinstance(svc.get("status"), dict) else {}
        assert isinstance(status, dict)
        for ing in ((status.get("loadBalancer") or {}).get("ingress") or []):
            ip = _canonical_ip(ing.get("ip")) if isinstance(ing, dict) else None
            if ip is not None:
                out.append((LB_POOL, ip))
    return list(dict.fromkeys(out))  # 53/TCP and 53/UDP share one nodePort


def _in_range(allocs: Allocators) -> Callable[[str, str], bool]:
    def check(pool: str, value: str) -> bool:
        if pool == SERVICE_IP_POOL:
            return any(a.contains(value) for a in allocs.cluster_ips)
        if pool == NODE_PORT_POOL:
            return allocs.node_ports.range.offset_of(int(value)) is not None
        ip = ipaddress.ip_address(value)
        return any(r.offset_of(ip) is not None for r in allocs.load_balancer.ranges.values())

    return check


def _range_text(allocs: Allocators, pool: str) -> str:
    if pool == SERVICE_IP_POOL:
        return ",".join(a.cidr for a in allocs.cluster_ips)
    if pool == NODE_PORT_POOL:
        return str(allocs.node_ports.range)
    return ",".join(r.cidr for r in allocs.load_balancer.ranges.values())


def _stored_services(conn: Conn) -> Iterable[dict[str, Any]]:
    """Live Services, oldest first (the earlier holder of a duplicate keeps it)."""
    rows = store.list_rows(conn, "services")
    rows.sort(key=lambda r: r.rev)
    return (r.obj() for r in rows)


def repair(conn: Conn, allocs: Allocators, *, lb_class: str = DEFAULT_LB_CLASS) -> RepairReport:
    """One repair pass inside the caller's write transaction; returns what it found and fixed."""
    report = RepairReport()
    in_range = _in_range(allocs)
    table = allocations.holders(conn, POOLS)
    services = list(_stored_services(conn))
    report.services = len(services)
    claims: dict[tuple[str, str], list[str]] = {}
    for svc in services:
        for key in held_by(svc, lb_class):
            claims.setdefault(key, []).append(owner_of(svc))

    wanted: dict[tuple[str, str], str] = {}
    for (pool, value), owners in claims.items():
        not_allocated, already, out_of_range = _REASONS[pool]
        if not in_range(pool, value):
            report.out_of_range.extend(Finding(out_of_range, pool, value, o, f"not in the valid range "
                                               f"{_range_text(allocs, pool)}") for o in owners)
            if (pool, value) in table and table[(pool, value)] in owners:
                wanted[(pool, value)] = table[(pool, value)]  # keep it: the Service still holds it
            continue
        current = table.get((pool, value))
        keeper = current if current in owners else owners[0]
        wanted[(pool, value)] = keeper
        for other in owners:
            if other != keeper:
                report.duplicates.append(Finding(already, pool, value, other, f"already allocated to {keeper}"))
        if current is None:
            allocations.claim(conn, pool, value, keeper)
            report.reserved.append(Finding(not_allocated, pool, value, keeper))
        elif current != keeper:
            allocations.reassign(conn, pool, value, keeper)
            report.reassigned.append(Finding("OwnerCorrected", pool, value, keeper, f"was held by {current}"))

    leaked = [(key, owner) for key, owner in table.items() if key not in wanted]
    for (pool, value), owner in leaked:
        allocations.release(conn, pool, [value])
        report.released.append(Finding("Leaked", pool, value, owner, "held by no stored Service"))
    return report
