"""Service: Kubernetes' decoding and defaulting (SetDefaults_Service), the strategy's create/update
preparation (normalizeClusterIPs, patchAllocatedValues, dropTypeDependentFields), validation
(``validation``, on the shared ``fields`` rules) and allocation in the write transaction (``allocation``).

Write order: default -> prepare -> validate (every field error in one 422) -> allocate (422 for a
taken or out-of-range request, 500 when a range is full) -> store. Delete releases everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import Cause, already_exists
from ...patch import schemas as patch_schemas
from ...schemas import core as wire
from .. import objectmeta
from .. import printing as p
from .. import validation as v
from ..base import Obj, ResourceType, Strategy
from ..subresources import STATUS
from . import allocation as alloc
from . import fields as sv
from . import validation as service_validation

DEFAULT_AFFINITY_SECONDS = 10800
_SPEC_ORDER = ("ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
               "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy",
               "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
               "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy",
               "trafficDistribution")
#: pointer fields of ServiceSpec: an explicit "" survives decoding (and fails validation)
_POINTERS = ("sessionAffinityConfig", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass",
             "internalTrafficPolicy", "trafficDistribution")
_PORT_ORDER = ("name", "protocol", "appProtocol", "port", "targetPort", "nodePort")


def _go_decode(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as Go's decoder and encoder leave it: nulls and omitempty zero values gone, known
    fields in ServiceSpec order (an empty selector map is "no selector", as the API treats it)."""
    out: dict[str, Any] = {}
    for key in _SPEC_ORDER + tuple(k for k in spec if k not in _SPEC_ORDER):
        if key not in spec:
            continue
        value = spec[key]
        if value is None or (key not in _POINTERS and key in _SPEC_ORDER and value in ("", 0, False, [], {})):
            continue
        out[key] = value
    ports = []
    for port in out.get("ports") or []:
        if not isinstance(port, dict):
            raise TypeError("spec.ports[] must be objects")
        clean = {k: port[k] for k in _PORT_ORDER + tuple(k for k in port if k not in _PORT_ORDER)
                 if k in port and port[k] is not None
                 and not (k in ("name", "protocol", "nodePort") and port[k] in ("", 0))}
        target = clean.get("targetPort")
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, str))):
            raise TypeError("spec.ports[].targetPort must be an integer or a string")
        clean.setdefault("port", 0)
        ports.append(clean)
    if "ports" in out:
        out["ports"] = ports
    return out


class ServiceStrategy(Strategy):
    name_validator = staticmethod(v.dns1035_label)
    returns_deleted_object = True  # ReturnDeletedObject, as upstream's service storage
    allow_create_on_update = True

    # -- defaulting ------------------------------------------------------------------------------
    def default(self, obj: Obj) -> None:
        """SetDefaults_Service (v1), after decoding."""
        spec = obj["spec"] = _go_decode(obj.get("spec") or {})
        spec.setdefault("sessionAffinity", "None")
        if spec["sessionAffinity"] == "None":
            spec.pop("sessionAffinityConfig", None)
        elif spec["sessionAffinity"] == "ClientIP":
            config = spec.get("sessionAffinityConfig")
            client_ip = config.get("clientIP") if isinstance(config, dict) else None
            if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
                spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_AFFINITY_SECONDS}}
        spec.setdefault("type", sv.CLUSTER_IP)
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port") or 0
        if sv.externally_accessible(obj) and not spec.get("externalTrafficPolicy"):
            spec["externalTrafficPolicy"] = "Cluster"
        if spec.get("internalTrafficPolicy") is None and spec["type"] in (sv.NODE_PORT, sv.LOAD_BALANCER,
                                                                          sv.CLUSTER_IP):
            spec["internalTrafficPolicy"] = "Cluster"
        if spec["type"] == sv.LOAD_BALANCER:
            spec.setdefault("allocateLoadBalancerNodePorts", True)
            for ing in ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                if isinstance(ing, dict) and ing.get("ip") and ing.get("ipMode") is None:
                    ing["ipMode"] = "VIP"
        obj["spec"] = _go_decode(spec)

    def initial_status(self, obj: Obj) -> Obj:
        return {"loadBalancer": {}}

    # -- preparation -----------------------------------------------------------------------------
    def prepare_for_create(self, obj: Obj) -> None:
        super().prepare_for_create(obj)
        spec = obj["spec"]
        if spec.get("clusterIP") and not spec.get("clusterIPs"):  # normalizeClusterIPs (create)
            spec["clusterIPs"] = [spec["clusterIP"]]

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        new.setdefault("status", {}).setdefault("loadBalancer", {})
        self.default(new)
        _patch_allocated_values(new, old)
        _normalize_cluster_ips(new, old)
        _drop_type_dependent_fields(new, old)
        ordered = objectmeta.canonical(new)  # so that an unchanged object compares equal to the stored one
        new.clear()
        new.update(ordered)

    def prepare_for_status_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_status_update(new, old)
        status = new.get("status")
        new["status"] = status = dict(status) if isinstance(status, dict) else {}
        lb = status.get("loadBalancer")
        status["loadBalancer"] = {k: val for k, val in lb.items() if val is not None} \
            if isinstance(lb, dict) else {}
        if not status["loadBalancer"].get("ingress"):
            status["loadBalancer"].pop("ingress", None)

    # -- validation ------------------------------------------------------------------------------
    def validate(self, obj: Obj) -> list[Cause]:
        return service_validation.validate_service(obj)

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        return service_validation.validate_service_update(new, old)

    def validate_status_update(self, new: Obj, old: Obj) -> list[Cause]:
        return service_validation.validate_load_balancer_status(new)

    # -- allocation ------------------------------------------------------------------------------
    def before_store(self, txn: Any, new: Obj, old: Obj | None) -> None:
        if old is None:
            meta = new["metadata"]
            if txn.get(SERVICES, meta.get("namespace", ""), meta["name"]) is not None:
                # before allocating: a generateName retry must not find its first attempt's addresses
                raise already_exists("services", meta["name"])
            alloc.allocate_create(txn, new)
        elif new.get("spec") == old.get("spec"):
            return  # a /status or metadata-only write: upstream's status store has no allocation hooks
        else:
            alloc.allocate_update(txn, new, old)
        new["spec"] = _go_decode(new["spec"])
        if new["spec"].get("type") == sv.EXTERNAL_NAME:  # upstream drops it on read (defaultOnRead)
            new["spec"].pop("internalTrafficPolicy", None)

    def after_remove(self, txn: Any, obj: Obj) -> None:
        if not txn.dry_run:
            alloc.release_all(txn, obj)


# -- update preparation (pkg/registry/core/service/storage and strategy.go) ---------------------------

def _needs_cluster_ip(svc: Obj) -> bool:
    return sv.spec_of(svc).get("type") != sv.EXTERNAL_NAME


def _needs_node_port(svc: Obj) -> bool:
    return sv.spec_of(svc).get("type") in (sv.NODE_PORT, sv.LOAD_BALANCER)


def _patch_allocated_values(new: Obj, old: Obj) -> None:
    """patchAllocatedValues: a re-applied manifest without allocated values keeps them."""
    spec, old_spec = new["spec"], sv.spec_of(old)
    if _needs_cluster_ip(old) and _needs_cluster_ip(new):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if _needs_node_port(old) and _needs_node_port(new):
        used = set(alloc.node_ports_of(old)) & set(alloc.node_ports_of(new))
        by_name = {p.get("name") or "": p.get("nodePort") or 0 for p in sv.ports_of(old)}
        for port in sv.ports_of(new):
            if not port.get("nodePort"):
                value = by_name.get(port.get("name") or "", 0)
                if value and value not in used:
                    port["nodePort"] = value
    if sv.needs_health_check(old) and sv.needs_health_check(new) and not spec.get("healthCheckNodePort") \
            and old_spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]
    if _needs_cluster_ip(old) and _needs_cluster_ip(new):
        # what initIPFamilyFields will infer anyway (the old policy; the families of the kept IPs), done
        # before the no-op check so that re-applying a manifest does not even bump the resourceVersion
        if spec.get("ipFamilyPolicy") is None and old_spec.get("ipFamilyPolicy") is not None:
            spec["ipFamilyPolicy"] = old_spec["ipFamilyPolicy"]
        if not spec.get("ipFamilies") and old_spec.get("ipFamilies") and \
                list(spec.get("clusterIPs") or []) == list(old_spec.get("clusterIPs") or []):
            spec["ipFamilies"] = list(old_spec["ipFamilies"])


def _normalize_cluster_ips(new: Obj, old: Obj) -> None:
    """normalizeClusterIPs (update): keep clusterIP and clusterIPs in step for clients that send one."""
    spec, old_spec = new["spec"], sv.spec_of(old)
    old_ip, old_ips = old_spec.get("clusterIP") or "", list(old_spec.get("clusterIPs") or [])
    if old_ips and not spec.get("clusterIPs") and old_ip == (spec.get("clusterIP") or ""):
        spec["clusterIPs"] = old_ips  # an old client patched something else
    new_ip = spec.get("clusterIP") or ""
    if old_ip != new_ip and old_ips == list(spec.get("clusterIPs") or []):
        if old_ip and not new_ip:
            spec.pop("clusterIPs", None)  # cleared on the client's behalf
        else:
            spec["clusterIPs"] = [new_ip]  # changed: validation will say so


def _drop_type_dependent_fields(new: Obj, old: Obj) -> None:
    """dropTypeDependentFields: wipe what the new type cannot use, when the user left it unchanged."""
    spec, old_spec = new["spec"], sv.spec_of(old)
    if _needs_cluster_ip(old) and not _needs_cluster_ip(new):
        if (old_spec.get("clusterIP") or "") == (spec.get("clusterIP") or "") and \
                list(old_spec.get("clusterIPs") or []) == list(spec.get("clusterIPs") or []):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if old_spec.get("ipFamilies") == spec.get("ipFamilies"):
            spec.pop("ipFamilies", None)
        if old_spec.get("ipFamilyPolicy") == spec.get("ipFamilyPolicy"):
            spec.pop("ipFamilyPolicy", None)
    if _needs_node_port(old) and not _needs_node_port(new) and \
            set(alloc.node_ports_of(new)) <= set(alloc.node_ports_of(old)):
        for port in sv.ports_of(new):
            port.pop("nodePort", None)
    if sv.needs_health_check(old) and not sv.needs_health_check(new) and \
            (old_spec.get("healthCheckNodePort") or 0) == (spec.get("healthCheckNodePort") or 0):
        spec.pop("healthCheckNodePort", None)
    if old_spec.get("type") == sv.LOAD_BALANCER and spec.get("type") != sv.LOAD_BALANCER:
        if spec.get("allocateLoadBalancerNodePorts") is not None and \
                old_spec.get("allocateLoadBalancerNodePorts") == spec.get("allocateLoadBalancerNodePorts"):
            spec.pop("allocateLoadBalancerNodePorts", None)
        if old_spec.get("loadBalancerClass") == spec.get("loadBalancerClass"):
            spec.pop("loadBalancerClass", None)
    if sv.externally_accessible(old) and not sv.externally_accessible(new) and \
            old_spec.get("externalTrafficPolicy") == spec.get("externalTrafficPolicy"):
        spec.pop("externalTrafficPolicy", None)
    if spec.get("type") != sv.LOAD_BALANCER:
        new.setdefault("status", {})["loadBalancer"] = {}


def _spec_field(path: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("spec") or {}).get(path) or "")


def _service_row(obj: Obj, now: datetime) -> list[Any]:
    meta, spec, status = p.meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    stype = spec.get("type") or "ClusterIP"
    cluster_ip = (spec.get("clusterIPs") or [spec.get("clusterIP")] or [None])[0] or "<none>"
    external = list(spec.get("externalIPs") or [])
    if stype == "LoadBalancer":
        ingress = [i.get("ip") or i.get("hostname") for i in (status.get("loadBalancer") or {}).get("ingress") or []]
        external = [i for i in ingress if i] + external
        ext_cell = ",".join(external) if external else "<pending>"
    elif stype == "ExternalName":
        ext_cell = spec.get("externalName") or "<none>"
    else:
        ext_cell = ",".join(external) if external else "<none>"
    ports = []
    for port in spec.get("ports") or []:
        proto = port.get("protocol") or "TCP"
        ports.append(f"{port.get('port')}:{port['nodePort']}/{proto}" if port.get("nodePort")
                     else f"{port.get('port')}/{proto}")
    selector = spec.get("selector") or {}
    return [meta.get("name", ""), stype, cluster_ip, ext_cell, ",".join(ports) or "<none>",
            p.age(meta.get("creationTimestamp"), now),
            ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"]


PRINTER = p.Printer((
    p.NAME,
    p.Column('Type', 'The type of the service.'),
    p.Column('Cluster-IP', 'The IP address of the service.'),
    p.Column('External-IP', 'The external IP address of the service.'),
    p.Column('Port(s)', 'The ports that the service exposes.'),
    p.AGE,
    p.Column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
), _service_row)


SERVICES = ResourceType(
    example={"spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}},
    subresources=(STATUS,),
    wire_schema=wire.Service(),
    printer=PRINTER,
    kind="Service",
    plural="services",
    singular="service",
    short_names=("svc",),
    categories=("all",),
    strategy=ServiceStrategy(),
    patch_schema=patch_schemas.SERVICE,
    extra_fields={"spec.clusterIP": _spec_field("clusterIP"), "spec.type": _spec_field("type")},
)
