"""EndpointSlice (discovery.k8s.io/v1): SetDefaults_EndpointPort, the discovery validation
(ValidateEndpointSlice{Create,Update}: address types, limits, hints, addressType immutability) and
generation tracking as upstream's endpointSliceStrategy. No status subresource."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from ..errors import Cause
from ..patch import schemas as patch_schemas
from ..schemas import core as wire
from . import printing as p
from . import validation as v
from .base import Obj, ResourceType, Strategy
from .services.fields import PROTOCOLS, non_special_ip

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
MAX_ENDPOINTS = 1000
MAX_ADDRESSES = 100
MAX_PORTS = 20000
MAX_ZONE_HINTS = 8
MAX_TOPOLOGY_LABELS = 16
ZONE_LABEL = "topology.kubernetes.io/zone"


def too_many(field: str, actual: int, limit: int) -> Cause:
    return Cause(reason="FieldValueTooMany", message=f"Too many: {actual}: must have at most {limit} items",
                 field=field)


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{path} must be a list")
    return value


def _ip_of_family(path: str, address: Any, version: int) -> list[Cause]:
    """IsValidIPv4Address / IsValidIPv6Address, then ValidateEndpointIP (non-special)."""
    family = "IPv4" if version == 4 else "IPv6"
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) and "%" not in address else None
    except ValueError:
        ip = None
    if ip is None or ip.version != version:
        causes = [Cause.invalid(path, address, f"must be a valid {family} address")]
        return causes + ([Cause.invalid(path, address, "must be a valid IP address")] if ip is None else
                         non_special_ip(path, str(address)))
    return non_special_ip(path, address)


def _fqdn(path: str, value: Any) -> list[Cause]:
    """IsFullyQualifiedDomainName."""
    name = str(value or "").rstrip(".")
    if not name:
        return [Cause.required(path)]
    causes = v.causes(path, value, v.dns1123_subdomain(name))
    if not causes and len(name.split(".")) < 2:
        causes.append(Cause.invalid(path, value, "should be a domain with at least two segments separated by dots"))
    return causes


def _validate_endpoint(ep: Any, address_type: str, path: str) -> list[Cause]:
    if not isinstance(ep, dict):
        raise TypeError(f"{path} must be an object")
    causes: list[Cause] = []
    addresses = _list(ep.get("addresses"), f"{path}.addresses")
    if not addresses:
        causes.append(Cause.required(f"{path}.addresses", "must contain at least 1 address"))
    elif len(addresses) > MAX_ADDRESSES:
        causes.append(too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
    for i, address in enumerate(addresses):
        apath = f"{path}.addresses[{i}]"
        if address_type in ("IPv4", "IPv6"):
            causes += _ip_of_family(apath, address, 4 if address_type == "IPv4" else 6)
        elif address_type == "FQDN":
            causes += _fqdn(apath, address)
    if ep.get("nodeName") is not None:
        causes += v.causes(f"{path}.nodeName", ep["nodeName"], v.dns1123_subdomain(ep["nodeName"]))
    topology = ep.get("deprecatedTopology") or {}
    if len(topology) > MAX_TOPOLOGY_LABELS:
        causes.append(too_many(f"{path}.deprecatedTopology", len(topology), MAX_TOPOLOGY_LABELS))
    causes += v.labels_map(f"{path}.deprecatedTopology", topology)
    if ep.get("hostname") is not None:
        causes += v.causes(f"{path}.hostname", ep["hostname"], v.dns1123_label(ep["hostname"]))
    hints = ep.get("hints")
    if isinstance(hints, dict):
        causes += _validate_hints(hints, f"{path}.hints")
    return causes


def _validate_hints(hints: Obj, path: str) -> list[Cause]:
    zones = _list(hints.get("forZones"), f"{path}.forZones")
    if len(zones) > MAX_ZONE_HINTS:
        return [too_many(f"{path}.forZones", len(zones), MAX_ZONE_HINTS)]
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, zone in enumerate(zones):
        zpath = f"{path}.forZones[{i}].name"
        name = (zone or {}).get("name") or ""
        if name in seen:
            causes.append(Cause.duplicate(zpath, name))
        seen.add(name)
        causes += v.causes(zpath, name, v.label_value(name))
    return causes


def _validate_ports(ports: list[Any]) -> list[Cause]:
    if len(ports) > MAX_PORTS:
        return [too_many("ports", len(ports), MAX_PORTS)]
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        if not isinstance(port, dict):
            raise TypeError(f"{path} must be an object")
        name = port.get("name") or ""
        if name:
            causes += v.causes(f"{path}.name", name, v.dns1123_label(name))
        if name in names:
            causes.append(Cause.duplicate(f"{path}.name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            causes.append(Cause.required(f"{path}.protocol"))
        elif protocol not in PROTOCOLS:
            causes.append(Cause.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
        if port.get("appProtocol") is not None:
            causes += v.causes(f"{path}.appProtocol", port["appProtocol"], v.qualified_name(port["appProtocol"]))
    return causes


def validate_endpoint_slice(obj: Obj) -> list[Cause]:
    causes: list[Cause] = []
    address_type = obj.get("addressType") or ""
    if not address_type:
        causes.append(Cause.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        causes.append(Cause.not_supported("addressType", address_type, ADDRESS_TYPES))
    endpoints = _list(obj.get("endpoints"), "endpoints")
    if len(endpoints) > MAX_ENDPOINTS:
        causes.append(too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
    else:
        for i, ep in enumerate(endpoints):
            causes += _validate_endpoint(ep, address_type, f"endpoints[{i}]")
    causes += _validate_ports(_list(obj.get("ports"), "ports"))
    return causes


class EndpointSliceStrategy(Strategy):
    has_status = False
    tracks_generation = True  # endpointSliceStrategy bumps generation on any non-metadata change

    def default(self, obj: Obj) -> None:
        """SetDefaults_EndpointPort (name "" and protocol TCP); Go's decoder: endpoints is required,
        a null list is written as []."""
        if obj.get("endpoints") is None:
            obj["endpoints"] = []
        for port in obj.get("ports") or []:
            if isinstance(port, dict):
                if port.get("name") is None:
                    port["name"] = ""
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"
        if obj.get("ports") is None:
            obj.pop("ports", None)

    def validate(self, obj: Obj) -> list[Cause]:
        return validate_endpoint_slice(obj)

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        return validate_endpoint_slice(new) + v.immutable("addressType", new.get("addressType"),
                                                          old.get("addressType"))


def _slice_row(obj: Obj, now: datetime) -> list[Any]:
    """formatDiscoveryPorts / formatDiscoveryEndpoints: first 3 + N more, <unset> when empty."""
    meta = p.meta(obj)
    ports = [str(p["port"]) if p.get("port") is not None else (p.get("name") or "*") for p in obj.get("ports") or []]
    addrs = [a for ep in obj.get("endpoints") or [] for a in ep.get("addresses") or []]
    return [meta.get("name", ""), obj.get("addressType", ""), p.first_n(ports) if ports else "<unset>",
            p.first_n(addrs) if addrs else "<unset>", p.age(meta.get("creationTimestamp"), now)]


PRINTER = p.Printer((
    p.NAME,
    p.Column('AddressType', 'The IP protocol for this slice.'),
    p.Column('Ports', 'The ports that are exposed by this slice.'),
    p.Column('Endpoints', 'The addresses of the endpoints in this slice.'),
    p.AGE,
), _slice_row)


ENDPOINT_SLICES = ResourceType(
    example={"addressType": "IPv4",
             "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}}],
             "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    wire_schema=wire.EndpointSlice(),
    printer=PRINTER,
    kind="EndpointSlice",
    plural="endpointslices",
    singular="endpointslice",
    group="discovery.k8s.io",
    version="v1",
    strategy=EndpointSliceStrategy(),
    patch_schema=patch_schemas.ENDPOINT_SLICE,
)
