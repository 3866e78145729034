"""The Kubernetes RequestInfo of a raw request (method, path, query), as the apiserver's
RequestInfoFactory derives it: resource requests get verb, apiGroup, apiVersion, resource,
subresource, namespace and name; anything else is a non-resource request (None). No registry needed."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy")
_METHOD_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


def parse_query(query_string: str) -> dict[str, list[str]]:
    """``a=1&a=2&b`` -> ``{"a": ["1", "2"], "b": [""]}`` (blank values kept, order of first use)."""
    return parse_qs(query_string, keep_blank_values=True) if query_string else {}


def _flag(values: list[str] | None) -> bool:
    return bool(values) and values[0].lower() not in ("false", "0")  # type: ignore[index]


def request_info(method: str, path: str, query: dict[str, list[str]]) -> dict[str, Any] | None:
    """RequestInfo for ``/api/{version}/...`` and ``/apis/{group}/{version}/...`` paths, else None.
    Like the apiserver this reads the path only (a resource it does not serve still gets a RequestInfo);
    GET/DELETE without a name become list/watch/deletecollection, ``/watch/`` paths watch."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return None
    group = ""
    rest = parts[1:]
    if parts[0] == "apis":
        if len(rest) < 3:
            return None
        group, rest = rest[0], rest[1:]
    version, rest = rest[0], rest[1:]
    if rest[0] in ("watch", "proxy"):
        if len(rest) < 2:
            return None
        verb, rest = rest[0], rest[1:]
    else:
        verb = _METHOD_VERBS.get(method.upper(), method.lower())
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 and verb != "proxy" else ""
    if not name and verb == "get":
        verb = "watch" if _flag(query.get("watch")) else "list"
        name = _name_from_field_selector(query.get("fieldSelector"))
    if not name and verb == "delete":
        verb = "deletecollection"
    return {"verb": verb, "apiGroup": group, "apiVersion": version, "resource": resource,
            "subresource": subresource, "namespace": namespace, "name": name}


def _name_from_field_selector(values: list[str] | None) -> str:
    """``fieldSelector=metadata.name=x`` names one object (the apiserver's RequiresExactMatch)."""
    if not values or "," in values[0]:
        return ""
    term = values[0].replace(" ", "")
    for op in ("==", "="):
        if term.startswith("metadata.name" + op):
            name = term[len("metadata.name" + op):]
            return name if name and "/" not in name and name not in (".", "..") and "%" not in name else ""
    return ""
