"""The routing table over HTTP (issue 5 items 1-4): pods and services created through the API on a
simulated cluster (kubelet on), then GET /mock/routing-table and POST /mock/trace, including after a
readiness flip and a pod deletion. Every answer reflects the write before it (read-your-writes)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

NS = "/api/v1/namespaces/default"


@pytest.fixture
def client(app_kubelet: Flask) -> FlaskClient:
    return app_kubelet.test_client()


def make_pod(client: FlaskClient, name: str, node: str, app: str = "web") -> str:
    body = {"metadata": {"name": name, "labels": {"app": app}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx:1.27",
                                                       "ports": [{"name": "http", "containerPort": 8080}]}]}}
    r = client.post(f"{NS}/pods", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return str(client.get(f"{NS}/pods/{name}").get_json()["status"]["podIP"])


def make_service(client: FlaskClient, name: str, **spec: Any) -> dict[str, Any]:
    body = {"metadata": {"name": name}, "spec": {"selector": {"app": "web"},
                                                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
                                                 **spec}}
    r = client.post(f"{NS}/services", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return dict(r.get_json())


def set_ready(client: FlaskClient, name: str, ready: bool) -> None:
    current = client.get(f"{NS}/pods/{name}").get_json()
    status = copy.deepcopy(current["status"])
    for cond in status.get("conditions") or []:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "True" if ready else "False"
    assert client.put(f"{NS}/pods/{name}/status", json={**current, "status": status}).status_code == 200


def entry(client: FlaskClient, node: str, name: str) -> dict[str, Any]:
    table = client.get(f"/mock/routing-table?node={node}").get_json()
    (found,) = [s for s in table["nodes"][0]["services"] if s["name"] == name]
    return dict(found)


def by_type(e: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["type"]: f for f in e["frontends"]}


def do_trace(client: FlaskClient, node: str, source: str, destination: str, port: int) -> dict[str, Any]:
    r = client.post("/mock/trace", json={"node": node, "source": source, "destination": destination,
                                         "port": port, "protocol": "TCP"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return dict(r.get_json())


def test_routing_table_traces_readiness_and_deletion(client: FlaskClient) -> None:
    ips = {name: make_pod(client, name, node) for name, node in
           (("a", "node-1"), ("b", "node-2"), ("c", "node-3"))}
    svc = make_service(client, "web", type="LoadBalancer", externalTrafficPolicy="Local",
                       externalIPs=["192.0.2.50"])
    cluster_ip, node_port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"]
    lb_ip = client.get(f"{NS}/services/web").get_json()["status"]["loadBalancer"]["ingress"][0]["ip"]
    make_service(client, "db", clusterIP="None")

    table = client.get("/mock/routing-table").get_json()
    assert table["revision"] > 0 and [n["name"] for n in table["nodes"]] == ["node-1", "node-2", "node-3"]
    assert {"namespace": "default", "name": "db", "reason": "headless: DNS only, kube-proxy programs nothing"} \
        in table["skipped"]
    e = entry(client, "node-1", "web")
    assert (e["port"], e["protocol"], e["sessionAffinity"]) == (80, "TCP", "None")
    fronts = by_type(e)
    assert set(fronts) == {"ClusterIP", "NodePort", "LoadBalancer", "ExternalIP"}
    assert fronts["ClusterIP"]["ip"] == cluster_ip
    assert sorted(b["ip"] for b in fronts["ClusterIP"]["backends"]) == sorted(ips.values())
    assert all(b["probability"] == pytest.approx(1 / 3) for b in fronts["ClusterIP"]["backends"])
    assert [(b["ip"], b["port"], b["node"]) for b in fronts["LoadBalancer"]["backends"]] == [(ips["a"], 8080, "node-1")]
    assert (fronts["NodePort"]["ip"], fronts["NodePort"]["port"]) == ("172.18.0.2", node_port)
    assert e["healthCheckNodePort"]["localEndpoints"] == 1

    # a trace for each frontend kind
    t = do_trace(client, "node-2", "10.244.0.9", cluster_ip, 80)
    assert (t["verdict"], t["frontend"]["type"], len(t["backends"])) == ("DNAT", "ClusterIP", 3)
    assert t["service"] == {"namespace": "default", "name": "web", "port": 80, "portName": "http"}
    t = do_trace(client, "node-2", "203.0.113.7", "172.18.0.3", node_port)
    assert (t["verdict"], t["frontend"]["type"]) == ("DNAT", "NodePort")
    assert [b["ip"] for b in t["backends"]] == [ips["b"]]
    assert {x["ip"]: x["reason"] for x in t["excluded"]}[ips["a"]] == "not node-local (on node-1)"
    t = do_trace(client, "node-3", "203.0.113.7", lb_ip, 80)
    assert (t["verdict"], t["frontend"]["type"], [b["ip"] for b in t["backends"]]) == (
        "DNAT", "LoadBalancer", [ips["c"]])
    t = do_trace(client, "node-1", "203.0.113.7", "192.0.2.50", 80)
    assert (t["verdict"], t["frontend"]["type"]) == ("DNAT", "ExternalIP")

    # readiness flip: c leaves every backend list; node-3 now drops outside LB traffic
    set_ready(client, "c", False)
    assert ips["c"] not in [b["ip"] for b in by_type(entry(client, "node-1", "web"))["ClusterIP"]["backends"]]
    lb3 = by_type(entry(client, "node-3", "web"))["LoadBalancer"]
    assert (lb3["backends"], lb3["whenNoBackends"]) == ([], "DROP")
    t = do_trace(client, "node-3", "203.0.113.7", lb_ip, 80)
    assert t["verdict"] == "DROP" and {x["ip"]: x["reason"] for x in t["excluded"]}[ips["c"]] == "not ready"
    # traffic from a pod on node-3 still short-circuits to the cluster-wide endpoints
    t = do_trace(client, "node-3", "10.244.2.9", lb_ip, 80)
    assert t["verdict"] == "DNAT" and sorted(b["ip"] for b in t["backends"]) == sorted([ips["a"], ips["b"]])
    iptables = client.get("/mock/routing-table?node=node-3&format=iptables").get_data(as_text=True)
    assert '"default/web:http has no local endpoints"' in iptables

    # pod deletion: a goes; the table follows
    assert client.delete(f"{NS}/pods/a").status_code == 200
    backends = by_type(entry(client, "node-1", "web"))["ClusterIP"]["backends"]
    assert [(b["ip"], b["probability"]) for b in backends] == [(ips["b"], 1.0)]
    for name in ("b", "c"):
        client.delete(f"{NS}/pods/{name}")
    t = do_trace(client, "node-1", "10.244.0.9", cluster_ip, 80)
    assert t["verdict"] == "REJECT" and t["backends"] == []
    assert by_type(entry(client, "node-1", "web"))["ClusterIP"]["whenNoBackends"] == "REJECT"


def test_routing_table_formats_and_errors(client: FlaskClient) -> None:
    make_pod(client, "a", "node-1")
    make_service(client, "web", sessionAffinity="ClientIP")
    first = client.get("/mock/routing-table")
    assert first.get_data() == client.get("/mock/routing-table").get_data()  # cached per revision
    e = entry(client, "node-2", "web")
    assert (e["sessionAffinity"], e["sessionAffinityTimeoutSeconds"]) == ("ClientIP", 10800)
    text = client.get("/mock/routing-table?format=iptables")
    assert text.status_code == 200 and text.content_type.startswith("text/plain")
    body = text.get_data(as_text=True)
    assert body.count("*nat") == 3 and "--rcheck --seconds 10800 --reap" in body
    missing = client.get("/mock/routing-table?node=nope")
    assert missing.status_code == 404 and missing.get_json()["reason"] == "NotFound"
    assert client.get("/mock/routing-table?format=yaml").status_code == 400
    for bad in ({}, {"node": "node-1", "source": "x", "destination": "10.96.0.1", "port": 80},
                {"node": "node-1", "source": "10.0.0.1", "destination": "10.96.0.1", "port": 0},
                {"node": "node-1", "source": "10.0.0.1", "destination": "10.96.0.1", "port": 80, "protocol": "ICMP"}):
        r = client.post("/mock/trace", json=bad)
        assert r.status_code == 400 and r.get_json()["kind"] == "Status", bad
    assert client.post("/mock/trace", data="{nope", content_type="application/json").status_code == 400
    r = client.post("/mock/trace", json={"node": "nope", "source": "10.0.0.1", "destination": "10.96.0.1",
                                         "port": 80})
    assert r.status_code == 404
    t = do_trace(client, "node-1", "10.0.0.1", "10.96.200.200", 80)
    assert (t["verdict"], t["service"], t["frontend"], t["rules"]) == ("NO_MATCH", None, None, [])


def test_mockapi_routes_prints_a_running_servers_table(live_cluster: Any) -> None:
    import subprocess
    import sys
    import uuid

    import requests

    ns = "r-" + uuid.uuid4().hex[:8]
    base = f"{live_cluster.url}/api/v1/namespaces/{ns}"
    assert requests.post(f"{live_cluster.url}/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
    try:
        pod = {"metadata": {"name": "a", "labels": {"app": "web"}},
               "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "nginx"}]}}
        assert requests.post(f"{base}/pods", json=pod).status_code == 201
        svc = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"},
                                                     "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
        assert requests.post(f"{base}/services", json=svc).status_code == 201
        ip = requests.get(f"{base}/pods/a").json()["status"]["podIP"]

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "mockapi", "routes", "--server", live_cluster.url, *args],
                                  check=False, capture_output=True, text=True, timeout=60)

        out = run("--node", "node-1")
        assert out.returncode == 0, out.stderr
        (row,) = [line for line in out.stdout.splitlines() if f"{ns}/web:http" in line]
        assert row.startswith("node-1") and "ClusterIP" in row and f"{ip}:8080 (node-2, 100%)" in row
        assert out.stdout.splitlines()[0].split() == ["NODE", "SERVICE", "PORT", "FRONTEND", "BACKENDS"]
        text = run("--node", "node-1", "--format", "iptables")
        assert f"--to-destination {ip}:8080" in text.stdout
        assert '"kind": "RoutingTable"' in run("--format", "json").stdout
        missing = run("--node", "nope")
        assert missing.returncode != 0 and "404" in missing.stderr
    finally:
        requests.delete(f"{live_cluster.url}/api/v1/namespaces/{ns}")


def test_incremental_sync_matches_a_fresh_load(app_kubelet: Flask) -> None:
    import json

    from mockapi.api.mock.routing_table import RoutingState

    client = app_kubelet.test_client()
    client.get("/mock/routing-table")  # the process's table is now loaded; what follows is replayed
    for i, node in enumerate(("node-1", "node-2", "node-3", "node-1")):
        make_pod(client, f"p{i}", node)
    make_service(client, "web", type="NodePort", externalTrafficPolicy="Local")
    make_service(client, "gone")
    client.get("/mock/routing-table")
    set_ready(client, "p1", False)
    assert client.delete(f"{NS}/services/gone").status_code == 200
    assert client.delete(f"{NS}/pods/p2").status_code == 200
    incremental = json.loads(client.get("/mock/routing-table").get_data())
    fresh = RoutingState(app_kubelet.extensions["mockapi"])
    assert json.loads(fresh.answer("", "json")) == incremental
    assert fresh.answer("node-2", "iptables") == client.get("/mock/routing-table?node=node-2&format=iptables").get_data()
    assert [s["name"] for s in incremental["nodes"][0]["services"]] == ["kubernetes", "web"]


def test_answers_match_the_documented_schemas(client: FlaskClient) -> None:
    from pathlib import Path

    import yaml
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    registry = Registry().with_resource("urn:doc", Resource.from_contents(doc, default_specification=DRAFT4))

    def validate(schema: str, instance: Any) -> None:
        validator = OAS30Validator({"$ref": f"urn:doc#/components/schemas/{schema}"}, registry=registry)
        errors = [e.message for e in validator.iter_errors(instance)]
        assert not errors, errors[:3]

    make_pod(client, "a", "node-1")
    make_service(client, "web", type="LoadBalancer", externalTrafficPolicy="Local", sessionAffinity="ClientIP")
    make_service(client, "db", clusterIP="None")
    validate("RoutingTable", client.get("/mock/routing-table").get_json())
    cluster_ip = client.get(f"{NS}/services/web").get_json()["spec"]["clusterIP"]
    for node, source, destination, port in (("node-1", "10.244.1.3", cluster_ip, 80),
                                            ("node-2", "203.0.113.1", "172.18.0.3", 1),
                                            ("node-2", "203.0.113.1", "198.51.100.1", 80)):
        validate("RoutingTrace", do_trace(client, node, source, destination, port))


def test_topology_hints_narrow_cluster_traffic_to_the_nodes_zone(client: FlaskClient) -> None:
    ips = {node: make_pod(client, f"p-{node}", node) for node in ("node-1", "node-2", "node-3")}
    make_service(client, "web", trafficDistribution="PreferClose")
    for node, ip in ips.items():
        e = entry(client, node, "web")
        assert e["topologyAware"] is True
        assert [b["ip"] for b in by_type(e)["ClusterIP"]["backends"]] == [ip]
    t = do_trace(client, "node-2", "10.244.1.9", entry(client, "node-2", "web")["frontends"][0]["ip"], 80)
    assert sorted(x["reason"] for x in t["excluded"]) == [
        "topology hints for zones ['zone-a'], not this node's zone zone-b",
        "topology hints for zones ['zone-c'], not this node's zone zone-b"]
    # the zone's only endpoint turns unready: hints stay all-or-nothing, so node-2 uses every ready one
    set_ready(client, "p-node-2", False)
    e = entry(client, "node-2", "web")
    assert e["topologyAware"] is False
    assert sorted(b["ip"] for b in by_type(e)["ClusterIP"]["backends"]) == sorted([ips["node-1"], ips["node-3"]])
