"""meta.k8s.io Table output: content negotiation (the Accept header kubectl sends), rows built by
the kind's printer (ResourceType.printer), includeObject handling, and one-row tables for watch events."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flask import Request

from .. import _json
from ..errors import bad_request
from ..registry.base import ResourceType


def table_version(request: Request) -> str | None:
    """'v1' or 'v1beta1' when the client asks for a Table first-best, else None (plain JSON)."""
    accept = request.headers.get("Accept", "").replace(" ", "")
    if "as=Table" not in accept:
        return None
    for option in accept.split(","):
        parts = option.split(";")
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if (parts[0] == "application/json" and params.get("as") == "Table" and params.get("g") == "meta.k8s.io"
                and params.get("v") in ("v1", "v1beta1")):
            return params["v"]  # (a protobuf Table we cannot serve: fall through to the next option)
        if parts[0] in ("application/json", "*/*", "application/*") and "as" not in params:
            return None  # plain JSON is preferred over any Table offered after it
    return None


def include_object(args: Any) -> str:
    value = args.get("includeObject") or "Metadata"
    if value not in ("None", "Metadata", "Object"):
        raise bad_request(f'includeObject: Unsupported value: "{value}": supported values: "Metadata", "None", '
                          '"Object"')
    return value


class TableWriter:
    """Builds Tables for one request: rows for objects, with the object embedded as asked."""

    def __init__(self, rt: ResourceType, version: str, include: str) -> None:
        self.rt = rt
        self.api_version = f"meta.k8s.io/{version}"
        self.include = include
        self._row = rt.printer.row
        self.now = _dt.datetime.now(_dt.timezone.utc)

    def row(self, obj: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {"cells": self._row(obj, self.now)}
        if self.include == "Object":
            row["object"] = obj
        elif self.include == "Metadata":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": self.api_version,
                             "metadata": obj.get("metadata") or {}}
        return row

    def table(self, objs: list[dict[str, Any]], list_meta: dict[str, Any], headers: bool = True) -> dict[str, Any]:
        return {"kind": "Table", "apiVersion": self.api_version, "metadata": list_meta,
                "columnDefinitions": self.rt.printer.definitions() if headers else None,
                "rows": [self.row(o) for o in objs]}

    def from_bodies(self, bodies: list[str], list_meta: dict[str, Any]) -> bytes:
        return _json.dumpb(self.table([_json.loads(b) for b in bodies], list_meta))

    def watch_object(self, body: str, headers: bool) -> str:
        """The object of a watch event as a one-row Table (headers only on the first event)."""
        obj = _json.loads(body)
        meta = {"resourceVersion": (obj.get("metadata") or {}).get("resourceVersion", "")}
        self.now = _dt.datetime.now(_dt.timezone.utc)
        return _json.dumps(self.table([obj], meta, headers=headers))
