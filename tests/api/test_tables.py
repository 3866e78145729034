"""meta.k8s.io/v1 Table output, as kubectl asks for it: columns, cells, includeObject, paging and
one-row Tables on watch streams."""

from __future__ import annotations

import json

import pytest

from mockapi.registry.printing import human_duration

TABLE = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
         "application/json")
PODS = "/api/v1/namespaces/default/pods"


def _pod(name: str, **labels: str) -> dict:
    return {"metadata": {"name": name, "labels": labels}, "spec": {"containers": [{"name": "c", "image": "i"}]}}


def test_pod_list_table_has_kubectl_columns_and_partial_metadata(client) -> None:
    client.post(PODS, json=_pod("a", app="web"))
    r = client.get(PODS + "?limit=500", headers={"Accept": TABLE})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    table = r.get_json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]
    assert table["columnDefinitions"][0]["format"] == "name"
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    (row,) = table["rows"]
    assert row["cells"][:4] == ["a", "0/1", "Pending", "0"]
    assert row["cells"][5:] == ["<none>", "<none>", "<none>", "<none>"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["labels"] == {"app": "web"}
    assert table["metadata"]["resourceVersion"]


def test_include_object_modes(client) -> None:
    client.post(PODS, json=_pod("a"))
    full = client.get(PODS + "?includeObject=Object", headers={"Accept": TABLE}).get_json()
    assert full["rows"][0]["object"]["kind"] == "Pod" and "spec" in full["rows"][0]["object"]
    none = client.get(PODS + "?includeObject=None", headers={"Accept": TABLE}).get_json()
    assert "object" not in none["rows"][0]
    bad = client.get(PODS + "?includeObject=Everything", headers={"Accept": TABLE})
    assert bad.status_code == 400


def test_single_object_table_and_plain_json_preferred_when_first(client) -> None:
    client.post(PODS, json=_pod("a"))
    one = client.get(PODS + "/a", headers={"Accept": TABLE}).get_json()
    assert one["kind"] == "Table" and len(one["rows"]) == 1
    plain = client.get(PODS + "/a", headers={"Accept": "application/json," + TABLE}).get_json()
    assert plain["kind"] == "Pod"


def test_node_namespace_and_event_tables(client) -> None:
    nodes = client.get("/api/v1/nodes", headers={"Accept": TABLE}).get_json()
    assert [c["name"] for c in nodes["columnDefinitions"]][:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert nodes["rows"][0]["cells"][:3] == ["node-1", "Ready", "<none>"]
    assert nodes["rows"][0]["cells"][5] == "172.18.0.2"
    client.patch("/api/v1/nodes/node-2", data=json.dumps({"spec": {"unschedulable": True}}),
                 headers={"Content-Type": "application/merge-patch+json"})
    nodes = client.get("/api/v1/nodes", headers={"Accept": TABLE}).get_json()
    assert nodes["rows"][1]["cells"][1] == "Ready,SchedulingDisabled"
    ns = client.get("/api/v1/namespaces", headers={"Accept": TABLE}).get_json()
    assert ns["rows"][0]["cells"][:2] == ["default", "Active"]
    client.post("/api/v1/namespaces/default/events", json={
        "metadata": {"name": "e1"}, "involvedObject": {"kind": "Pod", "name": "a", "namespace": "default"},
        "reason": "Started", "message": "hello", "type": "Normal", "count": 2, "source": {"component": "kubelet"}})
    ev = client.get("/api/v1/namespaces/default/events", headers={"Accept": TABLE}).get_json()
    cells = ev["rows"][0]["cells"]
    assert cells[1:4] == ["Normal", "Started", "pod/a"] and cells[6] == "hello" and cells[8] == 2


def test_terminating_pod_status_and_paging(client) -> None:
    for i in range(3):
        client.post(PODS, json=_pod(f"p{i}"))
    client.patch(PODS + "/p0", data=json.dumps({"metadata": {"finalizers": ["example.com/x"]}}),
                 headers={"Content-Type": "application/merge-patch+json"})
    client.delete(PODS + "/p0")
    page = client.get(PODS + "?limit=2", headers={"Accept": TABLE}).get_json()
    assert [r["cells"][0] for r in page["rows"]] == ["p0", "p1"]
    assert page["rows"][0]["cells"][2] == "Terminating"
    assert page["metadata"]["continue"]
    rest = client.get(PODS + "?limit=2&continue=" + page["metadata"]["continue"], headers={"Accept": TABLE})
    assert [r["cells"][0] for r in rest.get_json()["rows"]] == ["p2"]


@pytest.mark.parametrize("seconds,text", [(-5, "<invalid>"), (-1, "0s"), (45, "45s"), (132, "2m12s"), (600, "10m"),
                                          (3 * 3600 + 240, "3h4m"), (20 * 3600, "20h"), (2 * 86400 + 5 * 3600, "2d5h"),
                                          (40 * 86400, "40d"), (3 * 365 * 86400, "3y"), (10 * 365 * 86400, "10y")])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_watch_events_are_one_row_tables_with_headers_once(live_server) -> None:
    import requests

    url = live_server.url + "/api/v1/namespaces/default/pods"
    rv = requests.get(url, timeout=5).json()["metadata"]["resourceVersion"]
    requests.post(url, json=_pod("tw1"), timeout=5)
    requests.post(url, json=_pod("tw2"), timeout=5)
    r = requests.get(url, params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "1"},
                     headers={"Accept": TABLE}, timeout=10)
    events = [json.loads(line) for line in r.text.splitlines() if line]
    assert [e["type"] for e in events[:2]] == ["ADDED", "ADDED"]
    assert events[0]["object"]["kind"] == "Table" and events[0]["object"]["columnDefinitions"]
    assert events[1]["object"]["columnDefinitions"] is None
    assert [e["object"]["rows"][0]["cells"][0] for e in events[:2]] == ["tw1", "tw2"]
    for name in ("tw1", "tw2"):
        requests.delete(f"{url}/{name}", timeout=5)


def test_service_cidr_and_ip_address_tables(client) -> None:
    cidr = client.get("/apis/networking.k8s.io/v1/servicecidrs", headers={"Accept": TABLE}).get_json()
    assert [c["name"] for c in cidr["columnDefinitions"]] == ["Name", "CIDRs", "Age"]
    assert cidr["rows"][0]["cells"][:2] == ["kubernetes", "10.96.0.0/12"]
    ips = client.get("/apis/networking.k8s.io/v1/ipaddresses", headers={"Accept": TABLE}).get_json()
    assert [c["name"] for c in ips["columnDefinitions"]] == ["Name", "ParentRef", "Age"]
    assert ips["rows"][0]["cells"][:2] == ["10.96.0.1", "services/default/kubernetes"]


def test_cordon_adds_and_uncordon_removes_the_unschedulable_taint(client) -> None:
    def patch(spec: dict) -> dict:
        r = client.patch("/api/v1/nodes/node-1", data=json.dumps({"spec": spec}),
                         headers={"Content-Type": "application/strategic-merge-patch+json"})
        assert r.status_code == 200
        return r.get_json()

    taints = patch({"unschedulable": True})["spec"]["taints"]
    assert [(t["key"], t["effect"]) for t in taints] == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert "taints" not in patch({"unschedulable": None})["spec"]
