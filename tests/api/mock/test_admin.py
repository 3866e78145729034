"""POST /mock/reset, GET/POST /mock/snapshot and GET/POST /mock/seed against an in-process app: the
reset state is a fresh server's, watchers see every removal, caches (routing table, selector index,
gc owner index) follow; snapshots round-trip objects and allocations; bad snapshots change nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from mockapi.app import create_app

SVC = "/api/v1/namespaces/{ns}/services"
PODS = "/api/v1/namespaces/{ns}/pods"


def make_app(**config: Any) -> Flask:
    return create_app({"db": "sqlite://", "nodes": 3, "kubelet": "on", **config})


@pytest.fixture
def cluster() -> Iterator[Flask]:
    application = make_app()
    yield application
    application.extensions["mockapi"].close()


@pytest.fixture
def http(cluster: Flask) -> FlaskClient:
    return cluster.test_client()


def create(http: FlaskClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = http.post(url, json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def service(name: str, svc_type: str = "ClusterIP", app: str | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"type": svc_type, "selector": {"app": app or name}, "ports": [{"port": 80}], **spec}}


def pod(name: str = "", app: str = "web", **meta: Any) -> dict[str, Any]:
    metadata = {"name": name} if name else {"generateName": f"{app}-"}
    return {"metadata": {**metadata, "labels": {"app": app}, **meta},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def populate(http: FlaskClient) -> None:
    """Namespaces, Services of every allocating type, pods (scheduled, with IPs) and an owned object."""
    create(http, "/api/v1/namespaces", {"metadata": {"name": "shop"}})
    create(http, SVC.format(ns="shop"), service("web", "NodePort"))
    create(http, SVC.format(ns="shop"), service("lb", "LoadBalancer", app="web"))
    create(http, SVC.format(ns="default"), service("db"))
    owner = create(http, PODS.format(ns="shop"), pod("owner"))
    for _ in range(3):
        create(http, PODS.format(ns="shop"), pod())
    ref = {"apiVersion": "v1", "kind": "Pod", "name": "owner", "uid": owner["metadata"]["uid"]}
    create(http, PODS.format(ns="shop"), pod("dependent", app="other", ownerReferences=[ref]))


def names(http: FlaskClient, url: str) -> list[str]:
    return [f"{i['metadata'].get('namespace', '')}/{i['metadata']['name']}" for i in http.get(url).get_json()["items"]]


def snapshot(http: FlaskClient, **query: str) -> dict[str, Any]:
    r = http.get("/mock/snapshot", query_string=query)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def without_rv(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(items)
    for item in out:
        item["metadata"].pop("resourceVersion", None)
    return out


def revision(http: FlaskClient) -> int:
    return int(http.get("/api/v1/namespaces").get_json()["metadata"]["resourceVersion"])


def watch_events(http: FlaskClient, path: str, since: int) -> list[dict[str, Any]]:
    """Every event after ``since`` (history replay), the watch ended by the server after 1 s."""
    r = http.get(path, query_string={"watch": "1", "resourceVersion": str(since), "timeoutSeconds": "1"})
    assert r.status_code == 200
    return [json.loads(line) for line in r.get_data(as_text=True).splitlines() if line.strip()]


# -- reset ------------------------------------------------------------------------------------------

KINDS = ("/api/v1/namespaces", "/api/v1/nodes", "/api/v1/pods", "/api/v1/services", "/api/v1/endpoints",
         "/apis/discovery.k8s.io/v1/endpointslices", "/apis/networking.k8s.io/v1/servicecidrs",
         "/apis/networking.k8s.io/v1/ipaddresses", "/api/v1/events")


def test_reset_returns_to_what_a_fresh_server_has(http: FlaskClient) -> None:
    fresh = make_app()
    try:
        fresh_http = fresh.test_client()
        expected = {url: names(fresh_http, url) for url in KINDS}
        expected_allocations = snapshot(fresh_http)["allocations"]
    finally:
        fresh.extensions["mockapi"].close()
    populate(http)
    assert names(http, "/api/v1/pods") != expected["/api/v1/pods"]
    before = revision(http)
    r = http.post("/mock/reset")
    assert r.status_code == 200
    summary = r.get_json()
    assert summary["kind"] == "ResetResult" and summary["dryRun"] is False and summary["seed"] is None
    assert summary["deleted"] > summary["created"] > 0
    assert summary["revision"] > before
    assert {url: names(http, url) for url in KINDS} == expected
    assert snapshot(http)["allocations"] == expected_allocations
    assert revision(http) == summary["revision"]  # resourceVersions never go back


def test_reset_needs_no_body_and_answers_200_repeatedly(http: FlaskClient) -> None:
    for _ in range(2):
        r = http.post("/mock/reset", data=b"")
        assert r.status_code == 200, r.get_data(as_text=True)


def test_watchers_see_every_removed_object_deleted(http: FlaskClient) -> None:
    populate(http)
    pods = set(names(http, "/api/v1/pods"))
    start = revision(http)
    assert http.post("/mock/reset").status_code == 200
    events = watch_events(http, "/api/v1/pods", start)
    deleted = {f"{e['object']['metadata']['namespace']}/{e['object']['metadata']['name']}"
               for e in events if e["type"] == "DELETED"}
    assert deleted == pods
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > start
    ns_events = watch_events(http, "/api/v1/namespaces", start)
    assert ("DELETED", "shop") in {(e["type"], e["object"]["metadata"]["name"]) for e in ns_events}
    # the default namespace is removed and created again (a new uid), in that order
    default = [e["type"] for e in ns_events if e["object"]["metadata"]["name"] == "default"]
    assert default == ["DELETED", "ADDED"]


def test_caches_follow_a_reset(http: FlaskClient) -> None:
    populate(http)
    table = http.get("/mock/routing-table").get_json()
    assert {s["name"] for s in table["nodes"][0]["services"]} >= {"web", "lb", "db", "kubernetes"}
    assert http.post("/mock/reset").status_code == 200
    table = http.get("/mock/routing-table").get_json()
    assert {(s["namespace"], s["name"]) for n in table["nodes"] for s in n["services"]} == {("default", "kubernetes")}
    # the selector index: a Service created after the reset selects the pods created after it
    create(http, "/api/v1/namespaces", {"metadata": {"name": "shop"}})
    create(http, PODS.format(ns="shop"), pod("p1"))
    create(http, SVC.format(ns="shop"), service("web"))
    create(http, PODS.format(ns="shop"), pod("p2"))
    subsets = http.get("/api/v1/namespaces/shop/endpoints/web").get_json()["subsets"]
    assert sorted(a["targetRef"]["name"] for a in subsets[0]["addresses"]) == ["p1", "p2"]
    table = http.get("/mock/routing-table").get_json()
    web = [s for s in table["nodes"][0]["services"] if s["name"] == "web"]
    assert len(web[0]["frontends"][0]["backends"]) == 2
    # the gc owner index: owners created after the reset collect their dependents
    owner = http.get("/api/v1/namespaces/shop/pods/p1").get_json()
    ref = {"apiVersion": "v1", "kind": "Pod", "name": "p1", "uid": owner["metadata"]["uid"]}
    create(http, PODS.format(ns="shop"), pod("child", app="x", ownerReferences=[ref]))
    assert http.delete("/api/v1/namespaces/shop/pods/p1").status_code == 200
    assert http.get("/api/v1/namespaces/shop/pods/child").status_code == 404


def test_reset_dry_run_changes_nothing(http: FlaskClient) -> None:
    populate(http)
    before = snapshot(http)
    r = http.post("/mock/reset?dryRun=All")
    assert r.status_code == 200 and r.get_json()["dryRun"] is True
    assert snapshot(http) == before
    assert http.post("/mock/reset?dryRun=Bogus").status_code == 422


def test_a_seeded_reset_generates_what_a_fresh_seeded_server_does() -> None:
    def run(application: Flask, reset_first: bool) -> list[Any]:
        h = application.test_client()
        if reset_first:
            populate(h)
            assert h.post("/mock/reset").get_json()["seed"] == 7
        uids = [i["metadata"]["uid"] for url in KINDS for i in h.get(url).get_json()["items"]]
        svc = create(h, SVC.format(ns="default"), service("web", "NodePort"))
        p = create(h, PODS.format(ns="default"), pod())
        ip = h.get(f"/api/v1/namespaces/default/pods/{p['metadata']['name']}").get_json()["status"]["podIP"]
        return [uids, svc["metadata"]["uid"], svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"],
                p["metadata"]["name"], p["metadata"]["uid"], ip]

    first = make_app(seed=7)
    try:
        fresh = run(first, reset_first=False)
    finally:
        first.extensions["mockapi"].close()
    second = make_app(seed=7)
    try:
        assert run(second, reset_first=True) == fresh
    finally:
        second.extensions["mockapi"].close()


# -- snapshot ---------------------------------------------------------------------------------------

def test_snapshot_round_trip_restores_objects_and_allocations(http: FlaskClient) -> None:
    populate(http)
    exported = snapshot(http)
    assert exported["apiVersion"] == "v1" and exported["kind"] == "List"
    assert all(i.get("apiVersion") and i.get("kind") for i in exported["items"])
    pools = {a["pool"].split(":")[0] for a in exported["allocations"]}
    assert {"service-ip", "node-port", "pod-ip", "node-pods", "owner"} <= pools
    assert http.post("/mock/reset").status_code == 200
    rev = revision(http)
    r = http.post("/mock/snapshot", json=exported)
    assert r.status_code == 200, r.get_data(as_text=True)
    summary = r.get_json()
    assert summary["restored"] == len(exported["items"]) == summary["objects"]
    assert summary["allocations"] == len(exported["allocations"])
    again = snapshot(http)
    assert without_rv(again["items"]) == without_rv(exported["items"])
    assert again["allocations"] == exported["allocations"]
    assert min(int(i["metadata"]["resourceVersion"]) for i in again["items"]) > rev  # new, monotonic

    # what the restored objects hold stays reserved
    web = http.get("/api/v1/namespaces/shop/services/web").get_json()
    taken = service("copy", "NodePort", clusterIP=web["spec"]["clusterIP"])
    r = http.post(SVC.format(ns="shop"), json=taken)
    assert r.status_code == 422 and "already allocated" in r.get_json()["message"]
    taken = service("copy", "NodePort")
    taken["spec"]["ports"][0]["nodePort"] = web["spec"]["ports"][0]["nodePort"]
    r = http.post(SVC.format(ns="shop"), json=taken)
    assert r.status_code == 422 and "already allocated" in r.get_json()["message"]
    pod_ips = {p["status"]["podIP"] for p in http.get("/api/v1/pods").get_json()["items"]}
    for i in range(4):
        created = create(http, PODS.format(ns="shop"), pod(f"new-{i}", app="new"))
        ip = http.get(f"/api/v1/namespaces/shop/pods/{created['metadata']['name']}").get_json()["status"]["podIP"]
        assert ip and ip not in pod_ips
    # the restored gc owner index: deleting the owner collects its dependent
    assert http.delete("/api/v1/namespaces/shop/pods/owner").status_code == 200
    assert http.get("/api/v1/namespaces/shop/pods/dependent").status_code == 404
    # and the routing table shows the restored services with their endpoints
    table = http.get("/mock/routing-table").get_json()
    lb = next(s for s in table["nodes"][0]["services"] if s["name"] == "lb")
    assert lb["frontends"][0]["backends"]


def test_snapshot_yaml_round_trip(http: FlaskClient) -> None:
    populate(http)
    exported = snapshot(http)
    r = http.get("/mock/snapshot", headers={"Accept": "application/yaml"})
    assert r.status_code == 200 and r.content_type == "application/yaml"
    assert http.get("/mock/snapshot?format=yaml").get_data() == r.get_data()
    docs = list(yaml.safe_load_all(r.get_data(as_text=True)))
    assert docs[-1]["apiVersion"] == "mockapi.dev/v1" and docs[-1]["kind"] == "Allocations"
    assert docs[-1]["allocations"] == exported["allocations"]
    assert without_rv(docs[:-1]) == without_rv(exported["items"])
    assert http.post("/mock/reset").status_code == 200
    r2 = http.post("/mock/snapshot", data=r.get_data(), content_type="application/yaml")
    assert r2.status_code == 200, r2.get_data(as_text=True)
    again = snapshot(http)
    assert without_rv(again["items"]) == without_rv(exported["items"])
    assert again["allocations"] == exported["allocations"]


BAD_SNAPSHOTS = [
    (b"", "application/json", 400),
    (b"{not json", "application/json", 400),
    (b"a: [", "application/yaml", 400),
    (b"[1, 2]", "application/json", 400),
    (b"{}", "application/json", 400),
    (b"<xml/>", "text/xml", 415),
    (json.dumps({"apiVersion": "v1", "kind": "List", "items": "x", "allocations": []}).encode(), "application/json", 400),
    (json.dumps({"apiVersion": "v1", "kind": "List", "items": [], "allocations": {}}).encode(), "application/json", 400),
]


@pytest.mark.parametrize("body,ctype,code", BAD_SNAPSHOTS)
def test_a_malformed_snapshot_is_refused_and_nothing_changes(http: FlaskClient, body: bytes, ctype: str,
                                                             code: int) -> None:
    populate(http)
    before = snapshot(http)
    r = http.post("/mock/snapshot", data=body, content_type=ctype)
    assert r.status_code == code, r.get_data(as_text=True)
    assert r.get_json()["kind"] == "Status"
    assert snapshot(http) == before


def test_an_invalid_item_or_allocation_is_422_with_causes_and_nothing_changes(http: FlaskClient) -> None:
    populate(http)
    before = snapshot(http)
    bad = copy.deepcopy(before)
    bad["items"].append({"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}})
    bad["items"].append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "nowhere"}})
    bad["items"].append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "default"}})
    bad["items"].append(copy.deepcopy(before["items"][0]))  # a duplicate namespace
    svc = next(i for i in before["items"] if i["kind"] == "Service" and i["metadata"]["name"] == "web")
    broken = copy.deepcopy(svc)
    broken["metadata"]["name"] = "broken"
    broken["spec"]["ports"][0]["port"] = 0
    bad["items"].append(broken)
    bad["allocations"].append({"pool": "service-ip"})
    bad["allocations"].append(dict(before["allocations"][0]))
    r = http.post("/mock/snapshot", json=bad)
    assert r.status_code == 422, r.get_data(as_text=True)
    status = r.get_json()
    assert status["reason"] == "Invalid" and status["details"]["kind"] == "Snapshot"
    fields = {c["field"] for c in status["details"]["causes"]}
    n = len(before["items"])
    assert {f"items[{n}].kind", f"items[{n + 1}].metadata.namespace", f"items[{n + 2}].metadata.name",
            f"items[{n + 3}]", f"items[{n + 4}].spec.ports[0].port"} <= fields
    m = len(before["allocations"])
    assert {f"allocations[{m}].value", f"allocations[{m}].owner", f"allocations[{m + 1}]"} <= fields
    assert snapshot(http) == before


def test_snapshot_dry_run_changes_nothing(http: FlaskClient) -> None:
    populate(http)
    exported = snapshot(http)
    assert http.post("/mock/reset").status_code == 200
    before = snapshot(http)
    r = http.post("/mock/snapshot?dryRun=All", json=exported)
    assert r.status_code == 200 and r.get_json()["dryRun"] is True
    assert snapshot(http) == before


def test_a_list_without_allocations_gets_its_service_allocations_rebuilt(http: FlaskClient) -> None:
    populate(http)
    exported = snapshot(http)
    del exported["allocations"]
    r = http.post("/mock/snapshot", json=exported)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["allocations"] is None
    web = http.get("/api/v1/namespaces/shop/services/web").get_json()
    taken = service("copy", clusterIP=web["spec"]["clusterIP"])
    assert http.post(SVC.format(ns="shop"), json=taken).status_code == 422


# -- seed -------------------------------------------------------------------------------------------

def test_seed_endpoint_sets_reads_and_clears_the_seed(http: FlaskClient) -> None:
    assert http.get("/mock/seed").get_json() == {"seed": None}
    assert http.post("/mock/seed", json={"seed": 5}).get_json() == {"seed": 5}
    assert http.get("/mock/seed").get_json() == {"seed": 5}
    first = create(http, "/api/v1/namespaces", {"metadata": {"generateName": "n-"}})
    assert http.post("/mock/seed", json={"seed": 5}).status_code == 200
    second = create(http, "/api/v1/namespaces", {"metadata": {"generateName": "m-"}})
    assert first["metadata"]["uid"] == second["metadata"]["uid"]
    assert first["metadata"]["name"][2:] == second["metadata"]["name"][2:]
    assert http.post("/mock/reset").get_json()["seed"] == 5
    assert http.post("/mock/seed", json={"seed": None}).get_json() == {"seed": None}
    assert http.post("/mock/reset").get_json()["seed"] is None
    assert http.post("/mock/seed?dryRun=All", json={"seed": 9}).status_code == 200
    assert http.get("/mock/seed").get_json() == {"seed": None}


@pytest.mark.parametrize("body", [b"", b"{}", b"[]", b'{"seed": "x"}', b'{"seed": -1}', b'{"seed": 1.5}',
                                  b'{"seed": true}', b"{bad"])
def test_a_bad_seed_is_400(http: FlaskClient, body: bytes) -> None:
    r = http.post("/mock/seed", data=body, content_type="application/json")
    assert r.status_code == 400, r.get_data(as_text=True)
    assert http.get("/mock/seed").get_json() == {"seed": None}


def test_seeded_servers_generate_the_same_values_and_other_seeds_differ() -> None:
    def run(seed: int) -> list[Any]:
        application = make_app(seed=seed)
        try:
            h = application.test_client()
            svc = create(h, SVC.format(ns="default"), service("web", "LoadBalancer"))
            h.post("/mock/reconcile")
            lb = h.get("/api/v1/namespaces/default/services/web").get_json()
            p = create(h, PODS.format(ns="default"), pod())
            ip = h.get(f"/api/v1/namespaces/default/pods/{p['metadata']['name']}").get_json()["status"]["podIP"]
            ns = create(h, "/api/v1/namespaces", {"metadata": {"generateName": "t-"}})
            return [svc["metadata"]["uid"], svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"],
                    lb["status"]["loadBalancer"]["ingress"][0]["ip"], p["metadata"]["name"], p["metadata"]["uid"],
                    ip, ns["metadata"]["name"], ns["metadata"]["uid"]]
        finally:
            application.extensions["mockapi"].close()

    a, b, c = run(42), run(42), run(43)
    assert a == b
    assert a[0] != c[0] and a[1] != c[1] and a[2] != c[2] and a[4] != c[4] and a[7] != c[7]


def test_a_snapshot_larger_than_the_body_limit_restores() -> None:
    application = make_app(max_body_bytes=20000)
    try:
        h = application.test_client()
        populate(h)
        exported = snapshot(h)
        body = json.dumps(exported).encode()
        assert len(body) > 20000
        assert h.post(SVC.format(ns="default"), data=body, content_type="application/json").status_code == 413
        r = h.post("/mock/snapshot", data=body, content_type="application/json")
        assert r.status_code == 200, r.get_data(as_text=True)
    finally:
        application.extensions["mockapi"].close()


def test_manual_controllers_reset_to_the_same_state() -> None:
    fresh = make_app(controllers="manual")
    try:
        fresh_http = fresh.test_client()
        populate(fresh_http)
        assert fresh_http.post("/mock/reset").status_code == 200
        after = {url: names(fresh_http, url) for url in KINDS}
    finally:
        fresh.extensions["mockapi"].close()
    other = make_app(controllers="manual")
    try:
        assert {url: names(other.test_client(), url) for url in KINDS} == after
    finally:
        other.extensions["mockapi"].close()


def test_answers_match_openapi_yaml(http: FlaskClient) -> None:
    from tests.test_openapi import DOC_FILE, Contract

    contract = Contract(yaml.safe_load(DOC_FILE.read_text()))
    populate(http)
    exported = snapshot(http)
    contract.check(http.get("/mock/snapshot"), "/mock/snapshot", "get")
    contract.check(http.get("/mock/snapshot?format=yaml"), "/mock/snapshot", "get", body=False)
    contract.check(http.post("/mock/reset"), "/mock/reset", "post")
    contract.check(http.post("/mock/snapshot", json=exported), "/mock/snapshot", "post")
    contract.check(http.post("/mock/snapshot", json={"kind": "List", "apiVersion": "v1", "items": [{}]}),
                   "/mock/snapshot", "post")
    contract.check(http.post("/mock/snapshot", data=b"x", content_type="text/plain"), "/mock/snapshot", "post")
    contract.check(http.post("/mock/seed", json={"seed": 3}), "/mock/seed", "post")
    contract.check(http.post("/mock/seed", json={"seed": None}), "/mock/seed", "post")
    contract.check(http.post("/mock/seed", json={}), "/mock/seed", "post")
    contract.check(http.get("/mock/seed"), "/mock/seed", "get")
