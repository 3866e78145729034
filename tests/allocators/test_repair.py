"""The allocation repair pass (issue 3, §2.4 / §3.3): a corrupted allocations table (a lost row, a
leaked row, a wrong owner) is put right from the stored Services, at startup and by ``mockapi repair``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import delete, insert, select, update

from mockapi.allocators import allocators_for
from mockapi.allocators.repair import held_by, repair
from mockapi.app import create_app
from mockapi.cli import main
from mockapi.storage.tables import allocations

SVCS = "/api/v1/namespaces/default/services"
HTTP = [{"name": "http", "port": 80}]


def table(app: Flask) -> set[tuple[str, str, str]]:
    with app.extensions["mockapi"].db.read() as conn:
        return {tuple(r) for r in conn.execute(select(allocations))}  # type: ignore[misc]


def corrupt(app: Flask, *statements: Any) -> None:
    with app.extensions["mockapi"].db.write() as conn:
        for stmt in statements:
            conn.execute(stmt)


def run_repair(app: Flask) -> Any:
    return app.extensions["mockapi"].repair()


def make(client: Any, name: str, **spec: Any) -> dict[str, Any]:
    r = client.post(SVCS, json={"metadata": {"name": name}, "spec": {"ports": HTTP, **spec}})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


@pytest.fixture
def cluster(tmp_path: Path) -> Any:
    application = create_app({"db": f"sqlite:///{tmp_path / 'r.db'}"})
    yield application
    application.extensions["mockapi"].close()


def test_a_consistent_table_needs_no_repair(cluster: Flask) -> None:
    client = cluster.test_client()
    make(client, "np", type="NodePort")
    make(client, "lb", type="LoadBalancer", externalTrafficPolicy="Local")
    before = table(cluster)
    report = run_repair(cluster)
    assert not report.fixed and not report.problems and report.services == 3
    assert table(cluster) == before
    assert cluster.extensions["mockapi"].repair_report.fixed is False


def test_lost_rows_are_reserved_again_and_leaks_released(cluster: Flask) -> None:
    client = cluster.test_client()
    np = make(client, "np", type="NodePort")["spec"]
    lb = make(client, "lb", type="LoadBalancer", externalTrafficPolicy="Local")
    ip, port = np["clusterIP"], str(np["ports"][0]["nodePort"])
    lb_ip, hc = lb["status"]["loadBalancer"]["ingress"][0]["ip"], str(lb["spec"]["healthCheckNodePort"])
    good = table(cluster)
    corrupt(cluster,
            delete(allocations).where(allocations.c.value.in_([ip, port, lb_ip, hc])),
            insert(allocations).values(pool="service-ip", value="10.96.200.200", owner="services/default/gone"),
            insert(allocations).values(pool="node-port", value="31999", owner="services/default/np"),
            insert(allocations).values(pool="pod-ip:node-1", value="10.244.1.9", owner="pods/default/p"))
    report = run_repair(cluster)
    assert report.fixed
    assert sorted((f.reason, f.pool, f.value, f.owner) for f in report.reserved) == sorted([
        ("ClusterIPNotAllocated", "service-ip", ip, "services/default/np"),
        ("PortNotAllocated", "node-port", port, "services/default/np"),
        ("PortNotAllocated", "node-port", hc, "services/default/lb"),
        ("LoadBalancerIPNotAllocated", "lb-ip", lb_ip, "services/default/lb"),
    ])
    assert sorted((f.pool, f.value, f.owner) for f in report.released) == [
        ("node-port", "31999", "services/default/np"), ("service-ip", "10.96.200.200", "services/default/gone")]
    # other pools (pod IPs) are not the repair's business
    assert table(cluster) == good | {("pod-ip:node-1", "10.244.1.9", "pods/default/p")}
    assert not run_repair(cluster).fixed  # a second pass finds nothing


def test_a_wrong_owner_is_corrected_and_a_repaired_address_is_not_handed_out(cluster: Flask) -> None:
    client = cluster.test_client()
    ip = make(client, "a", clusterIP="10.96.0.50")["spec"]["clusterIP"]
    corrupt(cluster, update(allocations).where(allocations.c.value == ip).values(owner="services/x/ghost"))
    report = run_repair(cluster)
    assert [(f.reason, f.value, f.owner) for f in report.reassigned] == [("OwnerCorrected", ip, "services/default/a")]
    corrupt(cluster, delete(allocations).where(allocations.c.value == ip))
    run_repair(cluster)
    r = client.post(SVCS, json={"metadata": {"name": "b"}, "spec": {"clusterIP": ip, "ports": HTTP}})
    assert r.status_code == 422
    assert r.get_json()["details"]["causes"][0]["message"].endswith("provided IP is already allocated")


def test_startup_repairs_and_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = {"db": f"sqlite:///{tmp_path / 's.db'}"}
    first = create_app(config)
    ip = make(first.test_client(), "a")["spec"]["clusterIP"]
    corrupt(first, delete(allocations).where(allocations.c.value == ip),
            insert(allocations).values(pool="node-port", value="30123", owner="services/default/old"))
    first.extensions["mockapi"].close()
    with caplog.at_level(logging.INFO, logger="mockapi"):
        second = create_app(config)
    try:
        report = second.extensions["mockapi"].repair_report
        assert [f.value for f in report.reserved] == [ip] and [f.value for f in report.released] == ["30123"]
        assert ("service-ip", ip, "services/default/a") in table(second)
        assert any("allocation repair" in r.message and "ClusterIPNotAllocated" in r.message for r in caplog.records)
    finally:
        second.extensions["mockapi"].close()


def test_duplicates_and_out_of_range_are_reported_not_changed(tmp_path: Path) -> None:
    from mockapi.storage.engine import Database

    app = create_app({"db": f"sqlite:///{tmp_path / 'd.db'}"})
    try:
        make(app.test_client(), "a", clusterIP="10.96.0.77")
        make(app.test_client(), "b", type="NodePort")
    finally:
        app.extensions["mockapi"].close()
    db = Database(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        allocs = allocators_for("10.100.0.0/16", "30000-32767", "198.51.100.0/24")  # the range moved
        with db.write() as conn:
            report = repair(conn, allocs)
        assert {(f.reason, f.owner) for f in report.out_of_range} >= {
            ("ClusterIPOutOfRange", "services/default/a"), ("ClusterIPOutOfRange", "services/default/kubernetes")}
        assert not report.released  # the Services still hold them
    finally:
        db.dispose()


def test_held_by_shares_one_node_port_and_skips_headless_and_foreign_load_balancers() -> None:
    svc = {"metadata": {"namespace": "n", "name": "dns"},
           "spec": {"type": "NodePort", "clusterIP": "None", "clusterIPs": ["None"],
                    "ports": [{"port": 53, "protocol": "TCP", "nodePort": 30053},
                              {"port": 53, "protocol": "UDP", "nodePort": 30053}]}}
    assert held_by(svc) == [("node-port", "30053")]
    foreign = {"spec": {"type": "LoadBalancer", "loadBalancerClass": "example.com/lb", "clusterIPs": ["10.96.0.9"]},
               "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.7"}]}}}
    assert held_by(foreign) == [("service-ip", "10.96.0.9")]


def test_cli_repair_on_a_file_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = create_app({"db": url})
    ip = make(app.test_client(), "a", type="NodePort")["spec"]["clusterIP"]
    corrupt(app, delete(allocations).where(allocations.c.value == ip),
            insert(allocations).values(pool="lb-ip", value="198.51.100.99", owner="services/default/nope"))
    app.extensions["mockapi"].close()
    runner = CliRunner()
    result = runner.invoke(main, ["repair", "--db", url])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"ClusterIPNotAllocated: service-ip {ip} (services/default/a)" in lines
    assert "Leaked: lb-ip 198.51.100.99 (services/default/nope): held by no stored Service" in lines
    assert lines[-1].startswith("checked 2 Services: 1 re-reserved, 1 leaked released")
    again = runner.invoke(main, ["repair", "--db", url])
    assert again.exit_code == 0 and again.output.splitlines() == [
        "checked 2 Services: 0 re-reserved, 0 leaked released, 0 owners corrected, 0 duplicates, 0 out of range"]
