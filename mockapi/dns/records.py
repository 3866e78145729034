"""Cluster DNS answers per the Kubernetes DNS specification (plus CoreDNS's pod records), as pure
functions of plain Service, EndpointSlice, Pod and Namespace dicts. No Flask, no storage.

``parse`` tells a caller which objects a name can refer to (so it fetches only those); ``resolve``
answers from whatever superset of objects it is handed. Choices where the spec leaves room:
TTL 30 s for every record (kube-dns' default; CoreDNS defaults to 5 s); SRV priority 10 and weight
100/n (n = records in the answer), as kube-dns answered; endpoints without a hostname are named by
their dashed IP (CoreDNS); pod records are "verified" (answered only when a pod in that namespace has
the IP); PTR answers a Service's clusterIPs, else the ready endpoints of headless Services.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Obj = dict[str, Any]
TTL = 30
SRV_PRIORITY = 10
DNS_SCHEMA_VERSION = "1.1.0"
TYPES = ("A", "AAAA", "SRV", "PTR", "CNAME", "TXT")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
TOLERATE_UNREADY = "service.alpha.kubernetes.io/tolerate-unready-endpoints"

Kind = Literal["zone", "svc_root", "pod_root", "namespace", "pod_namespace", "service", "endpoint",
               "srv", "pod", "ptr", "version", "none"]


@dataclass(frozen=True)
class Name:
    """A parsed query name: what it can refer to, so callers fetch only the matching objects."""

    kind: Kind
    fqdn: str  # lower-case, with the trailing dot
    namespace: str = ""
    service: str = ""
    label: str = ""  # endpoint hostname
    port: str = ""  # SRV port name
    proto: str = ""  # SRV protocol, lower-case
    ip: str = ""  # pod record or PTR address, canonical


@dataclass
class Answer:
    name: str
    type: str
    rcode: str = "NOERROR"
    answers: list[Obj] = field(default_factory=list)

    def to_dict(self) -> Obj:
        return {"name": self.name, "type": self.type, "rcode": self.rcode, "answers": self.answers}


def fqdn(name: str) -> str:
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def _ip_from_dashed(label: str) -> str | None:
    for text in (label.replace("-", "."), label.replace("-", ":")):
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            continue
    return None


def _ip_from_reverse(labels: list[str]) -> str | None:
    """``d.c.b.a`` (in-addr.arpa) or 32 nibbles (ip6.arpa), already stripped of the suffix."""
    try:
        if len(labels) == 4 and all(p.isdigit() for p in labels):
            return str(ipaddress.IPv4Address(".".join(reversed(labels))))
        if len(labels) == 32 and all(len(p) == 1 for p in labels):
            return str(ipaddress.IPv6Address(int("".join(reversed(labels)), 16)))
    except ValueError:
        return None
    return None


def reverse_name(ip: str) -> str:
    """The PTR owner name of an address: ``d.c.b.a.in-addr.arpa.`` or the ip6.arpa nibble form."""
    return ipaddress.ip_address(ip).reverse_pointer + "."


def dashed(ip: str) -> str:
    """CoreDNS' name for an address: dots (IPv4) or colons (IPv6) replaced by dashes."""
    return ip.replace(".", "-").replace(":", "-")


def parse(name: str, zone: str = "cluster.local") -> Name:
    """Classify ``name`` within ``zone`` (case-insensitive); ``none`` when it cannot exist."""
    q = fqdn(name)
    labels = q.rstrip(".").split(".")
    if q.endswith((".in-addr.arpa.", ".ip6.arpa.")):
        ip = _ip_from_reverse(labels[:-2])
        return Name("ptr", q, ip=ip) if ip else Name("none", q)
    z = fqdn(zone).rstrip(".").split(".")
    if len(labels) < len(z) or labels[len(labels) - len(z):] != z:
        return Name("none", q)
    rel = labels[:len(labels) - len(z)]
    if not rel:
        return Name("zone", q)
    if rel == ["dns-version"]:
        return Name("version", q)
    top, rest = rel[-1], rel[:-1]
    if top == "pod":
        if not rest:
            return Name("pod_root", q)
        if len(rest) == 1:
            return Name("pod_namespace", q, namespace=rest[0])
        ip = _ip_from_dashed(rest[0]) if len(rest) == 2 else None
        return Name("pod", q, namespace=rest[1], ip=ip) if ip else Name("none", q)
    if top != "svc":
        return Name("none", q)
    if not rest:
        return Name("svc_root", q)
    ns = rest[-1]
    rest = rest[:-1]
    if not rest:
        return Name("namespace", q, namespace=ns)
    svc = rest[-1]
    rest = rest[:-1]
    if not rest:
        return Name("service", q, namespace=ns, service=svc)
    if len(rest) == 1 and not rest[0].startswith("_"):
        return Name("endpoint", q, namespace=ns, service=svc, label=rest[0])
    if len(rest) == 2 and rest[0].startswith("_") and rest[1].startswith("_"):
        return Name("srv", q, namespace=ns, service=svc, port=rest[0][1:], proto=rest[1][1:])
    return Name("none", q)


# ---- object helpers --------------------------------------------------------------------------

def _meta(o: Obj) -> Obj:
    return o.get("metadata") or {}


def _spec(o: Obj) -> Obj:
    return o.get("spec") or {}


def _find_service(services: Iterable[Obj], ns: str, name: str) -> Obj | None:
    for s in services:
        m = _meta(s)
        if m.get("namespace", "").lower() == ns and m.get("name", "").lower() == name:
            return s
    return None


def service_fqdn(svc: Obj, zone: str) -> str:
    m = _meta(svc)
    return f"{m.get('name', '')}.{m.get('namespace', '')}.svc.{fqdn(zone)}".lower()


def is_headless(svc: Obj) -> bool:
    return _spec(svc).get("type") != "ExternalName" and _spec(svc).get("clusterIP") in ("None", None, "")


def _cluster_ips(svc: Obj) -> list[str]:
    sp = _spec(svc)
    ips = sp.get("clusterIPs") or ([sp["clusterIP"]] if sp.get("clusterIP") else [])
    return [ip for ip in ips if ip and ip != "None"]


def _tolerates_unready(svc: Obj) -> bool:
    return bool(_spec(svc).get("publishNotReadyAddresses")) or \
        (_meta(svc).get("annotations") or {}).get(TOLERATE_UNREADY) == "true"


@dataclass(frozen=True)
class Endpoint:
    ip: str
    hostname: str  # its hostname field, else the dashed IP
    ports: tuple[tuple[str, str, int], ...]  # (name, lower-case protocol, port) of its slice


def endpoints_of(svc: Obj, slices: Iterable[Obj]) -> list[Endpoint]:
    """The DNS-visible endpoints of ``svc``: ready ones (all when it tolerates unready), one per IP,
    from slices labelled with its name in its namespace (IPv4/IPv6 address types only)."""
    m = _meta(svc)
    ns, name = m.get("namespace", ""), m.get("name", "")
    everyone = _tolerates_unready(svc)
    seen: dict[str, Endpoint] = {}
    for sl in slices:
        sm = _meta(sl)
        if sm.get("namespace", "") != ns or (sm.get("labels") or {}).get(SERVICE_NAME_LABEL) != name:
            continue
        if sl.get("addressType") not in ("IPv4", "IPv6"):
            continue
        ports = tuple((p.get("name") or "", (p.get("protocol") or "TCP").lower(), int(p["port"]))
                      for p in sl.get("ports") or [] if p.get("port") is not None)
        for ep in sl.get("endpoints") or []:
            if not everyone and (ep.get("conditions") or {}).get("ready") is False:
                continue
            for ip in ep.get("addresses") or []:
                if ip not in seen:
                    seen[ip] = Endpoint(ip, (ep.get("hostname") or dashed(ip)).lower(), ports)
    return sorted(seen.values(), key=lambda e: _ip_key(e.ip))


def _ip_key(ip: str) -> tuple[int, int]:
    try:
        a = ipaddress.ip_address(ip)
        return a.version, int(a)
    except ValueError:
        return 99, 0


def _family(ip: str) -> int:
    try:
        return ipaddress.ip_address(ip).version
    except ValueError:
        return 0


# ---- resolution ------------------------------------------------------------------------------

def _rr(name: str, rtype: str, data: str) -> Obj:
    return {"name": name, "type": rtype, "ttl": TTL, "data": data}


def _address_records(name: str, qtype: str, ips: Iterable[str]) -> list[Obj]:
    want = 4 if qtype == "A" else 6 if qtype == "AAAA" else 0
    return [_rr(name, qtype, ip) for ip in ips if _family(ip) == want]


def _srv_records(name: str, targets: list[tuple[int, str]]) -> list[Obj]:
    unique = sorted(set(targets), key=lambda t: (t[1], t[0]))
    weight = max(1, 100 // len(unique)) if unique else 0
    return [_rr(name, "SRV", f"{SRV_PRIORITY} {weight} {port} {target}") for port, target in unique]


def resolve(q: Name, qtype: str, zone: str = "cluster.local", *, services: Iterable[Obj] = (),
            slices: Iterable[Obj] = (), pods: Iterable[Obj] = (), namespaces: Iterable[str] = ()) -> Answer:
    """Answer ``(q, qtype)`` from the objects given (any superset of those ``q`` refers to)."""
    qtype = qtype.upper()
    services, slices = list(services), list(slices)
    ans = Answer(q.fqdn, qtype)
    records = _records(q, qtype, zone, services, slices, list(pods), {n.lower() for n in namespaces})
    if records is None:
        ans.rcode = "NXDOMAIN"
    else:
        ans.answers = sorted(records, key=lambda r: (r["name"], r["type"], _data_key(r)))
    return ans


def _data_key(r: Obj) -> tuple[Any, ...]:
    if r["type"] in ("A", "AAAA"):
        return (_ip_key(r["data"]), "")
    if r["type"] == "SRV":
        prio, _weight, port, target = r["data"].split()
        return ((int(prio), int(port)), target)
    return ((0, 0), r["data"])


def _records(q: Name, qtype: str, zone: str, services: list[Obj], slices: list[Obj], pods: list[Obj],
             namespaces: set[str]) -> list[Obj] | None:
    """The answer records, [] for an existing name without records of qtype, None for NXDOMAIN."""
    if q.kind in ("zone", "svc_root", "pod_root"):
        return []
    if q.kind == "version":
        return [_rr(q.fqdn, "TXT", f'"{DNS_SCHEMA_VERSION}"')] if qtype == "TXT" else []
    if q.kind in ("namespace", "pod_namespace"):
        return [] if q.namespace in namespaces else None
    if q.kind == "pod":
        return _pod_records(q, qtype, pods)
    if q.kind == "ptr":
        return _ptr_records(q, qtype, zone, services, slices)
    if q.kind not in ("service", "endpoint", "srv"):
        return None
    svc = _find_service(services, q.namespace, q.service)
    if svc is None:
        return None
    name = service_fqdn(svc, zone)
    if _spec(svc).get("type") == "ExternalName":
        if q.kind != "service":
            return None
        target = fqdn(_spec(svc).get("externalName") or "")
        return [_rr(q.fqdn, "CNAME", target)]
    headless = is_headless(svc)
    eps = endpoints_of(svc, slices) if headless else []
    if q.kind == "service":
        if headless:
            if not eps:
                return None
            return _address_records(q.fqdn, qtype, (e.ip for e in eps))
        return _address_records(q.fqdn, qtype, _cluster_ips(svc))
    if q.kind == "endpoint":
        mine = [e for e in eps if e.hostname == q.label]
        if not mine:
            return None
        return _address_records(q.fqdn, qtype, (e.ip for e in mine))
    # SRV: named ports only, matching name and protocol
    if headless:
        targets = [(port, f"{e.hostname}.{name}") for e in eps for (pname, proto, port) in e.ports
                   if pname and pname.lower() == q.port and proto == q.proto]
    else:
        targets = [(int(p["port"]), name) for p in _spec(svc).get("ports") or []
                   if p.get("name") and p["name"].lower() == q.port
                   and (p.get("protocol") or "TCP").lower() == q.proto]
    if not targets:
        return None
    return _srv_records(q.fqdn, targets) if qtype == "SRV" else []


def pod_ips(pod: Obj) -> list[str]:
    st = pod.get("status") or {}
    ips = [p.get("ip") for p in st.get("podIPs") or []] or [st.get("podIP")]
    return [ip for ip in ips if ip]


def _pod_records(q: Name, qtype: str, pods: list[Obj]) -> list[Obj] | None:
    for pod in pods:
        if _meta(pod).get("namespace", "").lower() != q.namespace:
            continue
        if any(_canonical(ip) == q.ip for ip in pod_ips(pod)):
            return _address_records(q.fqdn, qtype, [q.ip])
    return None


def _canonical(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def _ptr_records(q: Name, qtype: str, zone: str, services: list[Obj], slices: list[Obj]) -> list[Obj] | None:
    targets: set[str] = set()
    for svc in services:
        if _spec(svc).get("type") != "ExternalName" and any(_canonical(ip) == q.ip for ip in _cluster_ips(svc)):
            targets.add(service_fqdn(svc, zone))
    if not targets:
        for svc in services:
            if is_headless(svc):
                targets.update(f"{e.hostname}.{service_fqdn(svc, zone)}"
                               for e in endpoints_of(svc, slices) if _canonical(e.ip) == q.ip)
    if not targets:
        return None
    return [_rr(q.fqdn, "PTR", t) for t in targets] if qtype == "PTR" else []


def answer(name: str, qtype: str, zone: str = "cluster.local", *, services: Iterable[Obj] = (),
           slices: Iterable[Obj] = (), pods: Iterable[Obj] = (), namespaces: Iterable[str] = ()) -> Answer:
    """parse + resolve in one call (tests and callers holding every object)."""
    return resolve(parse(name, zone), qtype, zone, services=services, slices=slices, pods=pods,
                   namespaces=namespaces)
