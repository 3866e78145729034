"""The simulated scheduler and kubelet: binding, pod IPs, Running/Ready status, readiness gates,
node readiness, graceful deletion, and the pure scheduling rules."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mockapi.app import create_app
from mockapi.controllers import podstatus, scheduler

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}], **spec}}


def create(client, name: str, **spec: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post(PODS, json=pod(name, **spec))
    assert r.status_code == 201, r.json
    return get(client, name)


def get(client, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get(f"{PODS}/{name}")
    assert r.status_code == 200, r.json
    return r.json


def cond(p: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    return podstatus.get_condition(p.get("status") or {}, ctype)


@pytest.fixture
def kc(app_kubelet):  # type: ignore[no-untyped-def]
    return app_kubelet.test_client()


# -- binding and starting --------------------------------------------------------------------

def test_pod_is_bound_started_and_ready(kc) -> None:  # type: ignore[no-untyped-def]
    r = kc.post(PODS, json=pod("web"))
    assert r.status_code == 201
    assert r.json["status"]["phase"] == "Pending"  # the create answers what was created, as upstream
    p = get(kc, "web")
    st = p["status"]
    assert p["spec"]["nodeName"] == "node-1"
    assert st["phase"] == "Running"
    assert st["podIP"] == "10.244.0.2" and st["podIPs"] == [{"ip": "10.244.0.2"}]
    assert st["hostIP"] == "172.18.0.2" and st["hostIPs"] == [{"ip": "172.18.0.2"}]
    assert st["startTime"] and st["qosClass"] == "BestEffort"
    types = [c["type"] for c in st["conditions"]]
    assert types == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    assert all(c["status"] == "True" and c["lastTransitionTime"] for c in st["conditions"])
    (cs,) = st["containerStatuses"]
    assert cs["name"] == "c" and cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0
    assert cs["image"] == "docker.io/library/nginx:1.25"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["containerID"].startswith("containerd://") and len(cs["containerID"]) == 13 + 64
    assert "startedAt" in cs["state"]["running"]
    assert p["metadata"]["generation"] == 1  # binding is not a spec update


def test_spread_by_fewest_pods_ties_by_name(kc) -> None:  # type: ignore[no-untyped-def]
    nodes = [create(kc, f"p{i}")["spec"]["nodeName"] for i in range(7)]
    assert nodes == ["node-1", "node-2", "node-3", "node-1", "node-2", "node-3", "node-1"]
    ips = {get(kc, f"p{i}")["status"]["podIP"] for i in range(7)}
    assert ips == {"10.244.0.2", "10.244.1.2", "10.244.2.2", "10.244.0.3", "10.244.1.3", "10.244.2.3",
                   "10.244.0.4"}
    assert kc.delete(f"{PODS}/p1").status_code == 200  # node-2 now has the fewest
    assert create(kc, "again")["spec"]["nodeName"] == "node-2"
    assert get(kc, "again")["status"]["podIP"] == "10.244.1.2"  # the released IP is handed out again


def test_explicit_node_name_and_host_network(kc) -> None:  # type: ignore[no-untyped-def]
    p = create(kc, "pinned", nodeName="node-3")
    assert p["spec"]["nodeName"] == "node-3" and p["status"]["podIP"] == "10.244.2.2"
    h = create(kc, "host", hostNetwork=True, nodeName="node-2")
    assert h["status"]["podIP"] == h["status"]["hostIP"] == "172.18.0.3"
    assert create(kc, "next", nodeName="node-2")["status"]["podIP"] == "10.244.1.2"  # hostNetwork took none


def test_node_selector_and_unschedulable_message(kc) -> None:  # type: ignore[no-untyped-def]
    p = create(kc, "zoned", nodeSelector={"topology.kubernetes.io/zone": "zone-b"})
    assert p["spec"]["nodeName"] == "node-2"
    p = create(kc, "nowhere", nodeSelector={"disk": "ssd"})
    assert "nodeName" not in p["spec"] and p["status"]["phase"] == "Pending"
    c = cond(p, "PodScheduled")
    assert c is not None and c["status"] == "False" and c["reason"] == "Unschedulable"
    assert c["message"] == ("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
                            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    # a node that starts to fit gets the pod
    r = kc.patch("/api/v1/nodes/node-3", json={"metadata": {"labels": {"disk": "ssd"}}},
                 headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    p = get(kc, "nowhere")
    assert p["spec"]["nodeName"] == "node-3" and p["status"]["phase"] == "Running"
    assert cond(p, "PodScheduled")["status"] == "True"  # type: ignore[index]


def test_taints_cordon_and_tolerations(kc) -> None:  # type: ignore[no-untyped-def]
    merge = {"Content-Type": "application/merge-patch+json"}
    kc.patch("/api/v1/nodes/node-1", json={"spec": {"unschedulable": True}}, headers=merge)
    kc.patch("/api/v1/nodes/node-2", json={"spec": {"taints": [{"key": "gpu", "value": "yes",
                                                                "effect": "NoSchedule"}]}}, headers=merge)
    kc.patch("/api/v1/nodes/node-3", json={"metadata": {"labels": {"x": "y"}}}, headers=merge)
    p = create(kc, "picky", nodeSelector={"x": "z"})
    msg = cond(p, "PodScheduled")["message"]  # type: ignore[index]
    assert msg.startswith("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                          "1 node(s) had untolerated taint {gpu: yes}, 1 node(s) were unschedulable. ")
    tolerant = create(kc, "tolerant", nodeSelector={"kubernetes.io/hostname": "node-2"},
                      tolerations=[{"key": "gpu", "operator": "Exists"}])
    assert tolerant["spec"]["nodeName"] == "node-2"
    assert create(kc, "plain")["spec"]["nodeName"] == "node-3"


def test_node_affinity_required_terms(kc) -> None:  # type: ignore[no-untyped-def]
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-c"]}]},
    ]}}}
    assert create(kc, "aff", affinity=affinity)["spec"]["nodeName"] == "node-3"


def test_no_nodes_message() -> None:
    app = create_app({"db": "sqlite://", "nodes": 0, "kubelet": "on"})
    try:
        c = app.test_client()
        p = create(c, "lonely")
        assert cond(p, "PodScheduled")["message"] == "no nodes available to schedule pods"  # type: ignore[index]
        node = {"metadata": {"name": "late"}, "spec": {"podCIDR": "10.50.0.0/24"},
                "status": {"conditions": [{"type": "Ready", "status": "True"}],
                           "addresses": [{"type": "InternalIP", "address": "192.0.2.9"}]}}
        assert c.post("/api/v1/nodes", json=node).status_code == 201
        p = get(c, "lonely")
        assert p["spec"]["nodeName"] == "late" and p["status"]["podIP"] == "10.50.0.2"
    finally:
        app.extensions["mockapi"].close()


def test_full_pod_range_leaves_pod_creating() -> None:
    app = create_app({"db": "sqlite://", "nodes": 0, "kubelet": "on"})
    try:
        c = app.test_client()
        node = {"metadata": {"name": "tiny"}, "spec": {"podCIDR": "10.60.0.0/30"},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        assert c.post("/api/v1/nodes", json=node).status_code == 201
        assert create(c, "a")["status"]["podIP"] == "10.60.0.2"
        b = create(c, "b")
        assert b["spec"]["nodeName"] == "tiny" and b["status"]["phase"] == "Pending" and "podIP" not in b["status"]
        assert b["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
        assert cond(b, "Ready")["status"] == "False"  # type: ignore[index]
    finally:
        app.extensions["mockapi"].close()


def test_kubelet_off_leaves_pods_alone(client) -> None:  # type: ignore[no-untyped-def]
    p = create(client, "still")
    assert "nodeName" not in p["spec"] and p["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_watch_sees_added_then_modified(kc) -> None:  # type: ignore[no-untyped-def]
    rv = kc.get(PODS).json["metadata"]["resourceVersion"]
    create(kc, "w")
    r = kc.get(f"{PODS}?watch=1&resourceVersion={rv}&timeoutSeconds=1")
    import json

    events = [json.loads(line) for line in r.data.decode().splitlines() if line.strip()]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED"]
    assert events[1]["object"]["status"]["phase"] == "Running"


# -- readiness -------------------------------------------------------------------------------

def _status_patch(kc, name: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = kc.patch(f"{PODS}/{name}/status", json={"status": {"conditions": conditions}},
                 headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.status_code == 200, r.json
    return get(kc, name)


def test_readiness_gates(kc) -> None:  # type: ignore[no-untyped-def]
    p = create(kc, "gated", readinessGates=[{"conditionType": "example.com/lb"}])
    assert p["status"]["phase"] == "Running"
    assert cond(p, "ContainersReady")["status"] == "True"  # type: ignore[index]
    ready = cond(p, "Ready")
    assert ready["status"] == "False" and ready["reason"] == "ReadinessGatesNotReady"  # type: ignore[index]
    assert ready["message"] == 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'  # type: ignore[index]
    p = _status_patch(kc, "gated", [{"type": "example.com/lb", "status": "True"}])
    assert cond(p, "Ready")["status"] == "True"  # type: ignore[index]
    p = _status_patch(kc, "gated", [{"type": "example.com/lb", "status": "False"}])
    ready = cond(p, "Ready")
    assert ready["status"] == "False"  # type: ignore[index]
    assert ready["message"] == 'the status of pod readiness gate "example.com/lb" is not "True", but False'  # type: ignore[index]


def test_client_ready_flip_is_respected(kc) -> None:  # type: ignore[no-untyped-def]
    create(kc, "flip")
    p = _status_patch(kc, "flip", [{"type": "Ready", "status": "False"}])
    assert cond(p, "Ready")["status"] == "False"  # type: ignore[index]
    # unrelated writes do not make the kubelet put it back
    kc.patch(f"{PODS}/flip", json={"metadata": {"labels": {"a": "b"}}},
             headers={"Content-Type": "application/merge-patch+json"})
    assert cond(get(kc, "flip"), "Ready")["status"] == "False"  # type: ignore[index]
    p = _status_patch(kc, "flip", [{"type": "Ready", "status": "True"}])
    assert cond(p, "Ready")["status"] == "True"  # type: ignore[index]


def _node_ready(kc, node: str, status: str) -> None:  # type: ignore[no-untyped-def]
    n = kc.get(f"/api/v1/nodes/{node}").json
    for c in n["status"]["conditions"]:
        if c["type"] == "Ready":
            c["status"] = status
    assert kc.put(f"/api/v1/nodes/{node}/status", json=n).status_code == 200


def test_node_not_ready_makes_its_pods_not_ready(kc) -> None:  # type: ignore[no-untyped-def]
    create(kc, "a")  # node-1
    create(kc, "b")  # node-2
    _node_ready(kc, "node-1", "False")
    a, b = get(kc, "a"), get(kc, "b")
    assert cond(a, "Ready")["status"] == "False" and cond(a, "ContainersReady")["status"] == "False"  # type: ignore[index]
    assert a["status"]["containerStatuses"][0]["ready"] is False
    assert cond(b, "Ready")["status"] == "True"  # type: ignore[index]
    # new pods avoid the NotReady node
    assert create(kc, "c")["spec"]["nodeName"] == "node-3"
    _node_ready(kc, "node-1", "True")
    a = get(kc, "a")
    assert cond(a, "Ready")["status"] == "True" and a["status"]["containerStatuses"][0]["ready"] is True  # type: ignore[index]


def test_pod_on_not_ready_node_starts_when_it_recovers(kc) -> None:  # type: ignore[no-untyped-def]
    _node_ready(kc, "node-2", "False")
    p = create(kc, "waiting", nodeName="node-2")
    assert p["status"]["phase"] == "Pending" and "podIP" not in p["status"]
    _node_ready(kc, "node-2", "True")
    assert get(kc, "waiting")["status"]["phase"] == "Running"


# -- deletion --------------------------------------------------------------------------------

def test_delete_is_immediate_by_default_and_frees_the_ip(kc, app_kubelet) -> None:  # type: ignore[no-untyped-def]
    create(kc, "gone")
    assert kc.delete(f"{PODS}/gone").status_code == 200
    assert kc.get(f"{PODS}/gone").status_code == 404
    from mockapi.storage import allocations, indexes

    with app_kubelet.extensions["mockapi"].db.read() as conn:
        held = [a for a in allocations.all_allocations(conn) if a[2] == "pods/default/gone"]
        held += [e for e in indexes.all_entries(conn) if e[3] == "pods/default/gone"]
    assert held == []


@pytest.fixture
def graceful_client():  # type: ignore[no-untyped-def]
    app = create_app({"db": "sqlite://", "nodes": 3, "kubelet": "on", "graceful_deletion": True})
    yield app.test_client()
    app.extensions["mockapi"].close()


def test_graceful_deletion_keeps_pod_terminating(graceful_client) -> None:  # type: ignore[no-untyped-def]
    c = graceful_client
    create(c, "slow", terminationGracePeriodSeconds=1)
    r = c.delete(f"{PODS}/slow")
    assert r.status_code == 200
    meta = r.json["metadata"]
    assert meta["deletionGracePeriodSeconds"] == 1 and meta["deletionTimestamp"]
    assert get(c, "slow")["status"]["phase"] == "Running"  # still there, still serving
    deadline = time.monotonic() + 5
    while c.get(f"{PODS}/slow").status_code == 200:
        assert time.monotonic() < deadline, "the terminating pod never went"
        time.sleep(0.1)


def test_graceful_deletion_options(graceful_client) -> None:  # type: ignore[no-untyped-def]
    c = graceful_client
    create(c, "forced")
    r = c.delete(f"{PODS}/forced", json={"gracePeriodSeconds": 30})
    assert r.json["metadata"]["deletionGracePeriodSeconds"] == 30
    # a longer period does not extend it; 0 forces it out at once
    r = c.delete(f"{PODS}/forced", json={"gracePeriodSeconds": 60})
    assert r.json["metadata"]["deletionGracePeriodSeconds"] == 30
    assert c.delete(f"{PODS}/forced?gracePeriodSeconds=0").status_code == 200
    assert c.get(f"{PODS}/forced").status_code == 404
    # an unscheduled pod has no kubelet to wait for
    c.post(PODS, json=pod("unbound", nodeSelector={"no": "where"}))
    c.delete(f"{PODS}/unbound")
    assert c.get(f"{PODS}/unbound").status_code == 404


# -- pure rules ------------------------------------------------------------------------------

def test_tolerations_match_taints() -> None:
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    assert scheduler.tolerates([{"key": "k", "operator": "Equal", "value": "v"}], taint)
    assert scheduler.tolerates([{"operator": "Exists"}], taint)
    assert scheduler.tolerates([{"key": "k", "operator": "Exists", "effect": "NoSchedule"}], taint)
    assert not scheduler.tolerates([{"key": "k", "value": "w"}], taint)
    assert not scheduler.tolerates([{"key": "k", "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not scheduler.tolerates([], taint)


def test_unschedulable_message_sorts_reasons() -> None:
    msg = scheduler.unschedulable_message(["b reason", "a reason", "b reason"], 3)
    assert msg.startswith("0/3 nodes are available: 1 a reason, 2 b reason. preemption:")


def test_normalize_image() -> None:
    assert podstatus.normalize_image("nginx")[0] == "docker.io/library/nginx:latest"
    assert podstatus.normalize_image("bitnami/redis:7")[0] == "docker.io/bitnami/redis:7"
    assert podstatus.normalize_image("registry.k8s.io/pause:3.9")[0] == "registry.k8s.io/pause:3.9"
    assert podstatus.normalize_image("localhost:5000/app")[0] == "localhost:5000/app:latest"


def test_terminating_pods_left_over_go_after_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = {"db": f"sqlite:///{tmp_path / 'g.db'}", "nodes": 1, "kubelet": "on", "graceful_deletion": True}
    first = create_app(config)
    c = first.test_client()
    create(c, "leftover", terminationGracePeriodSeconds=1)
    assert c.delete(f"{PODS}/leftover").status_code == 200
    first.extensions["mockapi"].close()  # the server stops before the grace period ends
    time.sleep(2.1)
    second = create_app(config)
    try:
        c = second.test_client()
        deadline = time.monotonic() + 5
        while c.get(f"{PODS}/leftover").status_code == 200:
            assert time.monotonic() < deadline, "the left-over terminating pod never went"
            time.sleep(0.1)
    finally:
        second.extensions["mockapi"].close()


def test_namespace_deletion_waits_for_terminating_pods(graceful_client) -> None:  # type: ignore[no-untyped-def]
    c = graceful_client
    assert c.post("/api/v1/namespaces", json={"metadata": {"name": "doomed"}}).status_code == 201
    body = pod("p", terminationGracePeriodSeconds=1)
    assert c.post("/api/v1/namespaces/doomed/pods", json=body).status_code == 201
    c.delete("/api/v1/namespaces/doomed")
    assert c.get("/api/v1/namespaces/doomed/pods/p").json["metadata"]["deletionTimestamp"]
    assert c.get("/api/v1/namespaces/doomed").json["status"]["phase"] == "Terminating"
    deadline = time.monotonic() + 5
    while c.get("/api/v1/namespaces/doomed").status_code == 200:
        assert time.monotonic() < deadline, "the namespace never went"
        time.sleep(0.1)


def test_cli_kubelet_option() -> None:
    from click.testing import CliRunner

    from mockapi.cli import main
    from mockapi.config import load_config

    result = CliRunner().invoke(main, ["serve", "--kubelet", "maybe"])
    assert result.exit_code == 2 and "--kubelet" in result.output
    assert load_config(environ={}).kubelet == "on" and not load_config(environ={}).graceful_deletion
    env = {"MOCKAPI_KUBELET": "off", "MOCKAPI_GRACEFUL_DELETION": "true"}
    assert load_config(environ=env).kubelet == "off" and load_config(environ=env).graceful_deletion


def test_too_many_pods_waits_for_room() -> None:
    """NodeResourcesFit on status.allocatable.pods: a full node refuses pods ("Too many pods"); a
    deleted pod makes room and the pending one is scheduled."""
    import json

    from mockapi.app import create_app

    app = create_app({"db": "sqlite://", "nodes": 1, "kubelet": "on"})
    try:
        c = app.test_client()
        r = c.patch("/api/v1/nodes/node-1/status", data=json.dumps({"status": {"allocatable": {"pods": "2"}}}),
                    headers={"Content-Type": "application/merge-patch+json"})
        assert r.status_code == 200
        for i in range(3):
            c.post(PODS, json={"metadata": {"name": f"p{i}"}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
        waiting = c.get(f"{PODS}/p2").get_json()
        scheduled = next(x for x in waiting["status"]["conditions"] if x["type"] == "PodScheduled")
        assert (waiting["status"]["phase"], scheduled["reason"]) == ("Pending", "Unschedulable")
        assert scheduled["message"].startswith("0/1 nodes are available: 1 Too many pods.")
        assert c.delete(f"{PODS}/p0").status_code == 200
        started = c.get(f"{PODS}/p2").get_json()
        assert started["spec"]["nodeName"] == "node-1" and started["status"]["phase"] == "Running"
    finally:
        app.extensions["mockapi"].close()
