"""Events recorded by the simulated scheduler and kubelet: what `kubectl describe pod` lists on a real
cluster (Scheduled, Pulled, Created, Started; FailedScheduling once per new reason)."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.app import create_app

NS = "/api/v1/namespaces/default"


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], **spec}}


def events_for(client: Any, name: str) -> list[dict[str, Any]]:
    items = client.get(f"{NS}/events", query_string={"fieldSelector": f"involvedObject.name={name}"}).get_json()["items"]
    return sorted(items, key=lambda e: e["metadata"]["name"])


def test_a_started_pod_has_the_events_a_kubelet_records(app_kubelet: Any) -> None:
    client = app_kubelet.test_client()
    created = client.post(f"{NS}/pods", json=pod("ev1", initContainers=[{"name": "init", "image": "busybox"}]))
    assert created.status_code == 201
    node = client.get(f"{NS}/pods/ev1").get_json()["spec"]["nodeName"]
    events = events_for(client, "ev1")
    assert [(e["reason"], e["involvedObject"].get("fieldPath", "")) for e in events] == [
        ("Scheduled", ""),
        ("Pulled", "spec.initContainers{init}"), ("Created", "spec.initContainers{init}"),
        ("Started", "spec.initContainers{init}"),
        ("Pulled", "spec.containers{web}"), ("Created", "spec.containers{web}"), ("Started", "spec.containers{web}"),
    ]
    scheduled = events[0]
    assert scheduled["message"] == f"Successfully assigned default/ev1 to {node}"
    assert scheduled["type"] == "Normal" and scheduled["reportingComponent"] == "default-scheduler"
    assert scheduled["action"] == "Binding" and scheduled["eventTime"].endswith("Z")
    assert scheduled["involvedObject"]["uid"] == created.get_json()["metadata"]["uid"]
    pulled = events[4]
    assert pulled["message"] == 'Container image "nginx:1.27" already present on machine'
    assert pulled["source"] == {"component": "kubelet", "host": node} and pulled["count"] == 1
    assert pulled["firstTimestamp"] == pulled["lastTimestamp"]
    assert events[5]["message"] == "Created container web" and events[6]["message"] == "Started container web"
    assert all(e["metadata"]["name"].startswith("ev1.") for e in events)
    assert [e["metadata"]["managedFields"][0]["manager"] for e in events] == ["default-scheduler"] + ["kubelet"] * 6


def test_failed_scheduling_is_recorded_once_per_reason(app_kubelet: Any) -> None:
    client = app_kubelet.test_client()
    assert client.post(f"{NS}/pods", json=pod("stuck", nodeSelector={"disk": "ssd"})).status_code == 201
    [failed] = events_for(client, "stuck")
    assert failed["reason"] == "FailedScheduling" and failed["type"] == "Warning"
    assert failed["message"].startswith("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
    # another node change retries the pod with the same outcome: no second event
    r = client.patch("/api/v1/nodes/node-1", json={"metadata": {"labels": {"other": "x"}}},
                     content_type="application/merge-patch+json")
    assert r.status_code == 200
    assert len(events_for(client, "stuck")) == 1
    r = client.patch("/api/v1/nodes/node-2", json={"metadata": {"labels": {"disk": "ssd"}}},
                     content_type="application/merge-patch+json")
    assert r.status_code == 200
    assert [e["reason"] for e in events_for(client, "stuck")][-4:] == ["Scheduled", "Pulled", "Created", "Started"]


@pytest.fixture
def quiet_app():  # type: ignore[no-untyped-def]
    application = create_app({"db": "sqlite://", "nodes": 1, "kubelet": "on", "events": False})
    yield application
    application.extensions["mockapi"].close()


def test_events_can_be_turned_off(quiet_app: Any) -> None:
    client = quiet_app.test_client()
    assert client.post(f"{NS}/pods", json=pod("q")).status_code == 201
    assert events_for(client, "q") == []


def test_events_expire_after_the_ttl(app: Any) -> None:
    import datetime as dt

    from mockapi.registry.events import expire

    client = app.test_client()
    base = {"involvedObject": {"kind": "Pod", "name": "x", "namespace": "default"}, "reason": "R",
            "message": "m", "type": "Normal", "count": 1}
    assert client.post(f"{NS}/events", json={**base, "metadata": {"name": "a.1"}}).status_code == 201
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # seen again later (a client's count++ update carries a new lastTimestamp)
    assert client.post(f"{NS}/events", json={**base, "metadata": {"name": "b.1"},
                                             "lastTimestamp": later}).status_code == 201
    registry = app.extensions["mockapi"].registry
    now = dt.datetime.now(dt.timezone.utc)
    assert registry.write(lambda txn: expire(txn, 3600, now=now)) == 0  # written just now
    two_hours = now + dt.timedelta(hours=2)
    assert registry.write(lambda txn: expire(txn, 3600, now=two_hours)) == 1
    assert [e["metadata"]["name"] for e in client.get(f"{NS}/events").get_json()["items"]] == ["b.1"]
    assert registry.write(lambda txn: expire(txn, 0, now=two_hours + dt.timedelta(days=9))) == 0  # 0: kept
