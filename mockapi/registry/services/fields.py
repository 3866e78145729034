"""Shared facts about Service objects for the Service registry modules: type and policy constants,
accessors and predicates (headless, externally accessible, needs a health check), Go-style value
formatting for field errors, and the IP / CIDR / port-name checks of apimachinery. Pure functions.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...errors import Cause
from ..base import Obj

CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME = "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"
TYPES = (CLUSTER_IP, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT)  # sorted, as NotSupported lists them
PROTOCOLS = ("SCTP", "TCP", "UDP")
AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
FAMILIES = ("IPv4", "IPv6")
FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
TRAFFIC_DISTRIBUTIONS = ("PreferClose",)  # v1.31 (PreferSameZone/PreferSameNode came in v1.33)
IP_MODES = ("Proxy", "VIP")
MAX_AFFINITY_SECONDS = 86400
TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
_IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


# -- helpers ------------------------------------------------------------------------------------------

def spec_of(svc: Obj) -> dict[str, Any]:
    spec = svc.get("spec")
    return spec if isinstance(spec, dict) else {}


def ports_of(svc: Obj) -> list[dict[str, Any]]:
    return [p for p in spec_of(svc).get("ports") or [] if isinstance(p, dict)]


def cluster_ips(svc: Obj) -> list[str]:
    return list(spec_of(svc).get("clusterIPs") or [])


def is_headless(svc: Obj) -> bool:
    return cluster_ips(svc) == ["None"]


def externally_accessible(svc: Obj) -> bool:
    spec = spec_of(svc)
    t = spec.get("type")
    return t in (LOAD_BALANCER, NODE_PORT) or (t == CLUSTER_IP and bool(spec.get("externalIPs")))


def needs_health_check(svc: Obj) -> bool:
    spec = spec_of(svc)
    return spec.get("type") == LOAD_BALANCER and spec.get("externalTrafficPolicy") == "Local"


def go_strings(values: list[Any] | None, type_name: str = "string") -> str:
    """Go's %#v of a string slice, as field errors print whole lists: []string{"a", "b"}."""
    if not values:
        return f"[]{type_name}(nil)"
    return "[]" + type_name + "{" + ", ".join('"' + str(x).replace('"', '\\"') + '"' for x in values) + "}"


def invalid_raw(field: str, shown: str, detail: str) -> Cause:
    """An Invalid cause whose value is already formatted (Go's %#v of a slice or struct)."""
    return Cause(reason="FieldValueInvalid", message=f"Invalid value: {shown}: {detail}", field=field)


def port_struct(protocol: Any, port: Any) -> str:
    """%#v of the core.ServicePort{Protocol, Port} key ValidateService reports duplicates with."""
    return (f'core.ServicePort{{Name:"", Protocol:"{protocol}", AppProtocol:(*string)(nil), Port:{port}, '
            'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}')


def is_ip(value: Any) -> bool:
    if not isinstance(value, str) or "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def valid_ip(field: str, value: Any) -> list[Cause]:
    return [] if is_ip(value) else [Cause.invalid(field, value, _IP_MSG)]


def valid_cidr(field: str, value: str) -> list[Cause]:
    try:
        if "/" not in value:
            raise ValueError
        ipaddress.ip_network(value, strict=False)
        return []
    except ValueError:
        return [Cause.invalid(field, value, _CIDR_MSG)]


def non_special_ip(field: str, text: str) -> list[Cause]:
    """ValidateNonSpecialIP."""
    ip = ipaddress.ip_address(text)
    out = []
    if ip.is_unspecified:
        out.append(Cause.invalid(field, text, f"may not be unspecified ({text})"))
    if ip.is_loopback:
        out.append(Cause.invalid(field, text, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if ip.is_link_local:
        out.append(Cause.invalid(field, text, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if ip.is_multicast and (ip in ipaddress.ip_network("224.0.0.0/24") if ip.version == 4
                            else (int(ip) >> 112) & 0xff0f == 0xff02):
        out.append(Cause.invalid(field, text, "may not be in the link-local multicast range (224.0.0.0/24, "
                                 "ff02::/10)"))
    return out


def port_name_errors(value: str) -> list[str]:
    """validation.IsValidPortName, in upstream's order."""
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not value or any(not (c.isascii() and (c.islower() or c.isdigit() or c == "-")) for c in value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not any("a" <= c <= "z" for c in value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs
