"""The NodePort allocator (§3) and the LoadBalancer pool: one pool for every protocol, the static
band, explicit requests, exhaustion, upstream's dry-run operation, lowest-first LB addresses."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from mockapi.allocators import (
    Full,
    IPAllocated,
    LoadBalancerPool,
    NodePortAllocator,
    PortAllocated,
    PortNotInRange,
    PortOperation,
    PortRange,
)
from mockapi.randomness import DEFAULT
from mockapi.storage import allocations as store

seed = DEFAULT.seed  # allocators called outside a registry transaction draw from the default sources


def ports(text: str = "30000-32767") -> NodePortAllocator:
    return NodePortAllocator(PortRange.parse(text))


def test_explicit_ports_conflict_whatever_the_owner(conn: Connection) -> None:
    a = ports()
    a.allocate(conn, 30080, "services/ns/a")
    assert store.holder(conn, "node-port", "30080") == "services/ns/a"
    for owner in ("services/ns/b", "services/ns/a"):
        with pytest.raises(PortAllocated, match="^provided port is already allocated$"):
            a.allocate(conn, 30080, owner)


@pytest.mark.parametrize("port", [29999, 32768, 80])
def test_out_of_range_ports(conn: Connection, port: int) -> None:
    with pytest.raises(PortNotInRange) as err:
        ports().allocate(conn, port, "services/ns/a")
    assert str(err.value) == ("provided port is not in the valid range. The range of valid ports is "
                              "30000-32767")


def test_dynamic_ports_avoid_the_static_band_until_the_rest_is_full(conn: Connection) -> None:
    a = ports("30000-30099")  # 100 ports: static band 30000-30015 (16)
    seed(11)
    got = [a.allocate_next(conn, f"services/ns/s{i}") for i in range(100)]
    assert sorted(got[:84]) == list(range(30016, 30100))
    assert sorted(got[84:]) == list(range(30000, 30016))
    with pytest.raises(Full, match="^range is full$"):
        a.allocate_next(conn, "services/ns/late")


def test_default_range_static_band_is_30000_to_30085(conn: Connection) -> None:
    a = ports()
    seed(5)
    assert all(a.allocate_next(conn, f"services/ns/s{i}") >= 30086 for i in range(50))


def test_operation_releases_only_on_commit(conn: Connection) -> None:
    a = ports()
    a.allocate(conn, 30001, "services/ns/a")
    op = PortOperation(a, conn, "services/ns/a")
    op.release_deferred(30001)
    assert store.holder(conn, "node-port", "30001") == "services/ns/a"
    op.commit()
    assert store.holder(conn, "node-port", "30001") is None


def test_dry_run_operation_is_upstreams(conn: Connection) -> None:
    a = ports()
    a.allocate(conn, 30080, "services/ns/a")
    op = PortOperation(a, conn, "services/ns/b", dry_run=True)
    with pytest.raises(PortAllocated):
        op.allocate(30080)
    op.allocate(40000)  # upstream's dry run does not check the range
    assert [op.allocate_next(), op.allocate_next()] == [40001, 40002]
    fresh = PortOperation(a, conn, "services/ns/c", dry_run=True)
    assert fresh.allocate_next() == 32769  # the dummy numbers a real apiserver answers
    assert store.owned(conn, "services/ns/b") == [] and store.owned(conn, "services/ns/c") == []


def test_load_balancer_pool_hands_out_lowest_first_and_honours_requests(conn: Connection) -> None:
    pool = LoadBalancerPool.parse("198.51.100.0/29")
    assert pool.allocate_next(conn, "services/ns/a", "IPv4") == "198.51.100.1"
    assert pool.allocate(conn, "198.51.100.4", "services/ns/b") == "198.51.100.4"
    assert pool.allocate(conn, "198.51.100.4", "services/ns/b") == "198.51.100.4"  # already the owner's
    with pytest.raises(IPAllocated):
        pool.allocate(conn, "198.51.100.4", "services/ns/c")
    assert [pool.allocate_next(conn, f"services/ns/x{i}", "IPv4") for i in range(4)] == [
        "198.51.100.2", "198.51.100.3", "198.51.100.5", "198.51.100.6"]
    with pytest.raises(Full):
        pool.allocate_next(conn, "services/ns/late", "IPv4")
    with pytest.raises(Full):
        pool.allocate_next(conn, "services/ns/v6", "IPv6")  # no IPv6 pool configured
    assert pool.held(conn, "services/ns/b") == ["198.51.100.4"]
