"""Packet trace: a packet (source, destination, port, protocol) arriving on one node, walked through
the rules ``iptables`` renders for that node: which frontend it hits, the rules it traverses, the
verdict (DNAT / DROP / REJECT / NO_MATCH), the backends it can reach and the endpoints left out and
why. Pure: takes the ``RoutingTable`` and plain values."""

from __future__ import annotations

import ipaddress
from typing import Any

from . import iptables
from .model import (
    CLUSTER_IP,
    EXTERNAL_IP,
    LOAD_BALANCER,
    NODE_PORT,
    Categorized,
    Endpoint,
    Frontend,
    NodeInfo,
    ServicePort,
    backend_json,
)
from .routing_table import RoutingTable

Obj = dict[str, Any]


def _in(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def classify_source(table: RoutingTable, node: NodeInfo, source: str) -> Obj:
    """What the source address is: this node, another node, a pod (and its node) or outside."""
    if source in {a for _, a in node.addresses}:
        return {"kind": "node", "node": node.name, "local": True}
    for other in table.nodes.values():
        if source in {a for _, a in other.addresses}:
            return {"kind": "node", "node": other.name, "local": False}
    for other in table.nodes.values():
        if any(_in(source, c) for c in other.pod_cidrs):
            return {"kind": "pod", "node": other.name, "local": other.name == node.name}
    if table.cluster_cidr and _in(source, table.cluster_cidr):
        return {"kind": "pod", "node": None, "local": False}
    return {"kind": "external", "node": None, "local": False}


def _find(table: RoutingTable, node: NodeInfo, dst: str, port: int, proto: str
          ) -> tuple[ServicePort, Categorized, Frontend] | None:
    node_port_hit = None
    for sp, cat, _ in table.ports_on(node.name):
        if sp.protocol != proto:
            continue
        if sp.port == port:
            if dst == sp.cluster_ip:
                return sp, cat, Frontend(CLUSTER_IP, dst, port)
            if dst in sp.external_ips:
                return sp, cat, Frontend(EXTERNAL_IP, dst, port)
            if dst in sp.lb_ips:
                return sp, cat, Frontend(LOAD_BALANCER, dst, port)
        if node_port_hit is None and sp.node_port == port and dst in node.ips:
            node_port_hit = (sp, cat, Frontend(NODE_PORT, dst, port))
    return node_port_hit


def _excluded(items: list[tuple[Endpoint, str]]) -> list[Obj]:
    return [{"ip": e.ip, "port": e.port, "node": e.node, "reason": why} for e, why in items]


def _dispatch(rules: list[str], chain: str, sp: ServicePort, eps: list[Endpoint], opts: iptables.Options,
              source: str) -> None:
    """The policy chain's rules (every probability rule is a branch) and the SEP chains they reach;
    a SEP chain's hairpin masquerade rule only when the packet comes from that endpoint itself."""
    rules += iptables.dispatch_rules(sp, chain, eps, opts)
    for ep in eps:
        hairpin, dnat = iptables.sep_rules(sp, ep, opts)
        rules += [hairpin, dnat] if ep.ip == source else [dnat]


def trace(table: RoutingTable, node_name: str, source: str, destination: str, port: int,
          protocol: str) -> Obj:
    """Trace one packet arriving on ``node_name`` (see module doc)."""
    node = table.nodes[node_name]
    src = classify_source(table, node, source)
    out: Obj = {"node": node_name, "source": {"ip": source, **src}, "verdict": "NO_MATCH", "service": None,
                "frontend": None, "backends": [], "rules": [], "excluded": []}
    hit = _find(table, node, destination, port, protocol)
    if hit is None:
        out["reason"] = (f"no service frontend {destination}:{port}/{protocol} on {node_name}: "
                         "the packet is not DNATed by kube-proxy")
        return out
    sp, cat, fe = hit
    opts = table.options()
    r = iptables.service_rules(sp, node, cat, opts)
    out["service"] = {"namespace": sp.namespace, "name": sp.name, "port": sp.port, "portName": sp.port_name}
    out["frontend"] = {"type": fe.type, "ip": fe.ip, "port": fe.port}
    if sp.affinity_timeout:
        out["sessionAffinity"] = {"type": "ClientIP", "timeoutSeconds": sp.affinity_timeout,
                                  "note": "a client seen within the timeout sticks to its earlier backend"}
    rules: list[str] = out["rules"]

    def first(prefix: str, contains: str, table_rules: list[str]) -> str | None:
        return next((x for x in table_rules if x.startswith(prefix) and contains in x), None)

    def finish(chain: str, eps: list[Endpoint], excluded: list[tuple[Endpoint, str]]) -> None:
        _dispatch(rules, chain, sp, eps, opts, source)
        out["verdict"], out["backends"], out["excluded"] = "DNAT", backend_json(eps), _excluded(excluded)

    if fe.type == CLUSTER_IP:
        entry = first("-A KUBE-SERVICES ", f"-d {fe.ip} --dport {fe.port} ", r.nat)
        if entry is None:
            rule = first("-A KUBE-SERVICES ", f"-d {fe.ip} --dport {fe.port} ", r.filter)
            rules.append(rule or "")
            out["verdict"] = rule.rsplit(" ", 1)[-1] if rule else "REJECT"
            out["excluded"] = _excluded(cat.excluded_local if sp.itp_local else cat.excluded_cluster)
            return out
        rules.append(entry)
        chain = entry.rsplit(" ", 1)[-1]
        masq = first(f"-A {chain} ", "KUBE-MARK-MASQ", r.nat)
        if masq and not (opts.cluster_cidr and _in(source, opts.cluster_cidr)):
            rules.append(masq)
        out["masquerade"] = bool(masq) and not (opts.cluster_cidr and _in(source, opts.cluster_cidr))
        eps, excluded = (cat.local, cat.excluded_local) if sp.itp_local else (cat.cluster, cat.excluded_cluster)
        finish(chain, eps, excluded)
        return out
    # external destinations: NodePort, LoadBalancer, ExternalIP
    where = f"--dport {fe.port} " if fe.type == NODE_PORT else f"-d {fe.ip} --dport {fe.port} "
    head = "-A KUBE-NODEPORTS " if fe.type == NODE_PORT else "-A KUBE-SERVICES "
    entry = first(head, where, r.nat)
    reject = next((x for x in r.filter if x.startswith("-A KUBE-EXTERNAL-SERVICES ") and where in x
                   and ("--dst-type LOCAL" in x) == (fe.type == NODE_PORT)), None)
    local_eps = (cat.local, cat.excluded_local) if sp.etp_local else (cat.cluster, cat.excluded_cluster)
    if fe.type == NODE_PORT and entry is not None:
        rules.append(first("-A KUBE-SERVICES ", "KUBE-NODEPORTS", [iptables.NODEPORTS_LAST]) or "")
    if entry is None:
        rules.append(reject or "")
        out["verdict"] = reject.rsplit(" ", 1)[-1] if reject else "REJECT"
        out["excluded"] = _excluded(local_eps[1])
        return out
    rules.append(entry)
    if entry.endswith(r.fw):
        allowed = [x for x in r.nat if x.startswith(f"-A {r.fw} ") and " -s " in x
                   and _in(source, x.split(" -s ")[1].split(" ")[0])]
        if not allowed:
            rules.append(next(x for x in r.nat if x.startswith(f"-A {r.fw} ") and "will be dropped" in x))
            rules.append(first("-A KUBE-PROXY-FIREWALL ", where, r.filter) or "")
            out["verdict"] = "DROP"
            out["reason"] = f"source {source} is outside loadBalancerSourceRanges {list(sp.source_ranges)}"
            return out
        rules.append(allowed[0])
    ext_rules = [x for x in r.nat if x.startswith(f"-A {r.ext} ")]
    if not sp.etp_local:
        rules += ext_rules  # masquerade, then the cluster chain
        out["masquerade"] = True
        finish(r.svc, cat.cluster, cat.excluded_cluster)
        return out
    pod_rule = next((x for x in ext_rules if "pod traffic" in x), None)
    if src["kind"] == "pod" and pod_rule:
        rules.append(pod_rule)
        out["shortCircuit"] = "pod traffic to an external destination is routed as cluster traffic"
        finish(r.svc, cat.cluster, cat.excluded_cluster)
        return out
    if src["kind"] == "node" and src["local"]:
        rules += [x for x in ext_rules if "LOCAL traffic" in x]
        out["masquerade"] = True
        out["shortCircuit"] = "traffic from the node itself is routed as cluster traffic"
        finish(r.svc, cat.cluster, cat.excluded_cluster)
        return out
    policy = next((x for x in ext_rules if x == f"-A {r.ext} -j {r.svl}"), None)
    if policy is None:
        rules.append(reject or "")
        out["verdict"] = "DROP"
        out["excluded"] = _excluded(cat.excluded_local)
        out["reason"] = "externalTrafficPolicy=Local and no local endpoints on this node"
        return out
    rules.append(policy)
    out["masquerade"] = False
    finish(r.svl, *local_eps)
    return out
