"""The ClusterIP allocator over the allocations table (§2.2–2.3): explicit requests, dynamic
allocation from the upper band first, exhaustion, release, dry runs and a flat cost per allocation."""

from __future__ import annotations

import ipaddress

import pytest
from sqlalchemy import Connection, event

from mockapi.allocators import ClusterIPAllocator, Full, IPAllocated, IPNotInRange, IPRange
from mockapi.randomness import DEFAULT
from mockapi.storage import allocations as store

seed = DEFAULT.seed  # allocators called outside a registry transaction draw from the default sources


def allocator(cidr: str) -> ClusterIPAllocator:
    return ClusterIPAllocator(IPRange.for_services(cidr))


def test_explicit_request_is_held_by_its_owner(conn: Connection) -> None:
    a = allocator("10.96.0.0/12")
    assert a.allocate(conn, "10.96.0.5", "services/ns/a") == "10.96.0.5"
    assert store.holder(conn, "service-ip", "10.96.0.5") == "services/ns/a"
    with pytest.raises(IPAllocated, match="^provided IP is already allocated$"):
        a.allocate(conn, "10.96.0.5", "services/ns/b")
    with pytest.raises(IPAllocated):  # not even twice for the same owner: the bit is set
        a.allocate(conn, "10.96.0.5", "services/ns/a")


@pytest.mark.parametrize("ip", ["10.96.0.0", "10.111.255.255", "10.112.0.1", "192.168.0.1", "fd00::1"])
def test_network_broadcast_and_foreign_addresses_are_not_in_range(conn: Connection, ip: str) -> None:
    with pytest.raises(IPNotInRange) as err:
        allocator("10.96.0.0/12").allocate(conn, ip, "services/ns/a")
    assert str(err.value) == (f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is "
                              "10.96.0.0/12")


def test_explicit_requests_may_use_the_static_band(conn: Connection) -> None:
    a = allocator("10.96.0.0/12")
    assert a.allocate(conn, "10.96.0.1", "services/default/kubernetes") == "10.96.0.1"
    assert a.allocate(conn, "10.96.0.10", "services/kube-system/kube-dns") == "10.96.0.10"


def test_dynamic_allocation_fills_the_upper_band_before_the_static_band(conn: Connection) -> None:
    a = allocator("10.0.0.0/27")  # 30 usable, static band .1-.16, dynamic band .17-.30
    seed(7)
    got = [ipaddress.ip_address(a.allocate_next(conn, f"services/ns/s{i}")) for i in range(30)]
    assert sorted(int(ip) & 0xff for ip in got[:14]) == list(range(17, 31))
    assert sorted(int(ip) & 0xff for ip in got[14:]) == list(range(1, 17))
    with pytest.raises(Full, match="^range is full$"):
        a.allocate_next(conn, "services/ns/one-too-many")


def test_dynamic_allocation_starts_at_a_random_offset(conn: Connection) -> None:
    a = allocator("10.96.0.0/12")
    seed(None)
    got = {a.allocate_next(conn, f"services/ns/s{i}") for i in range(20)}
    assert len(got) == 20
    assert all(ipaddress.ip_address(ip) > ipaddress.ip_address("10.96.1.0") for ip in got)


def test_tiny_range_exhaustion_and_release(conn: Connection) -> None:
    a = allocator("10.0.0.0/29")  # 6 usable, no static band
    got = {a.allocate_next(conn, f"services/ns/s{i}") for i in range(6)}
    assert got == {f"10.0.0.{i}" for i in range(1, 7)}
    with pytest.raises(Full):
        a.allocate_next(conn, "services/ns/late")
    a.release(conn, "10.0.0.3", "services/ns/someone-else")  # only the owner's
    with pytest.raises(Full):
        a.allocate_next(conn, "services/ns/late")
    owner = store.holder(conn, "service-ip", "10.0.0.3")
    assert owner is not None
    a.release(conn, "10.0.0.3", owner)
    assert a.allocate_next(conn, "services/ns/late") == "10.0.0.3"


def test_ipv6_range(conn: Connection) -> None:
    a = allocator("fd00:10:96::/108")
    assert a.family == "IPv6"
    assert a.allocate(conn, "fd00:10:96:0::a", "services/ns/a") == "fd00:10:96::a"  # canonical form
    with pytest.raises(IPAllocated):
        a.allocate(conn, "fd00:10:96::a", "services/ns/b")
    ip = ipaddress.ip_address(a.allocate_next(conn, "services/ns/c"))
    assert ip in ipaddress.ip_network("fd00:10:96::/108") and int(ip) & 0xfffff > 256


def test_dry_run_checks_the_range_only_and_answers_the_network_address(conn: Connection) -> None:
    a = allocator("10.96.0.0/12")
    a.allocate(conn, "10.96.0.5", "services/ns/a")
    assert a.allocate(conn, "10.96.0.5", "services/ns/b", dry_run=True) == "10.96.0.5"  # upstream: no check
    with pytest.raises(IPNotInRange):
        a.allocate(conn, "10.200.0.5", "services/ns/b", dry_run=True)
    assert a.allocate_next(conn, "services/ns/b", dry_run=True) == "10.96.0.0"
    assert store.owned(conn, "services/ns/b") == []


def _statements(conn: Connection) -> list[str]:
    seen: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


@pytest.mark.parametrize("existing", [10, 1000, 10000])
def test_one_allocation_costs_the_same_however_many_are_held(conn: Connection, existing: int) -> None:
    a = allocator("10.96.0.0/12")
    rng = IPRange.for_services("10.96.0.0/12")
    step = rng.size // existing
    conn.execute(store.allocations.insert(), [  # type: ignore[attr-defined]
        {"pool": "service-ip", "value": rng.value(i * step), "owner": f"services/ns/s{i}"} for i in range(existing)])
    seed(3)
    seen = _statements(conn)
    a.allocate_next(conn, "services/ns/new")
    assert len(seen) == 2  # one window probe (16 primary-key lookups) and one insert
