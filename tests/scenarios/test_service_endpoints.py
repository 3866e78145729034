"""Services, pods, Endpoints and EndpointSlices end to end over HTTP (issue 4 items 2, 3, 5): the
simulated kubelet gives pods IPs and Ready, the endpoint controllers run inside each write, so every
answer below is read right after the write that caused it (read-your-writes)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockapi.app import create_app

NS = "/api/v1/namespaces/default"
SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
MANAGED = "endpointslice.kubernetes.io/managed-by"


def pod(name: str, labels: dict[str, str], ports: list[dict[str, Any]] | None = None,
        node: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "nginx:1.27"}
    if ports is not None:
        container["ports"] = ports
    body: dict[str, Any] = {"metadata": {"name": name, "labels": labels}, "spec": {"containers": [container]}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def service(name: str, selector: dict[str, str], ports: list[dict[str, Any]] | None = None,
            **extra: Any) -> dict[str, Any]:
    meta = {"name": name, **extra.pop("metadata", {})}
    return {"metadata": meta, "spec": {"selector": selector,
                                       "ports": ports or [{"name": "http", "port": 80, "targetPort": 8080}], **extra}}


def slices_of(client: FlaskClient, svc: str) -> list[dict[str, Any]]:
    r = client.get(f"{SLICES}?labelSelector=kubernetes.io/service-name%3D{svc}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["items"]


def set_ready(client: FlaskClient, name: str, ready: bool) -> None:
    current = client.get(f"{NS}/pods/{name}").get_json()
    status = copy.deepcopy(current["status"])
    for cond in status.get("conditions") or []:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "True" if ready else "False"
    r = client.put(f"{NS}/pods/{name}/status", json={**current, "status": status})
    assert r.status_code == 200, r.get_data(as_text=True)


@pytest.fixture
def client(app_kubelet: Flask) -> FlaskClient:
    """A simulated cluster: pods get IPs and Ready from the kubelet (conftest's app_kubelet)."""
    return app_kubelet.test_client()


@pytest.fixture
def manual_app() -> Iterator[Flask]:
    application = create_app({"db": "sqlite://", "nodes": 3, "kubelet": "on", "controllers": "manual"})
    yield application
    application.extensions["mockapi"].close()


def test_250_pods_give_three_slices_and_full_endpoints(client: FlaskClient) -> None:
    assert client.post(f"{NS}/services", json=service("web", {"app": "web"})).status_code == 201
    for i in range(250):
        assert client.post(f"{NS}/pods", json=pod(f"web-{i:03d}", {"app": "web"})).status_code == 201
    slices = slices_of(client, "web")
    assert sorted(len(s["endpoints"]) for s in slices) == [50, 100, 100]
    for s in slices:
        assert s["addressType"] == "IPv4" and s["metadata"]["generateName"] == "web-"
        assert s["metadata"]["labels"][MANAGED] == "endpointslice-controller.k8s.io"
        assert s["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
        owner = s["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"], owner["blockOwnerDeletion"]) == (
            "Service", "web", True, True)
    ips = {a for s in slices for ep in s["endpoints"] for a in ep["addresses"]}
    assert len(ips) == 250
    ep = client.get(f"{NS}/endpoints/web").get_json()
    assert len(ep["subsets"]) == 1 and len(ep["subsets"][0]["addresses"]) == 250
    assert {a["ip"] for a in ep["subsets"][0]["addresses"]} == ips
    assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert "endpoints.kubernetes.io/last-change-trigger-time" in ep["metadata"]["annotations"]
    # minimal churn: one more pod rewrites only the slice that takes it
    before = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices}
    assert client.post(f"{NS}/pods", json=pod("web-extra", {"app": "web"})).status_code == 201
    after = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices_of(client, "web")}
    assert set(after) == set(before)
    assert sum(before[n] != after[n] for n in after) == 1


def test_readiness_flip_moves_the_address(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("api", {"app": "api"}))
    for name in ("a", "b"):
        client.post(f"{NS}/pods", json=pod(name, {"app": "api"}))
    set_ready(client, "b", False)
    ep = client.get(f"{NS}/endpoints/api").get_json()
    ip_b = client.get(f"{NS}/pods/b").get_json()["status"]["podIP"]
    (subset,) = ep["subsets"]
    assert [a["targetRef"]["name"] for a in subset["addresses"]] == ["a"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == [ip_b]
    (s,) = slices_of(client, "api")
    conditions = {e["targetRef"]["name"]: e["conditions"] for e in s["endpoints"]}
    assert conditions["b"] == {"ready": False, "serving": False, "terminating": False}
    assert conditions["a"] == {"ready": True, "serving": True, "terminating": False}
    # publishNotReadyAddresses publishes it as ready again
    svc = client.get(f"{NS}/services/api").get_json()
    svc["spec"]["publishNotReadyAddresses"] = True
    assert client.put(f"{NS}/services/api", json=svc).status_code == 200
    (subset,) = client.get(f"{NS}/endpoints/api").get_json()["subsets"]
    assert len(subset["addresses"]) == 2 and "notReadyAddresses" not in subset
    assert all(e["conditions"]["ready"] for e in slices_of(client, "api")[0]["endpoints"])


def test_named_target_port_differs_between_pods(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("named", {"app": "n"}, ports=[
        {"name": "http", "port": 80, "targetPort": "web"}, {"name": "metrics", "port": 9090}]))
    client.post(f"{NS}/pods", json=pod("p1", {"app": "n"}, [{"name": "web", "containerPort": 8080}]))
    client.post(f"{NS}/pods", json=pod("p2", {"app": "n"}, [{"name": "web", "containerPort": 8081}]))
    client.post(f"{NS}/pods", json=pod("p3", {"app": "n"}, [{"name": "web", "containerPort": 53, "protocol": "UDP"}]))
    subsets = client.get(f"{NS}/endpoints/named").get_json()["subsets"]
    by_ports = {tuple((p["name"], p["port"]) for p in s["ports"]): sorted(a["targetRef"]["name"] for a in s["addresses"])
                for s in subsets}
    assert by_ports == {(("http", 8080),): ["p1"], (("http", 8081),): ["p2"],
                        (("metrics", 9090),): ["p1", "p2", "p3"]}
    slices = {tuple(sorted((p["name"], p["port"]) for p in s["ports"])): [e["targetRef"]["name"] for e in s["endpoints"]]
              for s in slices_of(client, "named")}
    assert slices == {(("http", 8080), ("metrics", 9090)): ["p1"], (("http", 8081), ("metrics", 9090)): ["p2"],
                      (("metrics", 9090),): ["p3"]}


def test_topology_hints_for_three_zones_and_withheld_without_a_zone(client: FlaskClient) -> None:
    auto = {"annotations": {"service.kubernetes.io/topology-mode": "Auto"}}
    client.post(f"{NS}/services", json=service("topo", {"app": "t"}, metadata=auto))
    for i in range(6):
        client.post(f"{NS}/pods", json=pod(f"t{i}", {"app": "t"}, node=f"node-{i % 3 + 1}"))
    (s,) = slices_of(client, "topo")
    zones = {e["zone"] for e in s["endpoints"]}
    assert zones == {"zone-a", "zone-b", "zone-c"}
    assert all(e["hints"] == {"forZones": [{"name": e["zone"]}]} for e in s["endpoints"])
    # one node loses its zone label: hints are withheld for the whole Service
    patch = {"metadata": {"labels": {"topology.kubernetes.io/zone": None}}}
    r = client.patch("/api/v1/nodes/node-3", json=patch, content_type="application/merge-patch+json")
    assert r.status_code == 200
    (s,) = slices_of(client, "topo")
    assert not any("hints" in e for e in s["endpoints"])
    assert not any("zone" in e for e in s["endpoints"] if e["nodeName"] == "node-3")


def test_prefer_close_hints_each_ready_endpoint_for_its_zone(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("close", {"app": "c"}, trafficDistribution="PreferClose"))
    client.post(f"{NS}/pods", json=pod("c1", {"app": "c"}, node="node-1"))
    (s,) = slices_of(client, "close")
    assert s["endpoints"][0]["hints"] == {"forZones": [{"name": "zone-a"}]}


def test_deleting_a_service_removes_its_endpoints_and_slices(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("gone", {"app": "g"}))
    client.post(f"{NS}/pods", json=pod("g1", {"app": "g"}))
    assert client.get(f"{NS}/endpoints/gone").status_code == 200 and slices_of(client, "gone")
    assert client.delete(f"{NS}/services/gone").status_code == 200
    assert client.get(f"{NS}/endpoints/gone").status_code == 404
    assert slices_of(client, "gone") == []


def test_placeholder_slice_and_selectorless_services(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("empty", {"app": "nobody"}))
    (s,) = slices_of(client, "empty")
    assert s["endpoints"] == [] and s["ports"] == []
    assert "subsets" not in client.get(f"{NS}/endpoints/empty").get_json()
    # a Service without a selector: user-managed Endpoints are left alone by the Endpoints controller,
    # and mirrored (not by the EndpointSlice controller) into one slice
    client.post(f"{NS}/services", json={"metadata": {"name": "ext"}, "spec": {"ports": [{"port": 80}]}})
    user = {"metadata": {"name": "ext"}, "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 80}]}]}
    assert client.post(f"{NS}/endpoints", json=user).status_code == 201
    client.post(f"{NS}/pods", json=pod("x", {"app": "x"}))
    assert client.get(f"{NS}/endpoints/ext").get_json()["subsets"][0]["addresses"] == [{"ip": "192.0.2.10"}]
    (mirror,) = slices_of(client, "ext")
    assert mirror["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    assert mirror["endpoints"] == [{"addresses": ["192.0.2.10"], "conditions": {"ready": True}}]


def test_user_deleted_endpoints_are_recreated(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("back", {"app": "b"}))
    client.post(f"{NS}/pods", json=pod("b1", {"app": "b"}))
    assert client.delete(f"{NS}/endpoints/back").status_code == 200
    assert len(client.get(f"{NS}/endpoints/back").get_json()["subsets"][0]["addresses"]) == 1


def test_manual_mode_and_mock_reconcile(manual_app: Flask) -> None:
    client = manual_app.test_client()
    client.post(f"{NS}/services", json=service("m", {"app": "m"}))
    client.post(f"{NS}/pods", json=pod("m1", {"app": "m"}, node="node-1"))
    assert client.get(f"{NS}/endpoints/m").status_code == 404 and slices_of(client, "m") == []
    r = client.post("/mock/reconcile")
    assert r.status_code == 200
    summary = r.get_json()
    assert summary["controllers"]["endpoint-controller"]["created"] == 1
    assert summary["writes"] >= 2
    assert client.get(f"{NS}/endpoints/m").status_code == 200
    assert len(slices_of(client, "m")) == 1
    # a second pass finds nothing to do
    again = client.post("/mock/reconcile").get_json()
    assert again["controllers"]["endpointslice-controller.k8s.io"]["updated"] == 0
    assert again["controllers"]["endpoint-controller"].get("created", 0) == 0


def test_tables_for_kubectl_get(client: FlaskClient) -> None:
    client.post(f"{NS}/services", json=service("tbl", {"app": "tbl"}))
    client.post(f"{NS}/pods", json=pod("t1", {"app": "tbl"}))
    ip = client.get(f"{NS}/pods/t1").get_json()["status"]["podIP"]
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    table = client.get(f"{NS}/endpoints", headers=accept).get_json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Endpoints", "Age"]
    rows = {r["cells"][0]: r["cells"] for r in table["rows"]}
    assert rows["tbl"][1] == f"{ip}:8080"
    table = client.get(SLICES, headers=accept).get_json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "AddressType", "Ports", "Endpoints", "Age"]
    (row,) = [r["cells"] for r in table["rows"] if r["cells"][0].startswith("tbl-")]
    assert row[1:4] == ["IPv4", "8080", ip]


def test_validation_of_user_objects(client: FlaskClient) -> None:
    bad = {"metadata": {"name": "bad"}, "subsets": [{"addresses": [{"ip": "127.0.0.1"}],
                                                     "ports": [{"port": 80}, {"port": 81}]}]}
    r = client.post(f"{NS}/endpoints", json=bad)
    assert r.status_code == 422
    fields = {c["field"] for c in r.get_json()["details"]["causes"]}
    assert fields == {"subsets[0].addresses[0].ip", "subsets[0].ports[0].name", "subsets[0].ports[1].name"}
    body = {"metadata": {"name": "s"}, "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}]}
    assert client.post(SLICES, json=body).status_code == 201
    current = client.get(f"{SLICES}/s").get_json()
    r = client.put(f"{SLICES}/s", json={**current, "addressType": "IPv6",
                                        "endpoints": [{"addresses": ["2001:db8::1"]}]})
    assert r.status_code == 422
    assert {c["field"] for c in r.get_json()["details"]["causes"]} == {"addressType"}
