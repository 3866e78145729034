"""iptables-save text as kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go syncProxyRules)
would program it on one node: the KUBE-* chains with upstream's hashed names, probability cascade,
affinity, DNAT and masquerade marks, in kube-proxy's restore order. Pure and deterministic."""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
from dataclasses import dataclass, field

from .model import Categorized, Endpoint, NodeInfo, ServicePort, family_of

MASQ_MARK = "0x4000"
LARGE_CLUSTER_ENDPOINTS = 1000  # above this many endpoints, per-endpoint rules drop their comments
NODEPORTS_LAST = ('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be '
                  'the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')


@functools.lru_cache(maxsize=1 << 18)
def chain_hash(text: str) -> str:
    """Upstream's portProtoHash / servicePortEndpointChainName: base32(sha256(text))[:16]."""
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def service_chain(prefix: str, sp: ServicePort) -> str:
    """KUBE-SVC-/KUBE-SVL-/KUBE-EXT-/KUBE-FW- + hash(servicePortName + lowercase protocol)."""
    return f"KUBE-{prefix}-{chain_hash(sp.spn + sp.protocol.lower())}"


def endpoint_chain(sp: ServicePort, ep: Endpoint) -> str:
    return f"KUBE-SEP-{chain_hash(sp.spn + sp.protocol.lower() + ep.key)}"


def probability(n: int) -> str:
    return "%0.10f" % (1.0 / n)


def _quote(comment: str) -> str:
    return f'"{comment}"' if " " in comment else comment


@dataclass
class Options:
    cluster_cidr: str = ""  # the local detector (``! -s <cidr>`` masquerades off-cluster sources)
    large_cluster: bool = False


@dataclass
class ServiceRules:
    """The rules of one service port on one node, by the chain they belong to, in restore order."""

    nat: list[str] = field(default_factory=list)
    filter: list[str] = field(default_factory=list)
    nat_chains: list[str] = field(default_factory=list)
    svc: str = ""
    svl: str = ""
    ext: str = ""
    fw: str = ""


def _match(sp: ServicePort, dst: str | None, dport: int) -> str:
    proto = sp.protocol.lower()
    return f"-m {proto} -p {proto}" + (f" -d {dst}" if dst else "") + f" --dport {dport}"


def dispatch_rules(sp: ServicePort, chain: str, eps: list[Endpoint], opts: Options) -> list[str]:
    """writeServiceToEndpointRules: affinity checks first, then the 1/(n-i) cascade."""
    out = []
    comment = lambda ep: "" if opts.large_cluster else f' -m comment --comment "{sp.spn} -> {ep.key}"'
    if sp.affinity_timeout:
        for ep in eps:
            sep = endpoint_chain(sp, ep)
            out.append(f"-A {chain}{comment(ep)} -m recent --name {sep} --rcheck --seconds "
                       f"{sp.affinity_timeout} --reap -j {sep}")
    n = len(eps)
    for i, ep in enumerate(eps):
        stat = f" -m statistic --mode random --probability {probability(n - i)}" if i < n - 1 else ""
        out.append(f"-A {chain}{comment(ep)}{stat} -j {endpoint_chain(sp, ep)}")
    return out


def sep_rules(sp: ServicePort, ep: Endpoint, opts: Options) -> list[str]:
    chain = endpoint_chain(sp, ep)
    comment = "" if opts.large_cluster else f" -m comment --comment {_quote(sp.spn)}"
    proto = sp.protocol.lower()
    recent = f" -m recent --name {chain} --set" if sp.affinity_timeout else ""
    return [f"-A {chain}{comment} -s {ep.ip} -j KUBE-MARK-MASQ",
            f"-A {chain}{comment}{recent} -m {proto} -p {proto} -j DNAT --to-destination {ep.key}"]


def service_rules(sp: ServicePort, node: NodeInfo, cat: Categorized, opts: Options) -> ServiceRules:
    """syncProxyRules for one service port on ``node``."""
    r = ServiceRules(svc=service_chain("SVC", sp), svl=service_chain("SVL", sp),
                     ext=service_chain("EXT", sp), fw=service_chain("FW", sp))
    spn = sp.spn
    has_endpoints = cat.has_any
    internal_chain = r.svl if sp.itp_local else r.svc
    has_internal = has_endpoints and (bool(cat.local) if sp.itp_local else True)
    external_policy_chain = r.svl if sp.etp_local else r.svc
    has_external = has_endpoints and (bool(cat.local) if sp.etp_local else True)
    uses_ext = has_endpoints and sp.externally_accessible
    uses_fw = uses_ext and bool(sp.lb_ips) and bool(sp.source_ranges)
    lb_chain = r.fw if uses_fw else r.ext
    if not has_endpoints:
        internal_target, internal_comment = "REJECT", f'"{spn} has no endpoints"'
        external_target, external_comment = "REJECT", internal_comment
    else:
        internal_target = external_target = "DROP"
        internal_comment = external_comment = f'"{spn} has no local endpoints"'
    nat, flt = r.nat, r.filter
    if has_internal:
        nat.append(f'-A KUBE-SERVICES -m comment --comment "{spn} cluster IP" {_match(sp, sp.cluster_ip, sp.port)}'
                   f" -j {internal_chain}")
    else:
        flt.append(f"-A KUBE-SERVICES -m comment --comment {internal_comment} {_match(sp, sp.cluster_ip, sp.port)}"
                   f" -j {internal_target}")
    for ip in sp.external_ips:
        if has_endpoints:
            nat.append(f'-A KUBE-SERVICES -m comment --comment "{spn} external IP" {_match(sp, ip, sp.port)} -j {r.ext}')
        if not has_external:
            flt.append(f"-A KUBE-EXTERNAL-SERVICES -m comment --comment {external_comment} "
                       f"{_match(sp, ip, sp.port)} -j {external_target}")
    for ip in sp.lb_ips:
        if has_endpoints:
            nat.append(f'-A KUBE-SERVICES -m comment --comment "{spn} loadbalancer IP" {_match(sp, ip, sp.port)}'
                       f" -j {lb_chain}")
        if uses_fw:
            flt.append(f'-A KUBE-PROXY-FIREWALL -m comment --comment "{spn} traffic not accepted by {r.fw}" '
                       f"{_match(sp, ip, sp.port)} -j DROP")
    if not has_external:
        for ip in sp.lb_ips:
            flt.append(f"-A KUBE-EXTERNAL-SERVICES -m comment --comment {external_comment} "
                       f"{_match(sp, ip, sp.port)} -j {external_target}")
    if sp.node_port:
        if has_endpoints:
            nat.append(f"-A KUBE-NODEPORTS -m comment --comment {_quote(spn)} {_match(sp, None, sp.node_port)}"
                       f" -j {r.ext}")
        if not has_external:
            flt.append(f"-A KUBE-EXTERNAL-SERVICES -m comment --comment {external_comment} -m addrtype "
                       f"--dst-type LOCAL {_match(sp, None, sp.node_port)} -j {external_target}")
    if sp.health_check_node_port:
        flt.append(f'-A KUBE-NODEPORTS -m comment --comment "{spn} health check node port" -m tcp -p tcp '
                   f"--dport {sp.health_check_node_port} -j ACCEPT")
    if uses_ext:
        r.nat_chains.append(r.ext)
        if not sp.etp_local:
            nat.append(f'-A {r.ext} -m comment --comment "masquerade traffic for {spn} external destinations" '
                       "-j KUBE-MARK-MASQ")
        else:
            if opts.cluster_cidr:
                nat.append(f'-A {r.ext} -m comment --comment "pod traffic for {spn} external destinations" '
                           f"-s {opts.cluster_cidr} -j {r.svc}")
            nat.append(f'-A {r.ext} -m comment --comment "masquerade LOCAL traffic for {spn} external '
                       'destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ')
            nat.append(f'-A {r.ext} -m comment --comment "route LOCAL traffic for {spn} external destinations" '
                       f"-m addrtype --src-type LOCAL -j {r.svc}")
        if has_external:
            nat.append(f"-A {r.ext} -j {external_policy_chain}")
    if uses_fw:
        r.nat_chains.append(r.fw)
        for cidr in sp.source_ranges:
            nat.append(f'-A {r.fw} -m comment --comment "{spn} loadbalancer IP" -s {cidr} -j {r.ext}')
        for node_ip in node.ips:
            if family_of(node_ip) == sp.family and _in_any(node_ip, sp.source_ranges):
                for ip in sp.lb_ips:
                    nat.append(f'-A {r.fw} -m comment --comment "{spn} loadbalancer IP" -s {ip} -j {r.ext}')
                break
        nat.append(f'-A {r.fw} -m comment --comment "other traffic to {spn} will be dropped by KUBE-PROXY-FIREWALL"')
    uses_cluster_chain = bool(cat.cluster) and sp.uses_cluster_endpoints
    uses_local_chain = bool(cat.local) and sp.uses_local_endpoints
    masq = (f'-A {internal_chain} -m comment --comment "{spn} cluster IP" {_match(sp, sp.cluster_ip, sp.port)}'
            f" ! -s {opts.cluster_cidr} -j KUBE-MARK-MASQ") if has_internal and opts.cluster_cidr else None
    if uses_cluster_chain:
        r.nat_chains.append(r.svc)
        if masq and internal_chain == r.svc:
            nat.append(masq)
        nat += dispatch_rules(sp, r.svc, cat.cluster, opts)
    if uses_local_chain:
        r.nat_chains.append(r.svl)
        if masq and internal_chain == r.svl:
            nat.append(masq)
        nat += dispatch_rules(sp, r.svl, cat.local, opts)
    for ep in cat.reachable:
        r.nat_chains.append(endpoint_chain(sp, ep))
        nat += sep_rules(sp, ep, opts)
    return r


def _in_any(ip: str, cidrs: tuple[str, ...]) -> bool:
    addr = ipaddress.ip_address(ip)
    for c in cidrs:
        try:
            if addr in ipaddress.ip_network(c, strict=False):
                return True
        except ValueError:
            continue
    return False


FILTER_CHAINS = ("KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY",
                 "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES")
NAT_CHAINS = ("KUBE-KUBELET-CANARY", "KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-PROXY-CANARY",
              "KUBE-SERVICES")


def render(node: NodeInfo, rules: list[ServiceRules]) -> str:
    """The node's iptables-save text (IPv4 tables) from the service rules, in the given order."""
    flt = [f":{c} - [0:0]" for c in FILTER_CHAINS]
    for r in rules:
        flt += r.filter
    flt += ["-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
            ('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark '
             f"{MASQ_MARK}/{MASQ_MARK} -j ACCEPT"),
            ('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate '
             "RELATED,ESTABLISHED -j ACCEPT")]
    chains = sorted({c for r in rules for c in r.nat_chains})
    nat = [f":{c} - [0:0]" for c in NAT_CHAINS] + [f":{c} - [0:0]" for c in chains]
    nat += [f"-A KUBE-POSTROUTING -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
            f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQ_MARK}",
            ('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE '
             "--random-fully"),
            f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK}"]
    for r in rules:
        nat += r.nat
    nat.append(NODEPORTS_LAST)
    return "\n".join([f"# kube-proxy iptables rules for node {node.name} (generated by mockapi)", "*filter",
                      *flt, "COMMIT", "*nat", *nat, "COMMIT"]) + "\n"
