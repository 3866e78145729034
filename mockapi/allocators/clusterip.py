"""ClusterIP allocation (Kubernetes' ipallocator.Range): one service CIDR per IP family, every
address held as a row of the ``service-ip`` pool, owned by the Service that holds it.

The network address (and for IPv4 the broadcast address) is never handed out; dynamic allocation
prefers the upper band (KEP-3070); explicit requests may take any usable address.
"""

from __future__ import annotations

from ..storage import Conn, allocations
from .errors import Full, IPAllocated, IPNotInRange
from .pool import OffsetPool
from .ranges import IPRange, parse_ip

POOL = "service-ip"


class ClusterIPAllocator:
    def __init__(self, rng: IPRange) -> None:
        self.range = rng
        self._pool = OffsetPool(POOL, rng.size, rng.static, rng.value)

    @property
    def family(self) -> str:
        return self.range.family

    @property
    def cidr(self) -> str:
        return self.range.cidr

    def _offset(self, ip_text: str) -> int:
        ip = parse_ip(ip_text)
        offset = self.range.offset_of(ip) if ip is not None else None
        if offset is None:
            raise IPNotInRange(str(ip) if ip is not None else ip_text, self.cidr)
        return offset

    def allocate(self, conn: Conn, ip_text: str, owner: str, *, dry_run: bool = False) -> str:
        """Reserve a requested address; returns it in canonical form. Raises IPNotInRange or
        IPAllocated. A dry run checks the range only, as upstream's dryRunRange does."""
        offset = self._offset(ip_text)
        if not dry_run and not self._pool.claim(conn, offset, owner):
            raise IPAllocated()
        return self.range.value(offset)

    def allocate_next(self, conn: Conn, owner: str, *, dry_run: bool = False) -> str:
        """Reserve a free address (random scan, dynamic band first). Raises Full. A dry run answers
        the network address without looking, as upstream's dryRunRange does."""
        if dry_run:
            return str(self.range.network.network_address)
        offset = self._pool.allocate_random(conn, owner)
        if offset is None:
            raise Full()
        return self.range.value(offset)

    def contains(self, ip_text: str) -> bool:
        ip = parse_ip(ip_text)
        return ip is not None and self.range.offset_of(ip) is not None

    def holder(self, conn: Conn, ip_text: str) -> str | None:
        ip = parse_ip(ip_text)
        return allocations.holder(conn, POOL, str(ip)) if ip is not None else None

    def release(self, conn: Conn, ip_text: str, owner: str | None = None) -> None:
        """Free an address (only ``owner``'s, when given); unknown or foreign addresses are a no-op."""
        ip = parse_ip(ip_text)
        if ip is not None and ip.version == self.range.network.version:
            allocations.release(conn, POOL, [str(ip)], owner)
