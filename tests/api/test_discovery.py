"""Discovery and server endpoints over HTTP as kube-apiserver serves them: legacy discovery (``/api``,
``/apis``, ``/api/v1`` APIResourceList with names, singular names, scope, kinds, verbs, short names,
categories and subresource entries), aggregated discovery (``apidiscovery.k8s.io`` v2 and v2beta1, chosen
by Accept and echoed exactly in Content-Type), ``/version`` and the health endpoints.

Kubernetes is the oracle. Where the server differs, the test is kept and marked
``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockapi.app import create_app

V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
KUBECTL_130 = f"{V2},{V2BETA1},application/json"
KUBECTL_129 = f"{V2BETA1},application/json"
ALL_VERBS = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
STATUS_VERBS = ["get", "patch", "update"]


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    app = create_app({"db": "sqlite://", "nodes": 3})
    yield app.test_client()
    app.extensions["mockapi"].close()


def get_json(client, path: str, accept: str | None = None) -> tuple[Any, dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.get(path, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, (path, r.get_data(as_text=True))
    return r, r.get_json()


def by_name(resource_list: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in resource_list["resources"]:
        assert entry["name"] not in out, f"duplicate entry {entry['name']}"
        out[entry["name"]] = entry
    return out


# -- legacy discovery ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_api_versions(server, path):
    r, body = get_json(server, path)
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    cidrs = body["serverAddressByClientCIDRs"]
    assert isinstance(cidrs, list) and cidrs
    assert all({"clientCIDR", "serverAddress"} <= set(c) for c in cidrs)


@pytest.mark.parametrize("path", ["/apis", "/apis/"])
def test_api_group_list(server, path):
    r, body = get_json(server, path)
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    assert body["kind"] == "APIGroupList"
    assert body["apiVersion"] == "v1"
    assert isinstance(body["groups"], list)
    for group in body["groups"]:
        assert group["name"]
        versions = group["versions"]
        assert versions and all(v["groupVersion"] == f"{group['name']}/{v['version']}" for v in versions)
        assert group["preferredVersion"] in versions
        _, g = get_json(server, f"/apis/{group['name']}")
        assert g["kind"] == "APIGroup" and g["name"] == group["name"]
        for v in versions:
            _, rl = get_json(server, f"/apis/{v['groupVersion']}")
            assert rl["kind"] == "APIResourceList" and rl["groupVersion"] == v["groupVersion"]


@pytest.mark.parametrize("path", ["/apis/nogroup", "/apis/nogroup/v1", "/apis/apps/v9", "/api/v2"])
def test_unknown_groups_and_versions_are_404(server, path):
    r = server.get(path)
    assert r.status_code == 404
    assert r.get_json()["kind"] == "Status"


def test_core_v1_resource_list(server):
    r, body = get_json(server, "/api/v1")
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "v1"
    entries = by_name(body)
    assert {"pods", "pods/status", "namespaces", "namespaces/status", "nodes", "nodes/status", "events"} <= set(
        entries)
    assert "events/status" not in entries


@pytest.mark.parametrize("name,singular,namespaced,kind,short,verbs", [
    ("pods", "pod", True, "Pod", ["po"], ALL_VERBS),
    ("namespaces", "namespace", False, "Namespace", ["ns"], ALL_VERBS - {"deletecollection"}),
    ("nodes", "node", False, "Node", ["no"], ALL_VERBS),
    ("events", "event", True, "Event", ["ev"], ALL_VERBS),
])
def test_core_v1_resource_entries(server, name, singular, namespaced, kind, short, verbs):
    entry = by_name(get_json(server, "/api/v1")[1])[name]
    assert entry["singularName"] == singular
    assert entry["namespaced"] is namespaced
    assert entry["kind"] == kind
    assert set(entry["verbs"]) == verbs
    assert len(entry["verbs"]) == len(verbs)
    assert entry["shortNames"] == short


def test_categories(server):
    entries = by_name(get_json(server, "/api/v1")[1])
    assert entries["pods"]["categories"] == ["all"]
    for name in ("namespaces", "nodes", "events"):
        assert "all" not in entries[name].get("categories", [])


@pytest.mark.parametrize("name,kind,namespaced,verbs", [
    ("pods/status", "Pod", True, STATUS_VERBS),
    ("namespaces/status", "Namespace", False, STATUS_VERBS),
    ("nodes/status", "Node", False, STATUS_VERBS),
    ("namespaces/finalize", "Namespace", False, ["update"]),
])
def test_subresource_entries(server, name, kind, namespaced, verbs):
    entry = by_name(get_json(server, "/api/v1")[1])[name]
    assert entry["kind"] == kind
    assert entry["namespaced"] is namespaced
    assert sorted(entry["verbs"]) == sorted(verbs)
    assert entry["singularName"] == ""


def test_every_advertised_list_path_answers(server):
    for entry in get_json(server, "/api/v1")[1]["resources"]:
        if "/" in entry["name"] or "list" not in entry["verbs"]:
            continue
        path = (f"/api/v1/namespaces/default/{entry['name']}" if entry["namespaced"]
                else f"/api/v1/{entry['name']}")
        _, body = get_json(server, path)
        assert body["kind"] == entry["kind"] + "List"
        if entry["namespaced"]:
            assert get_json(server, f"/api/v1/{entry['name']}")[1]["kind"] == entry["kind"] + "List"


# -- aggregated discovery ------------------------------------------------------------------------

def _core_resources(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [core] = [i for i in body["items"] if not i["metadata"].get("name")]
    [v1] = [v for v in core["versions"] if v["version"] == "v1"]
    assert v1.get("freshness", "Current") == "Current"
    return {r["resource"]: r for r in v1["resources"]}


@pytest.mark.parametrize("accept,version", [
    (V2, "v2"),
    (KUBECTL_130, "v2"),
    (f"{V2BETA1},{V2},application/json", "v2beta1"),
    (V2BETA1, "v2beta1"),
    (KUBECTL_129, "v2beta1"),
])
def test_aggregated_discovery_for_api(server, accept, version):
    r, body = get_json(server, "/api", accept)
    assert r.headers["Content-Type"] == f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    assert body["kind"] == "APIGroupDiscoveryList"
    assert body["apiVersion"] == f"apidiscovery.k8s.io/{version}"
    assert len(body["items"]) == 1
    resources = _core_resources(body)
    assert {"pods", "namespaces", "nodes", "events"} <= set(resources)


def test_aggregated_pods_entry(server):
    pods = _core_resources(get_json(server, "/api", KUBECTL_130)[1])["pods"]
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert pods["scope"] == "Namespaced"
    assert pods["singularResource"] == "pod"
    assert set(pods["verbs"]) == ALL_VERBS
    assert pods["shortNames"] == ["po"]
    assert pods["categories"] == ["all"]
    [status] = [s for s in pods["subresources"] if s["subresource"] == "status"]
    assert status["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert sorted(status["verbs"]) == STATUS_VERBS


@pytest.mark.parametrize("name,scope,short", [("namespaces", "Cluster", ["ns"]), ("nodes", "Cluster", ["no"]),
                                              ("events", "Namespaced", ["ev"])])
def test_aggregated_scopes_and_short_names(server, name, scope, short):
    entry = _core_resources(get_json(server, "/api", V2)[1])[name]
    assert entry["scope"] == scope
    assert entry["shortNames"] == short


def test_aggregated_matches_legacy(server):
    legacy = by_name(get_json(server, "/api/v1")[1])
    aggregated = _core_resources(get_json(server, "/api", V2)[1])
    mains = {n: e for n, e in legacy.items() if "/" not in n}
    assert set(aggregated) == set(mains)
    for name, entry in aggregated.items():
        assert set(entry["verbs"]) == set(mains[name]["verbs"]), name
        assert entry["responseKind"]["kind"] == mains[name]["kind"]
        assert (entry["scope"] == "Namespaced") is mains[name]["namespaced"]
        subs = {s["subresource"] for s in entry.get("subresources", [])}
        assert subs == {n.split("/", 1)[1] for n in legacy if n.startswith(name + "/")}


@pytest.mark.parametrize("accept,version", [(KUBECTL_130, "v2"), (KUBECTL_129, "v2beta1")])
def test_aggregated_discovery_for_apis(server, accept, version):
    r, body = get_json(server, "/apis", accept)
    assert r.headers["Content-Type"] == f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    assert body["kind"] == "APIGroupDiscoveryList"
    assert body["apiVersion"] == f"apidiscovery.k8s.io/{version}"
    assert isinstance(body["items"], list)
    assert all(item["metadata"]["name"] for item in body["items"])  # the core group lives under /api
    legacy_groups = {g["name"] for g in get_json(server, "/apis")[1]["groups"]}
    assert {item["metadata"]["name"] for item in body["items"]} == legacy_groups


def test_aggregated_accept_with_spaces(server):
    accept = "application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList, application/json"
    r, body = get_json(server, "/api", accept)
    assert r.headers["Content-Type"] == V2
    assert body["kind"] == "APIGroupDiscoveryList"


@pytest.mark.parametrize("accept", [
    "application/json",
    "*/*",
    "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json",
    "application/json;g=apidiscovery.k8s.io;v=v2;as=Table,application/json",
])
def test_legacy_discovery_when_aggregated_is_not_asked_for(server, accept):
    r, body = get_json(server, "/api", accept)
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    assert "apidiscovery" not in r.headers["Content-Type"]
    assert body["kind"] == "APIVersions"
    r, body = get_json(server, "/apis", accept)
    assert body["kind"] == "APIGroupList"


def test_aggregated_discovery_over_http(live_server):
    r = requests.get(live_server.url + "/api?timeout=32s", headers={"Accept": KUBECTL_130}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == V2
    assert r.json()["kind"] == "APIGroupDiscoveryList"
    r = requests.get(live_server.url + "/apis?timeout=32s", headers={"Accept": KUBECTL_129}, timeout=10)
    assert r.headers["Content-Type"] == V2BETA1


# -- /version and health -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/version", "/version/", "/version?timeout=5s"])
def test_version(server, path):
    r, body = get_json(server, path)
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    assert body["major"] == "1"
    assert body["minor"] == "31"
    assert body["gitVersion"].startswith("v1.31.")
    for key in ("gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"):
        assert isinstance(body[key], str) and body[key]


def test_version_is_configurable():
    app = create_app({"db": "sqlite://", "nodes": 1, "kubernetes_version": "v1.29.3"})
    try:
        c = app.test_client()
        body = c.get("/version").get_json()
        assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "29", "v1.29.3")
        node = c.get("/api/v1/nodes/node-1").get_json()
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.29.3"
        assert [n["metadata"]["name"] for n in c.get("/api/v1/nodes").get_json()["items"]] == ["node-1"]
    finally:
        app.extensions["mockapi"].close()


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/livez/ping", "/healthz/etcd",
                                  "/readyz?timeout=5s"])
def test_health_endpoints(server, path):
    r = server.get(path)
    assert r.status_code == 200
    assert r.get_data(as_text=True).startswith("ok")


def test_health_over_http(live_server):
    for path in ("/healthz", "/livez", "/readyz"):
        r = requests.get(live_server.url + path, timeout=10)
        assert r.status_code == 200 and r.text.startswith("ok")


def test_openapi_v3_lets_kubectl_validate_every_kind(client):
    from mockapi.registry import ALL

    index = client.get("/openapi/v3").get_json()
    assert "api/v1" in index["paths"]
    url = index["paths"]["api/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/api/v1?hash=")
    r = client.get(url)
    assert r.status_code == 200 and "immutable" in r.headers.get("Cache-Control", "")
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    patched = {}
    for item in doc["paths"].values():
        op = item.get("patch")
        if op:
            assert any(p["name"] == "fieldValidation" for p in op["parameters"])
            patched[op["x-kubernetes-group-version-kind"]["kind"]] = True
    assert {rt.kind for rt in ALL if rt.group == ""} <= set(patched)
    schemas = doc["components"]["schemas"]
    assert schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "version": "v1", "kind": "Pod"}]
    # complete schemas (tests/api/test_openapi_v3.py has the details): kubectl explain and apply need them
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert client.get("/openapi/v3/apis/nothing/v1").status_code == 404
