"""Generic API machinery over HTTP, as kube-apiserver behaves: create/get/replace/delete, server-owned
fields, generateName, optimistic concurrency, generation, the status subresource, delete preconditions,
finalizers and deletionTimestamp, dryRun, deletecollection, namespace handling (lifecycle, immortal
namespaces, terminating), nodes, Pod defaulting and validation, and core/v1 Events.

Kubernetes is the oracle. Where the server differs, the test is kept and marked
``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

PODS = "/api/v1/namespaces/default/pods"
EVENTS = "/api/v1/namespaces/default/events"
MERGE = "application/merge-patch+json"
JSONPATCH = "application/json-patch+json"
STALE = ("Operation cannot be fulfilled on pods \"{name}\": the object has been modified; please apply your "
         "changes to the latest version and try again")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# -- helpers -------------------------------------------------------------------------------------

def pod(name: str | None = "p", *, labels: dict[str, str] | None = None, image: str = "nginx:1.25",
        **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(meta)
    if name is not None:
        metadata["name"] = name
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "app", "image": image}]}}


def create(client, body: dict[str, Any], path: str = PODS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post(path, json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def get(client, name: str, path: str = PODS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get(f"{path}/{name}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def list_rv(client, path: str = PODS) -> str:  # type: ignore[no-untyped-def]
    r = client.get(path)
    assert r.status_code == 200
    return r.get_json()["metadata"]["resourceVersion"]


def names(client, path: str = PODS, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(path + (f"?{query}" if query else ""))
    assert r.status_code == 200, r.get_data(as_text=True)
    return [i["metadata"]["name"] for i in r.get_json()["items"]]


def assert_status(resp, code: int, reason: str, message: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert resp.status_code == code, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    body = resp.get_json()
    assert body["kind"] == "Status", body
    assert body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["code"] == code
    assert body["reason"] == reason
    assert isinstance(body.get("message"), str) and body["message"]
    if message is not None:
        assert body["message"] == message
    return body


def causes(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c.get("field", ""), c["reason"]) for c in (body.get("details") or {}).get("causes") or []}


def patch(client, path: str, body: Any, ctype: str = MERGE):  # type: ignore[no-untyped-def]
    return client.patch(path, data=json.dumps(body), headers={"Content-Type": ctype})


def watch_until(client, path: str, rv: str, done: Callable[[list[dict[str, Any]]], bool],  # type: ignore[no-untyped-def]
                timeout: int = 3) -> list[dict[str, Any]]:
    """Watch ``path`` from ``rv`` until ``done(events)`` holds or the server ends the stream."""
    resp = client.get(f"{path}?watch=true&resourceVersion={rv}&timeoutSeconds={timeout}")
    events: list[dict[str, Any]] = []
    buf = b""
    try:
        for chunk in resp.response:
            buf += chunk if isinstance(chunk, bytes) else chunk.encode()
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    events.append(json.loads(line))
                    if done(events):
                        return events
    finally:
        resp.close()
    return events


def poll(fn: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.02)
    return fn()


# -- create --------------------------------------------------------------------------------------

def test_create_returns_201_and_the_stored_object(client):
    r = client.post(PODS, json=pod("web", labels={"app": "web"}))
    assert r.status_code == 201
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    created = r.get_json()
    assert created["kind"] == "Pod" and created["apiVersion"] == "v1"
    meta = created["metadata"]
    assert meta["name"] == "web" and meta["namespace"] == "default"
    assert meta["labels"] == {"app": "web"}
    assert UUID.match(meta["uid"])
    assert RFC3339.match(meta["creationTimestamp"])
    assert meta["resourceVersion"].isdigit()
    assert meta["generation"] == 1
    assert get(client, "web") == created


def test_create_overwrites_server_owned_fields_sent_by_kubectl_run(client):
    # kubectl run posts "creationTimestamp": null and "status": {}; clients may also echo uid & co.
    body = pod("p")
    body["metadata"].update({"uid": "client-uid", "creationTimestamp": None, "generation": 7,
                             "selfLink": "/api/v1/namespaces/default/pods/p",
                             "deletionTimestamp": "2020-01-01T00:00:00Z", "deletionGracePeriodSeconds": 5})
    body["status"] = {}
    created = create(client, body)
    meta = created["metadata"]
    assert meta["uid"] != "client-uid" and UUID.match(meta["uid"])
    assert meta["creationTimestamp"] is not None and RFC3339.match(meta["creationTimestamp"])
    assert meta["generation"] == 1
    assert "deletionTimestamp" not in meta
    assert "deletionGracePeriodSeconds" not in meta
    assert created["status"]["phase"] == "Pending"


def test_create_overwrites_client_resource_version(client):
    # The issue asks for server-owned fields to be overwritten on create. (Upstream kube-apiserver
    # instead refuses a non-empty resourceVersion: "resourceVersion should not be set on objects to be
    # created".) Either way the client's value must never be stored.
    body = pod("p")
    body["metadata"]["resourceVersion"] = "424242"
    r = client.post(PODS, json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["metadata"]["resourceVersion"] != "424242"
    assert get(client, "p")["metadata"]["resourceVersion"] == r.get_json()["metadata"]["resourceVersion"]


def test_create_status_is_reset_by_the_server(client):
    body = pod("p")
    body["status"] = {"phase": "Running", "podIP": "1.2.3.4", "conditions": [{"type": "Ready", "status": "True"}]}
    created = create(client, body)
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_resource_versions_increase_across_writes(client):
    a = create(client, pod("a"))
    b = create(client, pod("b"))
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])
    assert int(list_rv(client)) >= int(b["metadata"]["resourceVersion"])


def test_create_existing_name_is_409_already_exists(client):
    create(client, pod("p"))
    body = assert_status(client.post(PODS, json=pod("p")), 409, "AlreadyExists", 'pods "p" already exists')
    assert body["details"]["name"] == "p"
    assert body["details"]["kind"] == "pods"


def test_create_without_name_or_generate_name_is_422(client):
    body = assert_status(client.post(PODS, json=pod(None)), 422, "Invalid")
    assert ("metadata.name", "FieldValueRequired") in causes(body)


def test_generate_name(client):
    seen = set()
    for _ in range(5):
        created = create(client, pod(None, generateName="web-"))
        name = created["metadata"]["name"]
        assert re.fullmatch(r"web-[a-z0-9]{5}", name), name
        assert created["metadata"]["generateName"] == "web-"
        seen.add(name)
        assert get(client, name)["metadata"]["uid"] == created["metadata"]["uid"]
    assert len(seen) == 5


def test_generate_name_is_ignored_when_a_name_is_given(client):
    created = create(client, pod("fixed", generateName="web-"))
    assert created["metadata"]["name"] == "fixed"


def test_generate_name_prefix_is_validated(client):
    body = assert_status(client.post(PODS, json=pod(None, generateName="Bad_Prefix-")), 422, "Invalid")
    assert any(field == "metadata.generateName" for field, _ in causes(body)), body


def test_create_without_kind_and_api_version_uses_the_url(client):
    body = pod("bare")
    del body["kind"], body["apiVersion"]
    created = create(client, body)
    assert created["kind"] == "Pod" and created["apiVersion"] == "v1"


# -- get -----------------------------------------------------------------------------------------

def test_get_missing_is_404_not_found(client):
    body = assert_status(client.get(f"{PODS}/nope"), 404, "NotFound", 'pods "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "pods"}


def test_get_cluster_scoped_missing_is_404(client):
    assert_status(client.get("/api/v1/nodes/node-99"), 404, "NotFound", 'nodes "node-99" not found')
    assert_status(client.get("/api/v1/namespaces/nons"), 404, "NotFound", 'namespaces "nons" not found')


def test_get_in_other_namespace_is_404(client):
    create(client, pod("p"))
    assert_status(client.get("/api/v1/namespaces/kube-system/pods/p"), 404, "NotFound")


# -- replace (PUT) -------------------------------------------------------------------------------

def test_put_replaces_the_object_and_bumps_resource_version(client):
    created = create(client, pod("p", labels={"a": "1"}))
    body = dict(created)
    body["metadata"] = {**created["metadata"], "labels": {"b": "2"}, "annotations": {"note": "x"}}
    r = client.put(f"{PODS}/p", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    updated = r.get_json()
    assert updated["metadata"]["labels"] == {"b": "2"}
    assert updated["metadata"]["annotations"] == {"note": "x"}
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert get(client, "p") == updated


def test_put_with_stale_resource_version_is_409_conflict(client):
    created = create(client, pod("p"))
    fresh = patch(client, f"{PODS}/p", {"metadata": {"labels": {"x": "y"}}}).get_json()
    stale = dict(created)
    stale["metadata"] = {**created["metadata"], "labels": {"lost": "update"}}
    body = assert_status(client.put(f"{PODS}/p", json=stale), 409, "Conflict", STALE.format(name="p"))
    assert body["details"]["name"] == "p" and body["details"]["kind"] == "pods"
    assert get(client, "p") == fresh


def test_put_without_resource_version_is_unconditional(client):
    created = create(client, pod("p"))
    patch(client, f"{PODS}/p", {"metadata": {"labels": {"x": "y"}}})
    body = dict(created)
    body["metadata"] = {"name": "p", "labels": {"mine": "wins"}}
    r = client.put(f"{PODS}/p", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["metadata"]["labels"] == {"mine": "wins"}
    assert r.get_json()["metadata"]["uid"] == created["metadata"]["uid"]


def test_put_name_mismatch_is_400(client):
    created = create(client, pod("p"))
    body = dict(created)
    body["metadata"] = {**created["metadata"], "name": "other"}
    assert_status(client.put(f"{PODS}/p", json=body), 400, "BadRequest",
                  "the name of the object (other) does not match the name on the URL (p)")
    body["metadata"] = {k: v for k, v in created["metadata"].items() if k != "name"}  # no name is no match
    assert_status(client.put(f"{PODS}/p", json=body), 400, "BadRequest",
                  "the name of the object () does not match the name on the URL (p)")


def test_put_missing_object_is_404(client):
    assert_status(client.put(f"{PODS}/ghost", json=pod("ghost")), 404, "NotFound", 'pods "ghost" not found')


def test_put_with_other_uid_is_409_precondition_failed(client):
    created = create(client, pod("p"))
    body = dict(created)
    body["metadata"] = {**created["metadata"], "uid": "6b1a0c8e-0000-4000-8000-000000000000"}
    assert_status(client.put(f"{PODS}/p", json=body), 409, "Conflict",
                  'Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: '
                  f'6b1a0c8e-0000-4000-8000-000000000000, UID in object meta: {created["metadata"]["uid"]}')


def test_put_cannot_change_creation_timestamp_or_generation(client):
    created = create(client, pod("p"))
    body = dict(created)
    body["metadata"] = {**created["metadata"], "creationTimestamp": "2001-01-01T00:00:00Z", "generation": 42,
                        "labels": {"x": "y"}}
    updated = client.put(f"{PODS}/p", json=body).get_json()
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert updated["metadata"]["generation"] == 1


def test_noop_put_keeps_the_resource_version(client):
    created = create(client, pod("p"))
    r = client.put(f"{PODS}/p", json=created)
    assert r.status_code == 200
    assert r.get_json()["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert list_rv(client) == created["metadata"]["resourceVersion"]


def test_pod_spec_is_immutable_except_image(client):
    created = create(client, pod("p"))
    body = json.loads(json.dumps(created))
    body["spec"]["restartPolicy"] = "Never"
    err = assert_status(client.put(f"{PODS}/p", json=body), 422, "Invalid")
    assert ("spec", "FieldValueForbidden") in causes(err)
    assert get(client, "p") == created


def test_generation_is_bumped_only_on_spec_changes(client):
    created = create(client, pod("p"))
    assert created["metadata"]["generation"] == 1
    labelled = patch(client, f"{PODS}/p", {"metadata": {"labels": {"a": "b"}, "annotations": {"c": "d"}}}).get_json()
    assert labelled["metadata"]["generation"] == 1
    body = json.loads(json.dumps(labelled))
    body["spec"]["containers"][0]["image"] = "nginx:1.27"
    bumped = client.put(f"{PODS}/p", json=body).get_json()
    assert bumped["metadata"]["generation"] == 2
    body = json.loads(json.dumps(bumped))
    body["status"]["phase"] = "Running"
    status = client.put(f"{PODS}/p/status", json=body).get_json()
    assert status["status"]["phase"] == "Running"
    assert status["metadata"]["generation"] == 2
    again = patch(client, f"{PODS}/p", {"spec": {"activeDeadlineSeconds": 30}}).get_json()
    assert again["metadata"]["generation"] == 3


# -- status subresource --------------------------------------------------------------------------

def test_writes_to_the_main_resource_ignore_status(client):
    created = create(client, pod("p"))
    body = json.loads(json.dumps(created))
    body["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    body["metadata"]["labels"] = {"changed": "yes"}
    updated = client.put(f"{PODS}/p", json=body).get_json()
    assert updated["metadata"]["labels"] == {"changed": "yes"}
    assert updated["status"] == created["status"]
    merged = patch(client, f"{PODS}/p", {"status": {"phase": "Failed"}, "metadata": {"labels": {"m": "1"}}})
    assert merged.status_code == 200
    assert merged.get_json()["status"] == created["status"]
    assert merged.get_json()["metadata"]["labels"] == {"changed": "yes", "m": "1"}


def test_writes_to_status_change_status_and_metadata_but_never_spec(client):
    # podStatusStrategy.PrepareForUpdate keeps the stored spec (and ownerReferences); label and
    # annotation changes made through /status persist, as on a real API server.
    created = create(client, pod("p", labels={"keep": "me"}, annotations={"a": "1"}))
    body = json.loads(json.dumps(created))
    body["status"]["phase"] = "Running"
    body["status"]["podIP"] = "10.244.1.7"
    body["spec"]["containers"][0]["image"] = "nginx:9.9"
    body["spec"]["activeDeadlineSeconds"] = 10
    body["metadata"]["labels"] = {"other": "labels"}
    body["metadata"]["annotations"] = {"b": "2"}
    r = client.put(f"{PODS}/p/status", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    updated = r.get_json()
    assert updated["status"]["phase"] == "Running"
    assert updated["status"]["podIP"] == "10.244.1.7"
    assert updated["spec"] == created["spec"]
    assert updated["metadata"]["labels"] == {"other": "labels"}
    assert updated["metadata"]["annotations"] == {"b": "2"}
    assert updated["metadata"]["generation"] == 1
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert get(client, "p") == updated


def test_status_put_with_stale_resource_version_is_409(client):
    created = create(client, pod("p"))
    patch(client, f"{PODS}/p", {"metadata": {"labels": {"x": "y"}}})
    body = json.loads(json.dumps(created))
    body["status"]["phase"] = "Running"
    assert_status(client.put(f"{PODS}/p/status", json=body), 409, "Conflict", STALE.format(name="p"))
    assert get(client, "p")["status"]["phase"] == "Pending"


def test_get_status_subresource_returns_the_whole_object(client):
    created = create(client, pod("p"))
    r = client.get(f"{PODS}/p/status")
    assert r.status_code == 200
    assert r.get_json() == created


def test_status_subresource_of_a_missing_object_is_404(client):
    assert_status(client.get(f"{PODS}/ghost/status"), 404, "NotFound", 'pods "ghost" not found')


def test_events_have_no_status_subresource(client):
    ev = create(client, event("e1"), EVENTS)
    assert_status(client.get(f"{EVENTS}/e1/status"), 404, "NotFound")
    assert_status(client.put(f"{EVENTS}/e1/status", json=ev), 404, "NotFound")


def test_node_status_update(client):
    node = get(client, "node-1", "/api/v1/nodes")
    body = json.loads(json.dumps(node))
    for cond in body["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond["status"] = "False"
    body["spec"]["unschedulable"] = True
    updated = client.put("/api/v1/nodes/node-1/status", json=body).get_json()
    ready = [c for c in updated["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "False"
    assert "unschedulable" not in updated["spec"]


# -- delete --------------------------------------------------------------------------------------

def test_delete_returns_the_object_and_removes_it(client):
    created = create(client, pod("p"))
    r = client.delete(f"{PODS}/p")
    assert r.status_code == 200
    deleted = r.get_json()
    assert deleted["kind"] == "Pod"
    assert deleted["metadata"]["name"] == "p"
    assert deleted["metadata"]["uid"] == created["metadata"]["uid"]
    assert_status(client.get(f"{PODS}/p"), 404, "NotFound")
    assert names(client) == []


def test_delete_missing_is_404(client):
    assert_status(client.delete(f"{PODS}/ghost"), 404, "NotFound", 'pods "ghost" not found')


def test_delete_precondition_uid_mismatch_is_409(client):
    created = create(client, pod("p"))
    opts = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "wrong-uid"}}
    r = client.delete(f"{PODS}/p", data=json.dumps(opts), content_type="application/json")
    assert_status(r, 409, "Conflict",
                  'Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: '
                  f'wrong-uid, UID in object meta: {created["metadata"]["uid"]}')
    assert get(client, "p") == created


def test_delete_precondition_resource_version_mismatch_is_409(client):
    created = create(client, pod("p"))
    rv = created["metadata"]["resourceVersion"]
    opts = {"preconditions": {"resourceVersion": "1"}}
    r = client.delete(f"{PODS}/p", data=json.dumps(opts), content_type="application/json")
    assert_status(r, 409, "Conflict",
                  'Operation cannot be fulfilled on pods "p": Precondition failed: ResourceVersion in '
                  f'precondition: 1, ResourceVersion in object meta: {rv}')
    assert get(client, "p") == created


def test_delete_with_matching_preconditions_succeeds(client):
    created = create(client, pod("p"))
    opts = {"preconditions": {"uid": created["metadata"]["uid"],
                              "resourceVersion": created["metadata"]["resourceVersion"]}}
    r = client.delete(f"{PODS}/p", data=json.dumps(opts), content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert_status(client.get(f"{PODS}/p"), 404, "NotFound")


@pytest.mark.parametrize("query,options", [
    ("propagationPolicy=Background", None),
    ("propagationPolicy=Foreground&gracePeriodSeconds=0", None),
    ("gracePeriodSeconds=30", None),
    ("", {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan", "gracePeriodSeconds": 0}),
])
def test_delete_accepts_propagation_policy_and_grace_period(client, query, options):
    create(client, pod("p"))
    data = json.dumps(options) if options else None
    r = client.delete(f"{PODS}/p?{query}", data=data, content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)
    # Foreground/Orphan park the object behind a GC finalizer upstream; with no dependents it goes soon
    assert poll(lambda: client.get(f"{PODS}/p").status_code == 404)


def test_delete_with_invalid_propagation_policy_is_422(client):
    created = create(client, pod("p"))
    assert_status(client.delete(f"{PODS}/p?propagationPolicy=Sideways"), 422, "Invalid")
    assert get(client, "p") == created


def test_delete_with_invalid_grace_period_is_400(client):
    created = create(client, pod("p"))
    assert_status(client.delete(f"{PODS}/p?gracePeriodSeconds=soon"), 400, "BadRequest")
    assert get(client, "p") == created


# -- finalizers and deletionTimestamp ------------------------------------------------------------

def test_finalizers_hold_the_object_until_the_last_is_removed(client):
    created = create(client, pod("p", finalizers=["example.com/a", "example.com/b"]))
    r = client.delete(f"{PODS}/p")
    assert r.status_code == 200
    marked = r.get_json()
    assert RFC3339.match(marked["metadata"]["deletionTimestamp"])
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    assert marked["metadata"]["finalizers"] == ["example.com/a", "example.com/b"]
    assert get(client, "p") == marked
    # a second DELETE changes nothing
    again = client.delete(f"{PODS}/p")
    assert again.status_code == 200
    assert get(client, "p")["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    # removing one finalizer keeps it
    one = patch(client, f"{PODS}/p", {"metadata": {"finalizers": ["example.com/b"]}})
    assert one.status_code == 200, one.get_data(as_text=True)
    assert get(client, "p")["metadata"]["finalizers"] == ["example.com/b"]
    # removing the last one deletes it
    last = patch(client, f"{PODS}/p", {"metadata": {"finalizers": None}})
    assert last.status_code == 200, last.get_data(as_text=True)
    assert_status(client.get(f"{PODS}/p"), 404, "NotFound")
    assert created["metadata"]["uid"] == last.get_json()["metadata"]["uid"]


def test_removing_the_last_finalizer_emits_deleted(client):
    create(client, pod("p", finalizers=["example.com/x"]))
    marked = client.delete(f"{PODS}/p").get_json()
    rv = marked["metadata"]["resourceVersion"]
    r = client.put(f"{PODS}/p", json={**marked, "metadata": {**marked["metadata"], "finalizers": []}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert_status(client.get(f"{PODS}/p"), 404, "NotFound")
    events = watch_until(client, PODS, rv, lambda evs: any(e["type"] == "DELETED" for e in evs))
    deleted = [e for e in events if e["type"] == "DELETED"]
    assert len(deleted) == 1, events
    assert deleted[0]["object"]["metadata"]["name"] == "p"
    assert deleted[0]["object"]["metadata"]["deletionTimestamp"]


def test_update_cannot_remove_deletion_timestamp(client):
    create(client, pod("p", finalizers=["example.com/x"]))
    marked = client.delete(f"{PODS}/p").get_json()
    body = json.loads(json.dumps(marked))
    del body["metadata"]["deletionTimestamp"]
    body["metadata"]["labels"] = {"still": "deleting"}
    updated = client.put(f"{PODS}/p", json=body).get_json()
    assert updated["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]


def test_no_new_finalizers_while_deleting(client):
    create(client, pod("p", finalizers=["example.com/a"]))
    marked = client.delete(f"{PODS}/p").get_json()
    r = patch(client, f"{PODS}/p", {"metadata": {"finalizers": ["example.com/a", "example.com/b"]}})
    body = assert_status(r, 422, "Invalid")
    assert ("metadata.finalizers", "FieldValueForbidden") in causes(body)
    assert get(client, "p") == marked


def test_no_new_finalizers_message_wording(client):
    create(client, pod("p", finalizers=["example.com/a"]))
    client.delete(f"{PODS}/p")
    r = patch(client, f"{PODS}/p", {"metadata": {"finalizers": ["example.com/a", "example.com/b"]}})
    assert_status(r, 422, "Invalid",
                  'Pod "p" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the '
                  'object is being deleted, found new finalizers []string{"example.com/b"}')


def test_invalid_finalizer_name_is_422(client):
    body = assert_status(client.post(PODS, json=pod("p", finalizers=["not a finalizer"])), 422, "Invalid")
    assert any(f.startswith("metadata.finalizers[0]") for f, _ in causes(body)), body


# -- dryRun --------------------------------------------------------------------------------------

def test_dry_run_create_answers_but_stores_nothing(client):
    before = list_rv(client)
    r = client.post(f"{PODS}?dryRun=All", json=pod("dry"))
    assert r.status_code == 201, r.get_data(as_text=True)
    answered = r.get_json()
    assert answered["metadata"]["name"] == "dry"
    assert UUID.match(answered["metadata"]["uid"])
    assert answered["status"]["phase"] == "Pending"
    assert answered["spec"]["restartPolicy"] == "Always"  # defaulted
    assert_status(client.get(f"{PODS}/dry"), 404, "NotFound")
    assert list_rv(client) == before


def test_dry_run_create_has_no_resource_version(client):
    r = client.post(f"{PODS}?dryRun=All", json=pod("dry"))
    assert r.status_code == 201
    assert not r.get_json()["metadata"].get("resourceVersion")


def test_dry_run_create_is_still_validated(client):
    assert_status(client.post(f"{PODS}?dryRun=All", json={"metadata": {"name": "x"}, "spec": {}}), 422, "Invalid")
    create(client, pod("taken"))
    assert_status(client.post(f"{PODS}?dryRun=All", json=pod("taken")), 409, "AlreadyExists")
    assert_status(client.post("/api/v1/namespaces/nons/pods?dryRun=All", json=pod("x")), 404, "NotFound")


def test_dry_run_update_answers_but_stores_nothing(client):
    created = create(client, pod("p"))
    body = json.loads(json.dumps(created))
    body["metadata"]["labels"] = {"dry": "run"}
    r = client.put(f"{PODS}/p?dryRun=All", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["metadata"]["labels"] == {"dry": "run"}
    assert get(client, "p") == created
    assert list_rv(client) == created["metadata"]["resourceVersion"]


def test_dry_run_patch_answers_but_stores_nothing(client):
    created = create(client, pod("p"))
    r = patch(client, f"{PODS}/p?dryRun=All", {"metadata": {"labels": {"dry": "run"}}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["metadata"]["labels"] == {"dry": "run"}
    r = patch(client, f"{PODS}/p/status?dryRun=All", {"status": {"phase": "Running"}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"]["phase"] == "Running"
    assert get(client, "p") == created


def test_dry_run_delete_answers_but_keeps_the_object(client):
    created = create(client, pod("p"))
    r = client.delete(f"{PODS}/p?dryRun=All")
    assert r.status_code == 200
    assert r.get_json()["metadata"]["uid"] == created["metadata"]["uid"]
    assert get(client, "p") == created
    create(client, pod("f", finalizers=["example.com/x"]))
    before = get(client, "f")
    r = client.delete(f"{PODS}/f?dryRun=All")
    assert r.status_code == 200
    assert r.get_json()["metadata"].get("deletionTimestamp")
    assert get(client, "f") == before


def test_dry_run_delete_collection_keeps_everything(client):
    for n in ("a", "b"):
        create(client, pod(n, labels={"app": "x"}))
    r = client.delete(f"{PODS}?labelSelector=app%3Dx&dryRun=All")
    assert r.status_code == 200
    assert sorted(i["metadata"]["name"] for i in r.get_json()["items"]) == ["a", "b"]
    assert names(client) == ["a", "b"]


def test_dry_run_namespace_delete_keeps_it_and_its_contents(client):
    create(client, {"metadata": {"name": "dryns"}}, "/api/v1/namespaces")
    create(client, pod("p"), "/api/v1/namespaces/dryns/pods")
    r = client.delete("/api/v1/namespaces/dryns?dryRun=All")
    assert r.status_code == 200
    assert get(client, "dryns", "/api/v1/namespaces")["status"]["phase"] == "Active"
    assert names(client, "/api/v1/namespaces/dryns/pods") == ["p"]


def test_dry_run_with_unsupported_value_is_422(client):
    assert_status(client.post(f"{PODS}?dryRun=Some", json=pod("x")), 422, "Invalid")
    assert_status(client.get(f"{PODS}/x"), 404, "NotFound")


# -- deletecollection ----------------------------------------------------------------------------

def test_delete_collection_with_label_selector(client):
    for n, app in (("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("b2", "b")):
        create(client, pod(n, labels={"app": app}))
    create(client, {"metadata": {"name": "other"}}, "/api/v1/namespaces")
    create(client, pod("a-elsewhere", labels={"app": "a"}), "/api/v1/namespaces/other/pods")
    r = client.delete(f"{PODS}?labelSelector=app%3Da")
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["a1", "a2", "a3"]
    assert names(client) == ["b1", "b2"]
    assert names(client, "/api/v1/namespaces/other/pods") == ["a-elsewhere"]


def test_delete_collection_with_field_selector(client):
    for n in ("a", "b", "c"):
        create(client, pod(n))
    r = client.delete(f"{PODS}?fieldSelector=metadata.name%21%3Db")
    assert r.status_code == 200
    assert names(client) == ["b"]


def test_delete_collection_respects_finalizers(client):
    create(client, pod("plain"))
    create(client, pod("held", finalizers=["example.com/x"]))
    r = client.delete(PODS)
    assert r.status_code == 200
    assert names(client) == ["held"]
    assert get(client, "held")["metadata"]["deletionTimestamp"]


def test_delete_collection_across_all_namespaces_is_not_allowed(client):
    create(client, pod("p"))
    assert_status(client.delete("/api/v1/pods"), 405, "MethodNotAllowed")
    assert names(client) == ["p"]


def test_namespaces_have_no_delete_collection(client):
    # upstream's namespace storage has no DeleteCollection: never mark default & co. Terminating in bulk
    before = client.get("/api/v1/namespaces").get_json()["items"]
    assert_status(client.delete("/api/v1/namespaces"), 405, "MethodNotAllowed")
    assert client.get("/api/v1/namespaces").get_json()["items"] == before


# -- namespaces in URLs and bodies ---------------------------------------------------------------

def test_body_namespace_differing_from_url_is_400(client):
    body = pod("p")
    body["metadata"]["namespace"] = "kube-system"
    assert_status(client.post(PODS, json=body), 400, "BadRequest",
                  "the namespace of the provided object does not match the namespace sent on the request")
    assert names(client) == [] and names(client, "/api/v1/namespaces/kube-system/pods") == []
    created = create(client, pod("p"))
    body = json.loads(json.dumps(created))
    body["metadata"]["namespace"] = "kube-system"
    assert_status(client.put(f"{PODS}/p", json=body), 400, "BadRequest",
                  "the namespace of the provided object does not match the namespace sent on the request")
    assert get(client, "p") == created


def test_body_namespace_matching_url_or_absent_is_fine(client):
    body = pod("p")
    body["metadata"]["namespace"] = "default"
    assert create(client, body)["metadata"]["namespace"] == "default"
    assert create(client, pod("q"))["metadata"]["namespace"] == "default"


def test_cluster_scoped_create_clears_a_body_namespace(client):
    created = create(client, {"metadata": {"name": "fromfile", "namespace": "default"}}, "/api/v1/namespaces")
    assert "namespace" not in created["metadata"]


def test_create_in_missing_namespace_is_404(client):
    body = assert_status(client.post("/api/v1/namespaces/nons/pods", json=pod("p")), 404, "NotFound",
                         'namespaces "nons" not found')
    assert body["details"]["name"] == "nons"
    assert body["details"]["kind"] == "namespaces"
    assert_status(client.post("/api/v1/namespaces/nons/events", json=event("e", ns="nons")), 404, "NotFound",
                  'namespaces "nons" not found')


def test_create_invalid_object_in_missing_namespace_is_404(client):
    assert_status(client.post("/api/v1/namespaces/nons/pods", json={"metadata": {"name": "x"}, "spec": {}}),
                  404, "NotFound", 'namespaces "nons" not found')


# -- namespaces ----------------------------------------------------------------------------------

def test_system_namespaces_exist_and_are_active(client):
    r = client.get("/api/v1/namespaces")
    items = {i["metadata"]["name"]: i for i in r.get_json()["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(items)
    for ns in items.values():
        assert ns["status"]["phase"] == "Active"
        assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == ns["metadata"]["name"]
        assert ns["spec"]["finalizers"] == ["kubernetes"]


def test_create_namespace(client):
    created = create(client, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
                     "/api/v1/namespaces")
    assert created["status"] == {"phase": "Active"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    assert created["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert "namespace" not in created["metadata"]


@pytest.mark.parametrize("name", ["Bad_NS", "a.b", "-a", "x" * 64])
def test_namespace_names_are_dns1123_labels(client, name):
    body = assert_status(client.post("/api/v1/namespaces", json={"metadata": {"name": name}}), 422, "Invalid")
    assert ("metadata.name", "FieldValueInvalid") in causes(body)


def test_namespace_deletion_terminates_empties_and_removes_it(client):
    create(client, {"metadata": {"name": "doomed"}}, "/api/v1/namespaces")
    base = "/api/v1/namespaces/doomed"
    for n in ("a", "b"):
        create(client, pod(n), f"{base}/pods")
    create(client, event("ev", ns="doomed"), f"{base}/events")
    create(client, pod("survivor"))
    r = client.delete(base)
    assert r.status_code == 200, r.get_data(as_text=True)
    ns = r.get_json()
    assert ns["kind"] == "Namespace"
    assert ns["status"]["phase"] == "Terminating"
    assert RFC3339.match(ns["metadata"]["deletionTimestamp"])
    assert poll(lambda: client.get(base).status_code == 404)
    assert names(client, f"{base}/pods") == []
    assert names(client, f"{base}/events") == []
    assert names(client) == ["survivor"]


def test_terminating_namespace_refuses_new_content(client):
    create(client, {"metadata": {"name": "slow"}}, "/api/v1/namespaces")
    base = "/api/v1/namespaces/slow"
    create(client, pod("held", finalizers=["example.com/x"]), f"{base}/pods")
    client.delete(base)
    ns = get(client, "slow", "/api/v1/namespaces")
    assert ns["status"]["phase"] == "Terminating"
    assert get(client, "held", f"{base}/pods")["metadata"]["deletionTimestamp"]
    assert_status(client.post(f"{base}/pods", json=pod("late")), 403, "Forbidden",
                  'pods "late" is forbidden: unable to create new content in namespace slow because it is '
                  'being terminated')
    r = patch(client, f"{base}/pods/held", {"metadata": {"finalizers": None}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert poll(lambda: client.get(base).status_code == 404)


def test_deleting_a_terminating_namespace_again_is_409(client):
    create(client, {"metadata": {"name": "slow"}}, "/api/v1/namespaces")
    create(client, pod("held", finalizers=["example.com/x"]), "/api/v1/namespaces/slow/pods")
    assert client.delete("/api/v1/namespaces/slow").status_code == 200
    assert_status(client.delete("/api/v1/namespaces/slow"), 409, "Conflict",
                  'Operation cannot be fulfilled on namespaces "slow": The system is ensuring all content is '
                  'removed from this namespace.  Upon completion, this namespace will automatically be purged '
                  'by the system.')


def test_terminating_namespace_403_carries_namespace_terminating_cause(client):
    create(client, {"metadata": {"name": "slow"}}, "/api/v1/namespaces")
    create(client, pod("held", finalizers=["example.com/x"]), "/api/v1/namespaces/slow/pods")
    client.delete("/api/v1/namespaces/slow")
    body = assert_status(client.post("/api/v1/namespaces/slow/pods", json=pod("late")), 403, "Forbidden")
    assert {"reason": "NamespaceTerminating", "message": "namespace slow is being terminated",
            "field": "metadata.namespace"} in body["details"]["causes"]


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_immortal_namespaces_cannot_be_deleted(client, name):
    before = get(client, name, "/api/v1/namespaces")
    assert_status(client.delete(f"/api/v1/namespaces/{name}"), 403, "Forbidden",
                  f'namespaces "{name}" is forbidden: this namespace may not be deleted')
    assert get(client, name, "/api/v1/namespaces") == before


def test_kube_node_lease_is_not_immortal(client):
    # Upstream's NamespaceLifecycle admission protects only default, kube-system and kube-public.
    r = client.delete("/api/v1/namespaces/kube-node-lease")
    assert r.status_code == 200, r.get_data(as_text=True)


def test_namespace_finalize_subresource(client):
    created = create(client, {"metadata": {"name": "fin"}}, "/api/v1/namespaces")
    body = json.loads(json.dumps(created))
    body["spec"]["finalizers"] = []
    body["status"] = {"phase": "Terminating"}
    r = client.put("/api/v1/namespaces/fin/finalize", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    finalized = r.get_json()
    assert not finalized["spec"].get("finalizers")
    assert finalized["status"]["phase"] == "Active"
    assert get(client, "fin", "/api/v1/namespaces") == finalized
    body = json.loads(json.dumps(finalized))
    body["spec"]["finalizers"] = ["not valid!"]
    assert_status(client.put("/api/v1/namespaces/fin/finalize", json=body), 422, "Invalid")


def test_namespace_delete_precondition_uid(client):
    created = create(client, {"metadata": {"name": "pre"}}, "/api/v1/namespaces")
    r = client.delete("/api/v1/namespaces/pre", data=json.dumps({"preconditions": {"uid": "nope"}}),
                      content_type="application/json")
    assert_status(r, 409, "Conflict")
    assert get(client, "pre", "/api/v1/namespaces") == created


# -- nodes ---------------------------------------------------------------------------------------

def test_three_nodes_by_default(client):
    r = client.get("/api/v1/nodes")
    assert r.status_code == 200
    body = r.get_json()
    assert body["kind"] == "NodeList"
    assert [n["metadata"]["name"] for n in body["items"]] == ["node-1", "node-2", "node-3"]


def test_nodes_have_zones_cidrs_addresses_and_are_ready(client):
    nodes = client.get("/api/v1/nodes").get_json()["items"]
    version = client.get("/version").get_json()["gitVersion"]
    cluster = ipaddress.ip_network("10.244.0.0/16")
    cidrs, ips = set(), set()
    for node, zone in zip(nodes, ("zone-a", "zone-b", "zone-c")):
        meta, spec, status = node["metadata"], node["spec"], node["status"]
        assert "namespace" not in meta
        assert meta["labels"]["topology.kubernetes.io/zone"] == zone
        assert meta["labels"]["kubernetes.io/hostname"] == meta["name"]
        net = ipaddress.ip_network(spec["podCIDR"])
        assert net.prefixlen == 24 and net.subnet_of(cluster)
        assert spec["podCIDRs"] == [spec["podCIDR"]]
        cidrs.add(net)
        internal = [a["address"] for a in status["addresses"] if a["type"] == "InternalIP"]
        assert len(internal) == 1
        ips.add(ipaddress.ip_address(internal[0]))
        ready = [c for c in status["conditions"] if c["type"] == "Ready"]
        assert len(ready) == 1 and ready[0]["status"] == "True"
        assert status["nodeInfo"]["kubeletVersion"] == version
    assert len(cidrs) == 3 and len(ips) == 3


def test_node_count_and_pod_cidr_are_configurable():
    from mockapi.app import create_app

    app = create_app({"db": "sqlite://", "nodes": 5, "pod_cidr": "10.100.0.0/16"})
    try:
        nodes = app.test_client().get("/api/v1/nodes").get_json()["items"]
    finally:
        app.extensions["mockapi"].close()
    assert [n["metadata"]["name"] for n in nodes] == [f"node-{i}" for i in range(1, 6)]
    assert [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes] == [
        "zone-a", "zone-b", "zone-c", "zone-a", "zone-b"]
    nets = [ipaddress.ip_network(n["spec"]["podCIDR"]) for n in nodes]
    assert len(set(nets)) == 5
    assert all(net.prefixlen == 24 and net.subnet_of(ipaddress.ip_network("10.100.0.0/16")) for net in nets)


def test_nodes_are_cluster_scoped(client):
    assert_status(client.get("/api/v1/namespaces/default/nodes"), 404, "NotFound")
    assert_status(client.get("/api/v1/namespaces/default/nodes/node-1"), 404, "NotFound")


def test_create_and_delete_a_node(client):
    created = create(client, {"metadata": {"name": "extra", "labels": {"k": "v"}},
                              "spec": {"podCIDR": "10.244.9.0/24"}}, "/api/v1/nodes")
    assert created["kind"] == "Node" and "namespace" not in created["metadata"]
    assert created["spec"]["podCIDRs"] == ["10.244.9.0/24"]
    assert client.delete("/api/v1/nodes/extra").status_code == 200
    assert_status(client.get("/api/v1/nodes/extra"), 404, "NotFound")


# -- pods: defaulting ----------------------------------------------------------------------------

def test_pod_defaults(client):
    body = {"metadata": {"name": "d"}, "spec": {"containers": [
        {"name": "untagged", "image": "nginx", "ports": [{"containerPort": 80}]},
        {"name": "latest", "image": "registry.example.com:5000/app:latest"},
        {"name": "tagged", "image": "registry.example.com:5000/app:1.2"},
        {"name": "digest", "image": "app@sha256:" + "a" * 64},
    ]}}
    created = create(client, body)
    spec = created["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0
    assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    policies = {c["name"]: c["imagePullPolicy"] for c in spec["containers"]}
    assert policies == {"untagged": "Always", "latest": "Always", "tagged": "IfNotPresent",
                        "digest": "IfNotPresent"}
    for c in spec["containers"]:
        assert c["terminationMessagePath"] == "/dev/termination-log"
        assert c["terminationMessagePolicy"] == "File"
    assert spec["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert "nodeName" not in spec


def test_pod_explicit_values_are_kept(client):
    body = pod("k")
    body["spec"].update({"restartPolicy": "Never", "dnsPolicy": "Default", "terminationGracePeriodSeconds": 5,
                         "nodeSelector": {"disk": "ssd"}, "volumes": [{"name": "v", "emptyDir": {}}],
                         "affinity": {"nodeAffinity": {}}})
    body["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    spec = create(client, body)["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["dnsPolicy"] == "Default"
    assert spec["terminationGracePeriodSeconds"] == 5
    assert spec["nodeSelector"] == {"disk": "ssd"}
    assert spec["volumes"] == [{"name": "v", "emptyDir": {}}]
    assert spec["affinity"] == {"nodeAffinity": {}}
    assert spec["containers"][0]["imagePullPolicy"] == "Never"


def test_pod_requests_default_to_limits(client):
    body = pod("q")
    body["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    resources = create(client, body)["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "1", "memory": "1Gi"}


@pytest.mark.parametrize("resources,qos", [
    ({"requests": {"cpu": "100m"}}, "Burstable"),
    ({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
])
def test_pod_qos_class(client, resources, qos):
    body = pod("q")
    body["spec"]["containers"][0]["resources"] = resources
    assert create(client, body)["status"]["qosClass"] == qos


# -- pods: validation ----------------------------------------------------------------------------

def _pod_with(containers: list[dict[str, Any]], name: str = "v") -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"containers": containers}}


C = {"name": "c", "image": "nginx"}


@pytest.mark.parametrize("body,field,reason", [
    pytest.param(pod("Bad_Name"), "metadata.name", "FieldValueInvalid", id="name-uppercase-underscore"),
    pytest.param(pod("-leading"), "metadata.name", "FieldValueInvalid", id="name-leading-dash"),
    pytest.param(pod("a" * 254), "metadata.name", "FieldValueInvalid", id="name-too-long"),
    pytest.param({"metadata": {"name": "v"}, "spec": {}}, "spec.containers", "FieldValueRequired", id="no-containers"),
    pytest.param(_pod_with([]), "spec.containers", "FieldValueRequired", id="empty-containers"),
    pytest.param(_pod_with([C, dict(C)]), "spec.containers[1].name", "FieldValueDuplicate", id="duplicate-container"),
    pytest.param(_pod_with([{"name": "Bad_C", "image": "i"}]), "spec.containers[0].name", "FieldValueInvalid",
                 id="container-name-invalid"),
    pytest.param(_pod_with([{"name": "a.b", "image": "i"}]), "spec.containers[0].name", "FieldValueInvalid",
                 id="container-name-not-a-label"),
    pytest.param(_pod_with([{"image": "i"}]), "spec.containers[0].name", "FieldValueRequired", id="container-no-name"),
    pytest.param(_pod_with([{"name": "c"}]), "spec.containers[0].image", "FieldValueRequired", id="no-image"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 0}]}]), "spec.containers[0].ports[0].containerPort",
                 "FieldValueRequired", id="port-zero"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 65536}]}]),
                 "spec.containers[0].ports[0].containerPort", "FieldValueInvalid", id="port-too-high"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": -1}]}]),
                 "spec.containers[0].ports[0].containerPort", "FieldValueInvalid", id="port-negative"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "hostPort": 70000}]}]),
                 "spec.containers[0].ports[0].hostPort", "FieldValueInvalid", id="hostport-too-high"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "name": "Bad_Name"}]}]),
                 "spec.containers[0].ports[0].name", "FieldValueInvalid", id="port-name-chars"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "name": "abcdefghijklmnop"}]}]),
                 "spec.containers[0].ports[0].name", "FieldValueInvalid", id="port-name-too-long"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "name": "8080"}]}]),
                 "spec.containers[0].ports[0].name", "FieldValueInvalid", id="port-name-no-letter"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "name": "a--b"}]}]),
                 "spec.containers[0].ports[0].name", "FieldValueInvalid", id="port-name-double-hyphen"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "name": "http"},
                                            {"containerPort": 81, "name": "http"}]}]),
                 "spec.containers[0].ports[1].name", "FieldValueDuplicate", id="port-name-duplicate"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "protocol": "ICMP"}]}]),
                 "spec.containers[0].ports[0].protocol", "FieldValueNotSupported", id="protocol"),
    pytest.param(_pod_with([{**C, "ports": [{"containerPort": 80, "protocol": "tcp"}]}]),
                 "spec.containers[0].ports[0].protocol", "FieldValueNotSupported", id="protocol-lowercase"),
    pytest.param({"metadata": {"name": "v"}, "spec": {"containers": [C], "restartPolicy": "Sometimes"}},
                 "spec.restartPolicy", "FieldValueNotSupported", id="restart-policy"),
    pytest.param({"metadata": {"name": "v", "labels": {"bad key!": "v"}}, "spec": {"containers": [C]}},
                 "metadata.labels", "FieldValueInvalid", id="label-key"),
    pytest.param({"metadata": {"name": "v", "labels": {"k": "bad value!"}}, "spec": {"containers": [C]}},
                 "metadata.labels", "FieldValueInvalid", id="label-value"),
])
def test_pod_validation(client, body, field, reason):
    before = list_rv(client)
    err = assert_status(client.post(PODS, json=body), 422, "Invalid")
    assert (field, reason) in causes(err), err
    name = body["metadata"]["name"]
    assert err["message"].startswith(f'Pod "{name}" is invalid: ')
    assert err["details"]["name"] == name and err["details"]["kind"] == "Pod"
    assert list_rv(client) == before


def test_pod_validation_wording(client):
    err = assert_status(client.post(PODS, json=_pod_with([{**C, "ports": [{"containerPort": 70000,
                                                                            "protocol": "ICMP"}]}])),
                        422, "Invalid")
    assert err["message"] == (
        'Pod "v" is invalid: [spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between '
        '1 and 65535, inclusive, spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported '
        'values: "SCTP", "TCP", "UDP"]')
    err = assert_status(client.post(PODS, json={"metadata": {"name": "v"}, "spec": {}}), 422, "Invalid")
    assert err["message"] == 'Pod "v" is invalid: spec.containers: Required value'
    assert err["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                         "field": "spec.containers"}]
    err = assert_status(client.post(PODS, json=_pod_with([C, dict(C)])), 422, "Invalid")
    assert err["message"] == 'Pod "v" is invalid: spec.containers[1].name: Duplicate value: "c"'


def test_pod_names_may_be_dns_subdomains(client):
    assert create(client, pod("web.v1.example"))["metadata"]["name"] == "web.v1.example"


def test_pod_protocols_udp_and_sctp_are_valid(client):
    body = _pod_with([{**C, "ports": [{"containerPort": 53, "protocol": "UDP", "name": "dns"},
                                      {"containerPort": 53, "protocol": "TCP", "name": "dns-tcp"},
                                      {"containerPort": 9, "protocol": "SCTP"}]}])
    ports = create(client, body)["spec"]["containers"][0]["ports"]
    assert [p["protocol"] for p in ports] == ["UDP", "TCP", "SCTP"]


def test_pod_same_port_name_in_different_containers_is_valid(client):
    body = _pod_with([{"name": "a", "image": "i", "ports": [{"containerPort": 80, "name": "http"}]},
                      {"name": "b", "image": "i", "ports": [{"containerPort": 8080, "name": "http"}]}])
    create(client, body)


def test_init_container_names_clash_with_containers(client):
    body = {"metadata": {"name": "v"}, "spec": {"initContainers": [{"name": "c", "image": "i"}],
                                                 "containers": [{"name": "c", "image": "i"}]}}
    err = assert_status(client.post(PODS, json=body), 422, "Invalid")
    assert any(reason == "FieldValueDuplicate" for _, reason in causes(err)), err


def test_init_container_name_clash_field_path(client):
    body = {"metadata": {"name": "v"}, "spec": {"initContainers": [{"name": "c", "image": "i"}],
                                                 "containers": [{"name": "c", "image": "i"}]}}
    err = assert_status(client.post(PODS, json=body), 422, "Invalid")
    assert causes(err) == {("spec.initContainers[0].name", "FieldValueDuplicate")}


# -- events --------------------------------------------------------------------------------------

def event(name: str | None, *, involved: dict[str, Any] | None = None, ns: str = "default", **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name} if name else {}
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Event", "metadata": meta,
        "involvedObject": involved if involved is not None else {"kind": "Pod", "namespace": ns, "name": "p1",
                                                                 "uid": "uid-1", "apiVersion": "v1"},
        "reason": "Started", "message": "Started container app", "type": "Normal",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:00:00Z", "count": 1,
    }
    body.update(fields)
    return body


def test_create_event_with_generate_name(client):
    created = create(client, event(None) | {"metadata": {"generateName": "p1."}}, EVENTS)
    assert created["kind"] == "Event"
    assert created["metadata"]["name"].startswith("p1.")
    assert len(created["metadata"]["name"]) > len("p1.")
    assert created["involvedObject"]["name"] == "p1"
    assert created["reason"] == "Started" and created["count"] == 1
    assert get(client, created["metadata"]["name"], EVENTS) == created


def test_create_event_with_dash_generate_name(client):
    created = create(client, event(None) | {"metadata": {"generateName": "kopf-event-"}}, EVENTS)
    assert re.fullmatch(r"kopf-event-[a-z0-9]{5}", created["metadata"]["name"])


def test_core_v1_event_names_are_path_segments(client):
    created = create(client, event("Pod_Event.17abc"), EVENTS)
    assert created["metadata"]["name"] == "Pod_Event.17abc"


def test_event_names_may_not_be_path_traversal(client):
    before = names(client, EVENTS)
    for bad in (".", "..", "a%2Fb", "a/b"):
        r = client.post(EVENTS, json=event(bad))
        assert 400 <= r.status_code < 500, (bad, r.get_data(as_text=True))
    assert names(client, EVENTS) == before


def test_event_field_selectors(client):
    p2 = {"kind": "Pod", "namespace": "default", "name": "p2", "uid": "uid-2", "apiVersion": "v1",
          "fieldPath": "spec.containers{app}"}
    create(client, event("e1"), EVENTS)
    create(client, event("e2", involved=p2, reason="Killing", type="Warning"), EVENTS)
    create(client, event("e3", involved={"kind": "Node", "name": "node-1", "uid": "node-uid"},
                         source={"component": "node-controller"}), EVENTS)

    def sel(s: str) -> list[str]:
        return names(client, EVENTS, "fieldSelector=" + s)

    assert sel("involvedObject.name=p1") == ["e1"]
    assert sel("involvedObject.name=p2,involvedObject.namespace=default,involvedObject.kind=Pod") == ["e2"]
    assert sel("involvedObject.uid=uid-2") == ["e2"]
    assert sel("involvedObject.kind=Node") == ["e3"]
    assert sel("involvedObject.kind!=Pod") == ["e3"]
    assert sel("involvedObject.apiVersion=v1") == ["e1", "e2"]
    assert sel("involvedObject.fieldPath=spec.containers%7Bapp%7D") == ["e2"]
    assert sel("reason=Killing") == ["e2"]
    assert sel("type=Warning") == ["e2"]
    assert sel("type!=Warning") == ["e1", "e3"]
    assert sel("source=node-controller") == ["e3"]
    assert sel("metadata.name=e1") == ["e1"]
    assert_status(client.get(f"{EVENTS}?fieldSelector=involvedObject.color%3Dred"), 400, "BadRequest")


def test_event_source_selector_falls_back_to_reporting_component(client):
    body = event("e1")
    del body["source"]
    body["reportingComponent"] = "my-controller"
    create(client, body, EVENTS)
    assert names(client, EVENTS, "fieldSelector=source%3Dmy-controller") == ["e1"]


def test_event_involved_namespace_must_match_even_in_default(client):
    body = event("e1", involved={"kind": "Pod", "namespace": "kube-system", "name": "p", "uid": "u"})
    err = assert_status(client.post(EVENTS, json=body), 422, "Invalid")
    assert ("involvedObject.namespace", "FieldValueInvalid") in causes(err)


def test_event_involved_namespace_mismatch_is_422(client):
    body = event("e1", involved={"kind": "Pod", "namespace": "default", "name": "p", "uid": "u"})
    err = assert_status(client.post("/api/v1/namespaces/kube-system/events", json=body), 422, "Invalid")
    assert ("involvedObject.namespace", "FieldValueInvalid") in causes(err)


def test_event_for_cluster_scoped_object_must_live_in_default(client):
    body = event("e1", involved={"kind": "Node", "name": "node-1", "uid": "u"})
    err = assert_status(client.post("/api/v1/namespaces/kube-system/events", json=body), 422, "Invalid")
    assert ("involvedObject.namespace", "FieldValueInvalid") in causes(err)


def test_core_v1_event_type_is_not_validated(client):
    assert create(client, event("e1", type="Custom"), EVENTS)["type"] == "Custom"


def test_event_for_node_in_default_namespace(client):
    created = create(client, event("n1", involved={"kind": "Node", "name": "node-1", "uid": "u"}), EVENTS)
    assert created["involvedObject"]["kind"] == "Node"


def test_put_of_a_missing_event_creates_it(client):
    # events allow create-on-update upstream (AllowCreateOnUpdate): the answer is 201
    r = client.put(f"{EVENTS}/fresh", json=event("fresh"))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["metadata"]["name"] == "fresh"
    assert get(client, "fresh", EVENTS) == r.get_json()


@pytest.mark.parametrize("path,name,kind", [(EVENTS, "e1", "events"), ("/api/v1/nodes", "node-3", "nodes")])
def test_delete_of_kinds_that_do_not_return_the_object_answers_a_success_status(client, path, name, kind):
    if kind == "events":
        create(client, event("e1"), EVENTS)
    uid = get(client, name, path)["metadata"]["uid"]
    r = client.delete(f"{path}/{name}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Success"
    assert body["details"]["name"] == name
    assert body["details"]["kind"] == kind
    assert body["details"]["uid"] == uid
    assert_status(client.get(f"{path}/{name}"), 404, "NotFound")


def test_event_update_and_delete(client):
    created = create(client, event("e1"), EVENTS)
    body = dict(created, count=2, lastTimestamp="2024-01-01T00:01:00Z")
    updated = client.put(f"{EVENTS}/e1", json=body).get_json()
    assert updated["count"] == 2
    assert "generation" not in updated["metadata"]
    assert client.delete(f"{EVENTS}/e1").status_code == 200
    assert names(client, EVENTS) == []


def test_unique_ids_are_unique(client):
    uids = {create(client, pod(f"u{i}"))["metadata"]["uid"] for i in range(5)}
    assert len(uids) == 5
    assert all(uuid.UUID(u) for u in uids)
