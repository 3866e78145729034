"""An ordinary application manifest applied as a user would (issue #11's acceptance): Namespace,
ConfigMap, Secret, ServiceAccount, Role, RoleBinding and Service in one file, with stock kubectl of
the oldest and newest versions we test; ``kubectl get`` shows each kind with its real columns."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from tests.clients.test_kubectl_versions import table, versioned_kubectl
from tests.conftest import LiveServer

pytestmark = pytest.mark.kubectl

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-config, namespace: {ns}}}
data: {{LOG_LEVEL: debug, PORT: "8080"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: web-secret, namespace: {ns}}}
type: kubernetes.io/basic-auth
stringData: {{username: admin, password: s3cret}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: web, namespace: {ns}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: config-reader, namespace: {ns}}}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: web-reads-config, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}}
subjects:
- {{kind: ServiceAccount, name: web, namespace: {ns}}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


@pytest.fixture(scope="module")
def server() -> LiveServer:
    live = LiveServer(kubelet="on")
    yield live  # type: ignore[misc]
    live.stop()


@pytest.mark.parametrize("minor", ["1.27", "1.33"])
def test_apply_an_app_manifest_and_get_every_kind(minor: str, server: LiveServer, tmp_path: Path) -> None:
    exe = versioned_kubectl(minor)
    config = server.kubeconfig(tmp_path / "config")
    ns = "app-" + uuid.uuid4().hex[:8]

    def kubectl(*args: str, stdin: str | None = None) -> str:
        proc = subprocess.run([exe, "--kubeconfig", str(config), "--cache-dir", str(tmp_path / "cache"), *args],
                              input=stdin, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, f"kubectl.{minor} {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
        return proc.stdout

    out = kubectl("apply", "-f", "-", stdin=MANIFEST.format(ns=ns))
    assert out.split("\n")[:7] == [
        f"namespace/{ns} created", "configmap/web-config created", "secret/web-secret created",
        "serviceaccount/web created", "role.rbac.authorization.k8s.io/config-reader created",
        "rolebinding.rbac.authorization.k8s.io/web-reads-config created", "service/web created"]
    assert "unchanged" in kubectl("apply", "-f", "-", stdin=MANIFEST.format(ns=ns))  # idempotent

    header, rows = table(kubectl("get", "configmaps", "-n", ns))
    assert header == ["NAME", "DATA", "AGE"]
    assert {r[0]: r[1] for r in rows} == {"web-config": "2"}  # (no kube-root-ca.crt publisher yet)
    header, rows = table(kubectl("get", "secrets", "-n", ns))
    assert header == ["NAME", "TYPE", "DATA", "AGE"] and rows[0][:3] == ["web-secret", "kubernetes.io/basic-auth", "2"]
    header, rows = table(kubectl("get", "serviceaccounts", "-n", ns))
    assert header == ["NAME", "SECRETS", "AGE"]
    assert sorted(r[0] for r in rows) == ["default", "web"]  # the namespace got its default account
    header, rows = table(kubectl("get", "roles", "-n", ns))
    assert header == ["NAME", "CREATED", "AT"] and rows[0][0] == "config-reader"
    header, rows = table(kubectl("get", "rolebindings", "-n", ns, "-o", "wide"))
    assert header[:3] == ["NAME", "ROLE", "AGE"] and rows[0][:2] == ["web-reads-config", "Role/config-reader"]
    assert rows[0][-1] == f"{ns}/web"  # SERVICEACCOUNTS column
    header, rows = table(kubectl("get", "services", "-n", ns))
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] and rows[0][4] == "80/TCP"

    secret = requests.get(f"{server.url}/api/v1/namespaces/{ns}/secrets/web-secret", timeout=10).json()
    assert "stringData" not in secret and set(secret["data"]) == {"username", "password"}
    kubectl("delete", "namespace", ns)
