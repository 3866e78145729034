"""Initial cluster state: the system namespaces, the simulated nodes and the ``kubernetes`` Service,
created through the registry's write path when missing (idempotent across restarts on the same
database)."""

from __future__ import annotations

import copy
import logging

from .allocators import allocators_for
from .config import Config
from .errors import StatusError
from .registry import RESOURCES_BY_KIND
from .registry.nodes import build_node
from .registry.objectmeta import now
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
    _ensure_service_cidr(registry, config)


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
