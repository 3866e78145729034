"""Endpoints (core/v1): SetDefaults_Endpoints, ValidateEndpoints/ValidateEndpointsUpdate with
Kubernetes' field paths and wording, create-on-update as upstream. No status, no generation.
Written by the Endpoints controller for Services with a selector, by users for the others."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import Cause
from ..patch import schemas as patch_schemas
from ..schemas import core as wire
from . import printing as p
from . import validation as v
from .base import Obj, ResourceType, Strategy
from .services.fields import PROTOCOLS, non_special_ip, valid_ip


def _go_list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{path} must be a list")
    return value


def validate_endpoint_address(addr: Any, path: str) -> list[Cause]:
    """validateEndpointAddress: IP (valid and non-special), hostname, nodeName."""
    if not isinstance(addr, dict):
        raise TypeError(f"{path} must be an object")
    causes: list[Cause] = []
    ip = addr.get("ip") or ""
    bad_ip = valid_ip(f"{path}.ip", ip)
    causes += bad_ip
    hostname = addr.get("hostname") or ""
    if hostname:
        causes += v.causes(f"{path}.hostname", hostname, v.dns1123_label(hostname))
    if addr.get("nodeName") is not None:
        causes += v.causes(f"{path}.nodeName", addr["nodeName"], v.dns1123_subdomain(addr["nodeName"]))
    causes += [Cause.invalid(f"{path}.ip", ip, "must be a valid IP address")] if bad_ip else \
        non_special_ip(f"{path}.ip", ip)
    return causes


def validate_endpoint_port(port: Any, require_name: bool, path: str) -> list[Cause]:
    """validateEndpointPort."""
    if not isinstance(port, dict):
        raise TypeError(f"{path} must be an object")
    causes: list[Cause] = []
    name = port.get("name") or ""
    if require_name and not name:
        causes.append(Cause.required(f"{path}.name"))
    elif name:
        causes += v.causes(f"{path}.name", name, v.dns1123_label(name))
    number = port.get("port") or 0
    causes += v.causes(f"{path}.port", number, v.port_number(number))
    protocol = port.get("protocol") or ""
    if not protocol:
        causes.append(Cause.required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        causes.append(Cause.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    if port.get("appProtocol") is not None:
        causes += v.causes(f"{path}.appProtocol", port["appProtocol"], v.qualified_name(port["appProtocol"]))
    return causes


def validate_subsets(obj: Obj) -> list[Cause]:
    causes: list[Cause] = []
    for i, ss in enumerate(_go_list(obj.get("subsets"), "subsets")):
        path = f"subsets[{i}]"
        if not isinstance(ss, dict):
            raise TypeError(f"{path} must be an object")
        ready = _go_list(ss.get("addresses"), f"{path}.addresses")
        not_ready = _go_list(ss.get("notReadyAddresses"), f"{path}.notReadyAddresses")
        if not ready and not not_ready:
            causes.append(Cause.required(path, "must specify `addresses` or `notReadyAddresses`"))
        for j, addr in enumerate(ready):
            causes += validate_endpoint_address(addr, f"{path}.addresses[{j}]")
        for j, addr in enumerate(not_ready):
            causes += validate_endpoint_address(addr, f"{path}.notReadyAddresses[{j}]")
        ports = _go_list(ss.get("ports"), f"{path}.ports")
        for j, port in enumerate(ports):
            causes += validate_endpoint_port(port, len(ports) > 1, f"{path}.ports[{j}]")
    return causes


class EndpointsStrategy(Strategy):
    has_status = False
    allow_create_on_update = True  # endpointsStrategy.AllowCreateOnUpdate

    def default(self, obj: Obj) -> None:
        """SetDefaults_EndpointPort: protocol TCP; Go's decoder drops null and empty lists."""
        subsets = obj.get("subsets")
        if subsets is None or subsets == []:
            obj.pop("subsets", None)
            return
        for ss in subsets if isinstance(subsets, list) else []:
            if not isinstance(ss, dict):
                continue
            for key in ("addresses", "notReadyAddresses", "ports"):
                if key in ss and not ss[key]:
                    del ss[key]
            for port in ss.get("ports") or []:
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"

    def validate(self, obj: Obj) -> list[Cause]:
        return validate_subsets(obj)


def _endpoints_row(obj: Obj, now: datetime) -> list[Any]:
    """formatEndpoints: ip:port per address x port (ip alone without ports), first 3 + N more."""
    meta, items = p.meta(obj), []
    subsets = obj.get("subsets") or []
    for ss in subsets:  # ready addresses only; ports outer, addresses inner (as printers.go)
        ports = ss.get("ports") or []
        addrs = [a.get("ip", "") for a in ss.get("addresses") or []]
        if not ports:
            items.extend(addrs)
        for port in ports:
            items.extend(f"[{ip}]:{port.get('port')}" if ":" in ip else f"{ip}:{port.get('port')}"
                         for ip in addrs)
    cell = "<none>" if not subsets else p.first_n(items)
    return [meta.get("name", ""), cell, p.age(meta.get("creationTimestamp"), now)]


PRINTER = p.Printer((
    p.NAME,
    p.Column('Endpoints', 'Endpoints of the resource.'),
    p.AGE,
), _endpoints_row)


ENDPOINTS = ResourceType(
    example={"subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 8080}]}]},
    wire_schema=wire.Endpoints(),
    printer=PRINTER,
    kind="Endpoints",
    plural="endpoints",
    singular="endpoints",
    short_names=("ep",),
    strategy=EndpointsStrategy(),
    patch_schema=patch_schemas.ENDPOINTS,
)
