"""Initial cluster state: the system namespaces and the simulated nodes, created through the
registry's write path when missing (idempotent across restarts on the same database)."""

from __future__ import annotations

from .config import Config
from .registry import RESOURCES_BY_KIND
from .registry.nodes import build_node
from .registry.objectmeta import now
from .registry.rest import Registry, Txn

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def ensure_initial_state(registry: Registry, config: Config) -> None:
    ns_rt, node_rt = RESOURCES_BY_KIND["Namespace"], RESOURCES_BY_KIND["Node"]

    def missing(txn: Txn) -> tuple[list[str], list[int]]:
        namespaces = [n for n in SYSTEM_NAMESPACES if txn.get(ns_rt, "", n) is None]
        nodes = [i for i in range(1, config.nodes + 1) if txn.get(node_rt, "", f"node-{i}") is None]
        return namespaces, nodes

    namespaces, nodes = registry.write(missing, dry_run=True)
    for name in namespaces:
        registry.create(ns_rt, "", {"metadata": {"name": name}})
    created = now()
    for i in nodes:
        registry.create(node_rt, "", build_node(i, config.pod_cidr, config.node_ip_cidr,
                                                config.kubernetes_version, created))
