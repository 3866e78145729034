"""Service allocation inside the write transaction, as kube-apiserver's service REST storage does it
(pkg/registry/core/service/storage/alloc.go): IP-family initialisation, ClusterIPs, NodePorts and the
health-check port on create and update (type transitions, dual-stack upgrades and downgrades), release
on delete, and LoadBalancer ingress addresses for Services of our class.

Allocator errors are translated here, once, into StatusErrors with Kubernetes' fields and wording.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...allocators import AllocationError, Allocators, Full, PortOperation, allocators_for
from ...config import Config
from ...errors import Cause, StatusError, invalid
from ...storage import allocations
from .. import networking
from ..base import Obj
from .fields import (
    EXTERNAL_NAME,
    LOAD_BALANCER,
    NODE_PORT,
    cluster_ips,
    go_strings,
    invalid_raw,
    needs_health_check,
    ports_of,
    spec_of,
)
from .validation import validate_cluster_ips_related

#: loadBalancerClass this server implements (a Service without a class is ours too)
LB_CLASS = "mockapi.dev/load-balancer"
SINGLE, PREFER, REQUIRE = "SingleStack", "PreferDualStack", "RequireDualStack"


def allocators_of(txn: Any) -> Allocators:
    config = getattr(txn.registry, "config", None) or Config()
    return allocators_for(config.service_cidr, config.node_port_range, config.lb_pool)


def owner_of(svc: Obj) -> str:
    meta = svc.get("metadata") or {}
    return f"services/{meta.get('namespace', '')}/{meta.get('name', '')}"


def internal_error(message: str) -> StatusError:
    """apierrors.NewInternalError: 500, the message also as the one cause."""
    return StatusError(500, f"Internal error occurred: {message}", details={"causes": [{"message": message}]})


def _invalid(svc: Obj, causes: list[Cause]) -> StatusError:
    return invalid("Service", (svc.get("metadata") or {}).get("name", ""), causes)


def _family(ip: str) -> str:
    return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"


def _other(family: str) -> str:
    return "IPv6" if family == "IPv4" else "IPv4"


# -- ip families --------------------------------------------------------------------------------------

def _matching_prefer_dual_stack(svc: Obj, old: Obj | None) -> bool:
    if old is None:
        return False
    new_s, old_s = spec_of(svc), spec_of(old)
    if new_s.get("ipFamilyPolicy") is None or new_s.get("type") != old_s.get("type"):
        return False
    if new_s.get("type") == EXTERNAL_NAME:
        return False
    if new_s.get("ipFamilyPolicy") != PREFER or old_s.get("ipFamilyPolicy") not in (None, PREFER):
        return False
    return cluster_ips(svc) == cluster_ips(old) and new_s.get("ipFamilies") == old_s.get("ipFamilies")


def init_ip_family_fields(svc: Obj, old: Obj | None, allocs: Allocators) -> None:
    """initIPFamilyFields: default ipFamilyPolicy and ipFamilies from the request, the old object and
    the cluster's configuration; 422 for what the cluster cannot serve."""
    spec = svc["spec"]
    if spec.get("type") == EXTERNAL_NAME or _matching_prefer_dual_stack(svc, old):
        return
    if spec.get("ipFamilyPolicy") is None:
        if old is not None and spec_of(old).get("ipFamilyPolicy") is not None:
            spec["ipFamilyPolicy"] = spec_of(old)["ipFamilyPolicy"]
        elif spec.get("clusterIP") == "None" and not spec.get("selector"):
            spec["ipFamilyPolicy"] = REQUIRE
        else:
            spec["ipFamilyPolicy"] = SINGLE
    errors = validate_cluster_ips_related(svc)
    if errors:
        raise _invalid(svc, errors)
    policy, causes = spec["ipFamilyPolicy"], []
    if old is not None:
        ips, families = cluster_ips(svc), list(spec.get("ipFamilies") or [])
        if policy == SINGLE:
            if ips == cluster_ips(old) and len(ips) > 1:
                spec["clusterIPs"] = ips[:1]
            if families == list(spec_of(old).get("ipFamilies") or []) and len(families) > 1:
                spec["ipFamilies"] = families[:1]
        else:
            if ips and len(ips) < len(cluster_ips(old)):
                causes.append(Cause.invalid("spec.ipFamilyPolicy", policy,
                                            "must be 'SingleStack' to release the secondary cluster IP"))
            if families and len(families) < len(spec_of(old).get("ipFamilies") or []):
                causes.append(Cause.invalid("spec.ipFamilyPolicy", policy,
                                            "must be 'SingleStack' to release the secondary IP family"))
    ips, families = cluster_ips(svc), list(spec.get("ipFamilies") or [])
    if policy == SINGLE:
        if len(ips) == 2:
            causes.append(Cause.invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or "
                                        "'PreferDualStack' when multiple cluster IPs are specified"))
        if len(families) == 2:
            causes.append(Cause.invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or "
                                        "'PreferDualStack' when multiple IP families are specified"))
    for i, ip in enumerate(ips):
        if ip == "None":
            break
        if i >= len(families):
            family = _family(ip)
            if allocs.for_family(family) is None:
                causes.append(invalid_raw(f"spec.clusterIPs[{i}]", go_strings(ips),
                                          f"{family} is not configured on this cluster"))
            else:
                families.append(family)
    if causes:
        raise _invalid(svc, causes)
    if spec.get("clusterIP") == "None" and not spec.get("selector"):
        families = families or [allocs.primary_family]
        if len(families) < 2 and policy != SINGLE:
            families.append(_other(families[0]))
        spec["ipFamilies"] = families
        return
    if policy == REQUIRE and not allocs.dual_stack:
        causes.append(Cause.invalid("spec.ipFamilyPolicy", policy,
                                    "this cluster is not configured for dual-stack services"))
    for i, family in enumerate(families):
        if allocs.for_family(family) is None:
            causes.append(Cause.invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster"))
    if causes:
        raise _invalid(svc, causes)
    families = families or [allocs.primary_family]
    if policy != SINGLE and len(families) == 1 and allocs.dual_stack:
        families.append(_other(families[0]))
    spec["ipFamilies"] = families


# -- cluster IPs --------------------------------------------------------------------------------------

def _alloc_ips(txn: Any, svc: Obj, allocs: Allocators, wanted: dict[str, str]) -> dict[str, str]:
    """allocIPs: each family's requested address (or the next free one)."""
    out: dict[str, str] = {}
    for family, ip in wanted.items():
        allocator = allocs.for_family(family)
        assert allocator is not None  # init_ip_family_fields checked the families
        try:
            if not ip:
                out[family] = allocator.allocate_next(txn.conn, owner_of(svc), dry_run=txn.dry_run)
            else:
                allocator.allocate(txn.conn, ip, owner_of(svc), dry_run=txn.dry_run)
                out[family] = ip
            if not txn.dry_run:
                networking.record_ip(txn, out[family], svc)
        except Full:
            raise internal_error("failed to allocate a serviceIP: range is full") from None
        except AllocationError as err:
            raise _invalid(svc, [invalid_raw("spec.clusterIPs", go_strings(cluster_ips(svc)),
                                             f"failed to allocate IP {ip}: {err}")]) from None
    return out


def _set_ips(svc: Obj, allocated: dict[str, str]) -> None:
    spec = svc["spec"]
    ips = list(spec.get("clusterIPs") or [])
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family in allocated:
            ips[i] = allocated[family]
            if i == 0:
                spec["clusterIP"] = allocated[family]
    spec["clusterIPs"] = ips


def alloc_cluster_ips(txn: Any, svc: Obj, allocs: Allocators) -> None:
    spec = svc["spec"]
    ips = cluster_ips(svc)
    if spec.get("type") == EXTERNAL_NAME or ips[:1] == ["None"]:
        return
    families = list(spec.get("ipFamilies") or [])
    spec["clusterIPs"] = ips + [""] * (len(families) - len(ips))  # markers, shown in errors as upstream
    _set_ips(svc, _alloc_ips(txn, svc, allocs, dict(zip(families, spec["clusterIPs"]))))


def update_cluster_ips(txn: Any, svc: Obj, old: Obj, allocs: Allocators) -> dict[str, str]:
    """updateClusterIPs: allocates what an update adds; returns what it releases (family -> IP)."""
    new_s, old_s = spec_of(svc), spec_of(old)
    if _matching_prefer_dual_stack(svc, old):
        return {}
    if old_s.get("type") == EXTERNAL_NAME and new_s.get("type") != EXTERNAL_NAME:
        alloc_cluster_ips(txn, svc, allocs)
        return {}
    if cluster_ips(old)[:1] == ["None"]:
        return {}
    old_ips, old_families = cluster_ips(old), list(old_s.get("ipFamilies") or [])
    if new_s.get("type") == EXTERNAL_NAME:
        return {f: ip for f, ip in zip(old_families, old_ips)}
    new_families = list(new_s.get("ipFamilies") or [])
    if len(old_families) == 1 and len(new_families) == 2:
        ips = cluster_ips(svc)
        if len(ips) < 2:
            new_s["clusterIPs"] = ips = ips + [""]
        _set_ips(svc, _alloc_ips(txn, svc, allocs, {new_families[1]: ips[1]}))
    elif len(old_families) == 2 and len(new_families) == 1 and len(old_ips) == 2:
        return {old_families[1]: old_ips[1]}
    return {}


# -- node ports ---------------------------------------------------------------------------------------

def _should_allocate_node_ports(svc: Obj) -> bool:
    spec = spec_of(svc)
    if spec.get("type") == NODE_PORT:
        return True
    return spec.get("type") == LOAD_BALANCER and spec.get("allocateLoadBalancerNodePorts") is not False


def node_ports_of(svc: Obj) -> list[int]:
    return [p["nodePort"] for p in ports_of(svc) if p.get("nodePort")]


def _port_error(svc: Obj, i: int, port: int, err: AllocationError) -> StatusError:
    return _invalid(svc, [Cause.invalid(f"spec.ports[{i}].nodePort", port, str(err))])


def init_node_ports(svc: Obj, op: PortOperation) -> None:
    """initNodePorts: one nodePort per distinct ``port`` value, requested ones honoured."""
    ports, by_port = ports_of(svc), dict[Any, int]()
    for i, sp in enumerate(ports):
        node_port = sp.get("nodePort") or 0
        if not node_port and not _should_allocate_node_ports(svc):
            continue
        allocated = by_port.get(sp.get("port"), 0)
        if not allocated:
            requested = next((p["nodePort"] for p in ports if p.get("port") == sp.get("port") and p.get("nodePort")), 0)
            if requested:
                try:
                    op.allocate(requested)
                except AllocationError as err:
                    raise _port_error(svc, i, requested, err) from None
                sp["nodePort"] = by_port[sp.get("port")] = requested
            else:
                sp["nodePort"] = by_port[sp.get("port")] = _next_node_port(op)
        elif node_port != allocated:
            if not node_port:
                sp["nodePort"] = allocated
            else:
                try:
                    op.allocate(node_port)
                except AllocationError as err:
                    raise _port_error(svc, i, node_port, err) from None


def _next_node_port(op: PortOperation) -> int:
    try:
        return op.allocate_next()
    except AllocationError as err:
        raise internal_error(f"failed to allocate a nodePort: {err}") from None


def update_node_ports(svc: Obj, old: Obj, op: PortOperation) -> None:
    """updateNodePorts: new requests allocated, zeros auto-allocated, dropped ports released."""
    old_ports, claimed = node_ports_of(old), set()
    for i, sp in enumerate(ports_of(svc)):
        node_port = sp.get("nodePort") or 0
        if not node_port and not _should_allocate_node_ports(svc):
            continue
        if node_port:
            if node_port not in old_ports and node_port not in claimed:
                try:
                    op.allocate(node_port)
                except AllocationError as err:
                    raise _port_error(svc, i, node_port, err) from None
                claimed.add(node_port)
        else:
            sp["nodePort"] = _next_node_port(op)
    kept = set(node_ports_of(svc))
    for port in old_ports:
        if port not in kept:
            op.release_deferred(port)


def alloc_health_check_port(svc: Obj, op: PortOperation) -> None:
    """allocHealthCheckNodePort: failures are 500s, as upstream wraps them."""
    spec = svc["spec"]
    requested = spec.get("healthCheckNodePort") or 0
    try:
        if requested:
            op.allocate(requested)
        else:
            spec["healthCheckNodePort"] = op.allocate_next()
    except AllocationError as err:
        what = f"requested HealthCheck NodePort {requested}" if requested else "a HealthCheck NodePort 0"
        raise internal_error(f"failed to allocate {what}: {err}") from None


# -- the write hooks ----------------------------------------------------------------------------------

def allocate_create(txn: Any, svc: Obj) -> None:
    allocs = allocators_of(txn)
    init_ip_family_fields(svc, None, allocs)
    alloc_cluster_ips(txn, svc, allocs)
    op = PortOperation(allocs.node_ports, txn.conn, owner_of(svc), dry_run=txn.dry_run)
    if spec_of(svc).get("type") in (NODE_PORT, LOAD_BALANCER):
        init_node_ports(svc, op)
    if needs_health_check(svc):
        alloc_health_check_port(svc, op)
    op.commit()
    if is_our_load_balancer(svc):
        reconcile_load_balancer(txn, svc, allocs)


def allocate_update(txn: Any, svc: Obj, old: Obj) -> None:
    allocs = allocators_of(txn)
    init_ip_family_fields(svc, old, allocs)
    released_ips = update_cluster_ips(txn, svc, old, allocs)
    op = PortOperation(allocs.node_ports, txn.conn, owner_of(svc), dry_run=txn.dry_run)
    new_type, old_type = spec_of(svc).get("type"), spec_of(old).get("type")
    if old_type in (NODE_PORT, LOAD_BALANCER) and new_type not in (NODE_PORT, LOAD_BALANCER):
        for port in node_ports_of(old):
            op.release_deferred(port)
    if new_type in (NODE_PORT, LOAD_BALANCER):
        update_node_ports(svc, old, op)
    if not needs_health_check(old) and needs_health_check(svc):
        alloc_health_check_port(svc, op)
    elif needs_health_check(old) and not needs_health_check(svc):
        op.release_deferred(spec_of(old).get("healthCheckNodePort") or 0)
    if not txn.dry_run:
        for family, ip in released_ips.items():
            allocator = allocs.for_family(family)
            if allocator is not None:
                allocator.release(txn.conn, ip, owner_of(svc))
                networking.forget_ip(txn, ip)
    op.commit()
    if (is_our_load_balancer(svc) or old_type == LOAD_BALANCER) and spec_of(svc) != spec_of(old):
        reconcile_load_balancer(txn, svc, allocs)


def release_all(txn: Any, svc: Obj) -> None:
    """Everything the Service held: ClusterIPs, NodePorts, health-check port, LoadBalancer IPs."""
    allocations.release_owner(txn.conn, owner_of(svc))
    for ip in cluster_ips(svc):
        if ip and ip != "None":
            networking.forget_ip(txn, ip)


def is_our_load_balancer(svc: Obj) -> bool:
    spec = spec_of(svc)
    return spec.get("type") == LOAD_BALANCER and spec.get("loadBalancerClass") in (None, LB_CLASS)


def reconcile_load_balancer(txn: Any, svc: Obj, allocs: Allocators) -> None:
    """What a cloud controller would do at once: give a LoadBalancer Service of our class an ingress
    address from the pool (the requested spec.loadBalancerIP when it is free), release it when the
    Service stops being one. Others stay pending. Dry runs are answered without an address."""
    if txn.dry_run:
        return
    pool, owner = allocs.load_balancer, owner_of(svc)
    held = pool.held(txn.conn, owner)
    if not is_our_load_balancer(svc):
        for ip in held:
            pool.release(txn.conn, ip, owner)
        return
    spec = svc["spec"]
    requested = spec.get("loadBalancerIP") or ""
    wanted: list[str] = []
    if requested:
        if requested in held:
            wanted = [requested]
        else:
            try:
                wanted = [pool.allocate(txn.conn, requested, owner)]
            except AllocationError:
                wanted = []  # pending, as a cloud answers an address it cannot give
    else:
        for family in spec.get("ipFamilies") or []:
            mine = [ip for ip in held if _family(ip) == family]
            if mine:
                wanted.append(mine[0])
            elif family in pool.families():
                try:
                    wanted.append(pool.allocate_next(txn.conn, owner, family))
                except AllocationError:
                    pass
    for ip in held:
        if ip not in wanted:
            pool.release(txn.conn, ip, owner)
    status = svc.setdefault("status", {})
    status["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"} for ip in wanted]} if wanted else {}
