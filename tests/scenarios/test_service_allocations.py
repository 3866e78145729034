"""Service allocations against live servers (issue 3, §2–§3 consistency): many client threads and two
server processes on one SQLite file never hand out an IP or port twice; a restart keeps every
allocation and hands none of them out again until it is released."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from conftest import LiveServer

CREATES = 500
THREADS = 8


def svc_body(name: str, node_port: bool, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"type": "NodePort" if node_port else "ClusterIP", "ports": [{"name": "http", "port": 80}], **spec}}


def allocation_rows(db_file: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db_file, timeout=30) as conn:
        return list(conn.execute("SELECT pool, value, owner FROM allocations"))


def node_ports(svc: dict[str, Any]) -> list[int]:
    return [p["nodePort"] for p in svc["spec"]["ports"] if p.get("nodePort")]


def test_concurrent_creates_on_two_workers_never_duplicate(tmp_path: Path) -> None:
    db_file = tmp_path / "shared.db"
    server = LiveServer("--workers", "2", db=f"sqlite:///{db_file}")
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "s"):
            local.s = requests.Session()
        return local.s

    try:
        ns = "conc-" + uuid.uuid4().hex[:6]
        assert requests.post(server.url + "/api/v1/namespaces", json={"metadata": {"name": ns}},
                             timeout=10).status_code == 201
        url = f"{server.url}/api/v1/namespaces/{ns}/services"

        def create(i: int) -> tuple[int, dict[str, Any]]:
            r = session().post(url, json=svc_body(f"s{i}", node_port=i % 2 == 0), timeout=30)
            return r.status_code, r.json()

        def contend(i: int) -> int:  # everyone asks for the same address and port, both in the static
            # bands, which dynamic allocation leaves alone (a dynamic-band port could already be taken)
            r = session().post(url, json=svc_body(f"race{i}", True, clusterIP="10.96.0.200",
                                                  ports=[{"port": 80, "nodePort": 30050}]), timeout=30)
            return r.status_code

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(create, range(CREATES)))
            raced = list(pool.map(contend, range(16)))
        failures = [(code, body.get("message")) for code, body in results if code != 201]
        assert not failures, failures[:5]
        assert sorted(raced) == [201] + [422] * 15

        items = requests.get(url, timeout=30).json()["items"]
        assert len(items) == CREATES + 1
        ips = [s["spec"]["clusterIP"] for s in items]
        ports = [p for s in items for p in node_ports(s)]
        assert len(ports) == CREATES // 2 + 1
        assert not [ip for ip, n in Counter(ips).items() if n > 1]
        assert not [p for p, n in Counter(ports).items() if n > 1]
        created = {s["metadata"]["name"]: s for s in (body for _, body in results)}
        assert {s["spec"]["clusterIP"] for s in created.values()} <= set(ips)

        rows = [r for r in allocation_rows(db_file) if r[2].startswith(f"services/{ns}/")]
        table_ips = sorted(v for pool, v, _ in rows if pool == "service-ip")
        table_ports = sorted(int(v) for pool, v, _ in rows if pool == "node-port")
        assert table_ips == sorted(ips) and table_ports == sorted(ports)
        owners = {(pool, v): o for pool, v, o in rows}
        for s in items:
            owner = f"services/{ns}/{s['metadata']['name']}"
            assert owners[("service-ip", s["spec"]["clusterIP"])] == owner
            assert all(owners[("node-port", str(p))] == owner for p in node_ports(s))
    finally:
        server.stop()


def test_live_restart_keeps_allocations_and_reuses_only_released_ones(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    # 30 usable addresses (one is the kubernetes Service's) and 29 node ports
    args = ("--service-cidr", "10.0.0.0/27", "--node-port-range", "30000-30028")
    ns = "default"

    def url(server: LiveServer, name: str = "") -> str:
        return f"{server.url}/api/v1/namespaces/{ns}/services" + (f"/{name}" if name else "")

    def create_many(server: LiveServer, prefix: str, n: int) -> dict[str, tuple[str, int]]:
        out = {}
        for i in range(n):
            r = requests.post(url(server), json=svc_body(f"{prefix}{i}", True), timeout=10)
            assert r.status_code == 201, r.text
            out[f"{prefix}{i}"] = (r.json()["spec"]["clusterIP"], node_ports(r.json())[0])
        return out

    first = LiveServer(*args, db=db)
    try:
        before = create_many(first, "a", 10)
        table_before = sorted(allocation_rows(tmp_path / "restart.db"))
    finally:
        first.stop()

    second = LiveServer(*args, db=db)
    try:
        assert sorted(allocation_rows(tmp_path / "restart.db")) == table_before
        for name, (ip, port) in before.items():  # every Service kept what it held
            spec = requests.get(url(second, name), timeout=10).json()["spec"]
            assert (spec["clusterIP"], node_ports({"spec": spec})[0]) == (ip, port)
        after = create_many(second, "b", 10)
        taken_ips = {ip for ip, _ in before.values()} | {"10.0.0.1"}
        taken_ports = {p for _, p in before.values()}
        assert not {ip for ip, _ in after.values()} & taken_ips
        assert not {p for _, p in after.values()} & taken_ports
        # released ones may come back; nothing still held may
        released = [before.pop("a0"), before.pop("a1")]
        for name in ("a0", "a1"):
            assert requests.delete(url(second, name), timeout=10).status_code == 200
        rest = create_many(second, "c", 11)  # fills both ranges: the released values must be among these
        live_ips = {ip for ip, _ in (*before.values(), *after.values())} | {"10.0.0.1"}
        live_ports = {p for _, p in (*before.values(), *after.values())}
        assert not {ip for ip, _ in rest.values()} & live_ips
        assert not {p for _, p in rest.values()} & live_ports
        assert {ip for ip, _ in released} <= {ip for ip, _ in rest.values()}
        assert {p for _, p in released} <= {p for _, p in rest.values()}
        full = requests.post(url(second), json=svc_body("late", False), timeout=10)
        assert full.status_code == 500 and full.json()["message"].endswith("range is full")
    finally:
        second.stop()
