"""Initial cluster state: the system namespaces, the simulated nodes and the ``kubernetes`` Service,
created through the registry's write path when missing (idempotent across restarts on the same
database)."""

from __future__ import annotations

import copy
import ipaddress
import logging
from typing import Any

from ..allocators import allocators_for
from ..config import Config
from ..errors import StatusError
from ..registry import RESOURCES_BY_KIND
from ..registry.nodes import build_node
from ..registry.objectmeta import fill_for_create, now
from ..registry.rest import Registry, Txn

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
log = logging.getLogger("mockapi")


def kubernetes_service(config: Config) -> dict[str, Any]:
    """The apiserver's own Service (pkg/controlplane/controller/kubernetesservice): index 1 of the
    primary service range, port 443 ``https`` to the server's port, no selector."""
    allocs = allocators_for(config.service_cidr, config.node_port_range, config.lb_pool)
    ip = allocs.first_ip()
    return {
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": config.port}],
                 "clusterIP": ip, "clusterIPs": [ip], "sessionAffinity": "None", "type": "ClusterIP"},
    }


def ensure_initial_state(registry: Registry, config: Config) -> None:
    """Create what is missing of the initial state, in one transaction (controllers run after it)."""
    registry.write(lambda txn: initial_state(txn, config))


def initial_state(txn: Txn, config: Config) -> int:
    """The system namespaces, the nodes, the ``kubernetes`` Service, its Endpoints and EndpointSlice
    and the ServiceCIDR, each created through the write path when missing (idempotent: also the
    second half of POST /mock/reset, after everything was removed). Returns how many writes it made."""
    ns_rt, node_rt = RESOURCES_BY_KIND["Namespace"], RESOURCES_BY_KIND["Node"]
    before = len(txn.changes)
    for name in SYSTEM_NAMESPACES:
        if txn.get(ns_rt, "", name) is None:
            txn.apply_create(ns_rt, "", {"metadata": {"name": name}})
    created = now()
    for i in range(1, config.nodes + 1):
        if txn.get(node_rt, "", f"node-{i}") is None:
            txn.apply_create(node_rt, "", build_node(i, config.pod_cidr, config.node_ip_cidr,
                                                     config.kubernetes_version, created))
    _ensure_kubernetes_service(txn, config)
    _ensure_kubernetes_endpoints(txn, config)
    _ensure_service_cidr(txn, config)
    _ensure_default_cluster_roles(txn)
    return len(txn.changes) - before


def advertise_address(config: Config) -> str:
    """The address the ``kubernetes`` Service's endpoints point at: the bind address, or for a
    wildcard bind the first address of the node network (the apiserver's advertise address)."""
    if config.host in ("", "0.0.0.0", "::"):
        return str(ipaddress.ip_network(config.node_ip_cidr, strict=False).network_address + 1)
    try:
        return str(ipaddress.ip_address(config.host))
    except ValueError:
        return "127.0.0.1"  # a host name such as localhost


def _ensure_kubernetes_endpoints(txn: Txn, config: Config) -> None:
    """Endpoints and EndpointSlice ``kubernetes`` pointing at this server, written as the apiserver's
    endpoint reconciler writes them (directly: a loopback address is fine for the server itself)."""
    ip, port = advertise_address(config), config.port
    family = "IPv6" if ":" in ip else "IPv4"
    endpoints = {
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
    }
    endpoint_slice = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": family,
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }
    for kind, desired in (("Endpoints", endpoints), ("EndpointSlice", endpoint_slice)):
        rt = RESOURCES_BY_KIND[kind]
        current = txn.get(rt, "default", "kubernetes")
        if current is None:
            obj = copy.deepcopy(desired)
            fill_for_create(rt, obj, "default")
            rt.strategy.default(obj)
            txn.insert(rt, obj)
        elif any(current.get(k) != v for k, v in desired.items() if k not in ("metadata", "apiVersion", "kind")):
            new = copy.deepcopy(current)
            new.update({k: v for k, v in desired.items() if k not in ("metadata", "apiVersion", "kind")})
            txn.replace(rt, new, current)


def _ensure_service_cidr(txn: Txn, config: Config) -> None:
    """The ServiceCIDR "kubernetes" for the configured ranges (read-only through the API)."""
    from ..registry.networking import SERVICE_CIDRS, service_cidr

    cidrs = [c.strip() for c in config.service_cidr.split(",") if c.strip()]
    current = txn.get(SERVICE_CIDRS, "", "kubernetes")
    if current is None:
        txn.apply_create(SERVICE_CIDRS, "", service_cidr(cidrs))
    elif current["spec"].get("cidrs") != cidrs:
        updated = copy.deepcopy(current)
        updated["spec"]["cidrs"] = cidrs
        txn.apply_update(SERVICE_CIDRS, updated, current)


def _ensure_default_cluster_roles(txn: Txn) -> None:
    """cluster-admin, admin, edit, view, the system:aggregate-to-* roles and the cluster-admin
    binding, when missing."""
    from ..registry.rbac import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES
    from ..registry.rbac.defaults import default_cluster_role_bindings, default_cluster_roles

    for rt, objs in ((CLUSTER_ROLES, default_cluster_roles()), (CLUSTER_ROLE_BINDINGS, default_cluster_role_bindings())):
        for obj in objs:
            if txn.get(rt, "", obj["metadata"]["name"]) is None:
                txn.apply_create(rt, "", obj)


def _ensure_kubernetes_service(txn: Txn, config: Config) -> None:
    """Create it when missing; as upstream's controller does, put its ports right when they differ.
    Runs in a savepoint: when it cannot be written (e.g. its address is held by another Service)
    the server starts anyway, without it."""
    svc_rt = RESOURCES_BY_KIND["Service"]
    desired = kubernetes_service(config)
    existing = txn.get(svc_rt, "default", "kubernetes")
    changes = len(txn.changes)
    savepoint = txn.conn.begin_nested()
    try:
        if existing is None:
            txn.apply_create(svc_rt, "default", desired)
        elif existing["spec"].get("ports") != [dict(desired["spec"]["ports"][0])]:
            updated = copy.deepcopy(existing)
            updated["spec"]["ports"] = desired["spec"]["ports"]
            txn.apply_update(svc_rt, updated, existing)
    except StatusError as err:
        savepoint.rollback()
        del txn.changes[changes:]
        log.warning("could not create the kubernetes Service: %s", err.message)
    else:
        savepoint.commit()
