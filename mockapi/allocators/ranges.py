"""Range arithmetic of the allocators: service CIDRs (ipallocator), node-port ranges (portallocator)
and LoadBalancer pools, each a run of usable offsets split into a static and a dynamic band.

Pure: parsing, bounds, offset <-> value conversion. No database, no Flask.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .errors import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV4, IPV6 = "IPv4", "IPv6"
MIN_SERVICE_RANGE = 8  # "the service cluster IP range must be at least 8 IP addresses"
MAX_SERVICE_RANGE_BITS = 20  # kube-apiserver refuses larger ranges (65536 slots at most for IPv6)
IPV6_BITMAP_CAP = 65536  # ipallocator keeps a bitmap of at most this many IPv6 addresses


def family_of(ip: IPAddress | IPNetwork) -> str:
    return IPV4 if ip.version == 4 else IPV6


def parse_ip(text: str) -> IPAddress | None:
    """An IP as Go's ParseIPSloppy reads one (canonical forms; None when it is not an IP)."""
    if not isinstance(text, str) or text.strip() != text or "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def static_band(size: int, *, minimum: int, maximum: int, step: int) -> int:
    """KEP-3070 / KEP-3668: ``0 if size <= minimum else clamp(size // step, minimum, maximum)``."""
    if size <= minimum:
        return 0
    return min(max(minimum, size // step), maximum)


@dataclass(frozen=True)
class IPRange:
    """The usable addresses of a CIDR: offset 0 is network+1; the IPv4 broadcast is excluded (and, for
    LoadBalancer pools of /31 and /32, nothing is excluded)."""

    network: IPNetwork
    size: int  # usable offsets
    static: int  # offsets [0, static) are preferred last by dynamic allocation
    first: int  # integer value of offset 0

    @classmethod
    def for_services(cls, text: str) -> IPRange:
        net = parse_cidr(text)
        total = net.num_addresses
        if total < MIN_SERVICE_RANGE:
            raise ConfigError(f"the service cluster IP range must be at least {MIN_SERVICE_RANGE} IP addresses")
        host_bits = net.max_prefixlen - net.prefixlen
        if host_bits > MAX_SERVICE_RANGE_BITS:
            raise ConfigError(f"specified --service-cluster-ip-range is too large; for {net.max_prefixlen}-bit "
                              f"addresses, the mask must be >= {net.max_prefixlen - MAX_SERVICE_RANGE_BITS}")
        usable = total - 2 if net.version == 4 else min(total, IPV6_BITMAP_CAP) - 1
        static = static_band(total, minimum=16, maximum=256, step=16)
        return cls(net, usable, static, int(net.network_address) + 1)

    @classmethod
    def for_pool(cls, text: str) -> IPRange:
        """A LoadBalancer pool: every host address (network and broadcast excluded above /31)."""
        net = parse_cidr(text)
        total = min(net.num_addresses, 1 << 24)
        if net.version == 4 and net.prefixlen >= 31 or net.version == 6 and net.prefixlen >= 127:
            return cls(net, total, 0, int(net.network_address))
        usable = total - 2 if net.version == 4 else total - 1
        return cls(net, usable, 0, int(net.network_address) + 1)

    @property
    def family(self) -> str:
        return family_of(self.network)

    @property
    def cidr(self) -> str:
        return str(self.network)

    def offset_of(self, ip: IPAddress) -> int | None:
        """The offset of ``ip``, or None when it is outside the usable addresses."""
        if ip.version != self.network.version or ip not in self.network:
            return None
        offset = int(ip) - self.first
        return offset if 0 <= offset < self.size else None

    def value(self, offset: int) -> str:
        return str(ipaddress.ip_address(self.first + offset) if self.network.version == 4
                   else ipaddress.IPv6Address(self.first + offset))


def parse_cidr(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ConfigError(f"invalid CIDR {text!r}") from None


def parse_service_cidrs(text: str) -> list[IPRange]:
    """``--service-cluster-ip-range``: one CIDR, or two of different families (dual-stack)."""
    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    if not parts:
        raise ConfigError("service CIDR is empty")
    if len(parts) > 2:
        raise ConfigError("--service-cluster-ip-range and --secondary-service-cluster-ip-range may only hold "
                          "up to 2 values")
    ranges = [IPRange.for_services(p) for p in parts]
    if len(ranges) == 2 and ranges[0].family == ranges[1].family:
        raise ConfigError("--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different "
                          "IP family")
    return ranges


@dataclass(frozen=True)
class PortRange:
    base: int
    size: int

    @classmethod
    def parse(cls, text: str) -> PortRange:
        """utilnet.PortRange.Set: ``low-high``, ``low+offset`` or a single port."""
        value = text.strip()
        try:
            if "-" in value and "+" not in value:
                low_s, high_s = value.split("-", 1)
                low, high = int(low_s), int(high_s)
            elif "+" in value and "-" not in value:
                low_s, off_s = value.split("+", 1)
                low = int(low_s)
                high = low + int(off_s)
            elif value.isdigit():
                low = high = int(value)
            else:
                raise ValueError
        except ValueError:
            raise ConfigError(f"unable to parse port range: {value}") from None
        if low > 65535 or high > 65535:
            raise ConfigError(f"the port range cannot be greater than 65535: {value}")
        if high < low:
            raise ConfigError(f"end port cannot be less than start port: {value}")
        if low < 1:
            raise ConfigError(f"unable to parse port range: {value}")
        return cls(low, high - low + 1)

    @property
    def static(self) -> int:
        return static_band(self.size, minimum=16, maximum=128, step=32)

    def __str__(self) -> str:
        return f"{self.base}-{self.base + self.size - 1}"

    def offset_of(self, port: int) -> int | None:
        offset = port - self.base
        return offset if 0 <= offset < self.size else None
