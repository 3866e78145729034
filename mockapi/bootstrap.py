"""Initial cluster state: the system namespaces, the simulated nodes and the ``kubernetes`` Service,
created through the registry's write path when missing (idempotent across restarts on the same
database)."""

from __future__ import annotations

import copy
import ipaddress
import logging

from .allocators import allocators_for
from .config import Config
from .errors import StatusError
from .registry import RESOURCES_BY_KIND
from .registry.nodes import build_node
from .registry.objectmeta import fill_for_create, now
from .registry.rest import Registry, Txn

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
log = logging.getLogger("mockapi")


def kubernetes_service(config: Config) -> dict:
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
    ns_rt, node_rt = RESOURCES_BY_KIND["Namespace"], RESOURCES_BY_KIND["Node"]
    svc_rt = RESOURCES_BY_KIND["Service"]

    def missing(txn: Txn) -> tuple[list[str], list[int], dict | None]:
        namespaces = [n for n in SYSTEM_NAMESPACES if txn.get(ns_rt, "", n) is None]
        nodes = [i for i in range(1, config.nodes + 1) if txn.get(node_rt, "", f"node-{i}") is None]
        return namespaces, nodes, txn.get(svc_rt, "default", "kubernetes")

    namespaces, nodes, existing = registry.write(missing, dry_run=True)
    for name in namespaces:
        registry.create(ns_rt, "", {"metadata": {"name": name}})
    created = now()
    for i in nodes:
        registry.create(node_rt, "", build_node(i, config.pod_cidr, config.node_ip_cidr,
                                                config.kubernetes_version, created))
    _ensure_kubernetes_service(registry, config, existing)
    _ensure_kubernetes_endpoints(registry, config)
    _ensure_service_cidr(registry, config)


def advertise_address(config: Config) -> str:
    """The address the ``kubernetes`` Service's endpoints point at: the bind address, or for a
    wildcard bind the first address of the node network (the apiserver's advertise address)."""
    if config.host in ("", "0.0.0.0", "::"):
        return str(ipaddress.ip_network(config.node_ip_cidr, strict=False).network_address + 1)
    try:
        return str(ipaddress.ip_address(config.host))
    except ValueError:
        return "127.0.0.1"  # a host name such as localhost


def _ensure_kubernetes_endpoints(registry: Registry, config: Config) -> None:
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

    def write(txn: Txn) -> None:
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

    registry.write(write)


def _ensure_service_cidr(registry: Registry, config: Config) -> None:
    """The ServiceCIDR "kubernetes" for the configured ranges (read-only through the API)."""
    from .registry.networking import SERVICE_CIDRS, service_cidr

    cidrs = [c.strip() for c in config.service_cidr.split(",") if c.strip()]
    current = registry.write(lambda txn: txn.get(SERVICE_CIDRS, "", "kubernetes"), dry_run=True)
    if current is None:
        registry.create(SERVICE_CIDRS, "", service_cidr(cidrs))
    elif current["spec"].get("cidrs") != cidrs:
        updated = copy.deepcopy(current)
        updated["spec"]["cidrs"] = cidrs
        registry.update(SERVICE_CIDRS, "", "kubernetes", updated)


def _ensure_kubernetes_service(registry: Registry, config: Config, existing: dict | None) -> None:
    """Create it when missing; as upstream's controller does, put its ports right when they differ."""
    svc_rt = RESOURCES_BY_KIND["Service"]
    desired = kubernetes_service(config)
    try:
        if existing is None:
            registry.create(svc_rt, "default", desired)
        elif existing["spec"].get("ports") != [dict(desired["spec"]["ports"][0])]:
            updated = copy.deepcopy(existing)
            updated["spec"]["ports"] = desired["spec"]["ports"]
            registry.update(svc_rt, "default", "kubernetes", updated)
    except StatusError as err:  # e.g. its address is held by another Service: start anyway
        log.warning("could not create the kubernetes Service: %s", err.message)
