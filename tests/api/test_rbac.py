"""The new kinds through the generic API: every patch type (JSON, merge, strategic, server-side apply),
watch, Table, fieldValidation=Strict, discovery and /openapi/v3 for ServiceAccount and the four
rbac.authorization.k8s.io/v1 kinds."""

from __future__ import annotations

import json
from typing import Any

import pytest

G = "/apis/rbac.authorization.k8s.io/v1"
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
RULE = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}
KINDS = [
    ("/api/v1/namespaces/default/serviceaccounts", {"kind": "ServiceAccount", "apiVersion": "v1"}, {}),
    (f"{G}/namespaces/default/roles", {"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1"},
     {"rules": [RULE]}),
    (f"{G}/clusterroles", {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1"}, {"rules": [RULE]}),
    (f"{G}/namespaces/default/rolebindings", {"kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1"},
     {"roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}]}),
    (f"{G}/clusterrolebindings", {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1"},
     {"roleRef": {"kind": "ClusterRole", "name": "r"}, "subjects": [{"kind": "Group", "name": "g"}]}),
]


def _patch(client: Any, url: str, body: Any, ctype: str, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.patch(url + (f"?{query}" if query else ""), data=json.dumps(body),
                        headers={"Content-Type": ctype})


@pytest.mark.parametrize("base, tm, body", KINDS, ids=[k[1]["kind"] for k in KINDS])
def test_crud_patch_watch_and_table(client: Any, base: str, tm: dict[str, str], body: dict[str, Any]) -> None:
    rv0 = client.get(base).get_json()["metadata"]["resourceVersion"]
    r = client.post(base, json={**tm, "metadata": {"name": "x"}, **body})
    assert r.status_code == 201, r.data
    url = f"{base}/x"
    obj = r.get_json()
    obj["metadata"]["labels"] = {"put": "1"}
    assert client.put(url, json=obj).status_code == 200
    assert _patch(client, url, [{"op": "add", "path": "/metadata/labels/json", "value": "1"}],
                  "application/json-patch+json").status_code == 200
    assert _patch(client, url, {"metadata": {"labels": {"merge": "1"}}},
                  "application/merge-patch+json").status_code == 200
    assert _patch(client, url, {"metadata": {"labels": {"smp": "1"}}},
                  "application/strategic-merge-patch+json").status_code == 200
    applied = _patch(client, url, {**tm, "metadata": {"name": "x", "labels": {"ssa": "1"}}, **body},
                     "application/apply-patch+yaml", fieldManager="tester", force="true")
    assert applied.status_code == 200, applied.data
    labels = client.get(url).get_json()["metadata"]["labels"]
    assert labels == {"put": "1", "json": "1", "merge": "1", "smp": "1", "ssa": "1"}
    table = client.get(base, headers=TABLE).get_json()
    assert [row["cells"][0] for row in table["rows"] if row["cells"][0] == "x"] == ["x"]
    assert client.delete(url).status_code == 200
    with client.get(f"{base}?watch=1&resourceVersion={rv0}&timeoutSeconds=1&fieldSelector=metadata.name=x",
                    buffered=True) as stream:
        events = [json.loads(line)["type"] for line in stream.get_data().splitlines() if line.strip()]
    assert events == ["ADDED"] + ["MODIFIED"] * 5 + ["DELETED"]


def test_strict_field_validation_refuses_unknown_fields(client: Any) -> None:
    r = client.post(f"{G}/namespaces/default/roles?fieldValidation=Strict",
                    json={"metadata": {"name": "r"}, "rules": [{**RULE, "verb": ["list"]}]})
    assert r.status_code == 400
    assert 'unknown field "rules[0].verb"' in r.get_json()["message"]
    r = client.post("/api/v1/namespaces/default/serviceaccounts?fieldValidation=Strict",
                    json={"metadata": {"name": "s"}, "automount": True})
    assert r.status_code == 400 and 'unknown field "automount"' in r.get_json()["message"]


def test_wrong_types_are_decoding_errors(client: Any) -> None:
    r = client.post(f"{G}/clusterrolebindings", json={"metadata": {"name": "b"}, "roleRef": "view"})
    assert r.status_code == 400
    r = client.post("/api/v1/namespaces/default/serviceaccounts",
                    json={"metadata": {"name": "s"}, "automountServiceAccountToken": "yes"})
    assert r.status_code == 400


def test_invalid_binding_is_422_with_causes(client: Any) -> None:
    r = client.post(f"{G}/namespaces/default/rolebindings",
                    json={"metadata": {"name": "b"}, "roleRef": {"kind": "Pod", "name": "r"}})
    assert r.status_code == 422
    status = r.get_json()
    assert status["reason"] == "Invalid" and status["details"]["group"] == "rbac.authorization.k8s.io"
    assert status["details"]["kind"] == "RoleBinding"
    assert status["details"]["causes"] == [{"reason": "FieldValueNotSupported", "field": "roleRef.kind",
                                            "message": 'Unsupported value: "Pod": supported values: "Role", '
                                                       '"ClusterRole"'}]
    assert status["message"] == ('RoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef.kind: Unsupported '
                                 'value: "Pod": supported values: "Role", "ClusterRole"')


def test_discovery(client: Any) -> None:
    core = {r["name"]: r for r in client.get("/api/v1").get_json()["resources"]}
    assert core["serviceaccounts"]["shortNames"] == ["sa"] and core["serviceaccounts"]["namespaced"] is True
    rbac = {r["name"]: r for r in client.get(G).get_json()["resources"]}
    assert {n: r["namespaced"] for n, r in rbac.items()} == {
        "roles": True, "rolebindings": True, "clusterroles": False, "clusterrolebindings": False}
    groups = [g["name"] for g in client.get("/apis").get_json()["groups"]]
    assert "rbac.authorization.k8s.io" in groups


def test_openapi_v3_has_the_published_schemas(client: Any) -> None:
    url = client.get("/openapi/v3").get_json()["paths"]["apis/rbac.authorization.k8s.io/v1"]["serverRelativeURL"]
    schemas = client.get(url).get_json()["components"]["schemas"]
    rules = schemas["io.k8s.api.rbac.v1.Role"]["properties"]["rules"]
    assert rules["description"] == "Rules holds all the PolicyRules for this Role"
    assert "verbs" in schemas["io.k8s.api.rbac.v1.PolicyRule"]["required"]
