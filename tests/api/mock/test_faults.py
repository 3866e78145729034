"""Fault injection (/mock/faults): rule validation, matching (method, path, resource, verb,
namespace, name), ``times`` (N uses, or null until removed), injected Statuses that change nothing,
latency, dropped connections and watches ended after N events against a live server, and
``mockapi faults``."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from conftest import LiveServer

from mockapi.cli import main

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def add(client: Any, rule: dict[str, Any]) -> dict[str, Any]:
    resp = client.post("/mock/faults", json=rule)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()


def pod_names(client: Any) -> list[str]:
    return [p["metadata"]["name"] for p in client.get(PODS).get_json()["items"]]


# -- rules ---------------------------------------------------------------------------------------

def test_add_list_get_delete_and_clear(client: Any) -> None:
    rule = add(client, {"method": "get", "path": "/version", "status": 503})
    assert rule == {"id": rule["id"], "method": "GET", "path": "/version", "status": 503, "times": None,
                    "remaining": None, "hits": 0}
    second = add(client, {"resource": "pods", "delayMs": 1, "times": 2})
    assert second["remaining"] == 2 and second["id"] != rule["id"]
    listed = client.get("/mock/faults").get_json()
    assert listed["kind"] == "FaultRuleList" and [r["id"] for r in listed["items"]] == [rule["id"], second["id"]]
    assert client.get(f"/mock/faults/{rule['id']}").get_json() == rule
    assert client.delete(f"/mock/faults/{rule['id']}").get_json()["id"] == rule["id"]
    missing = client.delete(f"/mock/faults/{rule['id']}")
    assert missing.status_code == 404 and missing.get_json()["reason"] == "NotFound"
    assert client.get("/mock/faults/nope").status_code == 404
    cleared = client.delete("/mock/faults").get_json()
    assert [r["id"] for r in cleared["items"]] == [second["id"]]
    assert client.get("/mock/faults").get_json()["items"] == []
    assert client.get("/version").status_code == 200


def test_a_listed_rule_can_be_posted_back(client: Any) -> None:
    rule = add(client, {"path": "/version", "status": 500, "times": 3})
    again = add(client, rule)
    assert again["id"] != rule["id"] and again["remaining"] == 3 and again["hits"] == 0


@pytest.mark.parametrize("rule,fields", [
    ({}, ["status"]),
    ({"path": "/version"}, ["status"]),
    ({"status": 200}, ["status"]),
    ({"status": "503"}, ["status"]),
    ({"status": True}, ["status"]),
    ({"status": 503, "closeConnection": True}, ["closeConnection"]),
    ({"status": 503, "endWatchAfterEvents": 1}, ["endWatchAfterEvents"]),
    ({"method": "FETCH", "status": 503}, ["method"]),
    ({"verb": "fly", "status": 503}, ["verb"]),
    ({"path": "version", "status": 503}, ["path"]),
    ({"path": "/mock/faults", "status": 503}, ["path"]),
    ({"path": "/mock/faults*", "status": 503}, ["path"]),
    ({"delayMs": -1}, ["delayMs"]),
    ({"delayMs": 10**9}, ["delayMs"]),
    ({"status": 503, "times": 0}, ["times"]),
    ({"status": 503, "times": "once"}, ["times"]),
    ({"closeConnection": "yes"}, ["closeConnection"]),
    ({"endWatchAfterEvents": -1}, ["endWatchAfterEvents"]),
    ({"endWatchAfterEvents": 1, "verb": "list"}, ["verb"]),
    ({"endWatchAfterEvents": 1, "method": "POST"}, ["method"]),
    ({"delayMs": 5, "reason": "Nope"}, ["reason"]),
    ({"status": 503, "bogus": 1}, ["bogus"]),
    ({"status": 503, "resource": ""}, ["resource"]),
])
def test_invalid_rules_are_422_with_causes(client: Any, rule: dict[str, Any], fields: list[str]) -> None:
    resp = client.post("/mock/faults", json=rule)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["kind"] == "Status" and body["reason"] == "Invalid"
    assert [c["field"] for c in body["details"]["causes"]] == fields
    assert client.get("/mock/faults").get_json()["items"] == []


@pytest.mark.parametrize("data,ctype", [("{", "application/json"), ("[1]", "application/json"),
                                        ("", "application/json")])
def test_malformed_rules_are_400(client: Any, data: str, ctype: str) -> None:
    resp = client.post("/mock/faults", data=data, content_type=ctype)
    assert resp.status_code == 400 and resp.get_json()["reason"] == "BadRequest"


# -- injected Statuses ---------------------------------------------------------------------------

@pytest.mark.parametrize("code,reason,message", [
    (500, "InternalError", "Internal error occurred: injected fault"),
    (503, "ServiceUnavailable", "the server is currently unable to handle the request"),
    (504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded"),
    (409, "Conflict", ('Operation cannot be fulfilled on pods "web": the object has been modified; please '
                       "apply your changes to the latest version and try again")),
    (404, "NotFound", 'pods "web" not found'),
    (403, "Forbidden", 'pods "web" is forbidden: injected fault'),
    (418, "", "injected fault: 418 I'm a Teapot"),
])
def test_status_faults_answer_a_kubernetes_status(client: Any, code: int, reason: str, message: str) -> None:
    client.post(PODS, json=pod("web"))
    add(client, {"resource": "pods", "name": "web", "status": code})
    resp = client.get(PODS + "/web")
    assert resp.status_code == code and resp.content_type == "application/json"
    body = resp.get_json()
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["code"] == code
    assert (body["reason"], body["message"]) == (reason, message)
    assert body["details"]["name"] == "web" and body["details"]["kind"] == "pods"


def test_429_has_retry_after(client: Any) -> None:
    add(client, {"verb": "list", "status": 429})
    resp = client.get(PODS)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert resp.get_json()["reason"] == "TooManyRequests" and resp.get_json()["details"]["retryAfterSeconds"] == 1
    client.delete("/mock/faults")
    add(client, {"verb": "list", "status": 503, "retryAfterSeconds": 7, "reason": "Busy", "message": "later"})
    resp = client.get(PODS)
    body = resp.get_json()
    assert resp.headers["Retry-After"] == "7" and body["details"]["retryAfterSeconds"] == 7
    assert (body["reason"], body["message"]) == ("Busy", "later")


def test_a_5xx_fault_leaves_data_unchanged(client: Any) -> None:
    client.post(PODS, json=pod("keep"))
    before = client.get(PODS + "/keep").get_json()
    add(client, {"resource": "pods", "status": 500})
    assert client.post(PODS, json=pod("new")).status_code == 500
    assert client.delete(PODS + "/keep").status_code == 500
    assert client.patch(PODS + "/keep", json={"metadata": {"labels": {"a": "b"}}},
                        headers={"Content-Type": "application/merge-patch+json"}).status_code == 500
    assert client.delete(PODS).status_code == 500
    client.delete("/mock/faults")
    assert pod_names(client) == ["keep"]
    assert client.get(PODS + "/keep").get_json() == before


def test_matching_fields(client: Any) -> None:
    client.post("/api/v1/namespaces", json={"metadata": {"name": "other"}})
    add(client, {"method": "POST", "resource": "pods", "namespace": "other", "status": 503})
    assert client.post("/api/v1/namespaces/other/pods", json=pod("a")).status_code == 503
    assert client.post(PODS, json=pod("a")).status_code == 201  # another namespace
    assert client.get("/api/v1/namespaces/other/pods").status_code == 200  # another method
    client.delete("/mock/faults")
    add(client, {"path": "/api/v1/namespaces/default/pods/*", "status": 502})
    assert client.get(PODS + "/a").status_code == 502
    assert client.get(PODS).status_code == 200  # the prefix needs the trailing slash
    client.delete("/mock/faults")
    add(client, {"resource": "pods/status", "verb": "patch", "status": 409})
    assert client.patch(PODS + "/a/status", json={}, headers={
        "Content-Type": "application/merge-patch+json"}).status_code == 409
    assert client.patch(PODS + "/a", json={}, headers={
        "Content-Type": "application/merge-patch+json"}).status_code == 200
    assert client.get(PODS + "/a/status").status_code == 200


def test_first_matching_rule_wins(client: Any) -> None:
    first = add(client, {"path": "/version", "status": 500, "times": 1})
    second = add(client, {"path": "/version", "status": 503})
    assert [client.get("/version").status_code for _ in range(3)] == [500, 503, 503]
    rules = {r["id"]: r for r in client.get("/mock/faults").get_json()["items"]}
    assert (rules[first["id"]]["remaining"], rules[first["id"]]["hits"]) == (0, 1)
    assert (rules[second["id"]]["remaining"], rules[second["id"]]["hits"]) == (None, 2)


def test_times_one_n_and_until_removed(client: Any) -> None:
    once = add(client, {"path": "/version", "status": 503, "times": 1})
    assert [client.get("/version").status_code for _ in range(2)] == [503, 200]
    client.delete(f"/mock/faults/{once['id']}")
    add(client, {"path": "/version", "status": 503, "times": 3})
    assert [client.get("/version").status_code for _ in range(4)] == [503, 503, 503, 200]
    client.delete("/mock/faults")
    forever = add(client, {"path": "/version", "status": 503})
    assert [client.get("/version").status_code for _ in range(5)] == [503] * 5
    assert client.get(f"/mock/faults/{forever['id']}").get_json()["hits"] == 5
    client.delete(f"/mock/faults/{forever['id']}")
    assert client.get("/version").status_code == 200


def test_mock_paths_only_when_named(client: Any) -> None:
    add(client, {"status": 503})  # everything but /mock
    assert client.get("/version").status_code == 503
    assert client.get("/mock/requests").status_code == 200
    assert client.get("/mock/faults").status_code == 200
    add(client, {"path": "/mock/routing-table", "status": 500})
    assert client.get("/mock/routing-table").status_code == 500
    assert client.delete("/mock/faults").status_code == 200  # faults never apply to /mock/faults


def test_faults_are_journaled(client: Any) -> None:
    rule = add(client, {"path": "/version", "status": 503, "times": 1})
    client.get("/version")
    client.get("/version")
    items = client.get("/mock/requests?path=/version").get_json()["items"]
    assert [(e["status"], e["fault"]) for e in items] == [(503, rule["id"]), (200, None)]


def test_close_connection_without_a_socket_raises(client: Any) -> None:
    add(client, {"path": "/version", "closeConnection": True, "times": 1})
    with pytest.raises(ConnectionError):
        client.get("/version")
    assert client.get("/version").status_code == 200
    items = client.get("/mock/requests?path=/version").get_json()["items"]
    assert items[0]["status"] is None and items[0]["fault"] is not None


def test_delay_then_run_normally_in_process(client: Any) -> None:
    add(client, {"method": "POST", "resource": "pods", "delayMs": 50, "times": 1})
    start = time.monotonic()
    assert client.post(PODS, json=pod("slow")).status_code == 201
    assert time.monotonic() - start >= 0.05
    assert pod_names(client) == ["slow"]


def test_end_watch_rule_does_not_touch_other_requests(client: Any) -> None:
    rule = add(client, {"resource": "pods", "endWatchAfterEvents": 1})
    assert client.get(PODS).status_code == 200
    assert client.get(f"/mock/faults/{rule['id']}").get_json()["hits"] == 0


# -- against a live server -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def server() -> Any:
    srv = LiveServer()
    yield srv
    srv.proc.terminate()  # then read everything it logged: dropped connections leave no traceback
    output = srv.proc.stdout.read().decode() if srv.proc.stdout else ""
    srv.stop()
    assert "Traceback" not in output and "Error handling request" not in output, output[-3000:]


@pytest.fixture
def live(server: LiveServer) -> Any:
    session = requests.Session()
    session.delete(server.url + "/mock/faults", timeout=10)
    yield server.url
    session.delete(server.url + "/mock/faults", timeout=10)
    session.close()


def test_live_close_connection(live: str) -> None:
    r = requests.post(live + "/mock/faults", json={"path": "/api/v1/namespaces", "closeConnection": True,
                                                   "times": 2}, timeout=10)
    assert r.status_code == 201
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(live + "/api/v1/namespaces", timeout=10)
    assert requests.get(live + "/api/v1/namespaces", timeout=10).status_code == 200
    with requests.Session() as keepalive:  # a kept-alive connection is dropped too; the next one works
        assert keepalive.get(live + "/readyz", timeout=10).status_code == 200
        requests.post(live + "/mock/faults", json={"path": "/version", "closeConnection": True, "times": 1},
                      timeout=10)
        with pytest.raises(requests.ConnectionError):
            keepalive.get(live + "/version", timeout=10)
        assert keepalive.get(live + "/version", timeout=10).status_code == 200


def test_live_delay(live: str) -> None:
    requests.post(live + "/mock/faults", json={"path": "/version", "delayMs": 300, "times": 1}, timeout=10)
    start = time.monotonic()
    assert requests.get(live + "/version", timeout=10).status_code == 200
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 5.0
    start = time.monotonic()
    assert requests.get(live + "/version", timeout=10).status_code == 200
    assert time.monotonic() - start < 0.3 + 2.0  # used up: no delay (bound generous on a busy machine)


def test_live_end_watch_after_events_with_the_official_client(live: str, tmp_path: Any) -> None:
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import client as k8s
    from kubernetes import watch

    ns = "faults-watch"
    requests.post(live + "/api/v1/namespaces", json={"metadata": {"name": ns}}, timeout=10)
    for n in range(4):
        r = requests.post(f"{live}/api/v1/namespaces/{ns}/endpoints",
                          json={"metadata": {"name": f"e{n}"}, "subsets": []}, timeout=10)
        assert r.status_code == 201, r.text
    rule = requests.post(live + "/mock/faults", json={"resource": "endpoints", "namespace": ns,
                                                      "endWatchAfterEvents": 2, "times": 1}, timeout=10).json()
    conf = k8s.Configuration(host=live)
    with kubernetes.client.ApiClient(conf) as api_client:
        core = k8s.CoreV1Api(api_client)
        start = time.monotonic()
        events = list(watch.Watch().stream(core.list_namespaced_endpoints, ns, timeout_seconds=20))
        assert time.monotonic() - start < 10  # ended by the fault, not by timeoutSeconds
        assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "e0"), ("ADDED", "e1")]
        # used up: the next watch sees every object (ended here by its own timeout)
        events = list(watch.Watch().stream(core.list_namespaced_endpoints, ns, timeout_seconds=1))
        assert [e["object"].metadata.name for e in events] == ["e0", "e1", "e2", "e3"]
    assert requests.get(f"{live}/mock/faults/{rule['id']}", timeout=10).json()["hits"] == 1


def test_live_end_watch_counts_live_events(live: str) -> None:
    ns = "faults-watch-live"
    requests.post(live + "/api/v1/namespaces", json={"metadata": {"name": ns}}, timeout=10)
    base = f"{live}/api/v1/namespaces/{ns}/endpoints"
    rv = requests.get(base, timeout=10).json()["metadata"]["resourceVersion"]
    requests.post(live + "/mock/faults", json={"resource": "endpoints", "verb": "watch",
                                               "endWatchAfterEvents": 3, "times": 1}, timeout=10)
    with requests.get(f"{base}?watch=1&resourceVersion={rv}&timeoutSeconds=20&allowWatchBookmarks=true",
                      stream=True, timeout=20) as resp:
        assert resp.status_code == 200
        for n in range(5):
            requests.post(base, json={"metadata": {"name": f"x{n}"}, "subsets": []}, timeout=10)
        lines = [json.loads(line) for line in resp.iter_lines() if line]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [
        ("ADDED", "x0"), ("ADDED", "x1"), ("ADDED", "x2")]


def test_live_status_fault_and_no_tracebacks(server: LiveServer, live: str) -> None:
    requests.post(live + "/mock/faults", json={"method": "POST", "resource": "namespaces", "status": 503},
                  timeout=10)
    r = requests.post(live + "/api/v1/namespaces", json={"metadata": {"name": "never"}}, timeout=10)
    assert r.status_code == 503 and r.json()["reason"] == "ServiceUnavailable"
    requests.delete(live + "/mock/faults", timeout=10)
    assert requests.get(live + "/api/v1/namespaces/never", timeout=10).status_code == 404


def test_cli_faults(live: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["faults", "add", '{"path": "/version", "status": 503, "times": 2}',
                                  "--server", live])
    assert result.exit_code == 0, result.output
    rule = json.loads(result.output)
    assert rule["remaining"] == 2
    assert requests.get(live + "/version", timeout=10).status_code == 503
    result = runner.invoke(main, ["faults", "list", "--server", live])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "MATCH", "ACTION", "REMAINING", "HITS"]
    assert lines[1].split() == [rule["id"], "path=/version", "status=503", "1", "1"]
    result = runner.invoke(main, ["faults", "list", "--server", live, "-o", "json"])
    assert [r["id"] for r in json.loads(result.output)["items"]] == [rule["id"]]
    result = runner.invoke(main, ["faults", "delete", rule["id"], "--server", live])
    assert result.exit_code == 0 and rule["id"] in result.output
    result = runner.invoke(main, ["faults", "delete", rule["id"], "--server", live])
    assert result.exit_code == 1 and "HTTP 404" in result.output
    result = runner.invoke(main, ["faults", "add", '{"status": 200}', "--server", live])
    assert result.exit_code == 1 and "HTTP 422" in result.output
    result = runner.invoke(main, ["faults", "add", "{nope", "--server", live])
    assert result.exit_code == 2 and "not JSON" in result.output
    runner.invoke(main, ["faults", "add", '{"path": "/version", "delayMs": 1}', "--server", live])
    result = runner.invoke(main, ["faults", "clear", "--server", live])
    assert result.exit_code == 0 and "removed 1" in result.output
    assert requests.get(live + "/version", timeout=10).status_code == 200


def test_close_connection_under_werkzeugs_threaded_server(app: Any) -> None:
    """The in-process server (werkzeug) drops the connection quietly too."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        add(app.test_client(), {"path": "/version", "closeConnection": True, "times": 1})
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/version", timeout=10)
        assert requests.get(url + "/version", timeout=10).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_status_fault_on_a_watch_answers_the_status(client: Any) -> None:
    add(client, {"verb": "watch", "status": 503, "times": 1})
    resp = client.get(PODS + "?watch=1&timeoutSeconds=1")
    assert resp.status_code == 503 and resp.get_json()["reason"] == "ServiceUnavailable"
    resp = client.get(PODS + "?watch=1&timeoutSeconds=1")
    try:
        assert resp.status_code == 200  # used up: a normal stream
    finally:
        resp.close()


def test_delay_then_status(client: Any) -> None:
    add(client, {"path": "/version", "delayMs": 30, "status": 504, "times": 1})
    start = time.monotonic()
    resp = client.get("/version")
    assert resp.status_code == 504 and time.monotonic() - start >= 0.03
    assert resp.get_json()["reason"] == "Timeout"


def test_reset_clears_fault_rules_and_the_journal(client: Any) -> None:
    rule = client.post("/mock/faults", json={"path": "/api/v1/namespaces/default/pods", "status": 503})
    assert rule.status_code in (200, 201)
    client.get("/api/v1/namespaces")
    assert client.get("/mock/requests").get_json()["items"]
    assert client.post("/mock/reset").status_code == 200
    assert client.get("/mock/faults").get_json()["items"] == []
    # what came before the reset is gone (the reset itself is journaled as it ends)
    assert [e["path"] for e in client.get("/mock/requests").get_json()["items"]] == ["/mock/reset", "/mock/faults"]
    assert client.get("/api/v1/namespaces/default/pods").status_code == 200
