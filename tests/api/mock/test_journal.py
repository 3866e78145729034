"""The request journal (GET/DELETE /mock/requests): what one entry holds (RequestInfo, query, body,
status, duration), errors and watches journaled, filters, bounds, thread safety, --workers > 1, and
``mockapi requests`` against a live server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import LiveServer

from mockapi.api.mock.journal import BODY_CAP, Entry, Journal
from mockapi.api.mock.requestinfo import parse_query, request_info
from mockapi.app import create_app
from mockapi.cli import main

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def journal(client: Any, query: str = "") -> list[dict[str, Any]]:
    resp = client.get("/mock/requests" + (f"?{query}" if query else ""))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["kind"] == "RequestList"
    return body["items"]


# -- RequestInfo ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path,query,expected", [
    ("GET", "/api/v1/namespaces/default/pods", "", ("list", "", "v1", "pods", "", "default", "")),
    ("GET", "/api/v1/namespaces/default/pods", "watch=true", ("watch", "", "v1", "pods", "", "default", "")),
    ("GET", "/api/v1/namespaces/default/pods", "watch=false", ("list", "", "v1", "pods", "", "default", "")),
    ("GET", "/api/v1/pods", "fieldSelector=metadata.name%3Dweb", ("list", "", "v1", "pods", "", "", "web")),
    ("GET", "/api/v1/watch/namespaces/ns/pods/p", "", ("watch", "", "v1", "pods", "", "ns", "p")),
    ("POST", "/api/v1/namespaces/ns/pods", "", ("create", "", "v1", "pods", "", "ns", "")),
    ("PUT", "/api/v1/namespaces/ns/pods/p/status", "", ("update", "", "v1", "pods", "status", "ns", "p")),
    ("PATCH", "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices/s", "",
     ("patch", "discovery.k8s.io", "v1", "endpointslices", "", "ns", "s")),
    ("DELETE", "/api/v1/namespaces/ns/pods", "", ("deletecollection", "", "v1", "pods", "", "ns", "")),
    ("DELETE", "/api/v1/namespaces/ns/pods/p", "", ("delete", "", "v1", "pods", "", "ns", "p")),
    ("GET", "/api/v1/namespaces/ns", "", ("get", "", "v1", "namespaces", "", "ns", "ns")),
    ("PUT", "/api/v1/namespaces/ns/finalize", "", ("update", "", "v1", "namespaces", "finalize", "ns", "ns")),
    ("GET", "/api/v1/nodes/node-1", "", ("get", "", "v1", "nodes", "", "", "node-1")),
    ("GET", "/apis/example.com/v1/widgets", "", ("list", "example.com", "v1", "widgets", "", "", "")),
])
def test_request_info_like_the_apiserver(method: str, path: str, query: str, expected: tuple[str, ...]) -> None:
    keys = ("verb", "apiGroup", "apiVersion", "resource", "subresource", "namespace", "name")
    assert request_info(method, path, parse_query(query)) == dict(zip(keys, expected))


@pytest.mark.parametrize("path", ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version",
                                  "/mock/routing-table", "/api/v1/watch"])
def test_non_resource_requests_have_no_request_info(path: str) -> None:
    assert request_info("GET", path, {}) is None


# -- entries -------------------------------------------------------------------------------------

def test_an_entry_per_request_with_request_info_status_and_body(client: Any) -> None:
    before = datetime.now(UTC)
    assert client.post(PODS + "?fieldManager=me&dryRun=All", json=pod("web"),
                       headers={"User-Agent": "journal-test/1"}).status_code == 201
    assert client.post(PODS, json=pod("web")).status_code == 201
    assert client.get(PODS + "/web").status_code == 200
    items = journal(client)
    assert [(e["method"], e["status"]) for e in items] == [("POST", 201), ("POST", 201), ("GET", 200)]
    first = items[0]
    assert first["sequence"] < items[1]["sequence"] < items[2]["sequence"]
    assert first["path"] == PODS and first["queryString"] == "fieldManager=me&dryRun=All"
    assert first["query"] == {"fieldManager": ["me"], "dryRun": ["All"]}
    assert first["requestInfo"] == {"verb": "create", "apiGroup": "", "apiVersion": "v1", "resource": "pods",
                                    "subresource": "", "namespace": "default", "name": ""}
    assert first["contentType"] == "application/json" and first["userAgent"] == "journal-test/1"
    assert first["body"] == pod("web") and first["bodyTruncated"] is False and first["bodySize"] > 0
    assert first["fault"] is None and first["durationMs"] >= 0
    stamp = datetime.fromisoformat(first["time"])
    assert stamp.tzinfo is not None and before.timestamp() - 1 <= stamp.timestamp() <= time.time() + 1
    assert "." in first["time"] and first["time"].endswith("Z")
    get = items[2]
    assert get["requestInfo"]["verb"] == "get" and get["requestInfo"]["name"] == "web"
    assert "body" not in get  # reads carry no body


def test_errors_are_journaled(client: Any) -> None:
    client.get("/no/such/path")
    client.post(PODS, data="x", content_type="text/plain")  # 415
    client.post(PODS, json={"metadata": {"name": "Bad_Name"}, "spec": {"containers": []}})  # 422
    client.post(PODS, data="{", content_type="application/json")  # 400
    client.get("/api/v1/namespaces/default/widgets")  # 404 (a resource not served)
    items = journal(client)
    assert [e["status"] for e in items] == [404, 415, 422, 400, 404]
    assert items[0]["requestInfo"] is None
    assert items[1]["body"] == "x"
    assert items[3]["body"] == "{"  # not JSON: kept as text
    assert items[4]["requestInfo"]["resource"] == "widgets"


def test_yaml_and_truncated_bodies_are_text() -> None:
    app = create_app({"db": "sqlite://", "kubelet": "off"})
    try:
        client = app.test_client()
        client.post(PODS, data="metadata:\n  name: y\n", content_type="application/yaml")
        big = {"metadata": {"name": "big", "annotations": {"a": "x" * (BODY_CAP + 100)}},
               "spec": {"containers": [{"name": "c", "image": "i"}]}}
        client.post(PODS, json=big)
        items = journal(client)
        assert items[0]["body"] == "metadata:\n  name: y\n" and items[0]["bodyTruncated"] is False
        assert items[1]["bodyTruncated"] is True and items[1]["bodySize"] > BODY_CAP
        assert isinstance(items[1]["body"], str) and len(items[1]["body"]) == BODY_CAP
        assert client.get(PODS + "/big").status_code == 200  # the app still read the whole body
    finally:
        app.extensions["mockapi"].close()


def test_delete_bodies_are_kept(client: Any) -> None:
    client.post(PODS, json=pod("gone"))
    client.delete(PODS + "/gone", json={"gracePeriodSeconds": 0})
    client.delete(PODS + "/gone")
    items = journal(client, "method=DELETE")
    assert items[0]["body"] == {"gracePeriodSeconds": 0} and items[0]["status"] == 200
    assert items[1]["body"] is None and items[1]["bodySize"] == 0 and items[1]["status"] == 404


def test_the_journal_does_not_journal_itself_but_other_mock_paths(client: Any) -> None:
    client.get("/mock/requests")
    client.get("/mock/requests/")
    client.post("/mock/reconcile")
    client.get("/mock/faults")
    assert [e["path"] for e in journal(client)] == ["/mock/reconcile", "/mock/faults"]


def test_watches_are_journaled_when_they_start(client: Any) -> None:
    resp = client.get(PODS + "?watch=true&timeoutSeconds=30")
    try:
        items = journal(client)  # the stream is still open
        assert [(e["requestInfo"]["verb"], e["status"]) for e in items] == [("watch", 200)]
    finally:
        resp.close()


# -- filters -------------------------------------------------------------------------------------

def test_filters(client: Any) -> None:
    client.post("/api/v1/namespaces", json={"metadata": {"name": "other"}})
    client.post(PODS, json=pod("a"))
    client.post("/api/v1/namespaces/other/pods", json=pod("b"))
    client.get(PODS + "/a")
    client.get("/api/v1/namespaces/other/pods?watch=1&timeoutSeconds=1").close()
    client.patch(PODS + "/a/status", json={}, headers={"Content-Type": "application/merge-patch+json"})
    client.get("/version")

    def seqs(query: str) -> list[tuple[str, str]]:
        return [(e["method"], e["path"]) for e in journal(client, query)]

    assert len(journal(client)) == 7
    assert seqs("method=get") == [("GET", PODS + "/a"), ("GET", "/api/v1/namespaces/other/pods"),
                                  ("GET", "/version")]
    assert seqs("path=/version") == [("GET", "/version")]
    assert seqs("path=/api/v1/namespaces/other*") == [("POST", "/api/v1/namespaces/other/pods"),
                                                      ("GET", "/api/v1/namespaces/other/pods")]
    assert len(journal(client, "resource=pods")) == 5
    assert seqs("resource=pods/status") == [("PATCH", PODS + "/a/status")]
    assert seqs("resource=namespaces") == [("POST", "/api/v1/namespaces")]
    assert seqs("verb=watch") == [("GET", "/api/v1/namespaces/other/pods")]
    assert seqs("verb=create&namespace=other") == [("POST", "/api/v1/namespaces/other/pods")]
    assert seqs("name=a&method=GET") == [("GET", PODS + "/a")]
    all_items = journal(client)
    mark = all_items[3]["sequence"]
    assert [e["sequence"] for e in journal(client, f"since={mark}")] == [e["sequence"] for e in all_items[4:]]
    assert [e["sequence"] for e in journal(client, f"since={mark}&limit=2")] == [
        e["sequence"] for e in all_items[4:6]]
    assert len(journal(client, "limit=1")) == 1
    when = all_items[4]["time"]
    assert [e["sequence"] for e in journal(client, f"since={when}")] == [e["sequence"] for e in all_items[5:]]


@pytest.mark.parametrize("query", ["verb=fly", "limit=0", "limit=x", "since=yesterday"])
def test_bad_filters_are_400(client: Any, query: str) -> None:
    resp = client.get(f"/mock/requests?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["kind"] == "Status" and resp.get_json()["reason"] == "BadRequest"


def test_clear_keeps_counting(client: Any) -> None:
    client.get("/version")
    latest = client.get("/mock/requests").get_json()["metadata"]["latestSequence"]
    resp = client.delete("/mock/requests")
    assert resp.status_code == 200 and resp.get_json()["status"] == "Success"
    assert journal(client) == []
    client.get("/version")
    assert [e["sequence"] for e in journal(client)] == [latest + 1]


# -- bounds, configuration, threads --------------------------------------------------------------

def test_bounded_ring_and_off() -> None:
    app = create_app({"db": "sqlite://", "kubelet": "off", "journal_size": 3})
    try:
        client = app.test_client()
        for _ in range(5):
            client.get("/version")
        body = client.get("/mock/requests").get_json()
        assert [e["sequence"] for e in body["items"]] == [3, 4, 5] and body["metadata"]["capacity"] == 3
    finally:
        app.extensions["mockapi"].close()
    app = create_app({"db": "sqlite://", "kubelet": "off", "journal_size": 0})
    try:
        resp = app.test_client().get("/mock/requests")
        assert resp.status_code == 400 and "journal is off" in resp.get_json()["message"]
    finally:
        app.extensions["mockapi"].close()


def test_journal_size_from_the_environment() -> None:
    from mockapi.config import load_config

    assert load_config({}, environ={"MOCKAPI_JOURNAL_SIZE": "7"}).journal_size == 7
    assert load_config({}, environ={}).journal_size == 10000


def test_several_workers_answer_400() -> None:
    app = create_app({"db": "sqlite://", "kubelet": "off", "workers": 2}, start=False)
    try:
        client = app.test_client()
        for method, path in (("GET", "/mock/requests"), ("DELETE", "/mock/requests"), ("GET", "/mock/faults"),
                             ("POST", "/mock/faults"), ("DELETE", "/mock/faults/x")):
            resp = client.open(path, method=method, json={"status": 503})
            assert resp.status_code == 400, (method, path)
            assert "--workers 1" in resp.get_json()["message"]
    finally:
        app.extensions["mockapi"].close()


def test_concurrent_appends_keep_unique_ordered_sequences() -> None:
    ring = Journal(100_000)

    def work() -> None:
        for i in range(2000):
            ring.append(Entry(time.time(), "GET", f"/p/{i}", "", "", "", None, 0))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    reader_seen = []
    while any(t.is_alive() for t in threads):
        reader_seen.append(len(ring.entries()))  # reading while others append never fails
    for t in threads:
        t.join()
    seqs = [e.sequence for e in ring.entries()]
    assert seqs == list(range(1, 16001))


def test_concurrent_requests_are_all_journaled(client: Any) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            local = client.application.test_client()
            for i in range(20):
                assert local.get(f"/version?n={n}&i={i}").status_code == 200
        except (AssertionError, OSError, RuntimeError) as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    items = journal(client, "path=/version")
    assert len(items) == 120 and len({e["sequence"] for e in items}) == 120


# -- live server and CLI -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server() -> Any:
    srv = LiveServer()
    yield srv
    srv.stop()


def test_cli_requests_against_a_live_server(server: LiveServer) -> None:
    import requests

    runner = CliRunner()
    assert runner.invoke(main, ["requests", "--server", server.url, "--clear"]).exit_code == 0
    requests.post(server.url + PODS, json=pod("cli-pod"), timeout=10)
    requests.get(server.url + PODS + "/cli-pod", timeout=10)
    result = runner.invoke(main, ["requests", "--server", server.url, "--resource", "pods"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["SEQ", "TIME", "METHOD", "STATUS", "MS"]
    assert "POST" in lines[1] and "201" in lines[1] and "create" in lines[1] and PODS in lines[1]
    assert "GET" in lines[2] and "get" in lines[2] and len(lines) == 3
    result = runner.invoke(main, ["requests", "--server", server.url, "--method", "POST", "-o", "json"])
    assert result.exit_code == 0
    import json

    assert [e["requestInfo"]["name"] for e in json.loads(result.output)["items"]] == [""]
    result = runner.invoke(main, ["requests", "--server", server.url, "--verb", "fly"])
    assert result.exit_code == 1 and "HTTP 400" in result.output
    result = runner.invoke(main, ["requests", "--server", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "cannot reach" in result.output


def test_a_body_over_the_limit_is_413_and_journaled_unread() -> None:
    app = create_app({"db": "sqlite://", "kubelet": "off", "max_body_bytes": 1000})
    try:
        client = app.test_client()
        resp = client.post(PODS, data=b"{" + b" " * 2000 + b"}", content_type="application/json")
        assert resp.status_code == 413
        entry = journal(client)[0]
        assert (entry["status"], entry["body"], entry["bodySize"], entry["bodyTruncated"]) == (413, None, 2002, True)
    finally:
        app.extensions["mockapi"].close()


def test_serve_refuses_a_negative_journal_size() -> None:
    result = CliRunner().invoke(main, ["serve", "--journal-size", "-1", "--db", "sqlite://"])
    assert result.exit_code == 2 and "--journal-size" in result.output
