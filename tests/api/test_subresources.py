"""Subresources served by shape: pods/binding (BindingREST) and pods/eviction (EvictionREST) over
HTTP, and the autoscaling/v1 Scale view any kind may declare (registry.scale)."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.errors import StatusError
from mockapi.registry import scale
from mockapi.registry.base import Scale
from mockapi.registry.subresources import scale_subresource

PODS_URL = "/api/v1/namespaces/default/pods"


def _pod(client: Any, name: str = "p") -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], "schedulerName": "my-scheduler"}}
    resp = client.post(PODS_URL, json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _binding(name: str = "p", node: str = "node-b", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, **extra},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def test_binding_assigns_the_pod_to_the_node(client: Any) -> None:
    _pod(client)
    resp = client.post(f"{PODS_URL}/p/binding", json=_binding(annotations={"bound-by": "me"}))
    assert resp.status_code == 201
    assert resp.get_json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                               "code": 201}
    pod = client.get(f"{PODS_URL}/p").get_json()
    assert pod["spec"]["nodeName"] == "node-b"
    assert pod["metadata"]["annotations"] == {"bound-by": "me"}
    scheduled = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert [c["status"] for c in scheduled] == ["True"]


def test_binding_an_assigned_pod_is_a_conflict(client: Any) -> None:
    _pod(client)
    assert client.post(f"{PODS_URL}/p/binding", json=_binding()).status_code == 201
    resp = client.post(f"{PODS_URL}/p/binding", json=_binding(node="node-c"))
    assert resp.status_code == 409
    assert resp.get_json()["message"] == ('Operation cannot be fulfilled on pods/binding "p": pod p is already '
                                          'assigned to node "node-b"')
    assert client.get(f"{PODS_URL}/p").get_json()["spec"]["nodeName"] == "node-b"


def test_binding_checks_its_name_and_target(client: Any) -> None:
    before = _pod(client)
    resp = client.post(f"{PODS_URL}/p/binding", json=_binding(name="other"))
    assert resp.status_code == 400
    assert resp.get_json()["message"] == "name in URL does not match name in Binding object"
    bad = _binding()
    bad["target"] = {"kind": "Pod"}
    resp = client.post(f"{PODS_URL}/p/binding", json=bad)
    assert resp.status_code == 422
    assert {(c["field"], c["reason"]) for c in resp.get_json()["details"]["causes"]} == {
        ("target.kind", "FieldValueNotSupported"), ("target.name", "FieldValueRequired")}
    after = client.get(f"{PODS_URL}/p").get_json()
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert client.post(f"{PODS_URL}/missing/binding", json=_binding("missing")).status_code == 404


def test_binding_other_verbs_are_405(client: Any) -> None:
    _pod(client)
    assert client.get(f"{PODS_URL}/p/binding").status_code == 405
    assert client.put(f"{PODS_URL}/p/binding", json=_binding()).status_code == 405
    assert client.post(f"{PODS_URL}/p/status", json={}).status_code == 405


def test_eviction_deletes_the_pod(client: Any) -> None:
    _pod(client)
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p", "namespace": "default"},
                "deleteOptions": {"gracePeriodSeconds": 0}}
    resp = client.post(f"{PODS_URL}/p/eviction", json=eviction)
    assert resp.status_code == 201
    assert resp.get_json()["status"] == "Success"
    assert client.get(f"{PODS_URL}/p").status_code == 404
    assert client.post(f"{PODS_URL}/p/eviction", json=eviction).status_code == 404


def test_eviction_checks_its_name_and_options(client: Any) -> None:
    _pod(client)
    resp = client.post(f"{PODS_URL}/p/eviction", json={"metadata": {"name": "q"}})
    assert resp.status_code == 400
    assert resp.get_json()["message"] == "name in URL does not match name in Eviction object"
    resp = client.post(f"{PODS_URL}/p/eviction", json={"metadata": {"name": "p"}, "deleteOptions": "now"})
    assert resp.status_code == 400
    resp = client.post(f"{PODS_URL}/p/eviction?dryRun=All", json={"metadata": {"name": "p"}})
    assert resp.status_code == 201
    assert client.get(f"{PODS_URL}/p").status_code == 200  # dry run: still there


def test_discovery_lists_binding_and_eviction(client: Any) -> None:
    resources = {r["name"]: r for r in client.get("/api/v1").get_json()["resources"]}
    assert resources["pods/binding"] == {"name": "pods/binding", "singularName": "", "namespaced": True,
                                         "kind": "Binding", "verbs": ["create"]}
    # kubectl drain evicts only when it finds pods/eviction as policy/v1 Eviction
    assert resources["pods/eviction"] == {"name": "pods/eviction", "singularName": "", "namespaced": True,
                                          "group": "policy", "version": "v1", "kind": "Eviction",
                                          "verbs": ["create"]}
    assert resources["pods/log"]["verbs"] == ["get"]
    aggregated = client.get("/api", headers={
        "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}).get_json()
    pods = next(r for g in aggregated["items"] for v in g["versions"] for r in v["resources"]
                if r["resource"] == "pods")
    subs = {s["subresource"]: s["responseKind"] for s in pods["subresources"]}
    assert subs["eviction"] == {"group": "policy", "version": "v1", "kind": "Eviction"}
    assert subs["status"] == {"group": "", "version": "v1", "kind": "Pod"}


# -- the Scale view (pure) ------------------------------------------------------------------------

REPLICATED = scale_subresource(Scale(selector=lambda o: ",".join(
    f"{k}={v}" for k, v in sorted(((o.get("spec") or {}).get("selector") or {}).get("matchLabels", {}).items()))))


def _replicated(replicas: int = 2) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7",
                         "labels": {"x": "y"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web", "tier": "fe"}}},
            "status": {"replicas": 1}}


def test_scale_view_shows_replicas_and_selector() -> None:
    assert scale.view(REPLICATED, _replicated()) == {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7"},
        "spec": {"replicas": 2}, "status": {"replicas": 1, "selector": "app=web,tier=fe"}}


def test_scale_apply_sets_spec_replicas_with_the_resource_version_as_precondition() -> None:
    new = scale.apply(REPLICATED, _replicated(), {"spec": {"replicas": 5},
                                                        "metadata": {"resourceVersion": "6"}})
    assert new["spec"]["replicas"] == 5
    assert new["metadata"]["resourceVersion"] == "6"  # the registry compares it with the stored one
    with pytest.raises(StatusError) as err:
        scale.apply(REPLICATED, _replicated(), {"spec": {"replicas": -1}})
    assert err.value.code == 422
    assert err.value.message == ('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be '
                                 'greater than or equal to 0')


@pytest.mark.parametrize("body", [[], {"kind": "Deployment"}, {"apiVersion": "apps/v1"},
                                  {"spec": {"replicas": "3"}}, {"metadata": {"name": "other"}}])
def test_scale_bodies_the_decoder_refuses(body: Any) -> None:
    with pytest.raises(StatusError) as err:
        scale.check(body, "web")
    assert err.value.code == 400


def test_a_pod_for_another_scheduler_waits_for_its_binding(app_kubelet: Any) -> None:
    """The simulated default-scheduler leaves pods with another spec.schedulerName Pending; a custom
    scheduler's pods/binding places it and the kubelet then runs it."""
    client = app_kubelet.test_client()
    _pod(client)  # schedulerName: my-scheduler
    pod = client.get(f"{PODS_URL}/p").get_json()
    assert "nodeName" not in pod["spec"] and pod["status"]["phase"] == "Pending"
    node = client.get("/api/v1/nodes").get_json()["items"][0]["metadata"]["name"]
    assert client.post(f"{PODS_URL}/p/binding", json=_binding(node=node)).status_code == 201
    pod = client.get(f"{PODS_URL}/p").get_json()
    assert pod["spec"]["nodeName"] == node and pod["status"]["phase"] == "Running"
    assert pod["status"].get("podIP")
