"""LoadBalancer ingress addresses: the pool a cloud (or MetalLB) would hand out from, as rows of
the ``lb-ip`` pool. Addresses go out lowest first; a requested address is honoured when free.
"""

from __future__ import annotations

from ..storage import Conn, allocations
from .errors import ConfigError, Full, IPAllocated, IPNotInRange
from .pool import OffsetPool
from .ranges import IPRange, parse_ip

POOL = "lb-ip"


class LoadBalancerPool:
    def __init__(self, ranges: list[IPRange]) -> None:
        families = [r.family for r in ranges]
        if len(set(families)) != len(families):
            raise ConfigError("the LoadBalancer pool may hold one CIDR per IP family")
        self.ranges = {r.family: r for r in ranges}
        self._pools = {r.family: OffsetPool(POOL, r.size, 0, r.value) for r in ranges}

    @classmethod
    def parse(cls, text: str) -> LoadBalancerPool:
        return cls([IPRange.for_pool(p) for p in (s.strip() for s in text.split(",")) if p])

    def families(self) -> list[str]:
        return list(self.ranges)

    def allocate(self, conn: Conn, ip_text: str, owner: str) -> str:
        """Reserve a requested address. Raises IPNotInRange or IPAllocated (another owner holds it);
        an address ``owner`` already holds is answered as is."""
        ip = parse_ip(ip_text)
        rng = self.ranges.get("IPv4" if ip is not None and ip.version == 4 else "IPv6") if ip else None
        offset = rng.offset_of(ip) if rng is not None and ip is not None else None
        if rng is None or offset is None:
            valid = ",".join(r.cidr for r in self.ranges.values())
            raise IPNotInRange(str(ip) if ip is not None else ip_text, valid)
        value = rng.value(offset)
        if not self._pools[rng.family].claim(conn, offset, owner) and allocations.holder(conn, POOL, value) != owner:
            raise IPAllocated()
        return value

    def allocate_next(self, conn: Conn, owner: str, family: str) -> str:
        """Reserve the lowest free address of ``family``. Raises Full."""
        pool, rng = self._pools.get(family), self.ranges.get(family)
        offset = pool.allocate_lowest(conn, owner) if pool is not None else None
        if offset is None or rng is None:
            raise Full()
        return rng.value(offset)

    def held(self, conn: Conn, owner: str) -> list[str]:
        return allocations.owned(conn, owner, POOL)

    def release(self, conn: Conn, ip_text: str, owner: str | None = None) -> None:
        allocations.release(conn, POOL, [ip_text], owner)
