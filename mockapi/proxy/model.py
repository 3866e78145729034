"""Routing model (pkg/proxy: serviceport.go, endpointslicecache.go, topology.go CategorizeEndpoints):
plain Service / EndpointSlice / Node dicts -> per service port, per node, the frontends and the
backends kube-proxy would program. Pure and deterministic; no Flask, no storage."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

ZONE_LABEL = "topology.kubernetes.io/zone"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
HEADLESS_LABEL = "service.kubernetes.io/headless"
PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name"
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
DEFAULT_AFFINITY_TIMEOUT = 10800

CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_IP = "ClusterIP", "NodePort", "LoadBalancer", "ExternalIP"


@functools.lru_cache(maxsize=1 << 16)
def family_of(ip: str) -> str:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return ""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a service port as kube-proxy keeps it (only ``addresses[0]`` is used)."""

    ip: str
    port: int
    node: str | None
    zone: str | None
    ready: bool
    serving: bool
    terminating: bool
    zone_hints: frozenset[str] | None  # None: the endpoint carries no zone hints

    @functools.cached_property
    def key(self) -> str:
        """``IP:port`` (IPv6 bracketed): the sort key and the DNAT target."""
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class NodeInfo:
    name: str
    zone: str | None
    addresses: tuple[tuple[str, str], ...]  # (type, address) as in status.addresses
    pod_cidrs: tuple[str, ...]

    @functools.cached_property
    def ips(self) -> list[str]:
        """Addresses a NodePort answers on (InternalIP and ExternalIP)."""
        return [a for t, a in self.addresses if t in ("InternalIP", "ExternalIP") and family_of(a)]

    def to_json(self) -> Obj:
        return {"name": self.name, "zone": self.zone,
                "addresses": [{"type": t, "address": a} for t, a in self.addresses]}


def node_info(node: Obj) -> NodeInfo:
    metadata, status, spec = node.get("metadata") or {}, node.get("status") or {}, node.get("spec") or {}
    addresses = tuple((str(a.get("type", "")), str(a.get("address", ""))) for a in status.get("addresses") or [])
    cidrs = tuple(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))
    return NodeInfo(metadata.get("name", ""), (metadata.get("labels") or {}).get(ZONE_LABEL) or None,
                    addresses, cidrs)


@dataclass(frozen=True)
class ServicePort:
    """A ServicePortName ``(namespace, name, portName, protocol)`` for one IP family, with its endpoints
    sorted by ``IP:port`` string (the order of the probability chain)."""

    namespace: str
    name: str
    port_name: str
    protocol: str
    port: int
    family: str
    cluster_ip: str
    node_port: int
    external_ips: tuple[str, ...]
    lb_ips: tuple[str, ...]
    source_ranges: tuple[str, ...]
    affinity_timeout: int  # 0: sessionAffinity None
    etp_local: bool
    itp_local: bool
    health_check_node_port: int
    endpoints: tuple[Endpoint, ...]

    @functools.cached_property
    def spn(self) -> str:
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{self.port_name}" if self.port_name else base

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.lb_ips or self.external_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        return not self.itp_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.itp_local or (self.etp_local and self.externally_accessible)


@dataclass(frozen=True)
class ServiceModel:
    """What kube-proxy takes from one Service: its ports, or why it programs nothing."""

    namespace: str
    name: str
    ports: tuple[ServicePort, ...]
    skipped: str | None = None


@dataclass
class Categorized:
    """CategorizeEndpoints for one service port on one node, with why each endpoint was left out."""

    cluster: list[Endpoint]
    local: list[Endpoint]
    reachable: list[Endpoint]
    has_any: bool
    topology: bool
    excluded_cluster: list[tuple[Endpoint, str]] = field(default_factory=list)
    excluded_local: list[tuple[Endpoint, str]] = field(default_factory=list)


# -- inputs -------------------------------------------------------------------------------------------

def _skip_reason(svc: Obj) -> str | None:
    spec, labels = svc.get("spec") or {}, (svc.get("metadata") or {}).get("labels") or {}
    if PROXY_NAME_LABEL in labels:
        return f"service-proxy-name {labels[PROXY_NAME_LABEL]!r}: handled by another proxy"
    if spec.get("type") == "ExternalName":
        return "ExternalName: DNS only (a CNAME), kube-proxy programs nothing"
    if spec.get("clusterIP") == "None":
        return "headless: DNS only, kube-proxy programs nothing"
    if not spec.get("clusterIP"):
        return "no clusterIP: kube-proxy programs nothing"
    return None


def slice_endpoints(slices: Iterable[Obj], port_name: str, protocol: str, family: str) -> tuple[Endpoint, ...]:
    """The endpoints of one service port from its slices (endpointslicecache): ports matched by name
    and protocol, addresses[0] only, nil conditions true, duplicate IP:port merged; sorted."""
    found: dict[str, Endpoint] = {}
    for sl in sorted(slices, key=lambda s: (s.get("metadata") or {}).get("name", "")):
        if sl.get("addressType") != family:
            continue
        port = None
        for p in sl.get("ports") or []:
            if p.get("name") is None or not p.get("port"):
                continue
            if p["name"] == port_name and (p.get("protocol") or "TCP") == protocol:
                port = int(p["port"])
                break
        if port is None:
            continue
        for ep in sl.get("endpoints") or []:
            addresses = ep.get("addresses") or []
            if not addresses or family_of(addresses[0]) != family:
                continue
            cond = ep.get("conditions") or {}
            hints = (ep.get("hints") or {}).get("forZones")
            e = Endpoint(ip=addresses[0], port=port, node=ep.get("nodeName"), zone=ep.get("zone"),
                         ready=cond.get("ready") is not False, serving=cond.get("serving") is not False,
                         terminating=cond.get("terminating") is True,
                         zone_hints=frozenset(h.get("name", "") for h in hints) if hints else None)
            found.setdefault(e.key, e)
    return tuple(found[k] for k in sorted(found))


def service_model(svc: Obj, slices: Iterable[Obj]) -> ServiceModel:
    """Service + its EndpointSlices -> the service ports kube-proxy programs (one per port and family)."""
    metadata, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    ns, name = metadata.get("namespace", ""), metadata.get("name", "")
    reason = _skip_reason(svc)
    if reason:
        return ServiceModel(ns, name, (), reason)
    slices = [s for s in slices if not {HEADLESS_LABEL, PROXY_NAME_LABEL} & set((s.get("metadata") or {})
                                                                                 .get("labels") or {})]
    svc_type = spec.get("type") or "ClusterIP"
    external_ips = [ip for ip in spec.get("externalIPs") or [] if family_of(ip)]
    accessible = svc_type in ("NodePort", "LoadBalancer") or bool(external_ips)
    etp_local = accessible and spec.get("externalTrafficPolicy") == "Local"
    lb_ips: list[str] = []
    ranges: list[str] = []
    if svc_type == "LoadBalancer":
        for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            if ing.get("ip") and ing.get("ipMode") != "Proxy":
                lb_ips.append(ing["ip"])
        ranges = list(spec.get("loadBalancerSourceRanges") or [])
        if not ranges and (metadata.get("annotations") or {}).get(SOURCE_RANGES_ANNOTATION):
            ranges = [r.strip() for r in metadata["annotations"][SOURCE_RANGES_ANNOTATION].split(",") if r.strip()]
    timeout = 0
    if spec.get("sessionAffinity") == "ClientIP":
        timeout = int(((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
                      or DEFAULT_AFFINITY_TIMEOUT)
    hc = int(spec.get("healthCheckNodePort") or 0) if svc_type == "LoadBalancer" and etp_local else 0
    ports: list[ServicePort] = []
    for cluster_ip in spec.get("clusterIPs") or [spec["clusterIP"]]:
        family = family_of(cluster_ip)
        if not family:
            continue
        for p in spec.get("ports") or []:
            port_name, protocol = p.get("name") or "", p.get("protocol") or "TCP"
            ports.append(ServicePort(
                namespace=ns, name=name, port_name=port_name, protocol=protocol, port=int(p.get("port") or 0),
                family=family, cluster_ip=cluster_ip, node_port=int(p.get("nodePort") or 0),
                external_ips=tuple(ip for ip in external_ips if family_of(ip) == family),
                lb_ips=tuple(ip for ip in lb_ips if family_of(ip) == family),
                source_ranges=tuple(r for r in ranges if family_of(r.split("/")[0]) == family),
                affinity_timeout=timeout, etp_local=etp_local,
                itp_local=spec.get("internalTrafficPolicy") == "Local", health_check_node_port=hc,
                endpoints=slice_endpoints(slices, port_name, protocol, family)))
    return ServiceModel(ns, name, tuple(ports))


# -- CategorizeEndpoints --------------------------------------------------------------------------------

def can_use_topology(endpoints: Iterable[Endpoint], zone: str | None) -> bool:
    """All-or-nothing: every ready endpoint has zone hints and at least one is hinted for this zone."""
    if not zone:
        return False
    for_zone = False
    for ep in endpoints:
        if not ep.ready:
            continue
        if not ep.zone_hints:
            return False
        for_zone = for_zone or zone in ep.zone_hints
    return for_zone


def _why_not_ready(ep: Endpoint) -> str:
    if ep.terminating and ep.serving:
        return "terminating (serving, but ready endpoints exist)"
    if ep.terminating:
        return "terminating and not serving"
    return "not ready"


def categorize(sp: ServicePort, node: NodeInfo) -> Categorized:
    """pkg/proxy/topology.go CategorizeEndpoints for ``sp`` on ``node``."""
    eps = sp.endpoints
    cluster: list[Endpoint] = []
    local: list[Endpoint] = []
    has_any, topology, fallback_local = False, False, False
    ex_cluster: list[tuple[Endpoint, str]] = []
    ex_local: list[tuple[Endpoint, str]] = []
    if sp.uses_cluster_endpoints:
        topology = can_use_topology(eps, node.zone)
        cluster = [e for e in eps if e.ready and (not topology or node.zone in (e.zone_hints or ()))]
        if not cluster:
            cluster = [e for e in eps if e.serving and e.terminating]
        has_any = bool(cluster)
        chosen = {e.key for e in cluster}
        for e in eps:
            if e.key in chosen:
                continue
            if e.ready:
                why = f"topology hints for zones {sorted(e.zone_hints or ())}, not this node's zone {node.zone}"
                ex_cluster.append((e, why))
            else:
                ex_cluster.append((e, _why_not_ready(e)))
    if sp.uses_local_endpoints:
        local_ready = [e for e in eps if e.ready and e.node == node.name]
        local_term = [e for e in eps if not e.ready and e.serving and e.terminating and e.node == node.name]
        has_any = has_any or any(e.ready or (e.serving and e.terminating) for e in eps)
        if local_ready:
            local = local_ready
        elif local_term:
            local, fallback_local = local_term, True
        chosen = {e.key for e in local}
        for e in eps:
            if e.key not in chosen:
                ex_local.append((e, f"not node-local (on {e.node or 'no node'})" if e.node != node.name
                                 else _why_not_ready(e)))
    if not sp.uses_local_endpoints:
        reachable = cluster
    elif not sp.uses_cluster_endpoints:
        reachable = local
    elif not topology and not fallback_local:
        reachable = cluster
    else:
        merged = {e.key: e for e in cluster}
        merged.update({e.key: e for e in local})
        reachable = [merged[k] for k in sorted(merged)]
    return Categorized(cluster, local, reachable, has_any, topology, ex_cluster, ex_local)


# -- frontends ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frontend:
    type: str
    ip: str
    port: int

    @property
    def external(self) -> bool:
        return self.type != CLUSTER_IP


def frontends(sp: ServicePort, node: NodeInfo) -> list[Frontend]:
    out = [Frontend(CLUSTER_IP, sp.cluster_ip, sp.port)]
    out += [Frontend(EXTERNAL_IP, ip, sp.port) for ip in sp.external_ips]
    out += [Frontend(LOAD_BALANCER, ip, sp.port) for ip in sp.lb_ips]
    if sp.node_port:
        out += [Frontend(NODE_PORT, ip, sp.node_port) for ip in node.ips if family_of(ip) == sp.family]
    return out


def backends_for(sp: ServicePort, cat: Categorized, external: bool) -> tuple[list[Endpoint], bool]:
    """The endpoints a frontend's traffic reaches (outside clients for external ones) and whether its
    policy is Local."""
    local_policy = sp.etp_local if external else sp.itp_local
    return (cat.local if local_policy else cat.cluster), local_policy


def backend_json(eps: list[Endpoint], memo: dict[tuple[int, ...], list[Obj]] | None = None) -> list[Obj]:
    """Backends as served; ``memo`` shares equal lists across nodes (they are never mutated)."""
    key = tuple(id(e) for e in eps) if memo is not None else ()
    if memo is not None and key in memo:
        return memo[key]
    n = len(eps)
    share = round(1 / n, 10) if n else 0.0
    out = [{"ip": e.ip, "port": e.port, "node": e.node, "probability": share} for e in eps]
    if memo is not None:
        memo[key] = out
    return out


def service_port_json(sp: ServicePort, node: NodeInfo, cat: Categorized,
                      memo: dict[tuple[int, ...], list[Obj]] | None = None) -> Obj:
    """One entry of a node's ``services`` in GET /mock/routing-table."""
    fronts = []
    for fe in frontends(sp, node):
        eps, local_policy = backends_for(sp, cat, fe.external)
        entry: Obj = {"type": fe.type, "ip": fe.ip, "port": fe.port, "backends": backend_json(eps, memo),
                      "whenNoBackends": "DROP" if local_policy and cat.has_any else "REJECT"}
        if fe.external and sp.etp_local:
            entry["podAndNodeTrafficBackends"] = backend_json(cat.cluster, memo)
        if fe.type == LOAD_BALANCER and sp.source_ranges:
            entry["sourceRanges"] = list(sp.source_ranges)
        fronts.append(entry)
    out: Obj = {"namespace": sp.namespace, "name": sp.name, "port": sp.port, "portName": sp.port_name,
                "protocol": sp.protocol, "ipFamily": sp.family,
                "sessionAffinity": "ClientIP" if sp.affinity_timeout else "None"}
    if sp.affinity_timeout:
        out["sessionAffinityTimeoutSeconds"] = sp.affinity_timeout
    out["internalTrafficPolicy"] = "Local" if sp.itp_local else "Cluster"
    if sp.externally_accessible:
        out["externalTrafficPolicy"] = "Local" if sp.etp_local else "Cluster"
    out["topologyAware"] = cat.topology
    out["frontends"] = fronts
    if sp.health_check_node_port:
        out["healthCheckNodePort"] = {"port": sp.health_check_node_port,
                                      "localEndpoints": sum(1 for e in cat.local if e.ready)}
    return out
