"""pods/{name}/log: the simulated container log, its PodLogOptions and upstream's errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

PODS = "/api/v1/namespaces/default/pods"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z ")


def pod(name: str, *containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    containers = containers or ({"name": "c", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},)
    return {"metadata": {"name": name}, "spec": {"containers": list(containers), **spec}}


@pytest.fixture
def kc(app_kubelet):  # type: ignore[no-untyped-def]
    return app_kubelet.test_client()


def log(client, name: str, query: str = "") -> Any:  # type: ignore[no-untyped-def]
    return client.get(f"{PODS}/{name}/log{query}")


def test_running_pod_log(kc) -> None:  # type: ignore[no-untyped-def]
    assert kc.post(PODS, json=pod("web")).status_code == 201
    p = kc.get(f"{PODS}/web").json
    r = log(kc, "web")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.get_data(as_text=True).splitlines() == [
        (f'mockapi: container "c" started from image docker.io/library/nginx:1.27 in pod default/web on node '
         f'{p["spec"]["nodeName"]}'),
        f"mockapi: pod IP {p['status']['podIP']}",
        "mockapi: listening on port 80/TCP",
        "mockapi: ready",
    ]
    assert log(kc, "web", "?container=c").get_data() == r.get_data()
    assert log(kc, "web", "?follow=true").get_data() == r.get_data()  # answered whole, then the stream ends


def test_tail_lines_timestamps_limit_bytes_since(kc) -> None:  # type: ignore[no-untyped-def]
    assert kc.post(PODS, json=pod("web")).status_code == 201
    full = log(kc, "web").get_data(as_text=True).splitlines()
    assert log(kc, "web", "?tailLines=2").get_data(as_text=True).splitlines() == full[-2:]
    assert log(kc, "web", "?tailLines=0").get_data() == b""
    assert log(kc, "web", "?tailLines=100").get_data(as_text=True).splitlines() == full
    stamped = log(kc, "web", "?timestamps=true").get_data(as_text=True).splitlines()
    assert all(STAMP.match(line) for line in stamped)
    assert [line.split(" ", 1)[1] for line in stamped] == full
    times = [dt.datetime.fromisoformat(line.split(" ", 1)[0]) for line in stamped]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert log(kc, "web", "?limitBytes=10").get_data() == "\n".join(full).encode()[:10]
    assert log(kc, "web", "?sinceSeconds=3600").get_data(as_text=True).splitlines() == full
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert log(kc, "web", f"?sinceTime={future}").get_data() == b""
    assert log(kc, "web", "?sinceTime=2000-01-01T00:00:00Z").get_data(as_text=True).splitlines() == full


@pytest.mark.parametrize("query,message", [
    ("?tailLines=-1", ('PodLogOptions "web" is invalid: tailLines: Invalid value: -1: '
                       "must be greater than or equal to 0")),
    ("?limitBytes=0", 'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0'),
    ("?sinceSeconds=0", ('PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: '
                         "must be greater than 0")),
])
def test_invalid_options(kc, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert kc.post(PODS, json=pod("web")).status_code == 201
    r = log(kc, "web", query)
    assert r.status_code == 422 and r.json["reason"] == "Invalid"
    assert r.json["message"] == message


def test_bad_query_values(kc) -> None:  # type: ignore[no-untyped-def]
    assert kc.post(PODS, json=pod("web")).status_code == 201
    assert log(kc, "web", "?tailLines=x").status_code == 400
    assert log(kc, "web", "?sinceTime=yesterday").status_code == 400
    r = log(kc, "web", "?sinceSeconds=5&sinceTime=2000-01-01T00:00:00Z")
    assert r.status_code == 422


def test_container_choice(kc) -> None:  # type: ignore[no-untyped-def]
    two = pod("two", {"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"},
              initContainers=[{"name": "init", "image": "busybox"}])
    assert kc.post(PODS, json=two).status_code == 201
    r = log(kc, "two")
    assert r.status_code == 400 and r.json["reason"] == "BadRequest"
    assert r.json["message"] == ("a container name must be specified for pod two, choose one of: [a b] "
                                 "or one of the init containers: [init]")
    r = log(kc, "two", "?container=x")
    assert r.status_code == 400 and r.json["message"] == "container x is not valid for pod two"
    assert 'container "b" started from image docker.io/library/busybox:latest' in \
        log(kc, "two", "?container=b").get_data(as_text=True)
    init = log(kc, "two", "?container=init").get_data(as_text=True).splitlines()
    assert init[-1] == "mockapi: exited with code 0 (Completed)"


def test_missing_pod_is_404(kc) -> None:  # type: ignore[no-untyped-def]
    r = log(kc, "nothere")
    assert r.status_code == 404 and r.json["message"] == 'pods "nothere" not found'


def test_only_get_is_served(kc) -> None:  # type: ignore[no-untyped-def]
    assert kc.post(PODS, json=pod("web")).status_code == 201
    for method in ("PUT", "PATCH", "POST", "DELETE"):
        assert kc.open(f"{PODS}/web/log", method=method, json={}).status_code == 405, method


def test_unscheduled_pod_has_an_empty_log(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post(PODS, json=pod("idle")).status_code == 201  # the kubelet is off: no node
    r = log(client, "idle")
    assert r.status_code == 200 and r.get_data() == b""
    assert log(client, "idle", "?container=x").json["message"] == "container x is not valid for pod idle"


def _bound(client, name: str, container_status: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    assert client.post(PODS, json=pod(name, nodeName="node-1")).status_code == 201
    status = {"phase": "Running", "containerStatuses": [{"name": "c", "image": "nginx:1.27", "ready": False,
                                                         "restartCount": 0, **container_status}]}
    r = client.patch(f"{PODS}/{name}/status", json={"status": status},
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.json


def test_kubelet_errors(client) -> None:  # type: ignore[no-untyped-def]
    _bound(client, "waiting", {"state": {"waiting": {"reason": "ContainerCreating"}}})
    r = log(client, "waiting")
    assert r.status_code == 400
    assert r.json["message"] == 'container "c" in pod "waiting" is waiting to start: ContainerCreating'
    _bound(client, "pulling", {"state": {"waiting": {"reason": "ImagePullBackOff"}}})
    assert log(client, "pulling").json["message"] == (
        'container "c" in pod "pulling" is waiting to start: trying and failing to pull image')
    r = log(client, "waiting", "?previous=true")
    assert r.status_code == 400
    assert r.json["message"] == 'previous terminated container "c" in pod "waiting" not found'

    assert client.post(PODS, json=pod("nostatus", nodeName="node-1")).status_code == 201
    assert log(client, "nostatus").json["message"] == 'container "c" in pod "nostatus" is not available'


def test_terminated_and_previous(client) -> None:  # type: ignore[no-untyped-def]
    _bound(client, "crashy", {
        "restartCount": 1,
        "containerID": "containerd://2",
        "state": {"running": {"startedAt": "2026-01-01T00:05:00Z"}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": "containerd://1",
                                     "startedAt": "2026-01-01T00:00:00Z",
                                     "finishedAt": "2026-01-01T00:04:00Z"}},
    })
    current = log(client, "crashy", "?timestamps=true").get_data(as_text=True).splitlines()
    assert current[0].startswith("2026-01-01T00:05:00Z mockapi: container \"c\" started")
    previous = log(client, "crashy", "?previous=true&timestamps=true").get_data(as_text=True).splitlines()
    assert previous[0].startswith("2026-01-01T00:00:00Z mockapi: container \"c\" started")
    assert previous[-1] == "2026-01-01T00:04:00Z mockapi: exited with code 137 (OOMKilled)"

    _bound(client, "done", {"containerID": "containerd://3", "state": {"terminated": {
        "exitCode": 0, "reason": "Completed", "containerID": "containerd://3",
        "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}}})
    done = log(client, "done").get_data(as_text=True).splitlines()
    assert done[-1] == "mockapi: exited with code 0 (Completed)"
    _bound(client, "never", {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}})
    assert log(client, "never").json["message"] == 'container "c" in pod "never" is terminated'


def test_discovery_lists_pods_log(client) -> None:  # type: ignore[no-untyped-def]
    entries = {r["name"]: r for r in client.get("/api/v1").json["resources"]}
    assert entries["pods/log"]["verbs"] == ["get"]
    assert entries["pods/log"]["kind"] == "Pod" and entries["pods/log"]["namespaced"] is True
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    body = client.get("/api", headers={"Accept": accept}).get_json(force=True)
    (pods,) = [r for g in body["items"] for v in g["versions"] for r in v["resources"]
               if r["resource"] == "pods"]
    subs = {s["subresource"]: s["verbs"] for s in pods["subresources"]}
    assert subs["log"] == ["get"]
