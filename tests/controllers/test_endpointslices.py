"""EndpointSlice controller, pure functions: endpoint construction, buckets by port list, packing
with minimal churn, the placeholder, create/delete pairing and hints (PreferClose, topology Auto)."""

from __future__ import annotations

from typing import Any

from mockapi.controllers import slicehints, slicepack
from mockapi.controllers.slicepack import Plan


def pod(name: str, ip: str, node: str = "n1", ready: bool = True, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "ports": spec.pop("ports", [])}], **spec},
            "status": {"podIPs": [{"ip": ip}], "conditions": [{"type": "Ready", "status": str(ready)}]}}


def node(name: str, zone: str | None, cpu: str = "4") -> dict[str, Any]:
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    return {"metadata": {"name": name, "labels": labels},
            "status": {"allocatable": {"cpu": cpu}, "conditions": [{"type": "Ready", "status": "True"}]}}


SVC = {"metadata": {"name": "web", "namespace": "default", "uid": "svc-uid", "labels": {"app": "web"}},
       "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ipFamilies": ["IPv4"],
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}
NODES = {"n1": node("n1", "z1"), "n2": node("n2", "z2"), "n3": node("n3", "z3")}


def test_endpoint_conditions_zone_and_terminating() -> None:
    p = pod("a", "10.0.0.1", ready=True)
    p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    ep = slicepack.pod_to_endpoint(p, NODES["n1"], SVC, "IPv4")
    assert ep == {"addresses": ["10.0.0.1"], "conditions": {"ready": False, "serving": True, "terminating": True},
                  "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"},
                  "nodeName": "n1", "zone": "z1"}


def test_buckets_by_resolved_ports_and_missing_nodes_skipped() -> None:
    svc = dict(SVC, spec=dict(SVC["spec"], ports=[{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}]))
    pods = [pod("a", "10.0.0.1", ports=[{"name": "web", "containerPort": 8080}]),
            pod("b", "10.0.0.2", ports=[{"name": "web", "containerPort": 8081}]),
            pod("c", "10.0.0.3"), pod("d", "10.0.0.4", node="gone")]
    buckets = slicepack.desired_buckets(svc, pods, NODES, "IPv4")
    assert sorted((tuple(p["port"] for p in ports), [e["targetRef"]["name"] for e in eps])
                  for ports, eps in buckets.values()) == [((), ["c"]), ((8080,), ["a"]), ((8081,), ["b"])]
    assert slicepack.desired_buckets(svc, pods, NODES, "IPv6") == {}


def _slices(n: int, limit: int = 100) -> Plan:
    pods = [pod(f"p{i:03d}", f"10.0.{i // 200}.{i % 200 + 1}") for i in range(n)]
    return slicepack.plan_address_type(SVC, [], slicepack.desired_buckets(SVC, pods, NODES, "IPv4"), "IPv4", limit)


def test_packing_250_endpoints_into_three_slices() -> None:
    plan = _slices(250)
    assert sorted(len(s["endpoints"]) for s in plan.create) == [50, 100, 100]
    s = plan.create[0]
    assert s["metadata"]["generateName"] == "web-" and s["metadata"]["labels"] == {
        "app": "web", "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}


def test_minimal_churn_and_placeholder() -> None:
    plan = _slices(150)
    existing = [dict(s, metadata=dict(s["metadata"], name=f"web-{i}")) for i, s in enumerate(plan.create)]
    pods = [pod(f"p{i:03d}", f"10.0.{i // 200}.{i % 200 + 1}") for i in range(151)]
    again = slicepack.plan_address_type(SVC, existing, slicepack.desired_buckets(SVC, pods, NODES, "IPv4"), "IPv4", 100)
    assert not again.create and not again.delete and list(again.update) == ["web-1"]
    assert len(again.update["web-1"]["endpoints"]) == 51
    empty = slicepack.plan_address_type(SVC, existing, {}, "IPv4", 100)
    assert len(empty.delete) == 2 and empty.create[0]["endpoints"] == [] and empty.create[0]["ports"] == []
    slicepack.pair_creates_with_deletes(empty, SVC)
    assert len(empty.delete) == 1 and len(empty.update) == 1 and not empty.create


def test_prefer_close_and_topology_auto_hints() -> None:
    pods = [pod(f"p{i}", f"10.0.0.{i + 1}", node=f"n{i % 3 + 1}") for i in range(6)]
    plan = slicepack.plan_address_type(SVC, [], slicepack.desired_buckets(SVC, pods, NODES, "IPv4"), "IPv4", 100)
    slicehints.prefer_close(plan)
    assert all(e["hints"] == {"forZones": [{"name": e["zone"]}]} for e in plan.create[0]["endpoints"])
    assert slicehints.add_topology_hints(plan, list(NODES.values())) is None
    assert all(e["hints"] == {"forZones": [{"name": e["zone"]}]} for e in plan.create[0]["endpoints"])
    withheld = slicehints.add_topology_hints(plan, list(NODES.values()) + [node("n4", None)])
    assert withheld == slicehints.INSUFFICIENT_NODE_INFO
    assert not any("hints" in e for e in plan.create[0]["endpoints"])


def test_topology_auto_redistributes_from_over_served_zones() -> None:
    pods = [pod(f"p{i}", f"10.0.0.{i + 1}", node="n1" if i < 4 else f"n{i - 2}") for i in range(6)]
    plan = slicepack.plan_address_type(SVC, [], slicepack.desired_buckets(SVC, pods, NODES, "IPv4"), "IPv4", 100)
    assert slicehints.add_topology_hints(plan, list(NODES.values())) is None
    hinted = [e["hints"]["forZones"][0]["name"] for e in plan.create[0]["endpoints"]]
    assert sorted(hinted) == ["z1", "z1", "z2", "z2", "z3", "z3"]
    assert slicehints.allocations({"z1": 0.5, "z2": 0.5}, 1)[0] is None
