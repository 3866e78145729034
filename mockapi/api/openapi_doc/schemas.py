"""Component schemas of the kinds in openapi.yaml, derived, never hand-written: from the kind's wire schema
(the marshmallow schema the decoder checks: the JSON types the server refuses with 400; nulls, which Go
decodes as zero values, are not described), else from the published Kubernetes definitions /openapi/v3
serves (depth-limited), else an open object."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ...config import Config
from ...registry.base import ResourceType
from ...schemas.core import Time
from ..openapi_schemas import SchemaSource
from ..openapi_v3 import schema_name

REF = "#/components/schemas/"
# nesting kept from the published definitions: deeper values are described as open objects
UPSTREAM_DEPTH = 3
_DROPPED_UPSTREAM = ("description", "default", "x-kubernetes-list-map-keys", "x-kubernetes-list-type",
                     "x-kubernetes-map-type", "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy",
                     "x-kubernetes-group-version-kind")


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def gvk_list(rt: ResourceType, kind: str) -> list[dict[str, str]]:
    return [{"group": rt.group, "kind": kind, "version": rt.version}]


class KindSchemas:
    """Collects the component schemas of every kind. ``shared`` are the hand-written schemas (ObjectMeta,
    ObjectReference, ...): a wire type of the same name is described by them, once."""

    def __init__(self, shared: dict[str, Any], notes: dict[str, str]) -> None:
        self.shared = shared
        self.notes = notes
        self.out: dict[str, Any] = {}
        self._owners: dict[str, type] = {}  # component name -> the marshmallow class it describes
        self._upstream: SchemaSource | None = None

    # -- one kind --------------------------------------------------------------------------------

    def add(self, rt: ResourceType) -> None:
        wire = rt.wire_schema
        if wire is not None:
            body = self._object_properties(wire, rt)
            description = self.notes.get(rt.kind) or self._upstream_description(rt)
        else:
            body, description = self._from_upstream(rt)
        schema: dict[str, Any] = {"type": "object"}
        if description:
            schema["description"] = description
        schema["x-kubernetes-group-version-kind"] = gvk_list(rt, rt.kind)
        if body.get("required"):
            schema["required"] = body["required"]
        schema["properties"] = {
            "apiVersion": {"type": "string", "enum": [rt.api_version]},
            "kind": {"type": "string", "enum": [rt.kind]},
            "metadata": _ref("ObjectMeta"),
            **body.get("properties", {}),
        }
        self.out[rt.kind] = schema
        self.out[rt.list_kind] = {
            "type": "object",
            "x-kubernetes-group-version-kind": gvk_list(rt, rt.list_kind),
            "required": ["items"],
            "properties": {
                "apiVersion": {"type": "string", "enum": [rt.api_version]},
                "kind": {"type": "string", "enum": [rt.list_kind]},
                "metadata": _ref("ListMeta"),
                "items": {"type": "array", "items": _ref(rt.kind)},
            },
        }

    # -- from the wire schema ----------------------------------------------------------------------

    def _object_properties(self, schema: Schema, rt: ResourceType) -> dict[str, Any]:
        props = {name: self._field(f, rt) for name, f in schema.fields.items()
                 if name not in ("apiVersion", "kind", "metadata")}
        return {"properties": props}

    def _field(self, f: fields.Field, rt: ResourceType) -> dict[str, Any]:
        out: dict[str, Any]
        if isinstance(f, Time):
            out = {"type": "string", "format": "date-time"}
        elif isinstance(f, fields.String):
            out = {"type": "string"}
        elif isinstance(f, fields.Integer):
            out = {"type": "integer"}
        elif isinstance(f, fields.Boolean):
            out = {"type": "boolean"}
        elif isinstance(f, fields.Nested):
            return self._component(f.schema, rt)
        elif isinstance(f, fields.List):
            out = {"type": "array", "items": self._field(f.inner, rt)}
            if f.allow_none:
                out["nullable"] = True  # a Go slice without omitempty encodes as null when empty (Role.rules)
        elif isinstance(f, fields.Dict):
            out = {"type": "object"}
            if isinstance(f.value_field, fields.String):
                out["additionalProperties"] = {"type": "string"}
        else:  # Raw: any JSON value (e.g. IntOrString, checked by the strategy)
            return {}
        return out

    def _component(self, schema: Schema, rt: ResourceType) -> dict[str, Any]:
        cls = type(schema)
        name = cls.__name__
        if name in self.shared:
            return _ref(name)
        if self._owners.get(name, cls) is not cls:
            name = rt.kind + name
        if name not in self.out:
            self._owners[name] = cls
            self.out[name] = {}  # placeholder: a recursive type refers to itself
            self.out[name] = {"type": "object", **self._object_properties(schema, rt)}
        return _ref(name)

    # -- from the published definitions ------------------------------------------------------------

    def _source(self) -> SchemaSource:
        if self._upstream is None:
            self._upstream = SchemaSource(Config().kubernetes_version)
        return self._upstream

    def _definitions(self, rt: ResourceType) -> tuple[str, dict[str, Any]]:
        source = self._source()
        if not source.usable:
            return "", {}
        root = schema_name(rt)
        return root, source.schemas([(root, {"group": rt.group, "version": rt.version, "kind": rt.kind})])

    def _upstream_description(self, rt: ResourceType) -> str:
        root, defs = self._definitions(rt)
        return str(defs.get(root, {}).get("description", ""))

    def _from_upstream(self, rt: ResourceType) -> tuple[dict[str, Any], str]:
        root, defs = self._definitions(rt)
        if root not in defs:
            return {"properties": {"spec": {"type": "object"}, "status": {"type": "object"}}}, \
                self.notes.get(rt.kind, "")
        body = _inline(defs[root], defs, UPSTREAM_DEPTH)
        body["properties"] = {k: v for k, v in body.get("properties", {}).items()
                              if k not in ("apiVersion", "kind", "metadata")}
        return body, self.notes.get(rt.kind) or str(defs[root].get("description", ""))


def _inline(node: Any, defs: dict[str, Any], depth: int) -> Any:
    """``node`` with its references replaced by their targets down to ``depth`` object levels; below
    that, objects are open (``type: object``). Descriptions and defaults are dropped (kept small)."""
    if isinstance(node, list):
        return [_inline(v, defs, depth) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node or (len(node.get("allOf", ())) == 1 and "$ref" in node["allOf"][0]):
        target = node.get("$ref") or node["allOf"][0]["$ref"]
        resolved = defs.get(target.removeprefix(REF), {"type": "object"})
        extra = {k: v for k, v in node.items() if k not in ("$ref", "allOf") and k not in _DROPPED_UPSTREAM}
        return {**_inline(resolved, defs, depth), **extra}
    if node.get("type") == "object" or "properties" in node:
        if depth <= 0:
            return {"type": "object"}
        depth -= 1
    out: dict[str, Any] = {"type": node["type"]} if "type" in node else {}
    for key, value in node.items():
        if key in _DROPPED_UPSTREAM:
            continue
        if key == "properties":
            out[key] = {name: _inline(sub, defs, depth) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs, depth)
    if out.get("type") == "array":
        out["nullable"] = True  # a Go slice without omitempty encodes as null when empty (Role.rules)
    return out
