"""Wire shape checks with marshmallow: ObjectMeta, the object envelope (kind, apiVersion, spec,
status) and DeleteOptions. Wrong JSON types answer 400 in the Go decoder's wording; quantities come
out canonical (``quantity``); unknown fields are the API layer's business (fieldvalidation)."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from ..errors import StatusError, bad_request
from .core import Time, is_rfc3339

_STR: dict[str, Any] = {"allow_none": True}


class Decodable(Protocol):
    """What decoding needs of a kind (a registry Decodable provides it)."""

    @property
    def kind(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def api_version(self) -> str: ...
    @property
    def wire_schema(self) -> Schema | None: ...
    @property
    def canonicalize(self) -> Callable[[dict[str, Any], list[str]], None] | None: ...


class ObjectMetaSchema(Schema):
    class Meta:
        unknown = INCLUDE

    name = fields.String(**_STR)
    generateName = fields.String(**_STR)
    namespace = fields.String(**_STR)
    uid = fields.String(**_STR)
    resourceVersion = fields.String(**_STR)
    generation = fields.Integer(strict=True, allow_none=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    annotations = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    finalizers = fields.List(fields.String(), allow_none=True)
    ownerReferences = fields.List(fields.Dict(), allow_none=True)
    managedFields = fields.List(fields.Dict(), allow_none=True)
    creationTimestamp = fields.Raw(allow_none=True)
    deletionTimestamp = fields.Raw(allow_none=True)
    deletionGracePeriodSeconds = fields.Integer(strict=True, allow_none=True)


class PreconditionsSchema(Schema):
    uid = fields.String(**_STR)
    resourceVersion = fields.String(**_STR)


class DeleteOptionsSchema(Schema):
    class Meta:
        unknown = INCLUDE

    kind = fields.String(**_STR)
    apiVersion = fields.String(**_STR)
    gracePeriodSeconds = fields.Integer(strict=True, allow_none=True)
    propagationPolicy = fields.String(allow_none=True,
                                      validate=validate.OneOf(["Orphan", "Background", "Foreground"]))
    orphanDependents = fields.Boolean(allow_none=True)
    preconditions = fields.Nested(PreconditionsSchema, allow_none=True)
    dryRun = fields.List(fields.String(), allow_none=True)


_meta_schema = ObjectMetaSchema()
_delete_schema = DeleteOptionsSchema()

_GO_TYPES = {
    "name": "string", "generateName": "string", "namespace": "string", "uid": "types.UID",
    "resourceVersion": "string", "generation": "int64", "labels": "map[string]string",
    "annotations": "map[string]string", "finalizers": "[]string", "ownerReferences": "[]v1.OwnerReference",
    "managedFields": "[]v1.ManagedFieldsEntry", "deletionGracePeriodSeconds": "int64",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _cannot_handle(rt: Decodable, detail: str) -> StatusError:
    return bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {detail}')


def _first_error(messages: Any, meta: dict[str, Any]) -> tuple[str, Any]:
    field = next(iter(messages))
    value = meta.get(field)
    sub = messages[field]
    if isinstance(sub, dict) and isinstance(value, dict):
        key = next(iter(sub))
        inner = value.get(key) if key in value else key
        return field, inner
    if isinstance(sub, dict) and isinstance(value, list):
        idx = next(iter(sub))
        if isinstance(idx, int) and idx < len(value):
            return field, value[idx]
    return field, value


def check_object(obj: Any, rt: Decodable, *, patched: bool = False) -> dict[str, Any]:
    """Reject bodies a Kubernetes API server could not decode into the kind; return the object."""
    if not isinstance(obj, dict):
        raise _cannot_handle(rt, f"json: cannot unmarshal {_json_type(obj)} into Go value of type "
                                 f"struct {{ APIVersion string; Kind string }}")
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind not in (None, "") and kind != rt.kind:
        raise bad_request(f"the object provided is unrecognized (must be of type {rt.kind}): "
                          f"kind {kind!s} does not match the expected kind {rt.kind}")
    if api_version not in (None, "") and api_version != rt.api_version:
        raise bad_request(f"the API version in the data ({api_version}) does not match the expected API "
                          f"version ({rt.api_version})")
    meta = obj.get("metadata")
    if meta is None:
        obj["metadata"] = {}
    elif not isinstance(meta, dict):
        raise _cannot_handle(rt, f"json: cannot unmarshal {_json_type(meta)} into Go struct field "
                                 f"{rt.kind}.metadata of type v1.ObjectMeta")
    else:
        try:
            if not _META_OK(meta):
                _meta_schema.load(meta)
        except ValidationError as exc:
            field, value = _first_error(exc.messages, meta)
            raise _cannot_handle(rt, f"json: cannot unmarshal {_json_type(value)} into Go struct field "
                                     f"ObjectMeta.metadata.{field} of type {_GO_TYPES.get(field, 'string')}") from None
        for key in [k for k, v in meta.items() if v is None]:
            del meta[key]
    for part in ("spec", "status"):
        value = obj.get(part)
        if value is not None and not isinstance(value, dict):
            raise _cannot_handle(rt, f"json: cannot unmarshal {_json_type(value)} into Go struct field "
                                     f"{rt.kind}.{part} of type v1.{rt.kind}{part.capitalize()}")
    schema = rt.wire_schema
    if schema is not None:
        try:
            if not _fast_check(schema)(obj):
                schema.load(obj)
        except ValidationError as exc:
            path, value, expected = _leaf(exc.messages, obj, schema)
            if expected == "v1.Time" and isinstance(value, str):
                raise _cannot_handle(rt, f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot '
                                         f'parse "{value}" as a RFC3339 time') from None
            raise _cannot_handle(rt, f"json: cannot unmarshal {_json_type(value)} into Go struct field "
                                     f"{rt.kind}.{'.'.join(path)} of type {expected}") from None
    if rt.canonicalize is not None:  # quantities, base64, stringData: canonical, or the decoder's 400
        errors: list[str] = []
        rt.canonicalize(obj, errors)
        if errors:
            raise _cannot_handle(rt, errors[0])
    return obj


Check = Callable[[Any], bool]


def compile_schema(schema: Schema) -> Check:
    """A fast predicate equivalent to "marshmallow would load this" for the field types our wire
    schemas use. True means valid; False sends the value through marshmallow for the error (so the
    predicate may be stricter than marshmallow, never looser). Loading through marshmallow on every
    request cost more than the database round trip."""
    checks = {name: _compile_field(f) for name, f in schema.fields.items()}

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for name, ok in checks.items():
            item = value.get(name)
            if item is not None and not ok(item):
                return False
        return True

    return check


def _compile_field(f: fields.Field) -> Check:
    if isinstance(f, Time):
        return lambda v: isinstance(v, str) and is_rfc3339(v)
    if isinstance(f, fields.String):
        return lambda v: isinstance(v, str)
    if isinstance(f, fields.Integer):
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if isinstance(f, fields.Boolean):
        return lambda v: isinstance(v, bool)
    if isinstance(f, fields.Nested):
        nested = compile_schema(f.schema)
        return nested
    if isinstance(f, fields.List):
        inner = _compile_field(f.inner)
        return lambda v: isinstance(v, list) and all(x is not None and inner(x) for x in v)
    if isinstance(f, fields.Dict):
        if isinstance(f.value_field, fields.String):
            return lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
        return lambda v: isinstance(v, dict)
    return lambda v: True


def _leaf(messages: Any, value: Any, schema: Any) -> tuple[list[str], Any, str]:
    """The first wrong value in a marshmallow error tree: its Go-style path, value and type."""
    path: list[str] = []
    field_obj: Any = None
    while isinstance(messages, dict):
        key = next(iter(messages))
        messages = messages[key]
        if key == "_schema":  # marshmallow's "not an object" for a Nested field: the value is the leaf
            break
        if isinstance(field_obj, fields.Dict) and isinstance(messages, dict) and "value" in messages:
            # a map's value: Go names the map field and the value's type, not the key
            value = value.get(key) if isinstance(value, dict) else None
            return path, value, _go_type(field_obj.value_field)
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and key < len(value) else value
            if field_obj is not None and isinstance(field_obj, fields.List):
                field_obj = field_obj.inner
            continue
        path.append(str(key))
        value = value.get(key) if isinstance(value, dict) else None
        if field_obj is not None and isinstance(field_obj, fields.Nested):
            schema = field_obj.schema
        field_obj = schema.fields.get(key) if schema is not None and hasattr(schema, "fields") else None
    return path, value, _go_type(field_obj)


def _go_type(field_obj: Any) -> str:
    if isinstance(field_obj, Time):
        return "v1.Time"
    if isinstance(field_obj, fields.String):
        return "string"
    if isinstance(field_obj, fields.Integer):
        return "int32"
    if isinstance(field_obj, fields.Boolean):
        return "bool"
    if isinstance(field_obj, fields.List):
        return "[]" + _go_type(field_obj.inner)
    if isinstance(field_obj, fields.Nested):
        return "v1." + type(field_obj.schema).__name__
    if isinstance(field_obj, fields.Dict):
        return "map[string]string"
    return "struct"


def check_delete_options(options: dict[str, Any]) -> dict[str, Any]:
    try:
        _delete_schema.load(options)
    except ValidationError as exc:
        field = next(iter(exc.messages))
        if field == "propagationPolicy":
            raise StatusError(
                422, f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
                f'"{options.get(field)}": supported values: "Foreground", "Background", "Orphan", "nil"',
                reason="Invalid") from None
        raise bad_request(f"json: cannot unmarshal {_json_type(options.get(field))} into Go struct field "
                          f"DeleteOptions.{field}") from None
    return options


_META_OK = compile_schema(_meta_schema)
_COMPILED: dict[int, tuple[Schema, Check]] = {}


def _fast_check(schema: Schema) -> Check:
    """The compiled predicate of a kind's wire schema (compiled once per schema instance)."""
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _COMPILED[id(schema)] = (schema, compile_schema(schema))
    return entry[1]
