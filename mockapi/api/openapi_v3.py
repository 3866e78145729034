"""/openapi/v3: the discovery document and one OpenAPI 3 document per group version, generated from
the registry. kubectl's default validation (create -f, apply, replace) needs, per kind, a path whose
``patch`` operation names the kind (x-kubernetes-group-version-kind) and takes ``fieldValidation``."""

from __future__ import annotations

import hashlib
from typing import Any

from .. import _json
from ..registry.base import ResourceType

_GROUP_PKG = {"": "core", "discovery.k8s.io": "discovery", "networking.k8s.io": "networking"}


def schema_name(rt: ResourceType) -> str:
    return f"io.k8s.api.{_GROUP_PKG.get(rt.group, rt.group.split('.')[0])}.{rt.version}.{rt.kind}"


def _gvk(rt: ResourceType) -> dict[str, str]:
    return {"group": rt.group, "version": rt.version, "kind": rt.kind}


def _kind_schema(rt: ResourceType) -> dict[str, Any]:
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


def group_version_document(group: str, version: str, kinds: list[ResourceType], server_version: str) -> dict[str, Any]:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": _OBJECT_META}
    for rt in kinds:
        name = schema_name(rt)
        schemas[name] = _kind_schema(rt)
        base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        ref = {"$ref": f"#/components/schemas/{name}"}
        paths[f"{base}/{{name}}"] = {
            "get": {"operationId": f"read{rt.kind}", "x-kubernetes-action": "get",
                    "x-kubernetes-group-version-kind": _gvk(rt),
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
            "put": {"operationId": f"replace{rt.kind}", "x-kubernetes-action": "put",
                    "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS[:3],
                    "requestBody": {"content": {"*/*": {"schema": ref}}, "required": True},
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
            "patch": {"operationId": f"patch{rt.kind}", "x-kubernetes-action": "patch",
                      "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS,
                      "requestBody": {"content": {t: {"schema": {"type": "object"}} for t in (
                          "application/json-patch+json", "application/merge-patch+json",
                          "application/strategic-merge-patch+json", "application/apply-patch+yaml")},
                          "required": True},
                      "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}},
        }
        paths[base] = {
            "post": {"operationId": f"create{rt.kind}", "x-kubernetes-action": "post",
                     "x-kubernetes-group-version-kind": _gvk(rt), "parameters": _PATCH_PARAMS[:3],
                     "requestBody": {"content": {"*/*": {"schema": ref}}, "required": True},
                     "responses": {"201": {"description": "Created",
                                           "content": {"application/json": {"schema": ref}}}}},
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": server_version},
            "paths": paths, "components": {"schemas": schemas}}


class OpenAPIV3:
    """Documents are built once per process (the registry is fixed) and addressed by content hash."""

    def __init__(self, resources: list[ResourceType], server_version: str) -> None:
        by_gv: dict[tuple[str, str], list[ResourceType]] = {}
        for rt in resources:
            by_gv.setdefault((rt.group, rt.version), []).append(rt)
        self.documents: dict[str, bytes] = {}
        self.hashes: dict[str, str] = {}
        for (group, version), kinds in by_gv.items():
            key = f"apis/{group}/{version}" if group else f"api/{version}"
            body = _json.dumpb(group_version_document(group, version, kinds, server_version))
            self.documents[key] = body
            self.hashes[key] = hashlib.sha512(body).hexdigest()[:128].upper()

    def index(self) -> dict[str, Any]:
        return {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
                          for key, digest in self.hashes.items()}}
