"""Secret (core/v1): data as Go's decoder reads []byte (base64), stringData merged into data on every
write and never stored (Convert_v1_Secret_To_core_Secret), type defaulted to Opaque and immutable,
ValidateSecret's per-type rules and ValidateSecretUpdate's immutability. No status, no generation."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields

from ..errors import Cause
from ..patch import schemas as patch_schemas
from . import printing as p
from . import validation as v
from .base import Obj, ResourceType, Strategy
from .configmaps import IMMUTABLE, MAX_SIZE, TooLong, canonical_bytes, decoded_size, drop_empty, key_causes

OPAQUE = "Opaque"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
DOCKERCFG = "kubernetes.io/dockercfg"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
TLS = "kubernetes.io/tls"
SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"
REDACTED = "<secret contents redacted>"


class SecretWire(Schema):
    class Meta:
        unknown = INCLUDE

    data = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    stringData = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    type = fields.String(allow_none=True)
    immutable = fields.Boolean(truthy={True}, falsy={False}, allow_none=True)


def merge_string_data(obj: Obj) -> None:
    """stringData overwrites data's keys (base64-encoded) and is dropped: it is write-only."""
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data")
        if not isinstance(data, dict):
            data = obj["data"] = {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _decode(obj: Obj, errors: list[str]) -> None:
    """What the Go decoder and the v1 -> internal conversion do to a Secret's bytes."""
    canonical_bytes(obj.get("data"), errors)
    if not errors:
        merge_string_data(obj)


# -- encoding/json's error for a value that is not a JSON object (dockercfg checks) -------------------

_GO_EXPECTING = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
    "Expecting ':' delimiter": "after object key",
    "Extra data": "after top-level value",
}
_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "bool"}


def _go_char(c: str) -> str:
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    quoted = json.dumps(c)[1:-1]
    return f"'{quoted}'"


def go_json_object_error(raw: bytes) -> str | None:
    """json.Unmarshal(raw, &map[string]interface{}{}): None when it decodes, else Go's message."""
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):
            return "unexpected end of JSON input"
        char = text[exc.pos]
        if exc.msg.startswith("Invalid control character"):
            return f"invalid character {_go_char(char)} in string literal"
        if exc.msg == "Expecting ',' delimiter":
            opener = _innermost_open(text, exc.pos)
            where = "after array element" if opener == "[" else "after object key:value pair"
            return f"invalid character {_go_char(char)} {where}"
        return f"invalid character {_go_char(char)} {_GO_EXPECTING.get(exc.msg, 'looking for beginning of value')}"
    except ValueError as exc:  # NaN / Infinity: not JSON for Go
        return str(exc)
    if value is None or isinstance(value, dict):
        return None
    return f"json: cannot unmarshal {_KINDS.get(type(value), 'value')} into Go value of type map[string]interface {{}}"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _innermost_open(text: str, pos: int) -> str:
    """The bracket that encloses ``pos`` (strings skipped), to word a missing-comma error as Go does."""
    stack: list[str] = []
    in_string = escaped = False
    for c in text[:pos]:
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c in "[{":
            stack.append(c)
        elif c in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _data_bytes(data: Obj, key: str) -> bytes | None:
    value = data.get(key)
    return base64.b64decode(value) if isinstance(value, str) else None


def validate_type(obj: Obj) -> list[Cause]:
    """ValidateSecret's switch on the secret's type."""
    kind, data = obj.get("type") or "", obj.get("data") or {}
    causes: list[Cause] = []
    if kind == SERVICE_ACCOUNT_TOKEN:
        if not ((obj.get("metadata") or {}).get("annotations") or {}).get(SERVICE_ACCOUNT_NAME):
            causes.append(Cause.required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME}]"))
    elif kind in (DOCKERCFG, DOCKER_CONFIG_JSON):
        key = ".dockercfg" if kind == DOCKERCFG else ".dockerconfigjson"
        raw = _data_bytes(data, key)
        if key not in data or raw is None:
            causes.append(Cause.required(f"data[{key}]"))
        elif (problem := go_json_object_error(raw)) is not None:
            causes.append(Cause.invalid(f"data[{key}]", REDACTED, problem))
    elif kind == BASIC_AUTH:
        if "username" not in data and "password" not in data:
            causes += [Cause.required("data[username]"), Cause.required("data[password]")]
    elif kind == SSH_AUTH:
        if not _data_bytes(data, "ssh-privatekey"):
            causes.append(Cause.required("data[ssh-privatekey]"))
    elif kind == TLS:
        causes += [Cause.required(f"data[{key}]") for key in ("tls.crt", "tls.key") if key not in data]
    return causes


class SecretStrategy(Strategy):
    has_status = False

    def default(self, obj: Obj) -> None:
        """SetDefaults_Secret (type Opaque); stringData from writers that skip the decoder is merged too."""
        merge_string_data(obj)
        drop_empty(obj, "data")
        if not obj.get("type"):
            obj["type"] = OPAQUE

    def validate(self, obj: Obj) -> list[Cause]:
        """ValidateSecret (ObjectMeta is checked generically)."""
        data = obj.get("data") or {}
        causes = key_causes("data", data)
        if decoded_size(data) > MAX_SIZE:
            causes.append(TooLong.at("data", MAX_SIZE))
        return causes + validate_type(obj)

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        """ValidateSecretUpdate: type is immutable; an immutable secret keeps its data."""
        causes = v.immutable("type", new.get("type") or "", old.get("type") or "")
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                causes.append(Cause.forbidden("immutable", IMMUTABLE))
            if (new.get("data") or {}) != (old.get("data") or {}):
                causes.append(Cause.forbidden("data", IMMUTABLE))
        return causes + self.validate(new)


def _secret_row(obj: Obj, now: datetime) -> list[Any]:
    """printSecret: name, type, the number of data keys, age."""
    return [p.name_cell(obj), str(obj.get("type") or ""), len(obj.get("data") or {}), p.age_cell(obj, now)]


TYPE_DESCRIPTION = ("Used to facilitate programmatic handling of secret data. More info: "
                    "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types")
DATA_DESCRIPTION = (
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The "
    "serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly "
    "non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4")

PRINTER = p.Printer((p.NAME, p.Column("Type", TYPE_DESCRIPTION), p.Column("Data", DATA_DESCRIPTION), p.AGE),
                    _secret_row)

# core/v1 Secret: data and stringData are untagged maps (a strategic merge merges them key by key).
PATCH_SCHEMA: patch_schemas.PatchSchema = {"metadata": patch_schemas.nested(patch_schemas.OBJECT_META)}

SECRETS = ResourceType(
    wire_schema=SecretWire(),
    canonicalize=_decode,
    printer=PRINTER,
    kind="Secret",
    plural="secrets",
    singular="secret",
    strategy=SecretStrategy(),
    patch_schema=PATCH_SCHEMA,
    extra_fields={"type": lambda o: str(o.get("type") or "")},
)
