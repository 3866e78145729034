"""/openapi/v3: the discovery document and one OpenAPI 3 document per group version, generated from
the registry. kubectl's default validation (create -f, apply, replace) needs, per kind, a path whose
``patch`` operation names the kind (x-kubernetes-group-version-kind) and takes ``fieldValidation``;
``explain`` and client-side apply's strategic-merge patch need the complete schemas, which come from
published definitions (openapi_schemas). Documents are built on their first request and cached; the
index's hashes are computed without building them."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from .. import _json
from ..registry.base import ResourceType
from .openapi_schemas import META, SchemaSource, package_version

# bump when the generated documents change shape, so clients' hash-keyed caches are invalidated
GENERATOR_REVISION = "2"

_GROUP_PKG = {"": "core", "discovery.k8s.io": "discovery", "networking.k8s.io": "networking"}


def schema_name(rt: ResourceType) -> str:
    return f"io.k8s.api.{_GROUP_PKG.get(rt.group, rt.group.split('.')[0])}.{rt.version}.{rt.kind}"


def _gvk(rt: ResourceType) -> dict[str, str]:
    return {"group": rt.group, "version": rt.version, "kind": rt.kind}


def _stub_schema(rt: ResourceType) -> dict[str, Any]:
    """Only used when kubernetes-validate is not installed: enough for kubectl's validation, not explain."""
    return {
        "description": f"{rt.kind} ({rt.group_version}), as served by mockapi.",
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this "
                                                            "representation of an object."},
            "kind": {"type": "string", "description": "Kind is a string value representing the REST resource "
                                                      "this object represents."},
            "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
                         "default": {}, "description": "Standard object's metadata."},
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "x-kubernetes-group-version-kind": [_gvk(rt)],
    }


_OBJECT_META = {
    "type": "object",
    "description": "ObjectMeta is metadata that all persisted resources must have.",
    "properties": {
        "name": {"type": "string"}, "generateName": {"type": "string"}, "namespace": {"type": "string"},
        "uid": {"type": "string"}, "resourceVersion": {"type": "string"}, "generation": {"type": "integer"},
        "creationTimestamp": {"type": "string", "format": "date-time"},
        "deletionTimestamp": {"type": "string", "format": "date-time"},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
        "finalizers": {"type": "array", "items": {"type": "string", "default": ""}},
        "ownerReferences": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        "managedFields": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    },
}

_PATCH_PARAMS = [
    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}},
]


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "description": description, "required": True,
            "schema": {"type": "string", "uniqueItems": True}}


def _stub_schemas(kinds: list[ResourceType]) -> dict[str, Any]:
    schemas: dict[str, Any] = {META + "ObjectMeta": _OBJECT_META}
    schemas.update({schema_name(rt): _stub_schema(rt) for rt in kinds})
    return schemas


def group_version_document(group: str, version: str, kinds: list[ResourceType], server_version: str,
                           source: SchemaSource | None = None) -> dict[str, Any]:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    if source is not None and source.usable:
        schemas = source.schemas([(schema_name(rt), _gvk(rt)) for rt in kinds])
    else:
        schemas = _stub_schemas(kinds)
    patch_body = ({"$ref": f"#/components/schemas/{META}Patch"} if f"{META}Patch" in schemas
                  else {"type": "object"})
    for rt in kinds:
        name = schema_name(rt)
        if name not in schemas:
            schemas[name] = _stub_schema(rt)
        base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        namespace_param = [_path_param("namespace", "object name and auth scope")] if rt.namespaced else []
        ref = {"$ref": f"#/components/schemas/{name}"}
        item_params = [_path_param("name", f"name of the {rt.kind}")] + namespace_param
        collection_params = list(namespace_param)
        paths[f"{base}/{{name}}"] = {
            "parameters": item_params,
            "get": {"operationId": f"read{rt.kind}", "x-kubernetes-action": "get",
                    "x-kubernetes-group-version-kind": _gvk(rt),
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
            "put": {"operationId": f"replace{rt.kind}", "x-kubernetes-action": "put",
                    "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS[:3],
                    "requestBody": {"content": {"*/*": {"schema": ref}}, "required": True},
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
            "patch": {"operationId": f"patch{rt.kind}", "x-kubernetes-action": "patch",
                      "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS,
                      "requestBody": {"content": {t: {"schema": patch_body} for t in (
                          "application/json-patch+json", "application/merge-patch+json",
                          "application/strategic-merge-patch+json", "application/apply-patch+yaml")},
                          "required": True},
                      "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
        }
        paths[base] = {
            "parameters": collection_params,
            "post": {"operationId": f"create{rt.kind}", "x-kubernetes-action": "post",
                     "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS[:3],
                     "requestBody": {"content": {"*/*": {"schema": ref}}, "required": True},
                     "responses": {"201": {"description": "Created",
                                           "content": {"application/json": {"schema": ref}}}}},
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": server_version},
            "paths": paths, "components": {"schemas": schemas}}


class OpenAPIV3:
    """One document per group version, built on its first request (loading the definitions then) and
    kept for the life of the process (the registry is fixed). The index's hashes identify a document by
    what it is made from (generator revision, package version, Kubernetes version, group version, kinds),
    so answering the index never builds a document."""

    def __init__(self, resources: list[ResourceType], server_version: str) -> None:
        self.server_version = server_version
        self.kinds: dict[str, tuple[str, str, list[ResourceType]]] = {}
        for rt in resources:
            key = f"apis/{rt.group}/{rt.version}" if rt.group else f"api/{rt.version}"
            self.kinds.setdefault(key, (rt.group, rt.version, []))[2].append(rt)
        self._hashes: dict[str, str] | None = None
        self._documents: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._source: SchemaSource | None = None

    @property
    def hashes(self) -> dict[str, str]:
        if self._hashes is None:
            package = package_version()
            self._hashes = {}
            for key, (_g, _v, kinds) in self.kinds.items():
                ident = "|".join([GENERATOR_REVISION, package, self.server_version, key,
                                  ",".join(f"{rt.kind}:{rt.plural}:{rt.namespaced}" for rt in kinds)])
                self._hashes[key] = hashlib.sha512(ident.encode()).hexdigest()[:128].upper()
        return self._hashes

    def document(self, key: str) -> bytes | None:
        key = key.strip("/")
        if key not in self.kinds:
            return None
        body = self._documents.get(key)
        if body is None:
            with self._lock:
                body = self._documents.get(key)
                if body is None:
                    if self._source is None:
                        self._source = SchemaSource(self.server_version)
                    group, version, kinds = self.kinds[key]
                    body = _json.dumpb(group_version_document(group, version, kinds, self.server_version,
                                                              self._source))
                    self._documents[key] = body
        return body

    def index(self) -> dict[str, Any]:
        return {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
                          for key, digest in self.hashes.items()}}
