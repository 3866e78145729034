"""Offset pools over the ``allocations`` table: the bitmap allocator of Kubernetes
(pkg/registry/core/service/allocator/bitmap.go) with rows instead of bits.

A dynamic allocation scans from a random offset of the upper (dynamic) band, then of the lower
(static) band, and takes the first free value. Free values are found by probing windows of
candidates with one primary-key query each, so the cost of an allocation follows how crowded the
neighbourhood is, never how many values are held. Runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import randomness
from ..storage import Conn, allocations

FIRST_WINDOW = 16
MAX_WINDOW = 512  # well under SQLite's bound-parameter limit


class OffsetPool:
    """``size`` offsets in ``pool``, ``[0, static)`` being the static band; ``value_of`` names an
    offset as it is stored (an IP or port as text)."""

    def __init__(self, pool: str, size: int, static: int, value_of: Callable[[int], str]) -> None:
        self.pool = pool
        self.size = max(size, 0)
        self.static = min(max(static, 0), self.size)
        self.value_of = value_of

    def claim(self, conn: Conn, offset: int, owner: str) -> bool:
        return allocations.claim(conn, self.pool, self.value_of(offset), owner)

    def is_free(self, conn: Conn, offset: int) -> bool:
        return allocations.holder(conn, self.pool, self.value_of(offset)) is None

    def allocate_random(self, conn: Conn, owner: str) -> int | None:
        """bitmap.go's randomScanStrategyWithOffset: the dynamic band from a random start, then the
        static band from a random start. None when both are full."""
        for low, count in ((self.static, self.size - self.static), (0, self.static)):
            if count > 0:
                found = self._scan(conn, owner, low, count, randomness.current().alloc.randrange(count))
                if found is not None:
                    return found
        return None

    def allocate_lowest(self, conn: Conn, owner: str) -> int | None:
        """The lowest free offset (LoadBalancer pools hand out addresses in order)."""
        return self._scan(conn, owner, 0, self.size, 0) if self.size > 0 else None

    def _scan(self, conn: Conn, owner: str, low: int, count: int, start: int) -> int | None:
        done, window = 0, FIRST_WINDOW
        while done < count:
            batch = [low + (start + done + j) % count for j in range(min(window, count - done))]
            held = allocations.taken(conn, self.pool, [self.value_of(o) for o in batch])
            for offset in batch:
                if self.value_of(offset) not in held and self.claim(conn, offset, owner):
                    return offset
            done += len(batch)
            window = min(window * 4, MAX_WINDOW)
        return None
