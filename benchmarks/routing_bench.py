"""Routing-table benchmark (issue 5): the time to compute the full routing table (every node, JSON and
iptables-save text) for 1,000 Services x 10 endpoints on 10 nodes (target < 1 s), and the time to
answer again after one pod change (target: proportional to the change, not to the cluster).

Two figures each: the pure model (``mockapi.proxy.routing_table``, plain objects in) and the served answer
(GET /mock/routing-table on an app whose store holds the objects, including syncing from the store).

    python benchmarks/routing_bench.py            # 1,000 services x 10 endpoints, 10 nodes
    python benchmarks/routing_bench.py --quick    # 200 services (CI smoke)
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockapi.app import create_app
from mockapi.proxy.routing_table import RoutingTable
from mockapi.registry import RESOURCES_BY_KIND
from mockapi.registry.nodes import build_node

NODES, ENDPOINTS = 10, 10
SLICE, SERVICE = RESOURCES_BY_KIND["EndpointSlice"], RESOURCES_BY_KIND["Service"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def endpoints(i: int, ready_flip: int | None = None) -> list[dict[str, Any]]:
    out = []
    for j in range(ENDPOINTS):
        node = (i + j) % NODES + 1
        ready = j != ready_flip
        out.append({"addresses": [f"10.{100 + i // 250}.{i % 250}.{j + 2}"],
                    "conditions": {"ready": ready, "serving": ready, "terminating": False},
                    "nodeName": f"node-{node}", "zone": f"zone-{'abc'[(node - 1) % 3]}"})
    return out


def slice_body(i: int, ready_flip: int | None = None) -> dict[str, Any]:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"svc-{i}-abcde", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": f"svc-{i}"}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": endpoints(i, ready_flip)}


def service_body(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{i}", "namespace": "default"},
            "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}  # selectorless: slices are ours


def pure(services: int) -> None:
    nodes = [build_node(n, "10.244.0.0/16", "172.18.0.0/16", "v1.31.4", "2026-11-27T00:00:00Z")
             for n in range(1, NODES + 1)]
    svcs = []
    for i in range(services):
        svc = service_body(i)
        svc["metadata"]["resourceVersion"] = "1"
        svc["spec"].update(type="ClusterIP", clusterIP=f"10.96.{i // 250}.{i % 250 + 10}",
                           clusterIPs=[f"10.96.{i // 250}.{i % 250 + 10}"], sessionAffinity="None",
                           internalTrafficPolicy="Cluster")
        svcs.append(svc)
    slices = []
    for i in range(services):
        s = slice_body(i)
        s["metadata"]["resourceVersion"] = "1"
        slices.append(s)

    def build() -> RoutingTable:
        t = RoutingTable("10.244.0.0/16")
        for n in nodes:
            t.put_node(n)
        for s in svcs:
            t.put_service(s)
        for s in slices:
            t.put_slice(s)
        t.refresh()
        return t

    model_s, table = timed(build)
    json_s, _ = timed(lambda: [table.node_json(n) for n in table.node_names()])
    ipt_s, text = timed(lambda: [table.iptables(n) for n in table.node_names()])
    changed = slice_body(0, ready_flip=0)
    changed["metadata"]["resourceVersion"] = "2"

    def one_change() -> None:
        table.put_slice(changed)
        table.refresh()
        [table.node_json(n) for n in table.node_names()]

    change_s, _ = timed(one_change)
    lines = sum(t.count("\n") for t in text)
    print(f"pure model, {services} services x {ENDPOINTS} endpoints, {NODES} nodes:")
    print(f"  model (all nodes)          {ms(model_s)}")
    print(f"  JSON for all nodes         {ms(json_s)}")
    print(f"  iptables for all nodes     {ms(ipt_s)}   ({lines} lines)")
    print(f"  full table total           {ms(model_s + json_s + ipt_s)}   (target < 1000 ms)")
    print(f"  after one endpoint change  {ms(change_s)}   (model + JSON for all nodes)")


def served(services: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"db": f"sqlite:///{tmp}/bench.db", "nodes": NODES, "kubelet": "on"}, start=False)
        runtime = app.extensions["mockapi"]
        reg = runtime.registry
        client = app.test_client()
        t0 = time.perf_counter()
        for i in range(services):
            reg.create(SERVICE, "default", service_body(i))
            reg.create(SLICE, "default", slice_body(i))
        populate_s = time.perf_counter() - t0
        cold, resp = timed(lambda: client.get("/mock/routing-table"))
        assert resp.status_code == 200, resp.get_data()[:300]
        size = len(resp.get_data())
        warm = statistics.median(timed(lambda: client.get("/mock/routing-table"))[0] for _ in range(5))
        ipt, _ = timed(lambda: client.get("/mock/routing-table?format=iptables"))
        # one pod change: a real Service with pods; one pod's readiness flips (kubelet, slice controller)
        reg.create(SERVICE, "default", {"metadata": {"name": "target"}, "spec": {
            "selector": {"app": "target"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
        for j in range(ENDPOINTS):
            reg.create(RESOURCES_BY_KIND["Pod"], "default", {"metadata": {"name": f"t-{j}", "labels": {"app": "target"}},
                                                              "spec": {"containers": [{"name": "c", "image": "x"}]}})
        client.get("/mock/routing-table")
        client.get("/mock/routing-table?node=node-1")
        samples_all, samples_one = [], []
        for k in range(5):
            pod = client.get(f"/api/v1/namespaces/default/pods/t-{k}").get_json()
            status = copy.deepcopy(pod["status"])
            for cond in status["conditions"]:
                if cond["type"] in ("Ready", "ContainersReady"):
                    cond["status"] = "False"
            assert client.put(f"/api/v1/namespaces/default/pods/t-{k}/status",
                              json={**pod, "status": status}).status_code == 200
            one, r1 = timed(lambda: client.get("/mock/routing-table?node=node-1"))
            every, r2 = timed(lambda: client.get("/mock/routing-table"))
            assert r1.status_code == r2.status_code == 200
            samples_one.append(one)
            samples_all.append(every)
        runtime.close()
    print(f"served (GET /mock/routing-table, SQLite file store; populated in {populate_s:.1f} s):")
    print(f"  first answer, all nodes    {ms(cold)}   ({size / 1e6:.1f} MB JSON; loads the store)")
    print(f"  repeated, same revision    {ms(warm)}   (cached per revision)")
    print(f"  iptables, all nodes        {ms(ipt)}")
    print(f"  after one pod readiness flip: node-1 {ms(statistics.median(samples_one)).strip()}, "
          f"then all nodes {ms(statistics.median(samples_all)).strip()} (medians of 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 services instead of 1,000")
    args = parser.parse_args()
    services = 200 if args.quick else 1000
    pure(services)
    served(services)


if __name__ == "__main__":
    main()
