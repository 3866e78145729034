"""Apply a PATCH body by media type: RFC 6902 JSON patch, RFC 7386 merge patch, strategic merge
patch. Pure: returns the patched object or raises StatusError (400 malformed, 422 failed apply,
415 unknown type)."""

from __future__ import annotations

from typing import Any, Mapping

import jsonpatch
import jsonpointer

from ..errors import StatusError, bad_request, unsupported_media_type

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unprocessable(server_message: str) -> StatusError:
    """errors.NewGenericServerResponse(422, ...): a fixed message, the detail in the causes."""
    return StatusError(422, "the server rejected our request due to an error in our request", reason="Invalid",
                       details={"causes": [{"reason": "UnexpectedServerResponse", "message": server_message}]})


def _op_error(op: dict[str, Any], exc: Exception) -> str:
    """evanphx/json-patch's wording for an operation that does not apply."""
    kind, path = op["op"], op.get("path", "")
    if isinstance(exc, jsonpatch.JsonPatchTestFailed):
        return f"testing value {path} failed: test failed"
    if kind in ("move", "copy"):
        return f'{kind} operation does not apply: doc is missing from path: "{op.get("from", "")}": missing value'
    if kind == "replace":
        return f"replace operation does not apply: doc is missing key: {path}: missing value"
    return f'{kind} operation does not apply: doc is missing path: "{path}": missing value'


def json_patch(obj: dict[str, Any], ops: Any) -> Any:
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise bad_request("Unexpected kind: unknown")
        if op["op"] not in ("add", "remove", "replace", "move", "copy", "test"):
            raise bad_request(f"Unexpected kind: {op['op']}")
        if not isinstance(op.get("path"), str):
            raise bad_request(f"{op['op']} operation missing path")
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise bad_request(f"{op['op']} operation missing value")
        if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            raise bad_request(f"{op['op']} operation missing from")
    doc: Any = obj
    for op in ops:
        try:
            doc = jsonpatch.JsonPatch([op]).apply(doc)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, KeyError, IndexError, TypeError,
                ValueError) as exc:
            raise _unprocessable(_op_error(op, exc)) from None
    return doc


def apply_patch(content_type: str, obj: dict[str, Any], patch: Any, schema: Mapping[str, Any] | None) -> Any:
    if content_type == JSON_PATCH:
        return json_patch(obj, patch)
    if content_type == MERGE_PATCH:
        if not isinstance(patch, dict):
            raise bad_request("json: cannot unmarshal into Go value of type map[string]interface {}")
        return merge_patch(obj, patch)
    if content_type == STRATEGIC_PATCH:
        from .strategic import PatchError, strategic_merge

        if not isinstance(patch, dict):
            raise bad_request("json: cannot unmarshal into Go value of type map[string]interface {}")
        try:
            return strategic_merge(obj, patch, schema or {})
        except PatchError as exc:  # malformed patch: never a 500, whatever the engine says
            if getattr(exc, "code", 400) == 422:
                raise _unprocessable(str(exc)) from None
            raise bad_request(str(exc)) from None
    raise unsupported_media_type(content_type, PATCH_TYPES)
