"""networking.k8s.io/v1 ServiceCIDR and IPAddress, read-only views of the service IP allocator as
Kubernetes 1.31+ exposes them: one ServiceCIDR ("kubernetes") for the configured ranges, and one
IPAddress per allocated ClusterIP, written in the same transaction as the allocation itself."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from . import printing as p
from .base import Obj, ResourceType, Strategy
from .objectmeta import now

READ_ONLY = ("get", "list", "watch")
MANAGED_BY = "ipallocator.k8s.io"


class ServiceCIDRStrategy(Strategy):
    """Written by the server at start; the API serves it read-only (verbs get, list, watch), so
    there is no writable status subresource; the stored status is kept as written."""

    has_status = False


def _ip_name(value: str) -> list[str]:
    """IPAddress names are IPs in canonical form (ValidateIPAddressName)."""
    try:
        canonical = str(ipaddress.ip_address(value))
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    if canonical != value:
        return [f"must be in canonical form (\"{canonical}\")"]
    return []


class IPAddressStrategy(Strategy):
    """Written by the ClusterIP allocator; the API serves them read-only."""

    has_status = False
    name_validator = staticmethod(_ip_name)


def _service_cidr_row(obj: Obj, now: datetime) -> list[Any]:
    meta = p.meta(obj)
    return [meta.get("name", ""), ",".join((obj.get("spec") or {}).get("cidrs") or []),
            p.age(meta.get("creationTimestamp"), now)]


SERVICE_CIDR_PRINTER = p.Printer((
    p.NAME,
    p.Column('CIDRs', 'spec.cidrs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64") from which to assign service cluster IPs.'),
    p.AGE,
), _service_cidr_row)


SERVICE_CIDRS = ResourceType(
    printer=SERVICE_CIDR_PRINTER,
    kind="ServiceCIDR", plural="servicecidrs", singular="servicecidr", group="networking.k8s.io",
    namespaced=False, strategy=ServiceCIDRStrategy(), verbs=READ_ONLY,
)


def _ip_address_row(obj: Obj, now: datetime) -> list[Any]:
    """printIPAddress: the parent as group-resource[/namespace]/name, lower-cased."""
    meta, ref = p.meta(obj), (obj.get("spec") or {}).get("parentRef")
    parent = "<none>"
    if ref:
        resource = ref.get("resource", "")
        parent = (f"{resource}.{ref['group']}" if ref.get("group") else resource).lower()
        if ref.get("namespace"):
            parent += "/" + ref["namespace"]
        parent += "/" + ref.get("name", "")
    return [meta.get("name", ""), parent, p.age(meta.get("creationTimestamp"), now)]


IP_ADDRESS_PRINTER = p.Printer((
    p.NAME,
    p.Column('ParentRef', 'ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.'),
    p.AGE,
), _ip_address_row)


IP_ADDRESSES = ResourceType(
    printer=IP_ADDRESS_PRINTER,
    kind="IPAddress", plural="ipaddresses", singular="ipaddress", group="networking.k8s.io",
    namespaced=False, short_names=("ip",), strategy=IPAddressStrategy(), verbs=READ_ONLY,
    extra_fields={"spec.parentRef.resource": lambda o: str(((o.get("spec") or {}).get("parentRef") or {})
                                                           .get("resource", ""))},
)


def service_cidr(cidrs: list[str]) -> Obj:
    stamp = now()
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR",
        "metadata": {"name": "kubernetes", "finalizers": ["networking.k8s.io/service-cidr-finalizer"]},
        "spec": {"cidrs": list(cidrs)},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "", "message": "",
                                   "lastTransitionTime": stamp}]},
    }


def ip_address_name(ip: str) -> str:
    """IPAddress objects are named by the canonical text of the address."""
    return str(ipaddress.ip_address(ip))


def record_ip(txn: Any, ip: str, service: Obj) -> None:
    """The IPAddress object of a ClusterIP just allocated to ``service`` (same transaction)."""
    if txn.get(IP_ADDRESSES, "", ip_address_name(ip)) is None:
        txn.apply_create(IP_ADDRESSES, "", ip_address(ip, service), manager=MANAGED_BY)


def forget_ip(txn: Any, ip: str) -> None:
    """Remove the IPAddress object of a released ClusterIP."""
    try:
        name = ip_address_name(ip)
    except ValueError:
        return
    obj = txn.get(IP_ADDRESSES, "", name)
    if obj is not None:
        txn.remove(IP_ADDRESSES, obj, int(obj["metadata"]["resourceVersion"]))


def ip_address(ip: str, service: Obj) -> Obj:
    meta = service.get("metadata") or {}
    family = "IPv6" if ":" in ip else "IPv4"
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
        "metadata": {"name": ip_address_name(ip),
                     "labels": {"ipaddress.kubernetes.io/ip-family": family,
                                "ipaddress.kubernetes.io/managed-by": MANAGED_BY}},
        "spec": {"parentRef": {"group": "", "resource": "services", "namespace": meta.get("namespace", ""),
                               "name": meta.get("name", "")}},
    }

