"""Range arithmetic (§2.1–2.2, §3.1): usable addresses, the static/dynamic band split, parsing."""

from __future__ import annotations

import pytest

from mockapi.allocators import ConfigError, IPRange, PortRange
from mockapi.allocators.ranges import parse_service_cidrs


@pytest.mark.parametrize("cidr, usable, static, first, last", [
    ("10.96.0.0/12", 2**20 - 2, 256, "10.96.0.1", "10.111.255.254"),
    ("10.0.0.0/24", 254, 16, "10.0.0.1", "10.0.0.254"),
    ("10.0.0.0/27", 30, 16, "10.0.0.1", "10.0.0.30"),
    ("10.0.0.0/28", 14, 0, "10.0.0.1", "10.0.0.14"),
    ("10.0.0.0/29", 6, 0, "10.0.0.1", "10.0.0.6"),
    ("fd00:10:96::/108", 65535, 256, "fd00:10:96::1", "fd00:10:96::ffff"),
    ("fd00::/112", 65535, 256, "fd00::1", "fd00::ffff"),
    ("fd00::/120", 255, 16, "fd00::1", "fd00::ff"),  # IPv6: only the network address is excluded
])
def test_service_range_bounds_and_static_band(cidr: str, usable: int, static: int, first: str, last: str) -> None:
    rng = IPRange.for_services(cidr)
    assert (rng.size, rng.static) == (usable, static)
    assert rng.value(0) == first and rng.value(rng.size - 1) == last


def test_default_static_band_is_10_96_0_1_to_10_96_1_0() -> None:
    rng = IPRange.for_services("10.96.0.0/12")
    assert rng.value(rng.static - 1) == "10.96.1.0" and rng.value(rng.static) == "10.96.1.1"


def test_network_broadcast_and_outside_addresses_are_not_in_range() -> None:
    import ipaddress

    rng = IPRange.for_services("10.0.0.0/24")
    for ip in ("10.0.0.0", "10.0.0.255", "10.0.1.1", "fd00::1"):
        assert rng.offset_of(ipaddress.ip_address(ip)) is None, ip
    assert rng.offset_of(ipaddress.ip_address("10.0.0.1")) == 0


def test_service_ranges_need_8_addresses_and_at_most_20_host_bits() -> None:
    with pytest.raises(ConfigError, match="must be at least 8 IP addresses"):
        IPRange.for_services("10.0.0.0/30")
    with pytest.raises(ConfigError, match="too large; for 32-bit addresses, the mask must be >= 12"):
        IPRange.for_services("10.0.0.0/11")
    with pytest.raises(ConfigError, match="too large; for 128-bit addresses, the mask must be >= 108"):
        IPRange.for_services("fd00::/100")


def test_dual_stack_needs_one_cidr_per_family() -> None:
    assert [r.family for r in parse_service_cidrs("fd00::/108,10.96.0.0/12")] == ["IPv6", "IPv4"]
    with pytest.raises(ConfigError, match="different IP family"):
        parse_service_cidrs("10.96.0.0/12,10.200.0.0/16")
    with pytest.raises(ConfigError):
        parse_service_cidrs("10.96.0.0/12,fd00::/108,10.1.0.0/16")
    with pytest.raises(ConfigError):
        parse_service_cidrs("nonsense")


@pytest.mark.parametrize("text, base, size, static, shown", [
    ("30000-32767", 30000, 2768, 86, "30000-32767"),
    ("30000+2767", 30000, 2768, 86, "30000-32767"),
    ("30000-30015", 30000, 16, 0, "30000-30015"),
    ("30000-30016", 30000, 17, 16, "30000-30016"),
    ("20000-29999", 20000, 10000, 128, "20000-29999"),
    ("30080", 30080, 1, 0, "30080-30080"),
])
def test_port_ranges(text: str, base: int, size: int, static: int, shown: str) -> None:
    ports = PortRange.parse(text)
    assert (ports.base, ports.size, ports.static, str(ports)) == (base, size, static, shown)


@pytest.mark.parametrize("text, message", [
    ("32767-30000", "end port cannot be less than start port"),
    ("30000-70000", "cannot be greater than 65535"),
    ("a-b", "unable to parse port range"),
])
def test_bad_port_ranges(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PortRange.parse(text)


def test_load_balancer_pools_skip_network_and_broadcast_except_tiny_ones() -> None:
    pool = IPRange.for_pool("198.51.100.0/24")
    assert (pool.size, pool.value(0), pool.value(pool.size - 1)) == (254, "198.51.100.1", "198.51.100.254")
    single = IPRange.for_pool("203.0.113.7/32")
    assert (single.size, single.value(0)) == (1, "203.0.113.7")
