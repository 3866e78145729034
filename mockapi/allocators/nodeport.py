"""NodePort allocation (Kubernetes' portallocator): one pool for every protocol, keyed by port
number, rows of the ``node-port`` pool owned by the Service that holds them.

``PortOperation`` is upstream's PortAllocationOperation: the allocations of one Service write,
including its dry-run behaviour (no range check, dummy numbers from 32769) and deferred releases
that happen on ``commit`` (inside the same database transaction as the write).
"""

from __future__ import annotations

from ..storage import Conn, allocations
from .errors import Full, PortAllocated, PortNotInRange
from .pool import OffsetPool
from .ranges import PortRange

POOL = "node-port"


class NodePortAllocator:
    def __init__(self, ports: PortRange) -> None:
        self.range = ports
        self._pool = OffsetPool(POOL, ports.size, ports.static, lambda o: str(ports.base + o))

    def allocate(self, conn: Conn, port: int, owner: str) -> None:
        """Reserve a requested port. Raises PortNotInRange or PortAllocated."""
        offset = self.range.offset_of(port)
        if offset is None:
            raise PortNotInRange(str(self.range))
        if not self._pool.claim(conn, offset, owner):
            raise PortAllocated()

    def allocate_next(self, conn: Conn, owner: str) -> int:
        """Reserve a free port (random scan, dynamic band first). Raises Full."""
        offset = self._pool.allocate_random(conn, owner)
        if offset is None:
            raise Full()
        return self.range.base + offset

    def has(self, conn: Conn, port: int) -> bool:
        return self.range.offset_of(port) is not None and allocations.holder(conn, POOL, str(port)) is not None

    def release(self, conn: Conn, port: int, owner: str | None = None) -> None:
        allocations.release(conn, POOL, [str(port)], owner)


class PortOperation:
    """The node-port allocations of one Service write."""

    def __init__(self, allocator: NodePortAllocator, conn: Conn, owner: str, *, dry_run: bool = False):
        self.allocator = allocator
        self.conn = conn
        self.owner = owner
        self.dry_run = dry_run
        self.allocated: list[int] = []
        self.release_later: list[int] = []

    def allocate(self, port: int) -> None:
        if self.dry_run:
            if self.allocator.has(self.conn, port) or port in self.allocated:
                raise PortAllocated()
        else:
            self.allocator.allocate(self.conn, port, self.owner)
        self.allocated.append(port)

    def allocate_next(self) -> int:
        if self.dry_run:  # upstream answers dummy numbers above the highest it handed out so far
            port = (max(self.allocated) if self.allocated else 32768) + 1
        else:
            port = self.allocator.allocate_next(self.conn, self.owner)
        self.allocated.append(port)
        return port

    def release_deferred(self, port: int) -> None:
        self.release_later.append(port)

    def commit(self) -> None:
        if not self.dry_run:
            for port in self.release_later:
                self.allocator.release(self.conn, port, self.owner)
