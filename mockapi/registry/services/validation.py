"""Service validation as kube-apiserver v1.31 words it (pkg/apis/core/validation: ValidateService,
validateServicePort, ValidateServiceClusterIPsRelatedFields, ValidateServiceUpdate and its
upgrade/downgrade checks, ValidateServiceStatusUpdate). Pure functions over defaulted objects.

Checks that can only hold after allocation (a non-zero healthCheckNodePort) are left to the
allocators, which run after this in the same transaction.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...errors import Cause
from .. import validation as v
from ..base import Obj
from .fields import (
    AFFINITIES,
    CLUSTER_IP,
    EXTERNAL_NAME,
    FAMILIES,
    FAMILY_POLICIES,
    IP_MODES,
    LOAD_BALANCER,
    MAX_AFFINITY_SECONDS,
    NODE_PORT,
    PROTOCOLS,
    SOURCE_RANGES_ANNOTATION,
    TOPOLOGY_HINTS,
    TOPOLOGY_MODE,
    TRAFFIC_DISTRIBUTIONS,
    TRAFFIC_POLICIES,
    TYPES,
    cluster_ips,
    externally_accessible,
    go_strings,
    invalid_raw,
    is_headless,
    is_ip,
    needs_health_check,
    non_special_ip,
    port_name_errors,
    port_struct,
    ports_of,
    spec_of,
    valid_cidr,
    valid_ip,
)

# -- ValidateService ----------------------------------------------------------------------------------

def validate_service(svc: Obj) -> list[Cause]:
    """ValidateService without ValidateObjectMeta (the generic registry runs that first)."""
    spec = spec_of(svc)
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    t = spec.get("type")
    causes: list[Cause] = []
    if TOPOLOGY_MODE in annotations and TOPOLOGY_HINTS in annotations \
            and annotations[TOPOLOGY_MODE] != annotations[TOPOLOGY_HINTS]:
        causes.append(Cause.invalid(f"metadata.annotations[{TOPOLOGY_MODE}]", annotations[TOPOLOGY_MODE],
                                    f"must match annotations[{TOPOLOGY_HINTS}] when both are specified"))
    ports = ports_of(svc)
    headless = is_headless(svc)
    if not ports and not headless and t != EXTERNAL_NAME:
        causes.append(Cause.required("spec.ports"))
    if t in (LOAD_BALANCER, NODE_PORT) and headless:
        causes.append(Cause.invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {t} services"))
    elif t == EXTERNAL_NAME:
        for key in ("clusterIPs", "ipFamilies"):
            if spec.get(key):
                causes.append(Cause.forbidden(f"spec.{key}", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            causes.append(Cause.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "")
        cname = cname.removesuffix(".")
        if cname:
            causes += v.causes("spec.externalName", cname, v.dns1123_subdomain(cname))
        else:
            causes.append(Cause.required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        causes += _validate_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    if spec.get("selector"):
        causes += v.labels_map("spec.selector", spec["selector"])
    affinity = spec.get("sessionAffinity")
    if not affinity:
        causes.append(Cause.required("spec.sessionAffinity"))
    elif affinity not in AFFINITIES:
        causes.append(Cause.not_supported("spec.sessionAffinity", affinity, AFFINITIES))
    if affinity == "ClientIP":
        causes += _client_ip_affinity(spec.get("sessionAffinityConfig"))
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        causes.append(Cause.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    causes += validate_cluster_ips_related(svc)
    for i, ip in enumerate(spec.get("externalIPs") or []):
        path = f"spec.externalIPs[{i}]"
        errs = valid_ip(path, ip)
        causes += errs or non_special_ip(path, ip)
    if not t:
        causes.append(Cause.required("spec.type"))
    elif t not in TYPES:
        causes.append(Cause.not_supported("spec.type", t, TYPES))
    if t == CLUSTER_IP:
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                causes.append(Cause.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
    seen_node_ports: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        if port.get("nodePort"):
            node_key = (port.get("protocol"), port["nodePort"])
            if node_key in seen_node_ports:
                causes.append(Cause.duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
            seen_node_ports.add(node_key)
    seen_ports: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        port_key = (port.get("protocol") or "", port.get("port") or 0)
        if port_key in seen_ports:
            causes.append(Cause(reason="FieldValueDuplicate", field=f"spec.ports[{i}]",
                                message=f"Duplicate value: {port_struct(*port_key)}"))
        seen_ports.add(port_key)
    causes += _source_ranges(svc)
    alloc_np = spec.get("allocateLoadBalancerNodePorts")
    if alloc_np is not None and t != LOAD_BALANCER:
        causes.append(Cause.forbidden("spec.allocateLoadBalancerNodePorts",
                                      "may only be used when `type` is 'LoadBalancer'"))
    if t == LOAD_BALANCER and alloc_np is None:
        causes.append(Cause.required("allocateLoadBalancerNodePorts"))  # sic: no "spec." upstream
    causes += load_balancer_class(None, svc)
    causes += _traffic_policies(svc)
    return causes


def _validate_port(port: dict[str, Any], require_name: bool, names: set[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    name = port.get("name") or ""
    if require_name and not name:
        causes.append(Cause.required(f"{path}.name"))
    elif name:
        causes += v.causes(f"{path}.name", name, v.dns1123_label(name))
        if name in names:
            causes.append(Cause.duplicate(f"{path}.name", name))
        names.add(name)
    causes += v.causes(f"{path}.port", port.get("port") or 0, v.port_number(port.get("port") or 0))
    protocol = port.get("protocol")
    if not protocol:
        causes.append(Cause.required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        causes.append(Cause.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort")
    if isinstance(target, str):
        causes += v.causes(f"{path}.targetPort", target, port_name_errors(target))
    else:
        causes += v.causes(f"{path}.targetPort", target or 0, v.port_number(target or 0))
    if port.get("appProtocol") is not None:
        causes += v.causes(f"{path}.appProtocol", port["appProtocol"], v.qualified_name(port["appProtocol"]))
    return causes


def _client_ip_affinity(config: Any) -> list[Cause]:
    path, why = "spec.sessionAffinityConfig", "when session affinity type is ClientIP"
    if not isinstance(config, dict):
        return [Cause.required(path, why)]
    client_ip = config.get("clientIP")
    if not isinstance(client_ip, dict):
        return [Cause.required(f"{path}.clientIP", why)]
    timeout = client_ip.get("timeoutSeconds")
    if timeout is None:
        return [Cause.required(f"{path}.clientIP.timeoutSeconds", why)]
    if timeout <= 0 or timeout > MAX_AFFINITY_SECONDS:
        return [Cause.invalid(f"{path}.clientIP.timeoutSeconds", timeout,
                              f"must be greater than 0 and less than {MAX_AFFINITY_SECONDS}")]
    return []


def _source_ranges(svc: Obj) -> list[Cause]:
    spec = spec_of(svc)
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    causes: list[Cause] = []
    ranges = spec.get("loadBalancerSourceRanges") or []
    if ranges:
        path = "spec.LoadBalancerSourceRanges"  # sic: upstream's field path is capitalised
        if spec.get("type") != LOAD_BALANCER:
            causes.append(Cause.forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
        for i, value in enumerate(ranges):
            causes += valid_cidr(f"{path}[{i}]", str(value).strip())
    elif SOURCE_RANGES_ANNOTATION in annotations:
        path = f"metadata.annotations[{SOURCE_RANGES_ANNOTATION}]"
        if spec.get("type") != LOAD_BALANCER:
            causes.append(Cause.forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
        value = annotations[SOURCE_RANGES_ANNOTATION].strip()
        if value:
            for cidr in value.split(","):
                causes += valid_cidr(path, cidr.strip())
    return causes


def load_balancer_class(old: Obj | None, svc: Obj) -> list[Cause]:
    """validateLoadBalancerClassField (called twice on update, as upstream does)."""
    spec, causes = spec_of(svc), []
    cls = spec.get("loadBalancerClass")
    if old is not None and spec_of(old).get("type") == LOAD_BALANCER and spec.get("type") == LOAD_BALANCER \
            and spec_of(old).get("loadBalancerClass") != cls:
        causes.append(Cause.invalid("spec.loadBalancerClass", cls, "may not change once set"))
    if spec.get("type") == LOAD_BALANCER:
        if cls is not None:
            causes += v.causes("spec.loadBalancerClass", cls, v.qualified_name(cls))
    elif cls is not None:
        causes.append(Cause.forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
    return causes


def _traffic_policies(svc: Obj) -> list[Cause]:
    spec, causes = spec_of(svc), []
    etp = spec.get("externalTrafficPolicy") or ""
    if not externally_accessible(svc):
        if etp:
            causes.append(Cause.invalid("spec.externalTrafficPolicy", etp,
                                        "may only be set for externally-accessible services"))
    elif not etp:
        causes.append(Cause.required("spec.externalTrafficPolicy"))
    elif etp not in TRAFFIC_POLICIES:
        causes.append(Cause.not_supported("spec.externalTrafficPolicy", etp, TRAFFIC_POLICIES))
    hc = spec.get("healthCheckNodePort") or 0
    if not needs_health_check(svc):
        if hc:
            causes.append(Cause.invalid("spec.healthCheckNodePort", hc, "may only be set when `type` is "
                                        "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
    elif hc:  # zero is allocated right after validation
        causes += v.causes("spec.healthCheckNodePort", hc, v.port_number(hc))
    itp = spec.get("internalTrafficPolicy")
    if itp is None and spec.get("type") in (NODE_PORT, LOAD_BALANCER, CLUSTER_IP):
        causes.append(Cause.required("spec.internalTrafficPolicy"))
    if itp is not None and itp not in TRAFFIC_POLICIES:
        causes.append(Cause.not_supported("spec.internalTrafficPolicy", itp, TRAFFIC_POLICIES))
    td = spec.get("trafficDistribution")
    if td is not None and td not in TRAFFIC_DISTRIBUTIONS:
        causes.append(Cause.not_supported("spec.trafficDistribution", td, TRAFFIC_DISTRIBUTIONS))
    return causes


def validate_cluster_ips_related(svc: Obj) -> list[Cause]:
    """ValidateServiceClusterIPsRelatedFields."""
    spec = spec_of(svc)
    if spec.get("type") == EXTERNAL_NAME:
        return []
    causes: list[Cause] = []
    ips, singular = cluster_ips(svc), spec.get("clusterIP") or ""
    shown = go_strings(ips)
    if singular:
        if not ips:
            causes.append(Cause.required("spec.clusterIPs"))
        elif ips[0] != singular:
            causes.append(invalid_raw("spec.clusterIPs", shown, "first value must match `clusterIP`"))
    elif ips:
        causes.append(invalid_raw("spec.clusterIPs", shown, "must be empty when `clusterIP` is not specified"))
    families = list(spec.get("ipFamilies") or [])
    seen: set[str] = set()
    for i, family in enumerate(families):
        if family not in FAMILIES:
            causes.append(Cause.not_supported(f"spec.ipFamilies[{i}]", family, FAMILIES))
        if family in seen:
            causes.append(Cause.duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in FAMILY_POLICIES:
        causes.append(Cause.not_supported("spec.ipFamilyPolicy", policy, FAMILY_POLICIES))
    bad_ips = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                bad_ips = True
                causes.append(invalid_raw("spec.clusterIPs", shown, "'None' must be the first and only value"))
            continue
        errs = valid_ip(f"spec.clusterIPs[{i}]", ip)
        bad_ips = bad_ips or bool(errs)
        causes += errs
    if len(ips) > 2:
        causes.append(invalid_raw("spec.clusterIPs", shown, "may only hold up to 2 values"))
    if bad_ips:
        return causes
    if len(ips) > 1 and len({ipaddress.ip_address(ip).version for ip in ips}) != 2:
        causes.append(invalid_raw("spec.clusterIPs", shown, "may specify no more than one IP for each IP family"))
    if not is_headless(svc) and ips and families:
        for i, ip in enumerate(ips[:len(families)]):
            is_v6 = ipaddress.ip_address(ip).version == 6
            if families[i] == "IPv4" and is_v6 or families[i] == "IPv6" and not is_v6:
                causes.append(Cause.invalid(f"spec.clusterIPs[{i}]", ip, f"expected an {families[i]} value as "
                                            f"indicated by `ipFamilies[{i}]`"))
    return causes


# -- ValidateServiceUpdate ----------------------------------------------------------------------------

def validate_service_update(new: Obj, old: Obj) -> list[Cause]:
    causes = _upgrade_downgrade_cluster_ips(old, new) + _upgrade_downgrade_families(old, new)
    causes += load_balancer_class(old, new)
    if needs_health_check(old) and needs_health_check(new) and \
            (spec_of(new).get("healthCheckNodePort") or 0) != (spec_of(old).get("healthCheckNodePort") or 0):
        causes.append(Cause.forbidden("spec.healthCheckNodePort", "field is immutable"))
    return causes + validate_service(new)


def _upgrade_downgrade_cluster_ips(old: Obj, new: Obj) -> list[Cause]:
    if EXTERNAL_NAME in (spec_of(new).get("type"), spec_of(old).get("type")):
        return []
    if is_headless(old) and is_headless(new):
        return []
    old_ips, new_ips = cluster_ips(old), cluster_ips(new)
    shown, causes = go_strings(new_ips), []
    if len(old_ips) == len(new_ips):
        for i, ip in enumerate(old_ips):
            if ip != new_ips[i]:
                causes.append(invalid_raw(f"spec.clusterIPs[{i}]", shown, "may not change once set"))
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            causes.append(invalid_raw("spec.clusterIPs[0]", shown, "primary clusterIP can not be unset"))
        if old_ips and new_ips and new_ips[0] != old_ips[0]:
            causes.append(invalid_raw("spec.clusterIPs[0]", shown, "may not change once set"))
        if len(new_ips) == 1 and spec_of(new).get("ipFamilyPolicy") != "SingleStack":
            causes.append(Cause.invalid("spec.ipFamilyPolicy", spec_of(new).get("ipFamilyPolicy"),
                                        "must be set to 'SingleStack' when releasing the secondary clusterIP"))
    elif old_ips and new_ips[0] != old_ips[0]:
        causes.append(invalid_raw("spec.clusterIPs[0]", shown, "may not change once set"))
    return causes


def _upgrade_downgrade_families(old: Obj, new: Obj) -> list[Cause]:
    if EXTERNAL_NAME in (spec_of(new).get("type"), spec_of(old).get("type")):
        return []
    if is_headless(old) or is_headless(new):
        return []  # changing to/from headless, or headless (whose families may change)
    old_f, new_f = list(spec_of(old).get("ipFamilies") or []), list(spec_of(new).get("ipFamilies") or [])
    shown_f, shown_ips = go_strings(new_f, "core.IPFamily"), go_strings(cluster_ips(new))
    causes: list[Cause] = []
    if len(old_f) == len(new_f):
        for i, family in enumerate(old_f):
            if family != new_f[i]:
                causes.append(invalid_raw("spec.ipFamilies[0]", shown_f, "may not change once set"))
    elif len(old_f) > len(new_f):
        if not cluster_ips(new):
            causes.append(invalid_raw("spec.ipFamilies[0]", shown_f, "primary ipFamily can not be unset"))
        if new_f and new_f[0] != old_f[0]:
            causes.append(invalid_raw("spec.ipFamilies[0]", shown_ips, "may not change once set"))
        if len(new_f) == 1 and spec_of(new).get("ipFamilyPolicy") != "SingleStack":
            causes.append(Cause.invalid("spec.ipFamilyPolicy", spec_of(new).get("ipFamilyPolicy"),
                                        "must be set to 'SingleStack' when releasing the secondary ipFamily"))
    elif old_f and new_f and new_f[0] != old_f[0]:
        causes.append(invalid_raw("spec.ipFamilies[0]", shown_ips, "may not change once set"))
    return causes


# -- status -------------------------------------------------------------------------------------------

def validate_load_balancer_status(svc: Obj) -> list[Cause]:
    """ValidateLoadBalancerStatus (gates as in v1.31: LoadBalancerIPMode on, LB status on non-LB off)."""
    status = (svc.get("status") or {}).get("loadBalancer") or {}
    ingress = status.get("ingress") or []
    path = "status.loadBalancer.ingress"
    if spec_of(svc).get("type") != LOAD_BALANCER and ingress:
        return [Cause.forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")]
    causes: list[Cause] = []
    for i, ing in enumerate(ingress):
        if not isinstance(ing, dict):
            continue
        ip, mode, host = ing.get("ip") or "", ing.get("ipMode"), ing.get("hostname") or ""
        if ip:
            causes += valid_ip(f"{path}[{i}].ip", ip)
        if mode is None:
            if ip:
                causes.append(Cause.required(f"{path}[{i}].ipMode", "must be specified when `ip` is set"))
        elif not ip:
            causes.append(Cause.forbidden(f"{path}[{i}].ipMode", "may not be specified when `ip` is not set"))
        elif mode not in IP_MODES:
            causes.append(Cause.not_supported(f"{path}[{i}].ipMode", mode, IP_MODES))
        if host:
            causes += v.causes(f"{path}[{i}].hostname", host, v.dns1123_subdomain(host))
            if is_ip(host):
                causes.append(Cause.invalid(f"{path}[{i}].hostname", host, "must be a DNS name, not an IP address"))
    return causes
