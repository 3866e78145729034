"""PATCH over HTTP as kube-apiserver applies it: RFC 6902 JSON patch (every op, ``test`` failures answer
422 and change nothing), RFC 7386 merge patch (null deletes, lists replaced), strategic merge patch in the
shapes kubectl sends (client-side apply with ``$setElementOrder``, merge by key, ``$patch: delete|replace``,
``$deleteFromPrimitiveList``, ``$retainKeys``), patches to ``/status``, and optimistic concurrency.

Kubernetes is the oracle. Where the server differs, the test is kept and marked
``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

PODS = "/api/v1/namespaces/default/pods"
POD = f"{PODS}/p"
JSONPATCH = "application/json-patch+json"
MERGE = "application/merge-patch+json"
SMP = "application/strategic-merge-patch+json"
STALE = ('Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes '
         "to the latest version and try again")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


# -- helpers -------------------------------------------------------------------------------------

def do_patch(client, body: Any, ctype: str, path: str = POD):  # type: ignore[no-untyped-def]
    return client.patch(path, data=json.dumps(body), headers={"Content-Type": ctype})


def ok(client, body: Any, ctype: str, path: str = POD) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = do_patch(client, body, ctype, path)
    assert r.status_code == 200, r.get_data(as_text=True)
    result = r.get_json()
    assert client.get(path.removesuffix("/status")).get_json() == result
    return result


def assert_status(resp, code: int, reason: str, message: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert resp.status_code == code, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["code"] == code and body["reason"] == reason and body["message"]
    if message is not None:
        assert body["message"] == message
    return body


def rv(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


@pytest.fixture
def existing(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "labels": {"app": "web", "tier": "front"}, "annotations": {"a": "1"},
                     "finalizers": ["example.com/a", "example.com/b", "example.com/c"],
                     "ownerReferences": [
                         {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs1", "uid": "u1"},
                         {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs2", "uid": "u2"}]},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
                                {"name": "sidecar", "image": "envoy:1.0"}]},
    }
    r = client.post(PODS, json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


# -- JSON patch (RFC 6902) -----------------------------------------------------------------------

def test_json_patch_add_replace_remove(client, existing):
    result = ok(client, [
        {"op": "add", "path": "/metadata/labels/example.com~1team", "value": "core"},
        {"op": "replace", "path": "/metadata/labels/tier", "value": "back"},
        {"op": "remove", "path": "/metadata/labels/app"},
    ], JSONPATCH)
    assert result["metadata"]["labels"] == {"tier": "back", "example.com/team": "core"}
    assert rv(result) > rv(existing)
    assert result["metadata"]["generation"] == 1


def test_json_patch_move_and_copy(client, existing):
    result = ok(client, [
        {"op": "move", "from": "/metadata/annotations/a", "path": "/metadata/annotations/b"},
        {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/annotations/app"},
    ], JSONPATCH)
    assert result["metadata"]["annotations"] == {"b": "1", "app": "web"}
    assert result["metadata"]["labels"]["app"] == "web"


def test_json_patch_array_operations(client, existing):
    result = ok(client, [
        {"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/d"},
        {"op": "add", "path": "/metadata/finalizers/0", "value": "example.com/first"},
        {"op": "remove", "path": "/metadata/finalizers/2"},
    ], JSONPATCH)
    assert result["metadata"]["finalizers"] == ["example.com/first", "example.com/a", "example.com/c",
                                                "example.com/d"]


def test_json_patch_successful_test_op(client, existing):
    result = ok(client, [
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        {"op": "test", "path": "/metadata/uid", "value": existing["metadata"]["uid"]},
        {"op": "replace", "path": "/metadata/labels/app", "value": "api"},
    ], JSONPATCH)
    assert result["metadata"]["labels"]["app"] == "api"


@pytest.mark.parametrize("ops", [
    [{"op": "test", "path": "/metadata/labels/app", "value": "db"}],
    [{"op": "replace", "path": "/metadata/labels/app", "value": "db"},
     {"op": "test", "path": "/metadata/labels/app", "value": "web"}],
    [{"op": "test", "path": "/metadata/labels/missing", "value": "x"}],
    [{"op": "test", "path": "/metadata/finalizers", "value": ["example.com/a"]}],
])
def test_json_patch_failed_test_is_422_and_changes_nothing(client, existing, ops):
    assert_status(do_patch(client, ops, JSONPATCH), 422, "Invalid")
    assert client.get(POD).get_json() == existing


def test_json_patch_image_change_bumps_generation(client, existing):
    result = ok(client, [{"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.27"}], JSONPATCH)
    assert result["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert result["spec"]["containers"][1] == existing["spec"]["containers"][1]
    assert result["metadata"]["generation"] == 2


def test_json_patch_forbidden_spec_change_is_422(client, existing):
    r = do_patch(client, [{"op": "replace", "path": "/spec/restartPolicy", "value": "Never"}], JSONPATCH)
    assert_status(r, 422, "Invalid")
    assert client.get(POD).get_json() == existing


def test_empty_json_patch_is_a_noop(client, existing):
    result = ok(client, [], JSONPATCH)
    assert result == existing


def test_json_patch_that_is_not_a_list_is_400(client, existing):
    assert_status(do_patch(client, {"op": "add", "path": "/x", "value": 1}, JSONPATCH), 400, "BadRequest")
    assert client.get(POD).get_json() == existing


def test_json_patch_on_a_missing_object_is_404(client):
    r = do_patch(client, [{"op": "add", "path": "/metadata/labels", "value": {}}], JSONPATCH, f"{PODS}/ghost")
    assert_status(r, 404, "NotFound", 'pods "ghost" not found')


def test_json_patch_status_with_test_like_kopf(client, existing):
    path = f"{POD}/status"
    result = ok(client, [
        {"op": "test", "path": "/status/phase", "value": "Pending"},
        {"op": "replace", "path": "/status/phase", "value": "Running"},
        {"op": "add", "path": "/status/conditions", "value": [{"type": "Ready", "status": "True"}]},
    ], JSONPATCH, path)
    assert result["status"]["phase"] == "Running"
    assert result["status"]["conditions"] == [{"type": "Ready", "status": "True"}]
    r = do_patch(client, [{"op": "test", "path": "/status/phase", "value": "Pending"},
                          {"op": "replace", "path": "/status/phase", "value": "Failed"}], JSONPATCH, path)
    assert_status(r, 422, "Invalid")
    assert client.get(POD).get_json() == result


# -- merge patch (RFC 7386) ----------------------------------------------------------------------

def test_merge_patch_merges_maps_and_null_deletes(client, existing):
    result = ok(client, {"metadata": {"labels": {"tier": None, "new": "x"}, "annotations": None}}, MERGE)
    assert result["metadata"]["labels"] == {"app": "web", "new": "x"}
    assert "annotations" not in result["metadata"]


def test_merge_patch_replaces_lists(client, existing):
    result = ok(client, {"metadata": {"finalizers": ["example.com/z"]}}, MERGE)
    assert result["metadata"]["finalizers"] == ["example.com/z"]
    result = ok(client, {"metadata": {"ownerReferences": [existing["metadata"]["ownerReferences"][1]]}}, MERGE)
    assert [o["uid"] for o in result["metadata"]["ownerReferences"]] == ["u2"]


def test_merge_patch_replacing_containers_list_is_forbidden_for_pods(client, existing):
    r = do_patch(client, {"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}}, MERGE)
    assert_status(r, 422, "Invalid")
    assert client.get(POD).get_json() == existing


def test_merge_patch_noop_keeps_resource_version(client, existing):
    result = ok(client, {"metadata": {"labels": {"app": "web"}}}, MERGE)
    assert result == existing


def test_merge_patch_with_matching_resource_version_succeeds(client, existing):
    result = ok(client, {"metadata": {"resourceVersion": existing["metadata"]["resourceVersion"],
                                      "labels": {"locked": "yes"}}}, MERGE)
    assert result["metadata"]["labels"]["locked"] == "yes"


@pytest.mark.parametrize("ctype,body", [
    (MERGE, {"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}}),
    (SMP, {"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}}),
    (JSONPATCH, [{"op": "replace", "path": "/metadata/resourceVersion", "value": "1"},
                 {"op": "add", "path": "/metadata/labels/x", "value": "y"}]),
])
def test_patch_with_stale_resource_version_is_409(client, existing, ctype, body):
    assert_status(do_patch(client, body, ctype), 409, "Conflict", STALE)
    assert client.get(POD).get_json() == existing


def test_status_patch_with_stale_resource_version_is_409(client, existing):
    r = do_patch(client, {"metadata": {"resourceVersion": "1"}, "status": {"phase": "Running"}}, MERGE,
                 f"{POD}/status")
    assert_status(r, 409, "Conflict", STALE)
    assert client.get(POD).get_json() == existing


def test_merge_patch_on_status_changes_only_status(client, existing):
    result = ok(client, {"status": {"phase": "Running", "podIP": "10.244.1.5", "kopf": {"progress": {"x": 1}}},
                         "spec": {"activeDeadlineSeconds": 5}}, MERGE, f"{POD}/status")
    assert result["status"]["phase"] == "Running"
    assert result["status"]["podIP"] == "10.244.1.5"
    assert result["spec"] == existing["spec"]
    assert result["metadata"]["generation"] == existing["metadata"]["generation"]


def test_merge_patch_on_main_resource_ignores_status(client, existing):
    result = ok(client, {"status": {"phase": "Running"}, "metadata": {"labels": {"n": "1"}}}, MERGE)
    assert result["status"] == existing["status"]
    assert result["metadata"]["labels"]["n"] == "1"


def test_merge_patch_cordons_a_node(client):
    result = ok(client, {"spec": {"unschedulable": True}}, MERGE, "/api/v1/nodes/node-2")
    assert result["spec"]["unschedulable"] is True


# -- strategic merge patch -----------------------------------------------------------------------

def test_kubectl_client_side_apply_shape(client, existing):
    applied = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
                          "spec": {"containers": [{"name": "app", "image": "nginx:1.27"},
                                                  {"name": "sidecar", "image": "envoy:1.0"}]}}) + "\n"
    body = {
        "metadata": {"annotations": {LAST_APPLIED: applied}, "labels": {"applied": "yes"}},
        "spec": {"$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
                 "containers": [{"image": "nginx:1.27", "name": "app"}]},
    }
    result = ok(client, body, SMP)
    containers = result["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "sidecar"]
    assert containers[0]["image"] == "nginx:1.27"
    assert containers[0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert containers[0]["imagePullPolicy"] == existing["spec"]["containers"][0]["imagePullPolicy"]
    assert containers[1] == existing["spec"]["containers"][1]
    assert result["metadata"]["annotations"] == {"a": "1", LAST_APPLIED: applied}
    assert result["metadata"]["labels"] == {"app": "web", "tier": "front", "applied": "yes"}
    assert result["metadata"]["generation"] == 2


def test_kubectl_label_and_annotate_shape(client, existing):
    result = ok(client, {"metadata": {"labels": {"tier": None, "env": "prod"}, "annotations": {"b": "2"}}}, SMP)
    assert result["metadata"]["labels"] == {"app": "web", "env": "prod"}
    assert result["metadata"]["annotations"] == {"a": "1", "b": "2"}


def test_smp_merges_object_lists_by_key(client, existing):
    new_owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "u3"}
    result = ok(client, {"metadata": {"ownerReferences": [new_owner]}}, SMP)
    # without $setElementOrder upstream's mergeSortedSlice puts items the server lacks first
    assert [o["uid"] for o in result["metadata"]["ownerReferences"]] == ["u3", "u1", "u2"]
    result = ok(client, {"metadata": {"ownerReferences": [{"uid": "u2", "name": "renamed"}]}}, SMP)
    owners = {o["uid"]: o for o in result["metadata"]["ownerReferences"]}
    assert owners["u2"]["name"] == "renamed" and owners["u2"]["kind"] == "ReplicaSet"


def test_smp_patch_delete_in_a_list(client, existing):
    result = ok(client, {"metadata": {"ownerReferences": [{"uid": "u1", "$patch": "delete"}]}}, SMP)
    assert [o["uid"] for o in result["metadata"]["ownerReferences"]] == ["u2"]


def test_smp_patch_delete_on_a_map(client, existing):
    result = ok(client, {"metadata": {"annotations": {"$patch": "delete"}}}, SMP)
    assert "annotations" not in result["metadata"] or result["metadata"]["annotations"] == {}
    assert result["metadata"]["labels"] == existing["metadata"]["labels"]


def test_smp_patch_replace_on_a_map(client, existing):
    result = ok(client, {"metadata": {"labels": {"$patch": "replace", "only": "this"}}}, SMP)
    assert result["metadata"]["labels"] == {"only": "this"}


def test_smp_merges_primitive_lists_with_merge_strategy(client, existing):
    result = ok(client, {"metadata": {"finalizers": ["example.com/d"]}}, SMP)
    # merged, not replaced; new items first, as upstream's mergeSortedSlice orders them
    assert result["metadata"]["finalizers"] == ["example.com/d", "example.com/a", "example.com/b",
                                                "example.com/c"]
    body = {"metadata": {"$setElementOrder/finalizers": ["example.com/a", "example.com/b", "example.com/c",
                                                         "example.com/d", "example.com/e"],
                         "finalizers": ["example.com/e"]}}
    result = ok(client, body, SMP)
    assert result["metadata"]["finalizers"] == ["example.com/a", "example.com/b", "example.com/c",
                                                "example.com/d", "example.com/e"]


def test_smp_delete_from_primitive_list(client, existing):
    result = ok(client, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/b"]}}, SMP)
    assert result["metadata"]["finalizers"] == ["example.com/a", "example.com/c"]


def test_smp_set_element_order_on_primitive_list(client, existing):
    body = {"metadata": {"$setElementOrder/finalizers": ["example.com/c", "example.com/a", "example.com/b"]}}
    result = ok(client, body, SMP)
    assert result["metadata"]["finalizers"] == ["example.com/c", "example.com/a", "example.com/b"]


def test_kubectl_apply_removing_a_finalizer(client, existing):
    # kubectl apply after dropping example.com/b from the manifest
    body = {"metadata": {"$setElementOrder/finalizers": ["example.com/a", "example.com/c"],
                         "$deleteFromPrimitiveList/finalizers": ["example.com/b"]}}
    result = ok(client, body, SMP)
    assert result["metadata"]["finalizers"] == ["example.com/a", "example.com/c"]


def test_smp_retain_keys(client, existing):
    result = ok(client, {"metadata": {"labels": {"$retainKeys": ["app", "new"], "new": "v"}}}, SMP)
    assert result["metadata"]["labels"] == {"app": "web", "new": "v"}


def test_smp_retain_keys_must_list_every_patched_key(client, existing):
    r = do_patch(client, {"metadata": {"labels": {"$retainKeys": ["app"], "new": "v"}}}, SMP)
    assert_status(r, 400, "BadRequest", "invalid patch format of retainKeys")
    assert client.get(POD).get_json() == existing


def test_smp_retain_keys_on_volumes_noop(client):
    body = {"metadata": {"name": "v"}, "spec": {"containers": [{"name": "app", "image": "nginx"}],
                                                "volumes": [{"name": "data", "emptyDir": {}}]}}
    created = client.post(PODS, json=body).get_json()
    patch = {"spec": {"volumes": [{"name": "data", "$retainKeys": ["emptyDir", "name"], "emptyDir": {}}],
                      "$setElementOrder/volumes": [{"name": "data"}]}}
    result = ok(client, patch, SMP, f"{PODS}/v")
    assert result == created


def test_smp_atomic_list_is_replaced(client, existing):
    # PodSpec.tolerations carries no patch strategy: a strategic merge patch replaces it whole, and
    # dropping the defaulted tolerations is a forbidden pod update.
    extra = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    assert_status(do_patch(client, {"spec": {"tolerations": [extra]}}, SMP), 422, "Invalid")
    result = ok(client, {"spec": {"tolerations": existing["spec"]["tolerations"] + [extra]}}, SMP)
    assert result["spec"]["tolerations"][-1] == extra
    assert len(result["spec"]["tolerations"]) == len(existing["spec"]["tolerations"]) + 1


def test_smp_container_merge_by_name_keeps_other_fields(client, existing):
    result = ok(client, {"spec": {"containers": [{"name": "sidecar", "image": "envoy:2.0"}]}}, SMP)
    assert [c["name"] for c in result["spec"]["containers"]] == ["app", "sidecar"]
    assert result["spec"]["containers"][0] == existing["spec"]["containers"][0]
    assert result["spec"]["containers"][1]["image"] == "envoy:2.0"
    assert result["spec"]["containers"][1]["terminationMessagePath"] == "/dev/termination-log"


def test_smp_adding_a_container_is_forbidden_for_pods(client, existing):
    r = do_patch(client, {"spec": {"containers": [{"name": "third", "image": "busybox"}]}}, SMP)
    assert_status(r, 422, "Invalid")
    assert client.get(POD).get_json() == existing


def test_smp_missing_merge_key_is_400(client, existing):
    r = do_patch(client, {"spec": {"containers": [{"image": "nginx:2"}]}}, SMP)
    assert_status(r, 400, "BadRequest")
    assert client.get(POD).get_json() == existing


def test_smp_on_pod_status_merges_conditions_by_type(client, existing):
    path = f"{POD}/status"
    first = ok(client, {"status": {"conditions": [
        {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]}}, SMP, path)
    assert [c["type"] for c in first["status"]["conditions"]] == ["PodScheduled", "Ready"]
    second = ok(client, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, SMP, path)
    conds = {c["type"]: c["status"] for c in second["status"]["conditions"]}
    assert conds == {"PodScheduled": "True", "Ready": "True"}
    third = ok(client, {"status": {"conditions": [{"type": "PodScheduled", "$patch": "delete"}]}}, SMP, path)
    assert [c["type"] for c in third["status"]["conditions"]] == ["Ready"]
    assert third["spec"] == existing["spec"]
    assert third["status"]["phase"] == "Pending"


def test_smp_on_node_status_merges_conditions_and_addresses(client):
    node = client.get("/api/v1/nodes/node-1").get_json()
    path = "/api/v1/nodes/node-1/status"
    result = ok(client, {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Down"}],
                                    "addresses": [{"type": "ExternalIP", "address": "203.0.113.7"}]}}, SMP, path)
    conds = {c["type"]: c for c in result["status"]["conditions"]}
    assert len(conds) == len(node["status"]["conditions"])
    assert conds["Ready"]["status"] == "False" and conds["Ready"]["reason"] == "Down"
    assert conds["Ready"]["lastHeartbeatTime"]  # untouched fields of the merged item are kept
    assert conds["MemoryPressure"]["status"] == "False"
    types = [a["type"] for a in result["status"]["addresses"]]
    assert types == ["ExternalIP"] + [a["type"] for a in node["status"]["addresses"]]


def test_kubectl_cordon_shape(client):
    result = ok(client, {"spec": {"unschedulable": True}}, SMP, "/api/v1/nodes/node-3")
    assert result["spec"]["unschedulable"] is True
    result = ok(client, {"spec": {"unschedulable": None}}, SMP, "/api/v1/nodes/node-3")
    assert "unschedulable" not in result["spec"]


def test_smp_active_deadline_bumps_generation(client, existing):
    result = ok(client, {"spec": {"activeDeadlineSeconds": 60}}, SMP)
    assert result["spec"]["activeDeadlineSeconds"] == 60
    assert result["metadata"]["generation"] == 2


def test_patch_on_namespace_and_event(client):
    client.post("/api/v1/namespaces", json={"metadata": {"name": "pn"}})
    result = ok(client, {"metadata": {"labels": {"team": "a"}}}, SMP, "/api/v1/namespaces/pn")
    assert result["metadata"]["labels"] == {"kubernetes.io/metadata.name": "pn", "team": "a"}
    ev = {"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
          "reason": "Started", "message": "m", "type": "Normal", "count": 1}
    assert client.post("/api/v1/namespaces/default/events", json=ev).status_code == 201
    result = ok(client, {"count": 2, "lastTimestamp": "2024-01-01T00:00:00Z"}, MERGE,
                "/api/v1/namespaces/default/events/e")
    assert result["count"] == 2


def test_dry_run_patch_changes_nothing(client, existing):
    for ctype, body in ((MERGE, {"metadata": {"labels": {"d": "1"}}}),
                        (SMP, {"metadata": {"labels": {"d": "1"}}}),
                        (JSONPATCH, [{"op": "add", "path": "/metadata/labels/d", "value": "1"}])):
        r = do_patch(client, body, ctype, f"{POD}?dryRun=All")
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.get_json()["metadata"]["labels"]["d"] == "1"
    assert client.get(POD).get_json() == existing
