"""/openapi/v3 serves complete schemas derived from kubernetes-validate's published definitions."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from mockapi.api import openapi_schemas
from mockapi.api.openapi_schemas import SchemaSource, minors_by_preference
from mockapi.api.openapi_v3 import OpenAPIV3, schema_name
from mockapi.registry import ALL

pytest.importorskip("kubernetes_validate")

GROUP_KEYS = {"": "api/v1", "discovery.k8s.io": "apis/discovery.k8s.io/v1",
              "networking.k8s.io": "apis/networking.k8s.io/v1",
              "rbac.authorization.k8s.io": "apis/rbac.authorization.k8s.io/v1"}


def _document(client: Any, key: str) -> dict[str, Any]:
    url = client.get("/openapi/v3").get_json()["paths"][key]["serverRelativeURL"]
    r = client.get(url)
    assert r.status_code == 200, r.data[:300]
    return r.get_json()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_pod_schema_is_complete(client):
    schemas = _document(client, "api/v1")["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    container = schemas["io.k8s.api.core.v1.Container"]
    assert container["required"] == ["name"]
    assert container["properties"]["image"]["type"] == "string"
    assert container["properties"]["image"]["description"]
    assert container["properties"]["ports"]["x-kubernetes-patch-merge-key"] == "containerPort"
    # a ref with siblings is wrapped in allOf, as kube-apiserver publishes it
    spec = schemas["io.k8s.api.core.v1.Pod"]["properties"]["spec"]
    assert spec["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"}]
    assert spec["description"]
    # JSON-Schema type lists became OpenAPI 3.0 type + nullable; apiVersion/kind carry no enum
    assert schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["hostname"]["type"] == "string"
    assert "enum" not in schemas["io.k8s.api.core.v1.Pod"]["properties"]["kind"]
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "oneOf": [{"type": "string"}, {"type": "integer"}], "format": "int-or-string"}
    assert schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"] == {
        "oneOf": [{"type": "string"}, {"type": "number"}]}
    ports = schemas["io.k8s.api.core.v1.ServiceSpec"]["properties"]["ports"]
    assert ports["x-kubernetes-patch-merge-key"] == "port"


@pytest.mark.parametrize("group", sorted(GROUP_KEYS))
def test_every_kind_has_its_schema_and_refs_resolve(client, group):
    doc = _document(client, GROUP_KEYS[group])
    schemas = doc["components"]["schemas"]
    for rt in (rt for rt in ALL if rt.group == group):
        for name, kind in ((schema_name(rt), rt.kind), (schema_name(rt) + "List", rt.list_kind)):
            gvk = {"group": rt.group, "version": rt.version, "kind": kind}
            assert schemas[name]["x-kubernetes-group-version-kind"] == [gvk], name
            assert "items" in schemas[name]["properties"] if kind.endswith("List") else \
                "metadata" in schemas[name]["properties"]
    prefix = "#/components/schemas/"
    for ref in _refs(doc):
        assert ref.startswith(prefix) and ref[len(prefix):] in schemas, ref
    assert "Patch" in json.dumps(next(iter(doc["paths"].values()))["patch"]["requestBody"])
    # only what the group version's kinds reach, not all of Kubernetes
    assert not any(".apps." in n or ".batch." in n for n in schemas)


def test_networking_v1_kinds_are_v1(client):
    schemas = _document(client, "apis/networking.k8s.io/v1")["components"]["schemas"]
    cidr = schemas["io.k8s.api.networking.v1.ServiceCIDR"]
    assert cidr["x-kubernetes-group-version-kind"] == [
        {"group": "networking.k8s.io", "version": "v1", "kind": "ServiceCIDR"}]
    assert "cidrs" in schemas["io.k8s.api.networking.v1.ServiceCIDRSpec"]["properties"]
    assert "parentRef" in schemas["io.k8s.api.networking.v1.IPAddressSpec"]["properties"]


def test_kind_only_at_another_version_is_relabelled():
    source = SchemaSource("v1.31.0")
    source.minors = [31]  # 1.31 defines ServiceCIDR only as networking.k8s.io/v1beta1
    gvk = {"group": "networking.k8s.io", "version": "v1", "kind": "ServiceCIDR"}
    schemas = source.schemas([("io.k8s.api.networking.v1.ServiceCIDR", gvk)])
    assert schemas["io.k8s.api.networking.v1.ServiceCIDR"]["x-kubernetes-group-version-kind"] == [gvk]
    assert schemas["io.k8s.api.networking.v1.ServiceCIDR"]["properties"]["spec"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.networking.v1.ServiceCIDRSpec"}]
    assert "io.k8s.api.networking.v1.ServiceCIDRSpec" in schemas
    assert not any("v1beta1" in n for n in schemas)


def test_nearest_minor_is_used():
    available = openapi_schemas.available_minors()
    assert 31 in available
    assert minors_by_preference("v1.31.4")[0] == 31
    assert minors_by_preference("v1.99.0")[0] == max(available)
    assert minors_by_preference("v1.2.0")[0] == min(available)


def test_documents_are_built_lazily_and_hashes_are_cheap():
    v3 = OpenAPIV3(list(ALL), "v1.31.4")
    index = v3.index()
    assert set(index["paths"]) == set(GROUP_KEYS.values())
    assert v3._documents == {}  # the index never builds a document
    assert v3.hashes == OpenAPIV3(list(ALL), "v1.31.4").hashes
    assert v3.hashes["api/v1"] != OpenAPIV3(list(ALL), "v1.30.0").hashes["api/v1"]
    body = v3.document("api/v1")
    assert body is not None and v3.document("/api/v1/") is body
    assert list(v3._documents) == ["api/v1"]
    assert v3.document("apis/nothing/v1") is None


def test_app_creation_loads_no_definitions():
    code = ("import sys, time; t = time.monotonic(); from mockapi.app import create_app; "
            "app = create_app({'db': 'sqlite://', 'nodes': 1, 'kubelet': 'off'}); "
            "from mockapi.api import openapi_schemas as s; "
            "assert s.definitions.cache_info().currsize == 0, 'definitions loaded at start-up'; "
            "assert 'kubernetes_validate' not in sys.modules; "
            "app.extensions['mockapi'].close()")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_documents_are_valid_openapi_3(client):
    validate = pytest.importorskip("openapi_spec_validator").validate
    for key in GROUP_KEYS.values():
        validate(_document(client, key))


def test_without_definitions_the_stub_schemas_still_serve_validation():
    from mockapi.api.openapi_v3 import group_version_document

    pods = [rt for rt in ALL if rt.kind == "Pod"]
    doc = group_version_document("", "v1", pods, "v1.31.4", source=None)
    schemas = doc["components"]["schemas"]
    assert schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "version": "v1", "kind": "Pod"}]
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])
