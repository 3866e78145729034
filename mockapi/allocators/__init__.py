"""IP and port pools over the ``allocations`` table: ClusterIPs per service CIDR, NodePorts, and
LoadBalancer ingress addresses. Everything runs in the caller's transaction, so a failed write leaves
nothing behind. Domain exceptions only (``errors``); no Flask, no registry imports.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .clusterip import ClusterIPAllocator
from .errors import (
    AllocationError,
    ConfigError,
    Full,
    IPAllocated,
    IPNotInRange,
    PortAllocated,
    PortNotInRange,
)
from .loadbalancer import LoadBalancerPool
from .nodeport import NodePortAllocator, PortOperation
from .ranges import IPV4, IPV6, IPRange, PortRange, parse_service_cidrs

__all__ = [
    "IPV4",
    "IPV6",
    "AllocationError",
    "Allocators",
    "ClusterIPAllocator",
    "ConfigError",
    "Full",
    "IPAllocated",
    "IPNotInRange",
    "IPRange",
    "LoadBalancerPool",
    "NodePortAllocator",
    "PortAllocated",
    "PortNotInRange",
    "PortOperation",
    "PortRange",
    "allocators_for",
]


@dataclass(frozen=True)
class Allocators:
    """The pools of one cluster configuration."""

    cluster_ips: tuple[ClusterIPAllocator, ...]  # primary family first
    node_ports: NodePortAllocator
    load_balancer: LoadBalancerPool

    @property
    def primary_family(self) -> str:
        return self.cluster_ips[0].family

    @property
    def dual_stack(self) -> bool:
        return len(self.cluster_ips) == 2

    def for_family(self, family: str) -> ClusterIPAllocator | None:
        return next((a for a in self.cluster_ips if a.family == family), None)

    def first_ip(self) -> str:
        """Index 1 of the primary range (10.96.0.1): the ``kubernetes`` Service's address."""
        return self.cluster_ips[0].range.value(0)


@functools.lru_cache(maxsize=32)
def allocators_for(service_cidr: str, node_port_range: str, lb_pool: str) -> Allocators:
    """The allocators of a configuration (cached: they hold no state of their own)."""
    return Allocators(
        cluster_ips=tuple(ClusterIPAllocator(r) for r in parse_service_cidrs(service_cidr)),
        node_ports=NodePortAllocator(PortRange.parse(node_port_range)),
        load_balancer=LoadBalancerPool.parse(lb_pool),
    )
