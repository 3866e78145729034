"""ConfigMap (core/v1): ValidateConfigMap/ValidateConfigMapUpdate (keys, binaryData, 1 MiB, immutable)
and binaryData's base64 as Go's decoder reads it. Also owns the helpers Secret shares: IsConfigMapKey,
Go's base64 decoding and the size limit. No status, no generation."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields

from ..errors import Cause
from ..patch import schemas as patch_schemas
from . import printing as p
from .base import Obj, ResourceType, Strategy

MAX_SIZE = 1024 * 1024  # core.MaxSecretSize, also the ConfigMap limit
IMMUTABLE = "field is immutable when `immutable` is set"
_CONFIG_KEY = "[-._a-zA-Z0-9]+"
_config_key = re.compile(_CONFIG_KEY)


def config_key(value: str) -> list[str]:
    """validation.IsConfigMapKey: a ConfigMap or Secret key."""
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _config_key.fullmatch(value):
        errs.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                    f"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '{_CONFIG_KEY}')")
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def key_causes(path: str, mapping: Any) -> list[Cause]:
    """``path[key]: Invalid value`` for every key IsConfigMapKey refuses."""
    return [Cause.invalid(f"{path}[{key}]", key, msg) for key in (mapping or {}) for msg in config_key(key)]


class TooLong(Cause):
    """field.TooLong in kube-apiserver 1.31's words; with no field (the whole object, as ConfigMap's
    limit is reported) the message keeps Go's ``: `` prefix and the cause has no field."""

    @classmethod
    def at(cls, field: str, limit: int) -> TooLong:
        cause = cls(reason="FieldValueTooLong", message=f"Too long: must have at most {limit} bytes")
        if field:
            cause["field"] = field
        return cause

    def describe(self) -> str:
        return f"{self.get('field', '')}: {self['message']}"


# -- Go's base64 ([]byte fields on the wire) ------------------------------------------------------

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)}
_NEWLINES = (10, 13)
_PAD = ord("=")


def _corrupt(at: int) -> ValueError:
    return ValueError(f"illegal base64 data at input byte {at}")


def go_base64(text: str) -> bytes:
    """base64.StdEncoding.DecodeString: newlines are skipped, padding is required, errors name the
    offending byte offset as Go's CorruptInputError does (``illegal base64 data at input byte 4``)."""
    src, out, si, n = text.encode(), bytearray(), 0, len(text.encode())
    while True:
        quantum, j, last = [0, 0, 0, 0], 0, False
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise _corrupt(si - j)
            c = src[si]
            si += 1
            if c in _DECODE:
                quantum[j] = _DECODE[c]
                j += 1
                continue
            if c in _NEWLINES:
                continue
            if c != _PAD or j < 2:
                raise _corrupt(si - 1)
            if j == 2:  # "==" expected: the second "=" (newlines may come between)
                while si < n and src[si] in _NEWLINES:
                    si += 1
                if si == n:
                    raise _corrupt(n)
                if src[si] != _PAD:
                    raise _corrupt(si - 1)
                si += 1
            while si < n and src[si] in _NEWLINES:
                si += 1
            if si < n:
                raise _corrupt(si)  # trailing garbage
            last = True
            break
        val = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out.extend(bytes(((val >> 16) & 0xFF, (val >> 8) & 0xFF, val & 0xFF))[:j - 1])
        if last:
            return bytes(out)


def canonical_bytes(mapping: Any, errors: list[str]) -> None:
    """Decode a map[string][]byte as the apiserver does and re-encode it as Go would answer it
    (canonical base64); the first decoding error goes to ``errors`` (400 in the decoder's words)."""
    if not isinstance(mapping, dict):
        return
    for key, value in mapping.items():
        if not isinstance(value, str):
            continue  # (the wire schema has refused it already)
        try:
            mapping[key] = base64.b64encode(go_base64(value)).decode()
        except ValueError as exc:
            errors.append(str(exc))
            return


def decoded_size(mapping: Any) -> int:
    """Total bytes of a base64 map's decoded values (stored values are canonical)."""
    return sum(len(base64.b64decode(v)) for v in (mapping or {}).values() if isinstance(v, str))


# -- ConfigMap --------------------------------------------------------------------------------------

class ConfigMapWire(Schema):
    class Meta:
        unknown = INCLUDE

    data = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    binaryData = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    immutable = fields.Boolean(truthy={True}, falsy={False}, allow_none=True)


def _decode(obj: Obj, errors: list[str]) -> None:
    canonical_bytes(obj.get("binaryData"), errors)


def drop_empty(obj: Obj, *names: str) -> None:
    """Go omits empty maps (``omitempty``) and storage never returns them: null or {} is no map."""
    for name in names:
        if name in obj and not obj[name]:
            del obj[name]


class ConfigMapStrategy(Strategy):
    has_status = False

    def default(self, obj: Obj) -> None:
        drop_empty(obj, "data", "binaryData")

    def validate(self, obj: Obj) -> list[Cause]:
        """ValidateConfigMap (ObjectMeta is checked generically)."""
        data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
        causes = key_causes("data", data)
        causes += [Cause.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
                   for key in data if key in binary]
        causes += key_causes("binaryData", binary)
        size = sum(len(value.encode()) for value in data.values()) + decoded_size(binary)
        if size > MAX_SIZE:
            causes.append(TooLong.at("", MAX_SIZE))
        return causes

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        causes: list[Cause] = []
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                causes.append(Cause.forbidden("immutable", IMMUTABLE))
            for field in ("data", "binaryData"):
                if (new.get(field) or {}) != (old.get(field) or {}):  # (nil and empty compare equal here)
                    causes.append(Cause.forbidden(field, IMMUTABLE))
        return causes + self.validate(new)


def _configmap_row(obj: Obj, now: datetime) -> list[Any]:
    """printConfigMap: the number of keys in data and binaryData."""
    return [p.name_cell(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), p.age_cell(obj, now)]


DATA_DESCRIPTION = (
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. "
    "Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap "
    "with the keys in the BinaryData field, this is enforced during validation process.")

PRINTER = p.Printer((p.NAME, p.Column("Data", DATA_DESCRIPTION), p.AGE), _configmap_row)

# core/v1 ConfigMap: data and binaryData are untagged maps (a strategic merge merges them key by key).
PATCH_SCHEMA: patch_schemas.PatchSchema = {"metadata": patch_schemas.nested(patch_schemas.OBJECT_META)}

CONFIG_MAPS = ResourceType(
    wire_schema=ConfigMapWire(),
    canonicalize=_decode,
    printer=PRINTER,
    kind="ConfigMap",
    plural="configmaps",
    singular="configmap",
    short_names=("cm",),
    strategy=ConfigMapStrategy(),
    patch_schema=PATCH_SCHEMA,
)
