"""Pure pod/service helpers shared by the Endpoints and EndpointSlice controllers (upstream
pkg/api/v1/pod FindPort and IsPodReady, endpointslice/util ShouldPodBeInEndpoints, ShouldSetHostname,
podEndpointsChanged). No storage, no Flask."""

from __future__ import annotations

import ipaddress
from typing import Any

Obj = dict[str, Any]

ZONE_LABEL = "topology.kubernetes.io/zone"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def is_ready(pod: Obj) -> bool:
    """podutil.IsPodReady: the Ready condition is True (phase is not consulted)."""
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status(pod).get("conditions") or [])


def pod_ips(pod: Obj) -> list[str]:
    st = status(pod)
    ips = [str(p["ip"]) for p in st.get("podIPs") or [] if isinstance(p, dict) and p.get("ip")]
    if not ips and st.get("podIP"):
        ips = [st["podIP"]]
    return ips


def family_of(ip: str) -> str:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return ""


def should_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless asked for."""
    if status(pod).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    return include_terminating or not meta(pod).get("deletionTimestamp")


def should_set_hostname(pod: Obj, svc: Obj) -> bool:
    hostname = spec(pod).get("hostname") or ""
    return bool(hostname) and spec(pod).get("subdomain") == meta(svc).get("name") and \
        meta(pod).get("namespace") == meta(svc).get("namespace")


def find_port(pod: Obj, svc_port: Obj) -> int | None:
    """FindPort: an int targetPort as is; a name is looked up in the containers (then restartable
    init containers) by name and protocol; None when it cannot be resolved."""
    target = svc_port.get("targetPort")
    if target is None or target == 0 or target == "":
        target = svc_port.get("port")
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if isinstance(target, str):
        protocol = svc_port.get("protocol") or "TCP"
        containers = list(spec(pod).get("containers") or [])
        containers += [c for c in spec(pod).get("initContainers") or [] if c.get("restartPolicy") == "Always"]
        for c in containers:
            for p in c.get("ports") or []:
                if p.get("name") == target and (p.get("protocol") or "TCP") == protocol:
                    return int(p.get("containerPort") or 0)
    return None


def target_ref(pod: Obj) -> Obj:
    m = meta(pod)
    return {"kind": "Pod", "namespace": m.get("namespace", ""), "name": m.get("name", ""), "uid": m.get("uid", "")}


def endpoints_view(pod: Obj | None) -> tuple[Any, ...] | None:
    """What of a pod the endpoint controllers read (podEndpointsChanged + the fields they copy);
    a pod change whose view is unchanged touches no Service."""
    if pod is None:
        return None
    m, sp, st = meta(pod), spec(pod), status(pod)
    return (tuple(sorted((m.get("labels") or {}).items())), bool(m.get("deletionTimestamp")), is_ready(pod),
            tuple(pod_ips(pod)), sp.get("hostname"), sp.get("subdomain"), sp.get("nodeName"),
            st.get("phase") in ("Succeeded", "Failed"))


def selector_of(svc: Obj) -> dict[str, str] | None:
    """The Service's selector, or None for selectorless and ExternalName Services (left alone)."""
    sp = spec(svc)
    if sp.get("type") == "ExternalName":
        return None
    return sp.get("selector") or None


def is_headless(svc: Obj) -> bool:
    ip = spec(svc).get("clusterIP") or ""
    return ip in ("", "None")


def matches(selector: dict[str, str], labels: dict[str, str] | None) -> bool:
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def rfc3339_nano(when: Any = None) -> str:
    """time.RFC3339Nano in UTC (trailing zeros of the fraction dropped)."""
    import datetime as dt

    now = when or dt.datetime.now(dt.UTC)
    frac = f"{now.microsecond:06d}".rstrip("0")
    return now.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"
