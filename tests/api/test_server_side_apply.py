"""Server-side apply over HTTP (``PATCH`` with ``application/apply-patch+yaml``) and managedFields:
create-or-update, ownership per field manager in the ``f:``/``k:`` encoding, pruning of fields a
manager stops applying, conflicts (409 with FieldManagerConflict causes) and ``force=true``,
dry-run, and Update entries recorded by ordinary writes.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

SVCS = "/api/v1/namespaces/default/services"
SVC = f"{SVCS}/web"
APPLY = "application/apply-patch+yaml"


def svc(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    body["spec"].update(spec)
    return body


def apply(client, body: Any, manager: str | None = "mgr", force: bool = False, path: str = SVC,
          yaml_body: bool = False, dry: bool = False):  # type: ignore[no-untyped-def]
    query = []
    if manager is not None:
        query.append(f"fieldManager={manager}")
    query.append(f"force={'true' if force else 'false'}")
    if dry:
        query.append("dryRun=All")
    data = yaml.safe_dump(body) if yaml_body else json.dumps(body)
    return client.patch(f"{path}?{'&'.join(query)}", data=data, headers={"Content-Type": APPLY})


def entry(obj: dict[str, Any], manager: str, operation: str = "Apply") -> dict[str, Any]:
    found = [e for e in obj["metadata"].get("managedFields", [])
             if e["manager"] == manager and e["operation"] == operation]
    assert len(found) == 1, obj["metadata"].get("managedFields")
    return found[0]


def test_apply_creates_then_updates(client):
    r = apply(client, svc())
    assert r.status_code == 201, r.get_data(as_text=True)
    created = r.get_json()
    assert created["spec"]["ports"][0]["port"] == 80 and created["spec"]["clusterIP"]
    e = entry(created, "mgr")
    assert e["fieldsType"] == "FieldsV1" and e["apiVersion"] == "v1" and e["time"]
    assert e["fieldsV1"] == {"f:spec": {"f:selector": {"f:app": {}},
                                        "f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}}}}}
    r = apply(client, svc(ports=[{"port": 80, "targetPort": 8080}]))
    assert r.status_code == 200, r.get_data(as_text=True)
    updated = r.get_json()
    assert updated["spec"]["ports"][0]["targetPort"] == 8080
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    assert client.get(SVC).get_json() == updated


def test_unchanged_apply_keeps_the_resource_version(client):
    first = apply(client, svc()).get_json()
    again = apply(client, svc())
    assert again.status_code == 200
    assert again.get_json()["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_yaml_body(client):
    r = apply(client, svc(), yaml_body=True)
    assert r.status_code == 201, r.get_data(as_text=True)


def test_field_manager_is_required(client):
    r = apply(client, svc(), manager=None)
    assert r.status_code == 422
    body = r.get_json()
    assert body["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
                               "for apply patch")


def test_name_and_kind_must_match(client):
    other = svc()
    other["metadata"]["name"] = "other"
    assert apply(client, other).status_code == 400
    pod = svc()
    pod["kind"] = "Pod"
    assert apply(client, pod).status_code == 400
    assert apply(client, [1, 2]).status_code == 400


def test_fields_no_longer_applied_are_removed(client):
    body = svc()
    body["metadata"]["labels"] = {"a": "1", "b": "2"}
    apply(client, body)
    body["metadata"]["labels"] = {"a": "1"}
    r = apply(client, body)
    assert r.status_code == 200
    assert r.get_json()["metadata"]["labels"] == {"a": "1"}


def test_fields_owned_by_another_manager_survive_pruning(client):
    body = svc()
    body["metadata"]["labels"] = {"shared": "x"}
    apply(client, body, manager="one")
    assert apply(client, body, manager="two").status_code == 200  # same value: shared, no conflict
    del body["metadata"]["labels"]
    r = apply(client, body, manager="one")
    assert r.get_json()["metadata"]["labels"] == {"shared": "x"}


def test_list_map_items_merge_by_key(client):
    apply(client, svc(ports=[{"name": "http", "port": 80}]), manager="one")
    r = apply(client, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                       "spec": {"ports": [{"name": "https", "port": 443}]}}, manager="two")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert sorted(p["port"] for p in r.get_json()["spec"]["ports"]) == [80, 443]


def test_conflict_with_another_applier_then_force(client):
    apply(client, svc(), manager="one")
    body = svc()
    body["metadata"]["labels"] = {"a": "1"}
    apply(client, body, manager="one")
    body["metadata"]["labels"] = {"a": "2"}
    r = apply(client, body, manager="two")
    assert r.status_code == 409
    status = r.get_json()
    assert status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "one": .metadata.labels.a'
    assert status["details"]["causes"] == [{"type": "FieldManagerConflict", "message": 'conflict with "one"',
                                            "field": ".metadata.labels.a"}]
    assert client.get(SVC).get_json()["metadata"]["labels"] == {"a": "1"}
    r = apply(client, body, manager="two", force=True)
    assert r.status_code == 200
    obj = r.get_json()
    assert obj["metadata"]["labels"] == {"a": "2"}
    assert "f:labels" in entry(obj, "two")["fieldsV1"]["f:metadata"]
    assert "f:labels" not in entry(obj, "one")["fieldsV1"].get("f:metadata", {})


def test_conflict_with_an_update_manager(client):
    apply(client, svc(), manager="one")
    r = client.patch(f"{SVC}?fieldManager=kubectl-client-side-apply",
                     data=json.dumps({"spec": {"selector": {"app": "x"}}}),
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    e = entry(r.get_json(), "kubectl-client-side-apply", "Update")
    assert e["fieldsV1"] == {"f:spec": {"f:selector": {"f:app": {}}}}
    r = apply(client, svc(), manager="one")
    assert r.status_code == 409
    message = r.get_json()["message"]
    assert message.startswith('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1 at ')
    assert message.endswith(": .spec.selector.app")


def test_several_conflicts_are_listed_per_manager(client):
    body = svc()
    body["metadata"]["labels"] = {"a": "1", "b": "1"}
    apply(client, body, manager="one")
    body["metadata"]["labels"] = {"a": "2", "b": "2"}
    r = apply(client, body, manager="two")
    assert r.status_code == 409
    assert r.get_json()["message"] == ('Apply failed with 2 conflicts: conflicts with "one":\n'
                                       "- .metadata.labels.a\n- .metadata.labels.b")


def test_dry_run_changes_nothing(client):
    r = apply(client, svc(), dry=True)
    assert r.status_code == 201
    assert client.get(SVC).status_code == 404
    apply(client, svc())
    body = svc()
    body["metadata"]["labels"] = {"x": "y"}
    r = apply(client, body, dry=True)
    assert r.status_code == 200 and r.get_json()["metadata"]["labels"] == {"x": "y"}
    assert "labels" not in client.get(SVC).get_json()["metadata"]


def test_ordinary_writes_record_update_entries(client):
    r = client.post(f"{SVCS}?fieldManager=kubectl-create", data=json.dumps(svc()),
                    content_type="application/json")
    created = r.get_json()
    e = entry(created, "kubectl-create", "Update")
    assert "f:ports" in e["fieldsV1"]["f:spec"]
    r = client.patch(f"{SVC}?fieldManager=kubectl-label", data=json.dumps({"metadata": {"labels": {"l": "v"}}}),
                     headers={"Content-Type": "application/merge-patch+json"})
    patched = r.get_json()
    assert entry(patched, "kubectl-label", "Update")["fieldsV1"] == {"f:metadata": {"f:labels": {"f:l": {}}}}
    # a no-op write changes nothing, not even the entries' times
    again = client.patch(f"{SVC}?fieldManager=kubectl-label", data=json.dumps({"metadata": {"labels": {"l": "v"}}}),
                         headers={"Content-Type": "application/merge-patch+json"}).get_json()
    assert again == patched


def test_managed_fields_reset_with_an_empty_entry(client):
    apply(client, svc())
    r = client.patch(SVC, data=json.dumps({"metadata": {"managedFields": [{}]}}),
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200
    assert "managedFields" not in r.get_json()["metadata"]


def test_put_echoing_managed_fields_keeps_them(client):
    obj = apply(client, svc()).get_json()
    obj["metadata"]["labels"] = {"k": "v"}
    r = client.put(f"{SVC}?fieldManager=py", data=json.dumps(obj), content_type="application/json")
    assert r.status_code == 200
    updated = r.get_json()
    assert entry(updated, "mgr")["fieldsV1"] == entry(obj, "mgr")["fieldsV1"]
    assert entry(updated, "py", "Update")["fieldsV1"] == {"f:metadata": {"f:labels": {"f:k": {}}}}


def test_list_items_no_longer_applied_are_removed(client):
    apply(client, svc(ports=[{"name": "http", "port": 80}, {"name": "https", "port": 443}]))
    r = apply(client, svc(ports=[{"name": "http", "port": 80}]))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [p["port"] for p in r.get_json()["spec"]["ports"]] == [80]
