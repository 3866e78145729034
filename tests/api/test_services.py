"""Services over HTTP (issue 3, §1–§3): every type with its allocations, the 422/500 answers with
Kubernetes' field paths and wording, update and type-transition rules (allocations appear and vanish in
the allocations table and in the object), dual-stack, exhaustion, dry-run, restart, and kubectl."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mockapi.app import create_app
from mockapi.storage.tables import allocations

SVCS = "/api/v1/namespaces/default/services"


def body(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def create(client: FlaskClient, name: str, **spec: Any) -> dict[str, Any]:
    r = client.post(SVCS, json=body(name, **spec))
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def refused(client: FlaskClient, name: str, code: int = 422, **spec: Any) -> dict[str, Any]:
    r = client.post(SVCS, json=body(name, **spec))
    assert r.status_code == code, r.get_data(as_text=True)
    return r.get_json()


def merge(client: FlaskClient, name: str, patch: dict[str, Any], path: str = "") -> Any:
    return client.patch(f"{SVCS}/{name}{path}", data=json.dumps(patch), content_type="application/merge-patch+json")


def held(app: Flask, name: str, namespace: str = "default") -> dict[str, list[str]]:
    """What the Service holds in the allocations table, by pool."""
    with app.extensions["mockapi"].db.read() as conn:
        rows = conn.execute(select(allocations.c.pool, allocations.c.value)
                            .where(allocations.c.owner == f"services/{namespace}/{name}")).all()
    out: dict[str, list[str]] = {}
    for pool, value in rows:
        out.setdefault(pool, []).append(value)
    return {k: sorted(v) for k, v in out.items()}


def all_held(app: Flask) -> list[tuple[str, str, str]]:
    with app.extensions["mockapi"].db.read() as conn:
        return sorted(tuple(r) for r in conn.execute(select(allocations)))  # type: ignore[misc]


def causes(status: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["reason"], c["field"], c["message"]) for c in status["details"]["causes"]]


HTTP = [{"name": "http", "port": 80, "targetPort": 8080}]


@pytest.fixture
def tiny() -> Iterator[Flask]:
    """A /29 service range (6 addresses, one taken by the kubernetes Service) and 5 node ports."""
    application = create_app({"db": "sqlite://", "service_cidr": "10.0.0.0/29", "node_port_range": "30000-30004",
                              "lb_pool": "198.51.100.0/30"})
    yield application
    application.extensions["mockapi"].close()


@pytest.fixture
def dual() -> Iterator[Flask]:
    application = create_app({"db": "sqlite://", "service_cidr": "10.96.0.0/12,fd00:10:96::/108"})
    yield application
    application.extensions["mockapi"].close()


# -- the kubernetes Service and discovery --------------------------------------------------------------

def test_the_kubernetes_service_takes_the_first_address(client: FlaskClient, app: Flask) -> None:
    svc = client.get(f"{SVCS}/kubernetes").get_json()
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    assert svc["spec"]["clusterIP"] == "10.96.0.1" and "selector" not in svc["spec"]
    assert svc["spec"]["ports"] == [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 8080}]
    assert held(app, "kubernetes") == {"service-ip": ["10.96.0.1"]}


def test_discovery_and_field_selectors(client: FlaskClient) -> None:
    res = next(r for r in client.get("/api/v1").get_json()["resources"] if r["name"] == "services")
    assert (res["shortNames"], res["categories"], res["namespaced"]) == (["svc"], ["all"], True)
    create(client, "np", type="NodePort", ports=HTTP)
    listed = client.get("/api/v1/services?fieldSelector=spec.type%3DNodePort").get_json()
    assert [s["metadata"]["name"] for s in listed["items"]] == ["np"]
    by_ip = client.get("/api/v1/services?fieldSelector=spec.clusterIP%3D10.96.0.1").get_json()
    assert [s["metadata"]["name"] for s in by_ip["items"]] == ["kubernetes"]


# -- each type -------------------------------------------------------------------------------------------

def test_cluster_ip_service(client: FlaskClient, app: Flask) -> None:
    svc = create(client, "web", selector={"app": "web"}, ports=HTTP)
    spec = svc["spec"]
    assert spec["clusterIPs"] == [spec["clusterIP"]] and spec["ipFamilies"] == ["IPv4"]
    assert (spec["type"], spec["ipFamilyPolicy"], spec["sessionAffinity"], spec["internalTrafficPolicy"]) == (
        "ClusterIP", "SingleStack", "None", "Cluster")
    assert "externalTrafficPolicy" not in spec and svc["status"] == {"loadBalancer": {}}
    assert held(app, "web") == {"service-ip": [spec["clusterIP"]]}
    assert client.get(f"{SVCS}/web").get_json() == svc


def test_headless_and_external_name_services_hold_nothing(client: FlaskClient, app: Flask) -> None:
    headless = create(client, "db", clusterIP="None", selector={"app": "db"}, ports=[{"port": 5432}])
    assert headless["spec"]["clusterIPs"] == ["None"] and headless["spec"]["ipFamilies"] == ["IPv4"]
    bare = create(client, "bare", clusterIP="None")  # ports optional when headless
    assert (bare["spec"]["ipFamilyPolicy"], bare["spec"]["ipFamilies"]) == ("RequireDualStack", ["IPv4", "IPv6"])
    ext = create(client, "ext", type="ExternalName", externalName="db.example.com.")
    assert {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"}.isdisjoint(ext["spec"])
    assert held(app, "db") == held(app, "bare") == held(app, "ext") == {}


def test_node_port_service_and_shared_node_ports(client: FlaskClient, app: Flask) -> None:
    dns = create(client, "dns", type="NodePort", ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                         {"name": "dns-tcp", "port": 53, "protocol": "TCP"}])
    ports = dns["spec"]["ports"]
    assert ports[0]["nodePort"] == ports[1]["nodePort"] and 30086 <= ports[0]["nodePort"] <= 32767
    assert dns["spec"]["externalTrafficPolicy"] == "Cluster"
    assert held(app, "dns")["node-port"] == [str(ports[0]["nodePort"])]
    sibling = create(client, "sib", type="NodePort", ports=[{"name": "a", "port": 53, "protocol": "UDP"},
                                                             {"name": "b", "port": 53, "nodePort": 30053}])
    assert [p["nodePort"] for p in sibling["spec"]["ports"]] == [30053, 30053]
    # the pool ignores the protocol: another Service cannot take 30053, even for UDP
    taken = refused(client, "other", type="NodePort", ports=[{"port": 53, "protocol": "UDP", "nodePort": 30053}])
    assert causes(taken) == [("FieldValueInvalid", "spec.ports[0].nodePort",
                              "Invalid value: 30053: provided port is already allocated")]


def test_node_port_conflict_wire_format(client: FlaskClient) -> None:
    create(client, "first", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    r = client.post(SVCS, json=body("web", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert r.status_code == 422
    assert r.get_json() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is '
                   "already allocated",
        "reason": "Invalid",
        "details": {"name": "web", "kind": "Service", "causes": [
            {"reason": "FieldValueInvalid", "message": "Invalid value: 30080: provided port is already allocated",
             "field": "spec.ports[0].nodePort"}]},
        "code": 422}


def test_node_port_out_of_range(client: FlaskClient) -> None:
    status = refused(client, "web", type="NodePort", ports=[{"port": 80, "nodePort": 8080}])
    assert causes(status) == [("FieldValueInvalid", "spec.ports[0].nodePort", ("Invalid value: 8080: provided port "
                               "is not in the valid range. The range of valid ports is 30000-32767"))]


def test_load_balancer_service(client: FlaskClient, app: Flask) -> None:
    lb = create(client, "lb", type="LoadBalancer", externalTrafficPolicy="Local", ports=HTTP)
    spec = lb["spec"]
    assert spec["allocateLoadBalancerNodePorts"] is True and spec["ports"][0]["nodePort"] >= 30086
    assert 30000 <= spec["healthCheckNodePort"] <= 32767
    assert lb["status"] == {"loadBalancer": {"ingress": [{"ip": "198.51.100.1", "ipMode": "VIP"}]}}
    assert held(app, "lb") == {"lb-ip": ["198.51.100.1"], "node-port": sorted(
        [str(spec["ports"][0]["nodePort"]), str(spec["healthCheckNodePort"])]), "service-ip": [spec["clusterIP"]]}
    asked = create(client, "asked", type="LoadBalancer", loadBalancerIP="198.51.100.77", ports=HTTP)
    assert asked["status"]["loadBalancer"]["ingress"] == [{"ip": "198.51.100.77", "ipMode": "VIP"}]
    clash = create(client, "clash", type="LoadBalancer", loadBalancerIP="198.51.100.77", ports=HTTP)
    assert clash["status"] == {"loadBalancer": {}}  # pending, as a cloud leaves it
    foreign = create(client, "foreign", type="LoadBalancer", loadBalancerClass="example.com/other", ports=HTTP)
    assert foreign["status"] == {"loadBalancer": {}} and "lb-ip" not in held(app, "foreign")
    ours = create(client, "ours", type="LoadBalancer", loadBalancerClass="mockapi.dev/load-balancer", ports=HTTP)
    assert ours["status"]["loadBalancer"]["ingress"] == [{"ip": "198.51.100.2", "ipMode": "VIP"}]
    moved = merge(client, "ours", {"spec": {"loadBalancerIP": "198.51.100.99"}}).get_json()
    assert moved["status"]["loadBalancer"]["ingress"] == [{"ip": "198.51.100.99", "ipMode": "VIP"}]
    assert held(app, "ours")["lb-ip"] == ["198.51.100.99"]  # the old address went back to the pool


def test_load_balancer_without_node_ports(client: FlaskClient, app: Flask) -> None:
    lb = create(client, "lb", type="LoadBalancer", allocateLoadBalancerNodePorts=False, externalTrafficPolicy="Local",
                ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81, "nodePort": 31081}])
    assert [p.get("nodePort") for p in lb["spec"]["ports"]] == [None, 31081]  # requests still honoured
    assert lb["spec"]["healthCheckNodePort"]  # allocated even without node ports
    assert str(31081) in held(app, "lb")["node-port"]


def test_health_check_port_conflict_is_an_internal_error(client: FlaskClient) -> None:
    create(client, "np", type="NodePort", ports=[{"port": 80, "nodePort": 30100}])
    status = refused(client, "lb", 500, type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=30100,
                     ports=HTTP)
    assert (status["reason"], status["message"]) == (
        "InternalError", ("Internal error occurred: failed to allocate requested HealthCheck NodePort 30100: provided "
        "port is already allocated"))


# -- requested cluster IPs ----------------------------------------------------------------------------

def test_requested_cluster_ips(client: FlaskClient, app: Flask) -> None:
    assert create(client, "a", clusterIP="10.96.0.5", ports=HTTP)["spec"]["clusterIPs"] == ["10.96.0.5"]
    taken = refused(client, "b", clusterIP="10.96.0.5", ports=HTTP)
    assert taken["message"] == ('Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: '
                                "failed to allocate IP 10.96.0.5: provided IP is already allocated")
    assert causes(taken) == [("FieldValueInvalid", "spec.clusterIPs", ('Invalid value: []string{"10.96.0.5"}: '
                              "failed to allocate IP 10.96.0.5: provided IP is already allocated"))]
    for ip in ("10.200.0.1", "10.96.0.0", "10.111.255.255"):
        status = refused(client, "c", clusterIP=ip, ports=HTTP)
        assert causes(status)[0][2].endswith(f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the "
                                             "valid range. The range of valid IPs is 10.96.0.0/12"), status
    assert held(app, "b") == held(app, "c") == {}


def test_all_field_errors_come_in_one_422(client: FlaskClient) -> None:
    status = refused(client, "1web", type="NodePort", sessionAffinity="ClientIP",
                     sessionAffinityConfig={"clientIP": {"timeoutSeconds": 100000}},
                     ports=[{"port": 80}, {"port": 70000, "protocol": "ICMP"}])
    assert [c[1] for c in causes(status)] == [
        "metadata.name", "spec.ports[0].name", "spec.ports[1].name", "spec.ports[1].port", "spec.ports[1].protocol",
        "spec.ports[1].targetPort", "spec.sessionAffinityConfig.clientIP.timeoutSeconds"]
    assert status["message"].startswith('Service "1web" is invalid: [metadata.name: Invalid value: "1web": a '
                                        "DNS-1035 label must consist of")


def test_wrong_json_types_are_bad_requests(client: FlaskClient) -> None:
    for spec in ({"ports": [{"port": "80"}]}, {"ports": [{"port": 80, "targetPort": True}]},
                 {"ports": [{"port": 80, "targetPort": 1.5}]}, {"selector": {"a": 1}, "ports": HTTP}):
        r = client.post(SVCS, json={"metadata": {"name": "x"}, "spec": spec})
        assert (r.status_code, r.get_json()["reason"]) == (400, "BadRequest"), spec


def test_name_clash_is_409(client: FlaskClient) -> None:
    create(client, "web", ports=HTTP)
    status = refused(client, "web", 409, ports=HTTP)
    assert (status["reason"], status["message"]) == ("AlreadyExists", 'services "web" already exists')


# -- a failed or dry-run write leaves nothing behind --------------------------------------------------

def test_a_failed_write_leaves_nothing_behind(client: FlaskClient, app: Flask) -> None:
    create(client, "first", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    before = all_held(app)
    refused(client, "second", type="NodePort", ports=[{"name": "a", "port": 81}, {"name": "b", "port": 80,
                                                                                 "nodePort": 30080}])
    assert all_held(app) == before


def test_dry_run_allocates_nothing(client: FlaskClient, app: Flask) -> None:
    before = all_held(app)
    r = client.post(SVCS + "?dryRun=All", json=body("dry", type="LoadBalancer", ports=HTTP))
    assert r.status_code == 201
    spec = r.get_json()["spec"]
    # upstream's dry-run allocators answer placeholders: the network address and ports from 32769
    assert (spec["clusterIP"], spec["ports"][0]["nodePort"]) == ("10.96.0.0", 32769)
    assert r.get_json()["status"] == {"loadBalancer": {}}
    assert all_held(app) == before and client.get(f"{SVCS}/dry").status_code == 404
    create(client, "real", type="NodePort", ports=HTTP)
    before = all_held(app)
    assert merge(client, "real", {"spec": {"type": "ClusterIP"}}, "?dryRun=All").status_code == 200
    assert client.delete(f"{SVCS}/real?dryRun=All").status_code == 200
    assert all_held(app) == before


# -- updates -------------------------------------------------------------------------------------------

def test_reapplying_a_manifest_keeps_allocations_and_changes_nothing(client: FlaskClient) -> None:
    manifest = body("web", type="LoadBalancer", externalTrafficPolicy="Local", selector={"app": "web"},
                    ports=[{"name": "http", "port": 80}, {"name": "https", "port": 443}])
    first = client.post(SVCS, json=manifest).get_json()
    again = client.put(f"{SVCS}/web", json=manifest)
    assert again.status_code == 200 and again.get_json() == first  # not even a new resourceVersion


def test_put_creates_a_missing_service(client: FlaskClient) -> None:
    r = client.put(f"{SVCS}/fresh", json=body("fresh", ports=HTTP))
    assert r.status_code == 201 and r.get_json()["spec"]["clusterIP"]


def test_cluster_ip_is_immutable(client: FlaskClient) -> None:
    create(client, "web", ports=HTTP)
    r = merge(client, "web", {"spec": {"clusterIP": "10.96.0.77"}})
    assert r.status_code == 422
    assert causes(r.get_json()) == [("FieldValueInvalid", "spec.clusterIPs[0]",
                                     'Invalid value: []string{"10.96.0.77"}: may not change once set')]
    r = merge(client, "web", {"spec": {"clusterIP": "None", "clusterIPs": ["None"]}})
    assert r.status_code == 422 and causes(r.get_json())[0][1] == "spec.clusterIPs[0]"


def test_status_is_written_through_status_only(client: FlaskClient, app: Flask) -> None:
    create(client, "lb", type="LoadBalancer", loadBalancerClass="example.com/cloud", ports=HTTP)
    ignored = merge(client, "lb", {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}]}}})
    assert ignored.status_code == 200 and ignored.get_json()["status"] == {"loadBalancer": {}}
    written = merge(client, "lb", {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}]}}}, "/status")
    assert written.get_json()["status"]["loadBalancer"]["ingress"] == [{"ip": "192.0.2.9", "ipMode": "VIP"}]
    create(client, "cip", ports=HTTP)
    r = merge(client, "cip", {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}]}}}, "/status")
    assert r.status_code == 422 and causes(r.get_json()) == [
        ("FieldValueForbidden", "status.loadBalancer.ingress",
         "Forbidden: may only be used when `spec.type` is 'LoadBalancer'")]


TRANSITIONS = [
    # from spec, patch, pools held afterwards, spec checks afterwards
    ({"type": "ClusterIP"}, {"type": "NodePort"}, {"service-ip", "node-port"},
     {"externalTrafficPolicy": "Cluster"}),
    ({"type": "ClusterIP"}, {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
     {"service-ip", "node-port", "lb-ip"}, {"allocateLoadBalancerNodePorts": True}),
    ({"type": "NodePort"}, {"type": "ClusterIP"}, {"service-ip"}, {"externalTrafficPolicy": None}),
    ({"type": "LoadBalancer", "externalTrafficPolicy": "Local"}, {"type": "NodePort"}, {"service-ip", "node-port"},
     {"healthCheckNodePort": None, "allocateLoadBalancerNodePorts": None}),
    ({"type": "LoadBalancer", "externalTrafficPolicy": "Local"}, {"type": "ClusterIP", "externalTrafficPolicy": None},
     {"service-ip"}, {"healthCheckNodePort": None, "externalTrafficPolicy": None}),
    ({"type": "LoadBalancer"}, {"type": "ExternalName", "externalName": "x.example"}, set(),
     {"clusterIP": None, "ipFamilies": None, "ipFamilyPolicy": None}),
    ({"type": "NodePort"}, {"type": "ExternalName", "externalName": "x.example"}, set(), {"clusterIPs": None}),
    ({"type": "ExternalName", "externalName": "x.example"}, {"type": "ClusterIP"}, {"service-ip"},
     {"ipFamilyPolicy": "SingleStack"}),
    ({"type": "ExternalName", "externalName": "x.example"}, {"type": "NodePort"}, {"service-ip", "node-port"},
     {"externalTrafficPolicy": "Cluster"}),
    ({"type": "LoadBalancer"}, {"externalTrafficPolicy": "Local"}, {"service-ip", "node-port", "lb-ip"}, {}),
    ({"type": "LoadBalancer", "externalTrafficPolicy": "Local"}, {"externalTrafficPolicy": "Cluster"},
     {"service-ip", "node-port", "lb-ip"}, {"healthCheckNodePort": None}),
    ({"type": "LoadBalancer"}, {"allocateLoadBalancerNodePorts": False}, {"service-ip", "node-port", "lb-ip"}, {}),
]


@pytest.mark.parametrize("start, patch, pools, checks", TRANSITIONS,
                         ids=[f"{s.get('type')}-{json.dumps(p)}" for s, p, _, _ in TRANSITIONS])
def test_type_transitions(client: FlaskClient, app: Flask, start: dict[str, Any], patch: dict[str, Any],
                          pools: set[str], checks: dict[str, Any]) -> None:
    before = create(client, "s", ports=[{"name": "http", "port": 80}, {"name": "dns", "port": 53,
                                                                        "protocol": "UDP"}], **start)
    r = merge(client, "s", {"spec": patch})
    assert r.status_code == 200, r.get_data(as_text=True)
    after = r.get_json()
    spec, holding = after["spec"], held(app, "s")
    assert set(holding) == pools
    # the table and the object agree
    node_ports = sorted({str(p["nodePort"]) for p in spec.get("ports", []) if p.get("nodePort")}
                        | ({str(spec["healthCheckNodePort"])} if spec.get("healthCheckNodePort") else set()))
    assert holding.get("node-port", []) == node_ports
    assert holding.get("service-ip", []) == sorted(ip for ip in spec.get("clusterIPs", []) if ip != "None")
    ingress = [i["ip"] for i in after["status"]["loadBalancer"].get("ingress", [])]
    assert holding.get("lb-ip", []) == ingress
    if "service-ip" in pools and before["spec"].get("clusterIP"):
        assert spec["clusterIP"] == before["spec"]["clusterIP"]  # kept across the transition
    kept = [p.get("nodePort") for p in before["spec"]["ports"]]
    if spec["type"] in ("NodePort", "LoadBalancer") and all(kept):
        assert [p.get("nodePort") for p in spec["ports"]] == kept  # node ports survive the transition
    for key, value in checks.items():
        assert spec.get(key) == value, (key, spec)
    if spec["type"] != "LoadBalancer":
        assert after["status"] == {"loadBalancer": {}}
    client.delete(f"{SVCS}/s")
    assert held(app, "s") == {}


def test_delete_releases_everything_and_answers_the_service(client: FlaskClient, app: Flask) -> None:
    create(client, "lb", type="LoadBalancer", externalTrafficPolicy="Local", ports=HTTP)
    assert set(held(app, "lb")) == {"service-ip", "node-port", "lb-ip"}
    r = client.delete(f"{SVCS}/lb")
    assert r.status_code == 200 and r.get_json()["kind"] == "Service"
    assert held(app, "lb") == {}


def test_namespace_deletion_releases_its_services(client: FlaskClient, app: Flask) -> None:
    assert client.post("/api/v1/namespaces", json={"metadata": {"name": "team"}}).status_code == 201
    r = client.post("/api/v1/namespaces/team/services", json=body("web", type="NodePort", ports=HTTP))
    assert r.status_code == 201 and held(app, "web", "team")
    client.delete("/api/v1/namespaces/team")
    assert held(app, "web", "team") == {}


# -- dual-stack ------------------------------------------------------------------------------------------

def test_dual_stack(dual: Flask) -> None:
    client = dual.test_client()
    both = create(client, "both", ipFamilyPolicy="PreferDualStack", ports=HTTP)["spec"]
    assert both["ipFamilies"] == ["IPv4", "IPv6"] and len(both["clusterIPs"]) == 2
    assert both["clusterIPs"][1].startswith("fd00:10:96::")
    v6 = create(client, "v6", ipFamilies=["IPv6"], ports=HTTP)["spec"]
    assert v6["clusterIP"] == v6["clusterIPs"][0] and ":" in v6["clusterIP"]
    asked = create(client, "asked", ipFamilyPolicy="RequireDualStack", clusterIP="fd00:10:96::10",
                   clusterIPs=["fd00:10:96::10", "10.96.0.10"], ports=HTTP)["spec"]
    assert asked["ipFamilies"] == ["IPv6", "IPv4"]
    assert held(dual, "asked") == {"service-ip": ["10.96.0.10", "fd00:10:96::10"]}
    # upgrade a single-stack Service, then downgrade it: the secondary address is released
    create(client, "up", ports=HTTP)
    up = merge(client, "up", {"spec": {"ipFamilyPolicy": "RequireDualStack"}}).get_json()["spec"]
    assert len(up["clusterIPs"]) == 2 and len(held(dual, "up")["service-ip"]) == 2
    down = merge(client, "up", {"spec": {"ipFamilyPolicy": "SingleStack"}}).get_json()["spec"]
    assert down["clusterIPs"] == up["clusterIPs"][:1] and down["ipFamilies"] == ["IPv4"]
    assert held(dual, "up") == {"service-ip": up["clusterIPs"][:1]}
    bad = merge(client, "both", {"spec": {"clusterIPs": both["clusterIPs"][:1]}})
    assert bad.status_code == 422 and causes(bad.get_json())[0][1] == "spec.ipFamilyPolicy"


def test_single_stack_cluster_refuses_dual_stack(client: FlaskClient) -> None:
    status = refused(client, "x", ipFamilyPolicy="RequireDualStack", ports=HTTP)
    assert causes(status) == [("FieldValueInvalid", "spec.ipFamilyPolicy", ('Invalid value: "RequireDualStack": this '
                               "cluster is not configured for dual-stack services"))]
    status = refused(client, "y", clusterIP="fd00::1", ports=HTTP)
    assert causes(status) == [("FieldValueInvalid", "spec.clusterIPs[0]",
                               'Invalid value: []string{"fd00::1"}: IPv6 is not configured on this cluster')]
    prefer = create(client, "z", ipFamilyPolicy="PreferDualStack", ports=HTTP)["spec"]
    assert prefer["ipFamilies"] == ["IPv4"]


# -- exhaustion and restart ------------------------------------------------------------------------------

def test_exhaustion(tiny: Flask) -> None:
    client = tiny.test_client()
    ips = {create(client, f"s{i}", ports=HTTP)["spec"]["clusterIP"] for i in range(5)}
    assert ips == {f"10.0.0.{i}" for i in range(2, 7)}  # .1 is the kubernetes Service's
    status = refused(client, "late", 500, ports=HTTP)
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": "Internal error occurred: failed to allocate a serviceIP: range is full",
                      "reason": "InternalError",
                      "details": {"causes": [{"message": "failed to allocate a serviceIP: range is full"}]},
                      "code": 500}
    client.delete(f"{SVCS}/s0")
    client.delete(f"{SVCS}/s1")
    ports = create(client, "np", type="NodePort", ports=[{"name": f"p{i}", "port": 80 + i} for i in range(5)])
    assert sorted(p["nodePort"] for p in ports["spec"]["ports"]) == list(range(30000, 30005))
    full = refused(client, "np2", 500, type="NodePort", ports=HTTP)
    assert full["message"] == "Internal error occurred: failed to allocate a nodePort: range is full"
    assert held(tiny, "np2") == {}  # its clusterIP was given back with the failed write


def test_restart_keeps_allocations_and_never_reuses_them(tmp_path: Path) -> None:
    config = {"db": f"sqlite:///{tmp_path / 'state.db'}", "service_cidr": "10.0.0.0/29",
              "node_port_range": "30000-30002"}
    first = create_app(config)
    c1 = first.test_client()
    kept = {create(c1, f"s{i}", type="NodePort", ports=HTTP)["spec"]["clusterIP"] for i in range(3)}
    node_ports = {str(p["nodePort"]) for i in range(3) for p in c1.get(f"{SVCS}/s{i}").get_json()["spec"]["ports"]}
    before = all_held(first)
    first.extensions["mockapi"].close()

    second = create_app(config)
    try:
        c2 = second.test_client()
        assert all_held(second) == before  # the kubernetes Service was not created twice either
        fresh = {create(c2, f"t{i}", ports=HTTP)["spec"]["clusterIP"] for i in range(2)}
        assert fresh.isdisjoint(kept | {"10.0.0.1"}) and len(fresh) == 2
        assert refused(c2, "late", 500, ports=HTTP)["reason"] == "InternalError"
        assert refused(c2, "np", 500, type="NodePort", ports=HTTP)["message"].endswith("range is full")
        assert node_ports == {"30000", "30001", "30002"}
    finally:
        second.extensions["mockapi"].close()


# -- kubectl ----------------------------------------------------------------------------------------------

MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: cip}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: db.example.com
"""


@pytest.mark.kubectl
def test_kubectl_creates_each_type_and_shows_allocations(kubectl: Any, namespace: str) -> None:
    out = kubectl("create", "-f", "-", "--validate=false", "-n", namespace, input=MANIFESTS).stdout
    assert out.split("\n")[:5] == [f"service/{n} created" for n in ("cip", "headless", "np", "lb", "ext")]
    items = {s["metadata"]["name"]: s for s in json.loads(kubectl("get", "svc", "-n", namespace, "-o",
                                                                  "json").stdout)["items"]}
    assert items["cip"]["spec"]["clusterIP"].startswith("10.")
    assert items["headless"]["spec"]["clusterIP"] == "None"
    assert 30000 <= items["np"]["spec"]["ports"][0]["nodePort"] <= 32767
    assert items["lb"]["spec"]["ports"][0]["nodePort"]
    assert items["lb"]["status"]["loadBalancer"]["ingress"][0]["ip"].startswith("198.51.100.")
    assert items["ext"]["spec"]["externalName"] == "db.example.com" and "clusterIP" not in items["ext"]["spec"]
    # replacing with the original manifest keeps what was allocated
    np_manifest = MANIFESTS.split("---")[2]
    kubectl("replace", "-f", "-", "--validate=false", "-n", namespace, input=np_manifest)
    again = json.loads(kubectl("get", "svc", "np", "-n", namespace, "-o", "json").stdout)
    assert again["spec"]["clusterIP"] == items["np"]["spec"]["clusterIP"]
    assert again["spec"]["ports"][0]["nodePort"] == items["np"]["spec"]["ports"][0]["nodePort"]
    taken = items["np"]["spec"]["ports"][0]["nodePort"]
    clash = (f"apiVersion: v1\nkind: Service\nmetadata: {{name: clash-{uuid.uuid4().hex[:6]}}}\nspec:\n"
             f"  type: NodePort\n  ports: [{{port: 80, nodePort: {taken}}}]\n")
    proc = kubectl("create", "-f", "-", "--validate=false", "-n", namespace, input=clash, check=False)
    assert proc.returncode != 0
    assert f"spec.ports[0].nodePort: Invalid value: {taken}: provided port is already allocated" in proc.stderr


def test_generate_name_retries_do_not_leak_allocations(client: FlaskClient, app: Flask,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from mockapi.registry import objectmeta

    names = iter(["web-taken", "web-taken", "web-fresh"])
    monkeypatch.setattr(objectmeta, "generate_name", lambda prefix: next(names))
    create(client, "web-taken", ports=HTTP)
    r = client.post(SVCS, json={"metadata": {"generateName": "web-"}, "spec": {"type": "NodePort", "ports": HTTP}})
    assert r.status_code == 201 and r.get_json()["metadata"]["name"] == "web-fresh"
    assert set(held(app, "web-fresh")) == {"service-ip", "node-port"}
    assert {owner for _, _, owner in all_held(app)} == {
        "services/default/kubernetes", "services/default/web-taken", "services/default/web-fresh"}


def test_kubernetes_service_has_endpoints_at_the_server(client) -> None:
    """The apiserver's endpoint reconciler: Endpoints and EndpointSlice "kubernetes" name this server."""
    ep = client.get("/api/v1/namespaces/default/endpoints/kubernetes").get_json()
    assert ep["subsets"] == [{"addresses": [{"ip": "127.0.0.1"}],
                              "ports": [{"name": "https", "port": 8080, "protocol": "TCP"}]}]
    assert ep["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    es = client.get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes").get_json()
    assert es["metadata"]["labels"]["kubernetes.io/service-name"] == "kubernetes"
    assert es["endpoints"] == [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]
    assert es["ports"] == [{"name": "https", "port": 8080, "protocol": "TCP"}]
