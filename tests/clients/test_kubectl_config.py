"""ConfigMaps and Secrets with kubectl against a live ``mockapi serve``: ``create configmap|secret
generic|secret tls`` through the ``kubectl`` dispatcher (it runs the binary matching the server, which
sends JSON), ``apply -f`` with stringData, ``get cm,secret`` tables, the ``type`` field selector,
``describe``, ``explain`` and ``delete``; ``apply``/``get`` also with each versioned kubectl installed."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.clients.test_kubectl_versions import MINORS, versioned_kubectl

pytestmark = pytest.mark.kubectl

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
  level: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  user: admin
  password: {password}
"""


def tls_pair(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate and key (cryptography, else the openssl binary)."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor the openssl binary is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "1", "-subj", "/CN=example.test", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.test")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + dt.timedelta(days=1)).sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, key


def table(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if line.strip()]


def decoded(live_url: str, ns: str, name: str) -> dict[str, str]:
    r = requests.get(f"{live_url}/api/v1/namespaces/{ns}/secrets/{name}", timeout=10)
    assert r.status_code == 200, r.text
    assert "stringData" not in r.json()
    return {k: base64.b64decode(v).decode() for k, v in r.json().get("data", {}).items()}


def test_create_apply_get_describe_delete(kubectl: Any, live_server: Any, namespace: str, tmp_path: Path) -> None:
    ns = ("-n", namespace)
    assert kubectl("create", "configmap", "x", "--from-literal=a=b", *ns).stdout.strip() == "configmap/x created"
    assert kubectl("create", "secret", "generic", "s", "--from-literal=k=v", *ns).stdout.strip() == \
        "secret/s created"
    cert, key = tls_pair(tmp_path)
    assert kubectl("create", "secret", "tls", "t", f"--cert={cert}", f"--key={key}", *ns).stdout.strip() == \
        "secret/t created"
    assert decoded(live_server.url, namespace, "t")["tls.crt"] == cert.read_text()

    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(MANIFEST.format(password="hunter2"))
    out = kubectl("apply", "-f", str(manifest), *ns).stdout
    assert out.split("\n")[:2] == ["configmap/settings created", "secret/creds created"]
    assert decoded(live_server.url, namespace, "creds") == {"user": "admin", "password": "hunter2"}
    manifest.write_text(MANIFEST.format(password="changed"))
    out = kubectl("apply", "-f", str(manifest), *ns).stdout
    assert out.split("\n")[:2] == ["configmap/settings unchanged", "secret/creds configured"]
    assert decoded(live_server.url, namespace, "creds")["password"] == "changed"

    rows = table(kubectl("get", "cm,secret", *ns).stdout)
    assert rows[0] == ["NAME", "DATA", "AGE"]
    assert [r[:2] for r in rows[1:3]] == [["configmap/settings", "2"], ["configmap/x", "1"]]
    assert rows[3] == ["NAME", "TYPE", "DATA", "AGE"]
    assert [r[:3] for r in rows[4:]] == [["secret/creds", "Opaque", "2"], ["secret/s", "Opaque", "1"],
                                         ["secret/t", "kubernetes.io/tls", "2"]]
    tls = table(kubectl("get", "secrets", "--field-selector", "type=kubernetes.io/tls", *ns).stdout)
    assert [r[0] for r in tls[1:]] == ["t"]
    assert [r[0] for r in table(kubectl("get", "cm", *ns).stdout)[1:]] == ["settings", "x"]

    described = kubectl("describe", "secret", "creds", *ns).stdout
    assert "Type:  Opaque" in described and "password:  7 bytes" in described and "changed" not in described
    described = kubectl("describe", "configmap", "x", *ns).stdout
    assert "Name:         x" in described and "a:\n----\nb" in described

    out = kubectl("delete", "cm", "x", "settings", *ns).stdout
    assert out.split("\n")[:2] == ['configmap "x" deleted', 'configmap "settings" deleted']
    assert kubectl("delete", "secret", "s", "t", "creds", *ns).returncode == 0
    assert kubectl("get", "cm,secret", *ns).stderr.strip() == f"No resources found in {namespace} namespace."


def test_errors_reach_kubectl_in_kubernetes_words(kubectl: Any, namespace: str, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\ntype: kubernetes.io/tls\n"
                        "stringData:\n  tls.crt: x\n")
    err = kubectl("apply", "-f", str(manifest), "-n", namespace, check=False).stderr
    assert 'Secret "bad" is invalid: data[tls.key]: Required value' in err
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nimmutable: true\ndata:\n  a: b\n")
    kubectl("apply", "-f", str(manifest), "-n", namespace)
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nimmutable: true\ndata:\n  a: c\n")
    err = kubectl("apply", "-f", str(manifest), "-n", namespace, check=False).stderr
    assert 'ConfigMap "cm" is invalid: data: Forbidden: field is immutable when `immutable` is set' in err


def test_explain(kubectl: Any) -> None:
    out = kubectl("explain", "configmap").stdout
    assert "KIND:       ConfigMap" in out and "binaryData" in out and "immutable" in out
    out = kubectl("explain", "secret.stringData").stdout
    assert "FIELD: stringData" in out


@pytest.mark.parametrize("minor", MINORS)
def test_apply_and_get_with_each_versioned_kubectl(minor: str, kubeconfig: Path, namespace: str,
                                                   tmp_path: Path) -> None:
    exe = versioned_kubectl(minor)

    def run(*args: str) -> str:
        proc = subprocess.run([exe, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache"),
                               "-n", namespace, *args], capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, f"kubectl.{minor} {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(MANIFEST.format(password="p"))
    assert run("apply", "-f", str(manifest)).split("\n")[:2] == ["configmap/settings created",
                                                                  "secret/creds created"]
    rows = table(run("get", "configmaps,secrets"))
    assert rows[0] == ["NAME", "DATA", "AGE"] and rows[1][:2] == ["configmap/settings", "2"]
    assert rows[2] == ["NAME", "TYPE", "DATA", "AGE"] and rows[3][:3] == ["secret/creds", "Opaque", "2"]
