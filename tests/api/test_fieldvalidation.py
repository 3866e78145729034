"""fieldValidation=Strict|Warn|Ignore on create, update, patch and apply: unknown fields are always
dropped; Strict answers 400 with the apiserver's strict decoding error, Warn (the default) adds one
Warning header per problem, Ignore says nothing; duplicate keys are reported like unknown fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

SVC = "/api/v1/namespaces/default/services"


def service(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                            "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}
    for path, value in extra.items():
        node = body
        *parents, leaf = path.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return body


def warnings(resp: Any) -> list[str]:
    return resp.headers.getlist("Warning")


def test_strict_create_rejects_unknown_fields_and_stores_nothing(client: Any) -> None:
    body = service("strict1", spec__bogus=1, metadata__colour="red")
    body["spec"]["ports"][0]["nodeport"] = 30001
    r = client.post(f"{SVC}?fieldValidation=Strict", json=body)
    assert r.status_code == 400
    status = r.get_json()
    assert status["reason"] == "BadRequest" and status["kind"] == "Status"
    assert status["message"] == ('Service in version "v1" cannot be handled as a Service: strict decoding error: '
                                 'unknown field "metadata.colour", unknown field "spec.ports[0].nodeport", '
                                 'unknown field "spec.bogus"')  # in the order the decoder meets them
    assert client.get(f"{SVC}/strict1").status_code == 404


def test_warn_is_the_default_drops_fields_and_warns(client: Any) -> None:
    r = client.post(SVC, json=service("warn1", spec__bogus=1, status__mine={"a": 1}))
    assert r.status_code == 201
    assert warnings(r) == ['299 - "unknown field \\"spec.bogus\\""', '299 - "unknown field \\"status.mine\\""']
    stored = client.get(f"{SVC}/warn1").get_json()
    assert "bogus" not in stored["spec"] and "mine" not in stored.get("status", {})
    r = client.post(f"{SVC}?fieldValidation=Warn", json=service("warn2", spec__other=True))
    assert r.status_code == 201 and warnings(r) == ['299 - "unknown field \\"spec.other\\""']


def test_ignore_drops_silently(client: Any) -> None:
    r = client.post(f"{SVC}?fieldValidation=Ignore", json=service("ign1", spec__bogus=1))
    assert r.status_code == 201 and warnings(r) == []
    assert "bogus" not in r.get_json()["spec"]


def test_known_fields_everywhere_pass_without_warnings(client: Any) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "full", "labels": {"a": "b"}, "annotations": {"x": "y"}},
           "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
                                    "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "1Gi"}},
                                    "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"}}}],
                    "nodeSelector": {"zone": "a"}, "tolerations": [{"operator": "Exists"}]}}
    r = client.post("/api/v1/namespaces/default/pods?fieldValidation=Strict", json=pod)
    assert r.status_code == 201, r.get_json()
    assert warnings(r) == []


def test_unsupported_directive_is_invalid(client: Any) -> None:
    r = client.post(f"{SVC}?fieldValidation=Loud", json=service("bad1"))
    assert r.status_code == 422
    assert r.get_json()["message"] == ('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported '
                                       'value: "Loud": supported values: "", "Ignore", "Strict", "Warn"')
    assert client.get(f"{SVC}/bad1").status_code == 404
    r = client.patch(f"{SVC}/x?fieldValidation=strict", data="{}", content_type="application/merge-patch+json")
    assert r.status_code == 422 and r.get_json()["message"].startswith('PatchOptions.meta.k8s.io "" is invalid')


def test_duplicate_json_keys(client: Any) -> None:
    raw = ('{"apiVersion":"v1","kind":"Service","metadata":{"name":"dup1","name":"dup2"},'
           '"spec":{"ports":[{"port":80,"port":81}]}}')
    r = client.post(f"{SVC}?fieldValidation=Strict", data=raw, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["message"].endswith('strict decoding error: duplicate field "metadata.name", '
                                            'duplicate field "spec.ports[0].port"')
    r = client.post(SVC, data=raw, content_type="application/json")
    assert r.status_code == 201  # the last one wins, as in Go's decoder
    assert r.get_json()["metadata"]["name"] == "dup2" and r.get_json()["spec"]["ports"][0]["port"] == 81
    assert '299 - "duplicate field \\"metadata.name\\""' in warnings(r)


def test_duplicate_yaml_keys(client: Any) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: y1\n  name: y2\nspec:\n  ports:\n  - port: 80\n"
    r = client.post(f"{SVC}?fieldValidation=Strict", data=text, content_type="application/yaml")
    assert r.status_code == 400
    assert 'line 5: key "name" already set in map' in r.get_json()["message"]
    r = client.post(SVC, data=text, content_type="application/yaml")
    assert r.status_code == 201 and r.get_json()["metadata"]["name"] == "y2"


def test_update_and_status_update(client: Any) -> None:
    current = client.post(SVC, json=service("upd1")).get_json()
    current["spec"]["bogus"] = 1
    r = client.put(f"{SVC}/upd1?fieldValidation=Strict", json=current)
    assert r.status_code == 400 and "unknown field \"spec.bogus\"" in r.get_json()["message"]
    r = client.put(f"{SVC}/upd1", json=current)
    assert r.status_code == 200 and warnings(r) == ['299 - "unknown field \\"spec.bogus\\""']
    current = r.get_json()
    current["status"] = {"loadBalancer": {}, "weird": 1}
    r = client.put(f"{SVC}/upd1/status?fieldValidation=Strict", json=current)
    assert r.status_code == 400 and "unknown field \"status.weird\"" in r.get_json()["message"]


@pytest.mark.parametrize("ctype", ["application/merge-patch+json", "application/strategic-merge-patch+json"])
def test_patches(client: Any, ctype: str) -> None:
    name = "p" + str(len(ctype))
    client.post(SVC, json=service(name))
    before = client.get(f"{SVC}/{name}").get_json()["metadata"]["resourceVersion"]
    r = client.patch(f"{SVC}/{name}?fieldValidation=Strict", data=json.dumps({"spec": {"zzz": 1}}),
                     content_type=ctype)
    assert r.status_code == 400
    assert r.get_json()["message"] == 'strict decoding error: unknown field "spec.zzz"'
    assert client.get(f"{SVC}/{name}").get_json()["metadata"]["resourceVersion"] == before
    r = client.patch(f"{SVC}/{name}", data=json.dumps({"spec": {"zzz": 1}, "metadata": {"labels": {"a": "b"}}}),
                     content_type=ctype)
    assert r.status_code == 200 and warnings(r) == ['299 - "unknown field \\"spec.zzz\\""']
    assert "zzz" not in r.get_json()["spec"] and r.get_json()["metadata"]["labels"] == {"a": "b"}
    r = client.patch(f"{SVC}/{name}?fieldValidation=Strict", data='{"metadata":{"labels":{"a":"1","a":"2"}}}',
                     content_type=ctype)
    assert r.status_code == 400
    assert r.get_json()["message"] == 'strict decoding error: duplicate field "metadata.labels.a"'


def test_json_patch(client: Any) -> None:
    client.post(SVC, json=service("jp1"))
    ops = [{"op": "add", "path": "/spec/zzz", "value": 1}]
    r = client.patch(f"{SVC}/jp1?fieldValidation=Strict", json=ops, content_type="application/json-patch+json")
    assert r.status_code == 400 and r.get_json()["message"] == 'strict decoding error: unknown field "spec.zzz"'
    r = client.patch(f"{SVC}/jp1", json=ops, content_type="application/json-patch+json")
    assert r.status_code == 200 and "zzz" not in r.get_json()["spec"] and warnings(r)


def test_server_side_apply_refuses_undeclared_fields(client: Any) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: ssa1\nspec:\n  ports:\n  - port: 80\n  qq: 1\n"
    for mode in ("Ignore", "Warn", "Strict"):
        r = client.patch(f"{SVC}/ssa1?fieldManager=me&fieldValidation={mode}", data=text,
                         content_type="application/apply-patch+yaml")
        assert r.status_code == 400
        assert r.get_json()["message"] == ("failed to create typed patch object (default/ssa1; /v1, Kind=Service): "
                                           ".spec.qq: field not declared in schema")
    assert client.get(f"{SVC}/ssa1").status_code == 404
    ok = text.replace("  qq: 1\n", "")
    r = client.patch(f"{SVC}/ssa1?fieldManager=me&fieldValidation=Strict", data=ok,
                     content_type="application/apply-patch+yaml")
    assert r.status_code == 201 and warnings(r) == []


# -- kubectl (sends fieldValidation=Strict by default since 1.27: --validate=strict) -------------------

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")

MANIFEST = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: web}}
  ports:
  - port: 80
    targetPrt: 8080
"""


@needs_kubectl
@pytest.mark.kubectl
def test_kubectl_validate_modes(kubectl: Any, namespace: str, tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(MANIFEST.format(name="typo"))
    out = kubectl("create", "-n", namespace, "-f", str(path), check=False)
    assert out.returncode != 0
    assert 'strict decoding error: unknown field "spec.ports[0].targetPrt"' in out.stderr
    out = kubectl("apply", "-n", namespace, "-f", str(path), check=False)
    assert out.returncode != 0 and "strict decoding error" in out.stderr
    out = kubectl("create", "-n", namespace, "--validate=warn", "-f", str(path))
    assert 'unknown field "spec.ports[0].targetPrt"' in out.stderr
    path.write_text(MANIFEST.format(name="typo2"))
    out = kubectl("apply", "-n", namespace, "--validate=false", "-f", str(path))
    assert "created" in out.stdout and "Warning" not in out.stderr
    got = json.loads(kubectl("get", "svc", "typo2", "-n", namespace, "-o", "json").stdout)
    assert got["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}


@needs_kubectl
@pytest.mark.kubectl
def test_kubectl_apply_server_side_unknown_field(kubectl: Any, namespace: str, tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(MANIFEST.format(name="ssa"))
    out = kubectl("apply", "--server-side", "-n", namespace, "-f", str(path), check=False)
    assert out.returncode != 0 and "field not declared in schema" in out.stderr

