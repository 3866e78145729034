"""kubectl against a live ``mockapi serve`` for ServiceAccount and RBAC: apply of a manifest with every
kind, get with real columns, the ``default`` ServiceAccount of a new namespace, the typed ``create``
commands, describe, delete, api-resources and explain. (The dispatcher on PATH runs kubectl 1.31.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl


def manifest(ns: str) -> str:
    return f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}-app}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: app, namespace: {ns}-app}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: pod-reader, namespace: {ns}-app}}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: app-reads-pods, namespace: {ns}-app}}
subjects:
- {{kind: ServiceAccount, name: app, namespace: {ns}-app}}
- {{kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}}
roleRef: {{kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: {ns}-node-reader}}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
- nonResourceURLs: [/healthz]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: {ns}-node-readers}}
subjects:
- {{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}}
roleRef: {{kind: ClusterRole, name: {ns}-node-reader, apiGroup: rbac.authorization.k8s.io}}
"""


def rows(output: str) -> list[list[str]]:
    return [ln.split() for ln in output.splitlines() if ln.strip()]


def test_apply_get_describe_delete(kubectl: Any, namespace: str) -> None:
    app = f"{namespace}-app"
    text = manifest(namespace)
    try:
        first = kubectl("apply", "-f", "-", input=text)
        assert "rolebinding.rbac.authorization.k8s.io/app-reads-pods created" in first.stdout
        assert kubectl("apply", "-f", "-", input=text).stdout.count("unchanged") == 6
        assert kubectl("apply", "--server-side", "-f", "-", input=text).stdout.count("serverside-applied") == 6
        out = kubectl("get", "sa,role,rolebinding", "-n", app).stdout
        blocks = [rows(b) for b in out.strip().split("\n\n")]
        assert blocks[0][0] == ["NAME", "SECRETS", "AGE"]
        assert [r[:2] for r in blocks[0][1:]] == [["serviceaccount/app", "0"], ["serviceaccount/default", "0"]]
        assert blocks[1][0] == ["NAME", "CREATED", "AT"] and blocks[1][1][0] == "role.rbac.authorization.k8s.io/pod-reader"
        assert blocks[1][1][1].endswith("Z")
        assert blocks[2][0] == ["NAME", "ROLE", "AGE"]
        assert blocks[2][1][:2] == ["rolebinding.rbac.authorization.k8s.io/app-reads-pods", "Role/pod-reader"]
        wide = rows(kubectl("get", "rolebinding", "-n", app, "-o", "wide").stdout)
        assert wide[0] == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
        assert wide[1][3:] == ["jane", f"{app}/app"]
        crb = rows(kubectl("get", "clusterrolebinding", f"{namespace}-node-readers", "-o", "wide").stdout)
        assert crb[1][1:2] == [f"ClusterRole/{namespace}-node-reader"] and crb[1][3:] == ["ops"]
        described = kubectl("describe", "role", "pod-reader", "-n", app).stdout
        assert "pods       []                 []              [get list watch]" in described
        described = kubectl("describe", "rolebinding", "app-reads-pods", "-n", app).stdout
        assert "Role:\n  Kind:  Role\n  Name:  pod-reader" in described
        assert "ServiceAccount  app   " + app in described
        described = kubectl("describe", "clusterrole", f"{namespace}-node-reader").stdout
        assert "[/healthz]" in described
        assert "Mountable secrets:" in kubectl("describe", "sa", "app", "-n", app).stdout
    finally:
        kubectl("delete", "-f", "-", "--wait=false", input=text, check=False)
    assert kubectl("get", "clusterrole", f"{namespace}-node-reader", check=False).returncode == 1


def test_a_new_namespace_has_its_default_service_account(kubectl: Any, namespace: str) -> None:
    out = rows(kubectl("get", "serviceaccounts", "-n", namespace).stdout)
    assert out[0] == ["NAME", "SECRETS", "AGE"] and [r[0] for r in out[1:]] == ["default"]
    kubectl("delete", "sa", "default", "-n", namespace)
    assert kubectl("get", "sa", "default", "-n", namespace, "-o", "jsonpath={.metadata.name}").stdout == "default"


def test_typed_create_commands(kubectl: Any, namespace: str) -> None:
    crole, crb = f"{namespace}-cr", f"{namespace}-crb"
    try:
        kubectl("create", "serviceaccount", "bot", "-n", namespace)
        kubectl("create", "role", "r1", "--verb=get,list", "--resource=pods,services", "-n", namespace)
        kubectl("create", "clusterrole", crole, "--verb=get", "--non-resource-url=/logs")
        kubectl("create", "clusterrolebinding", crb, f"--clusterrole={crole}", "--group=g1",
                f"--serviceaccount={namespace}:bot")
        role = json.loads(kubectl("get", "role", "r1", "-n", namespace, "-o", "json").stdout)
        assert role["rules"] == [{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]}]
        binding = json.loads(kubectl("get", "clusterrolebinding", crb, "-o", "json").stdout)
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": crole}
        assert {s["kind"] for s in binding["subjects"]} == {"Group", "ServiceAccount"}
        agg = f"{namespace}-agg"
        kubectl("create", "clusterrole", agg, "--aggregation-rule=demo=true")
        assert kubectl("get", "clusterrole", agg, "-o", "jsonpath={.aggregationRule.clusterRoleSelectors[0]}"
                       ).stdout == '{"matchLabels":{"demo":"true"}}'
        kubectl("delete", "clusterrole", agg)
        kubectl("delete", "sa", "bot", "-n", namespace)
        kubectl("delete", "role", "r1", "-n", namespace)
    finally:
        kubectl("delete", "clusterrolebinding", crb, "--ignore-not-found", check=False)
        kubectl("delete", "clusterrole", crole, "--ignore-not-found", check=False)


@pytest.mark.xfail(strict=True, reason="kubectl 1.31's `create rolebinding` sends a protobuf body, which mockapi "
                                       "answers 415 (protobuf request bodies are a separate issue)")
def test_create_rolebinding(kubectl: Any, namespace: str) -> None:
    kubectl("create", "rolebinding", "rb1", "--role=r1", "--user=al", "-n", namespace)


def test_api_resources_and_explain(kubectl: Any) -> None:
    found = {ln.split()[0]: ln.split() for ln in kubectl("api-resources").stdout.splitlines()[1:] if ln.strip()}
    assert found["serviceaccounts"] == ["serviceaccounts", "sa", "v1", "true", "ServiceAccount"]
    assert found["roles"] == ["roles", "rbac.authorization.k8s.io/v1", "true", "Role"]
    assert found["clusterrolebindings"] == ["clusterrolebindings", "rbac.authorization.k8s.io/v1", "false",
                                            "ClusterRoleBinding"]
    explained = kubectl("explain", "role.rules").stdout
    assert "FIELD: rules <[]PolicyRule>" in explained and "verbs\t<[]string> -required-" in explained
    assert "roleRef\t<RoleRef> -required-" in kubectl("explain", "clusterrolebinding").stdout
