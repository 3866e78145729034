"""Pod IPs from a node's podCIDRs (the host-local IPAM of a CNI plugin): one pool per node in the
``allocations`` table, lowest free address first, starting at network+2 (network+1 is the node's
bridge gateway, as on kind). Runs in the caller's transaction; no registry, no Flask.
"""

from __future__ import annotations

import ipaddress

from ..storage import Conn, allocations
from .pool import OffsetPool

POOL_PREFIX = "pod-ip:"
IPV6_CAP = 65536  # like the service allocators: never model more than this many slots


def pool_name(node: str) -> str:
    return POOL_PREFIX + node


def _pool(node: str, cidr: str) -> OffsetPool | None:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except (ValueError, TypeError):
        return None
    reserved = 3 if net.version == 4 else 2  # network, gateway (.1) and, for IPv4, broadcast
    size = min(net.num_addresses - reserved, IPV6_CAP)
    first = int(net.network_address) + 2
    if net.version == 4:  # formatted by hand: the lowest-free scan calls this per held address
        return OffsetPool(pool_name(node), size, 0, lambda off: _dotted(first + off))
    return OffsetPool(pool_name(node), size, 0, lambda off: str(ipaddress.IPv6Address(first + off)))


def _dotted(n: int) -> str:
    return f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def allocate(conn: Conn, node: str, cidrs: list[str], owner: str) -> list[str] | None:
    """One IP per podCIDR (at most one per family, two families at most) for ``owner``; an IP the
    owner already holds is reused. None when a range is full or the node has no podCIDR."""
    held = allocations.owned(conn, owner, pool_name(node))
    ips: list[str] = []
    families: set[int] = set()
    for cidr in cidrs[:2]:
        pool = _pool(node, cidr)
        if pool is None:
            continue
        net = ipaddress.ip_network(cidr, strict=False)
        if net.version in families:
            continue
        families.add(net.version)
        mine = next((ip for ip in held if ipaddress.ip_address(ip) in net), None)
        if mine is not None:
            ips.append(mine)
            continue
        ip = _lowest_free(conn, pool, owner)
        if ip is None:
            release(conn, owner)
            return None
        ips.append(ip)
    return ips or None


def _lowest_free(conn: Conn, pool: OffsetPool, owner: str) -> str | None:
    """The lowest free address: one read of what the node's pool holds (a node runs a few hundred
    pods at most), then a claim."""
    held = allocations.allocated(conn, pool.pool)
    for offset in range(pool.size):
        value = pool.value_of(offset)
        if value not in held and allocations.claim(conn, pool.pool, value, owner):
            return value
    return None


def release(conn: Conn, owner: str) -> None:
    """Free every pod IP ``owner`` holds, on any node."""
    allocations.release_prefixed(conn, owner, POOL_PREFIX)
