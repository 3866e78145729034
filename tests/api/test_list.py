"""LIST over HTTP as kube-apiserver answers it: label selectors (full syntax), field selectors (common and
per-kind fields, ``!=``, unsupported fields), all-namespaces lists, ordering, limit/continue over a
consistent snapshot, resourceVersion / resourceVersionMatch, and their errors.

Kubernetes is the oracle. Where the server differs, the test is kept and marked
``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from mockapi.app import create_app

PODS = "/api/v1/namespaces/default/pods"
MERGE = "application/merge-patch+json"


# -- helpers -------------------------------------------------------------------------------------

def pod(name: str, labels: dict[str, str] | None = None, node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.25"}]}
    if node:
        spec["nodeName"] = node
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def create(client, body: dict[str, Any], path: str = PODS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post(path, json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def create_ns(client, name: str) -> None:  # type: ignore[no-untyped-def]
    create(client, {"metadata": {"name": name}}, "/api/v1/namespaces")


def lst(client, path: str = PODS, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    r = client.get(path + ("?" + query if query else ""))
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def names_of(body: dict[str, Any]) -> list[str]:
    return [i["metadata"]["name"] for i in body["items"]]


def keys_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in body["items"]]


def status_of(resp, code: int, reason: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert resp.status_code == code, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["code"] == code and body["reason"] == reason
    assert body["message"]
    return body


def get_raw(client, path: str, **params: Any):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return client.get(path + ("?" + query if query else ""))


def merge_patch(client, path: str, body: Any):  # type: ignore[no-untyped-def]
    r = client.patch(path, data=json.dumps(body), headers={"Content-Type": MERGE})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def all_pages(client, path: str, limit: int, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every item over every page, and the page bodies."""
    pages, items, token = [], [], None
    for _ in range(100):
        extra = dict(params, limit=limit)
        if token:
            extra["continue"] = token
        body = lst(client, path, **extra)
        pages.append(body)
        items.extend(body["items"])
        token = body["metadata"].get("continue")
        if not token:
            return items, pages
    raise AssertionError("pagination did not end")


# -- a populated server shared by the read-only selector tests -------------------------------------

LABELS = {
    "a": {"app": "web", "tier": "front", "env": "prod"},
    "b": {"app": "web", "tier": "back"},
    "c": {"app": "db", "env": "dev"},
    "d": None,
    "e": {"app": "cache", "env": "prod"},
    "f": {"app": "batch"},
}


@pytest.fixture(scope="module")
def populated() -> Iterator[Any]:
    app = create_app({"db": "sqlite://", "nodes": 3, "kubelet": "off"})  # pods stay as written
    c = app.test_client()
    for name, labels in LABELS.items():
        create(c, pod(name, labels, node="node-1" if name == "f" else None))
    merge_patch(c, f"{PODS}/c/status", {"status": {"phase": "Running", "podIP": "10.244.0.5"}})
    create_ns(c, "alpha")
    create_ns(c, "zeta")
    create(c, pod("x", {"app": "web"}), "/api/v1/namespaces/alpha/pods")
    create(c, pod("y", {"app": "db"}), "/api/v1/namespaces/zeta/pods")
    yield c
    app.extensions["mockapi"].close()


# -- label selectors -----------------------------------------------------------------------------

@pytest.mark.parametrize("selector,expected", [
    ("", ["a", "b", "c", "d", "e", "f"]),
    ("app=web", ["a", "b"]),
    ("app==web", ["a", "b"]),
    ("app!=web", ["c", "d", "e", "f"]),
    ("app in (web,db)", ["a", "b", "c"]),
    ("app in (web, db)", ["a", "b", "c"]),
    ("app notin (web,db)", ["d", "e", "f"]),
    ("env", ["a", "c", "e"]),
    ("!env", ["b", "d", "f"]),
    ("app=web,env", ["a"]),
    ("app=web,!env", ["b"]),
    ("tier in (front),env=prod", ["a"]),
    ("env notin (prod)", ["b", "c", "d", "f"]),
    ("env in (prod),app!=web", ["e"]),
    ("app in (web),app in (db)", []),
    (" app = web ", ["a", "b"]),
    ("app=nothing", []),
    ("tier,!tier", []),
])
def test_label_selector(populated, selector, expected):
    assert names_of(lst(populated, labelSelector=selector)) == expected


@pytest.mark.parametrize("selector", [
    "app in (web",
    "app in web",
    "app=web,,",
    "app=(web)",
    "!",
    "bad key!=x",
    "app=" + "v" * 64,
    "app notin",
])
def test_invalid_label_selector_is_400(populated, selector):
    status_of(get_raw(populated, PODS, labelSelector=selector), 400, "BadRequest")


def test_label_selector_on_all_namespaces_list(populated):
    body = lst(populated, "/api/v1/pods", labelSelector="app=web")
    assert keys_of(body) == [("alpha", "x"), ("default", "a"), ("default", "b")]


def test_label_selector_on_cluster_scoped_list(populated):
    body = lst(populated, "/api/v1/nodes", labelSelector="topology.kubernetes.io/zone in (zone-a,zone-c)")
    assert names_of(body) == ["node-1", "node-3"]
    body = lst(populated, "/api/v1/namespaces", labelSelector="kubernetes.io/metadata.name=zeta")
    assert names_of(body) == ["zeta"]


# -- field selectors -----------------------------------------------------------------------------

@pytest.mark.parametrize("selector,expected", [
    ("metadata.name=a", ["a"]),
    ("metadata.name==a", ["a"]),
    ("metadata.name!=a", ["b", "c", "d", "e", "f"]),
    ("metadata.name=a,metadata.name=b", []),
    ("metadata.namespace=default", ["a", "b", "c", "d", "e", "f"]),
    ("metadata.namespace=alpha", []),
    ("spec.nodeName=node-1", ["f"]),
    ("spec.nodeName=", ["a", "b", "c", "d", "e"]),
    ("spec.nodeName!=", ["f"]),
    ("status.phase=Running", ["c"]),
    ("status.phase!=Running", ["a", "b", "d", "e", "f"]),
    ("status.phase=Pending,metadata.name!=a", ["b", "d", "e", "f"]),
    ("status.podIP=10.244.0.5", ["c"]),
    ("spec.restartPolicy=Always", ["a", "b", "c", "d", "e", "f"]),
    ("spec.schedulerName=default-scheduler,metadata.name=e", ["e"]),
])
def test_pod_field_selector(populated, selector, expected):
    assert names_of(lst(populated, fieldSelector=selector)) == expected


def test_field_and_label_selectors_combine(populated):
    body = lst(populated, labelSelector="app in (web,db)", fieldSelector="status.phase!=Running")
    assert names_of(body) == ["a", "b"]


def test_field_selector_on_all_namespaces_list(populated):
    assert keys_of(lst(populated, "/api/v1/pods", fieldSelector="metadata.namespace=alpha")) == [("alpha", "x")]
    assert keys_of(lst(populated, "/api/v1/pods", fieldSelector="metadata.namespace!=default")) == [
        ("alpha", "x"), ("zeta", "y")]
    assert keys_of(lst(populated, "/api/v1/pods", fieldSelector="metadata.name=x")) == [("alpha", "x")]


def test_conflicting_namespace_field_terms_match_nothing(populated):
    body = lst(populated, "/api/v1/pods", fieldSelector="metadata.namespace=default,metadata.namespace=alpha")
    assert keys_of(body) == []


def test_field_selectors_on_cluster_scoped_kinds(populated):
    assert names_of(lst(populated, "/api/v1/nodes", fieldSelector="metadata.name=node-2")) == ["node-2"]
    assert names_of(lst(populated, "/api/v1/nodes", fieldSelector="spec.unschedulable=false")) == [
        "node-1", "node-2", "node-3"]
    assert names_of(lst(populated, "/api/v1/nodes", fieldSelector="spec.unschedulable=true")) == []
    active = names_of(lst(populated, "/api/v1/namespaces", fieldSelector="status.phase=Active"))
    assert active == ["alpha", "default", "kube-node-lease", "kube-public", "kube-system", "zeta"]
    assert names_of(lst(populated, "/api/v1/namespaces", fieldSelector="metadata.name=zeta")) == ["zeta"]


@pytest.mark.parametrize("path,selector", [
    (PODS, "spec.foo=bar"),
    (PODS, "metadata.labels=x"),
    (PODS, "metadata.name=a,status.nope=x"),
    ("/api/v1/pods", "spec.containers=x"),
    ("/api/v1/nodes", "metadata.namespace=default"),
    ("/api/v1/namespaces", "spec.finalizers=kubernetes"),
    ("/api/v1/namespaces/default/events", "involvedObject.color=red"),
])
def test_unsupported_field_selector_is_400(populated, path, selector):
    body = status_of(get_raw(populated, path, fieldSelector=selector), 400, "BadRequest")
    assert "field label not supported" in body["message"]


def test_unsupported_field_selector_wording(populated):
    body = status_of(get_raw(populated, PODS, fieldSelector="spec.foo=bar"), 400, "BadRequest")
    assert body["message"] == "field label not supported: spec.foo"


@pytest.mark.parametrize("selector", ["metadata.name", "metadata.name in (a)", "metadata.name=a\\"])
def test_malformed_field_selector_is_400(populated, selector):
    status_of(get_raw(populated, PODS, fieldSelector=selector), 400, "BadRequest")


# -- all-namespaces lists and ordering -----------------------------------------------------------

def test_all_namespaces_list(populated):
    body = lst(populated, "/api/v1/pods")
    assert body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert body["metadata"]["resourceVersion"].isdigit()
    assert keys_of(body) == [("alpha", "x")] + [("default", n) for n in "abcdef"] + [("zeta", "y")]


def test_lists_are_sorted_by_namespace_then_name(client):
    for ns in ("zzz", "aaa", "mmm"):
        create_ns(client, ns)
    for ns, name in (("zzz", "b"), ("aaa", "z"), ("mmm", "c2"), ("mmm", "c10"), ("aaa", "a"), ("zzz", "a"),
                     ("default", "b.x"), ("default", "b-x"), ("default", "b")):
        create(client, pod(name), f"/api/v1/namespaces/{ns}/pods")
    assert keys_of(lst(client, "/api/v1/pods")) == [
        ("aaa", "a"), ("aaa", "z"), ("default", "b"), ("default", "b-x"), ("default", "b.x"),
        ("mmm", "c10"), ("mmm", "c2"), ("zzz", "a"), ("zzz", "b")]
    assert names_of(lst(client, "/api/v1/namespaces/mmm/pods")) == ["c10", "c2"]
    ns_names = names_of(lst(client, "/api/v1/namespaces"))
    assert ns_names == sorted(ns_names)


def test_list_metadata_and_empty_list(client):
    create_ns(client, "empty")
    body = lst(client, "/api/v1/namespaces/empty/pods")
    assert body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert body["items"] == []
    assert body["metadata"]["resourceVersion"].isdigit()
    assert "continue" not in body["metadata"]


def test_list_resource_version_tracks_writes(client):
    rv1 = int(lst(client)["metadata"]["resourceVersion"])
    created = create(client, pod("p"))
    rv2 = int(lst(client)["metadata"]["resourceVersion"])
    assert rv2 >= int(created["metadata"]["resourceVersion"]) > rv1


def test_list_resource_version_is_the_cluster_revision(client):
    # one revision for every kind (etcd's): writes to other kinds advance every list's resourceVersion
    before = int(lst(client)["metadata"]["resourceVersion"])
    node = create(client, {"metadata": {"name": "n9"}}, "/api/v1/nodes")
    assert int(node["metadata"]["resourceVersion"]) > before
    assert int(lst(client)["metadata"]["resourceVersion"]) >= int(node["metadata"]["resourceVersion"])


def test_list_of_missing_namespace_is_empty(client):
    # kube-apiserver lists by key prefix: a namespace that does not exist simply has no objects
    assert lst(client, "/api/v1/namespaces/nons/pods")["items"] == []


# -- limit / continue ----------------------------------------------------------------------------

def seven(client) -> None:  # type: ignore[no-untyped-def]
    for i in range(7):
        create(client, pod(f"p{i}"))


def test_limit_and_continue_pages_through_everything(client):
    seven(client)
    p1 = lst(client, limit=3)
    assert names_of(p1) == ["p0", "p1", "p2"]
    assert p1["metadata"]["continue"]
    assert p1["metadata"]["remainingItemCount"] == 4
    p2 = lst(client, limit=3, **{"continue": p1["metadata"]["continue"]})
    assert names_of(p2) == ["p3", "p4", "p5"]
    assert p2["metadata"]["remainingItemCount"] == 1
    p3 = lst(client, limit=3, **{"continue": p2["metadata"]["continue"]})
    assert names_of(p3) == ["p6"]
    assert "continue" not in p3["metadata"]
    assert "remainingItemCount" not in p3["metadata"]
    assert p1["metadata"]["resourceVersion"] == p2["metadata"]["resourceVersion"] == p3["metadata"]["resourceVersion"]


def test_limit_equal_to_size_has_no_continue(client):
    seven(client)
    body = lst(client, limit=7)
    assert len(body["items"]) == 7
    assert "continue" not in body["metadata"]
    body = lst(client, limit=100)
    assert len(body["items"]) == 7 and "continue" not in body["metadata"]


def test_limit_zero_means_no_limit(client):
    seven(client)
    body = lst(client, limit=0)
    assert len(body["items"]) == 7 and "continue" not in body["metadata"]


def test_continue_pages_are_a_consistent_snapshot(client):
    seven(client)
    p1 = lst(client, limit=3)
    snapshot_rv = p1["metadata"]["resourceVersion"]
    # writes after the first page must not show up in later pages
    create(client, pod("p35"))
    create(client, pod("p99"))
    assert client.delete(f"{PODS}/p4").status_code == 200
    merge_patch(client, f"{PODS}/p5", {"metadata": {"labels": {"changed": "yes"}}})
    p2 = lst(client, limit=3, **{"continue": p1["metadata"]["continue"]})
    assert names_of(p2) == ["p3", "p4", "p5"]
    assert "labels" not in p2["items"][2]["metadata"]
    assert int(p2["items"][2]["metadata"]["resourceVersion"]) <= int(snapshot_rv)
    p3 = lst(client, limit=3, **{"continue": p2["metadata"]["continue"]})
    assert names_of(p3) == ["p6"]
    assert p2["metadata"]["resourceVersion"] == p3["metadata"]["resourceVersion"] == snapshot_rv
    assert names_of(lst(client)) == ["p0", "p1", "p2", "p3", "p35", "p5", "p6", "p99"]


def test_pagination_with_label_selector(client):
    for i in range(12):
        create(client, pod(f"q{i:02d}", {"pick": "yes" if i % 3 == 0 else "no"}))
    items, pages = all_pages(client, PODS, 2, labelSelector="pick=yes")
    assert [i["metadata"]["name"] for i in items] == ["q00", "q03", "q06", "q09"]
    assert all(len(p["items"]) <= 2 for p in pages)
    assert len({p["metadata"]["resourceVersion"] for p in pages}) == 1


def test_pagination_with_field_selector(client):
    for i in range(12):
        create(client, pod(f"q{i:02d}", node="node-1" if i % 4 == 0 else None))
    items, pages = all_pages(client, PODS, 2, fieldSelector="spec.nodeName=node-1")
    assert [i["metadata"]["name"] for i in items] == ["q00", "q04", "q08"]
    assert all(len(p["items"]) <= 2 for p in pages)
    items, _ = all_pages(client, PODS, 5, fieldSelector="metadata.name!=q05")
    assert len(items) == 11


def test_pagination_across_namespaces(client):
    for ns in ("n1", "n2", "n3"):
        create_ns(client, ns)
        for i in range(3):
            create(client, pod(f"p{i}"), f"/api/v1/namespaces/{ns}/pods")
    items, pages = all_pages(client, "/api/v1/pods", 4)
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items] == [
        (ns, f"p{i}") for ns in ("n1", "n2", "n3") for i in range(3)]
    assert len(pages) == 3


def test_pagination_of_cluster_scoped_kind(client):
    items, pages = all_pages(client, "/api/v1/nodes", 1)
    assert [i["metadata"]["name"] for i in items] == ["node-1", "node-2", "node-3"]
    assert pages[0]["metadata"]["remainingItemCount"] == 2


@pytest.mark.parametrize("token", ["garbage", "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", "%%%", "e30"])
def test_invalid_continue_token_is_400(client, token):
    status_of(get_raw(client, PODS, limit=1, **{"continue": token}), 400, "BadRequest")


def test_continue_with_resource_version_is_400(client):
    seven(client)
    p1 = lst(client, limit=3)
    r = get_raw(client, PODS, limit=3, resourceVersion=p1["metadata"]["resourceVersion"],
                **{"continue": p1["metadata"]["continue"]})
    body = status_of(r, 400, "BadRequest")
    assert body["message"] == "specifying resource version is not allowed when using continue"


def test_continue_with_resource_version_match_is_422(client):
    seven(client)
    p1 = lst(client, limit=3)
    r = get_raw(client, PODS, limit=3, resourceVersionMatch="NotOlderThan",
                **{"continue": p1["metadata"]["continue"]})
    status_of(r, 422, "Invalid")


def test_invalid_limit_is_400(client):
    status_of(get_raw(client, PODS, limit="ten"), 400, "BadRequest")


def test_expired_continue_token_is_410(client, app):
    from mockapi.storage import store

    seven(client)
    p1 = lst(client, limit=3)
    create(client, pod("later"))
    client.delete(f"{PODS}/p5")
    runtime = app.extensions["mockapi"]
    with runtime.db.write() as conn:
        store.compact(conn, 0)
    body = status_of(get_raw(client, PODS, limit=3, **{"continue": p1["metadata"]["continue"]}), 410, "Expired")
    assert body["message"].startswith("The provided continue parameter is too old to display a consistent list "
                                      "result.")


def test_expired_continue_offers_an_inconsistent_continue_token(client, app):
    # upstream (etcd3 handleCompactedErrorForPaging) answers the 410 with metadata.continue: a token that
    # resumes after the same key at the latest revision
    from mockapi.storage import store

    seven(client)
    p1 = lst(client, limit=3)
    client.delete(f"{PODS}/p5")
    with app.extensions["mockapi"].db.write() as conn:
        store.compact(conn, 0)
    body = status_of(get_raw(client, PODS, limit=3, **{"continue": p1["metadata"]["continue"]}), 410, "Expired")
    token = body["metadata"].get("continue")
    assert token
    rest = lst(client, limit=10, **{"continue": token})
    assert names_of(rest) == ["p3", "p4", "p6"]


# -- resourceVersion / resourceVersionMatch ------------------------------------------------------

@pytest.fixture
def history(client):  # type: ignore[no-untyped-def]
    """a and b created (labels v=1); then c created, a deleted, b relabelled v=2. Returns the RV before."""
    create(client, pod("a", {"v": "1"}))
    create(client, pod("b", {"v": "1"}))
    rv = lst(client)["metadata"]["resourceVersion"]
    create(client, pod("c", {"v": "2"}))
    assert client.delete(f"{PODS}/a").status_code == 200
    merge_patch(client, f"{PODS}/b", {"metadata": {"labels": {"v": "2"}}})
    return rv


def test_exact_resource_version_returns_the_old_state(client, history):
    body = lst(client, resourceVersion=history, resourceVersionMatch="Exact")
    assert names_of(body) == ["a", "b"]
    assert body["items"][1]["metadata"]["labels"] == {"v": "1"}
    assert body["metadata"]["resourceVersion"] == history


def test_exact_resource_version_with_label_selector_uses_old_labels(client, history):
    assert names_of(lst(client, resourceVersion=history, resourceVersionMatch="Exact", labelSelector="v=1")) == [
        "a", "b"]
    assert names_of(lst(client, labelSelector="v=1")) == []
    assert names_of(lst(client, labelSelector="v=2")) == ["b", "c"]


def test_exact_resource_version_with_field_selector(client, history):
    body = lst(client, resourceVersion=history, resourceVersionMatch="Exact", fieldSelector="metadata.name=a")
    assert names_of(body) == ["a"]


def test_exact_resource_version_paginates_at_that_revision(client, history):
    p1 = lst(client, resourceVersion=history, resourceVersionMatch="Exact", limit=1)
    assert names_of(p1) == ["a"]
    assert p1["metadata"]["resourceVersion"] == history
    p2 = lst(client, limit=1, **{"continue": p1["metadata"]["continue"]})
    assert names_of(p2) == ["b"]
    assert p2["metadata"]["resourceVersion"] == history
    assert "continue" not in p2["metadata"]


@pytest.mark.parametrize("params", [
    {},
    {"resourceVersion": "0"},
    {"resourceVersionMatch": "NotOlderThan", "resourceVersion": "0"},
])
def test_current_state_lists(client, history, params):
    body = lst(client, **params)
    assert names_of(body) == ["b", "c"]
    assert body["items"][0]["metadata"]["labels"] == {"v": "2"}


@pytest.mark.parametrize("match", [None, "NotOlderThan"])
def test_not_older_than_returns_current_state(client, history, match):
    params = {"resourceVersion": history}
    if match:
        params["resourceVersionMatch"] = match
    body = lst(client, **params)
    assert names_of(body) == ["b", "c"]
    assert int(body["metadata"]["resourceVersion"]) > int(history)


@pytest.mark.parametrize("params,code,reason", [
    ({"resourceVersionMatch": "Exact"}, 422, "Invalid"),
    ({"resourceVersionMatch": "NotOlderThan"}, 422, "Invalid"),
    ({"resourceVersionMatch": "Bogus", "resourceVersion": "1"}, 422, "Invalid"),
    ({"resourceVersionMatch": "Exact", "resourceVersion": "0"}, 422, "Invalid"),
])
def test_invalid_resource_version_match_combinations(client, params, code, reason):
    body = status_of(get_raw(client, PODS, **params), code, reason)
    assert body["message"].startswith('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: ')


@pytest.mark.parametrize("rv", ["abc", "-1", "1.5"])
def test_malformed_resource_version_is_a_client_error(client, rv):
    r = get_raw(client, PODS, resourceVersion=rv)
    assert 400 <= r.status_code < 500, r.get_data(as_text=True)
    assert r.get_json()["kind"] == "Status"


def test_too_large_resource_version_is_504_timeout(client):
    current = int(lst(client)["metadata"]["resourceVersion"])
    body = status_of(get_raw(client, PODS, resourceVersion=current + 1000), 504, "Timeout")
    assert body["message"].startswith(f"Too large resource version: {current + 1000}, current: ")
    assert any(c.get("reason") == "ResourceVersionTooLarge" for c in body["details"]["causes"])


def test_exact_compacted_resource_version_is_410(client, app, history):
    from mockapi.storage import store

    runtime = app.extensions["mockapi"]
    with runtime.db.write() as conn:
        store.compact(conn, 0)
    status_of(get_raw(client, PODS, resourceVersion=history, resourceVersionMatch="Exact"), 410, "Expired")
    assert names_of(lst(client)) == ["b", "c"]


def test_exact_compacted_resource_version_wording(client, app, history):
    from mockapi.storage import store

    with app.extensions["mockapi"].db.write() as conn:
        store.compact(conn, 0)
    body = status_of(get_raw(client, PODS, resourceVersion=history, resourceVersionMatch="Exact"), 410, "Expired")
    assert body["message"] == "The resourceVersion for the provided list is too old."


def test_unknown_list_parameters_are_ignored(client):
    create(client, pod("p"))
    body = lst(client, timeout="32s", pretty="true", allowWatchBookmarks="true", includeObject="Object")
    assert names_of(body) == ["p"]


def test_integer_query_parameters_parse_as_int64(client):  # type: ignore[no-untyped-def]
    """Found by tests/test_contract.py: limit=99999999999999999999999 was a 500 (SQLite overflow). Integer
    parameters parse as Go's strconv.ParseInt(v, 10, 64): any int64 limit lists everything, a value
    outside int64 or not plain ASCII digits is a 400 BadRequest."""
    create(client, pod("a"))
    for limit in ("9223372036854775807", "2147483649", "%2B5"):
        listed = client.get(f"{PODS}?limit={limit}")
        assert listed.status_code == 200, limit
        assert [p["metadata"]["name"] for p in listed.get_json()["items"]] == ["a"]
        assert "continue" not in listed.get_json()["metadata"]
    for param, value in (("limit", "99999999999999999999999"), ("limit", "1_000"), ("limit", "%20"),
                         ("limit", "%D9%A1"), ("timeoutSeconds", "9223372036854775808"), ("timeoutSeconds", "1.5")):
        bad = client.get(f"{PODS}?{param}={value}")
        assert bad.status_code == 400 and bad.get_json()["reason"] == "BadRequest", (param, value)
        assert param in bad.get_json()["message"]
    huge = client.delete(f"{PODS}/a?gracePeriodSeconds=99999999999999999999999")  # was accepted
    assert huge.status_code == 400 and huge.get_json()["reason"] == "BadRequest"
    assert client.get(f"{PODS}/a").status_code == 200


def test_resource_versions_parse_as_uint64(client):  # type: ignore[no-untyped-def]
    """Found by tests/test_contract.py: a resourceVersion past uint64 was "Too large" (504, a server
    error to clients); strconv.ParseUint refuses it (400), as it refuses non-ASCII digits."""
    created = create(client, pod("a"))
    for url in (PODS, f"{PODS}/a", f"{PODS}/a/status"):
        for rv, why in (("9" * 30, "value out of range"), ("%D9%A1", "invalid syntax")):
            bad = client.get(f"{url}?resourceVersion={rv}")
            assert bad.status_code == 400 and why in bad.get_json()["message"], (url, rv)
        too_new = client.get(f"{url}?resourceVersion={2**64 - 1}")
        assert too_new.status_code == 504 and too_new.get_json()["reason"] == "Timeout", url
    assert created["metadata"]["name"] == "a"
