"""Domain errors of the allocators, worded as Kubernetes' ipallocator and portallocator words them.

Plain exceptions: the Service strategy maps them to StatusErrors (field paths, 422 or 500) once.
"""

from __future__ import annotations


class AllocationError(Exception):
    """Base of every allocator error; ``str(err)`` is Kubernetes' message."""


class ConfigError(AllocationError, ValueError):
    """A configured range (service CIDR, node-port range, LB pool) is unusable."""


class Full(AllocationError):
    def __init__(self) -> None:
        super().__init__("range is full")


class IPAllocated(AllocationError):
    def __init__(self) -> None:
        super().__init__("provided IP is already allocated")


class PortAllocated(AllocationError):
    def __init__(self) -> None:
        super().__init__("provided port is already allocated")


class IPNotInRange(AllocationError):
    def __init__(self, ip: str, valid: str) -> None:
        super().__init__(f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {valid}")
        self.ip = ip
        self.valid = valid


class PortNotInRange(AllocationError):
    def __init__(self, valid: str) -> None:
        super().__init__(f"provided port is not in the valid range. The range of valid ports is {valid}")
        self.valid = valid
