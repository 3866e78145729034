"""LIST semantics: selectors, resourceVersion / resourceVersionMatch, limit and continue over a
consistent snapshot, remainingItemCount. Returns rows whose stored JSON is joined, never re-parsed."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from .. import _json
from ..errors import StatusError, bad_request, field_label_not_supported, gone, too_large_resource_version
from ..registry.base import ResourceType
from ..storage import Conn, selectors, store
from .wire import int_param

EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
    "the results. Continuing with the provided token results in an inconsistent list - objects that were "
    "created, modified, or deleted between the time the first chunk was returned and now may show up in the "
    "list."
)


@dataclass
class Selection:
    """What a list or watch asks for: parsed selectors plus the parts pushed down into SQL."""

    label: Any
    field: Any
    namespace: str | None
    name: str | None
    matches_nothing: bool = False  # contradictory equalities (URL vs fieldSelector, or a=1,a=2)

    def matches(self, rt: ResourceType, obj: dict[str, Any]) -> bool:
        if not self.label.empty and not self.label.matches(obj.get("metadata", {}).get("labels") or {}):
            return False
        if not self.field.empty and not self.field.matches(rt.field_values(obj)):
            return False
        return True

    @property
    def python_filter(self) -> bool:
        return getattr(self.label, "needs_python_filter", False) or bool(
            [r for r in self.field.requirements if not self._pushed(r)]
        )

    def _pushed(self, req: Any) -> bool:
        field, op = req[0], req[1]
        return op in ("=", "==") and field in ("metadata.name", "metadata.namespace")


def selection(rt: ResourceType, namespace: str | None, args: Any, name: str | None = None) -> Selection:
    label = selectors.parse_label_selector(args.get("labelSelector", "") or "")
    field = selectors.parse_field_selector(args.get("fieldSelector", "") or "")
    unsupported = field.unsupported(rt.selectable_fields)
    if unsupported is not None:
        raise field_label_not_supported(unsupported, rt.kind, rt.api_version)
    int_param(args, "timeoutSeconds", minimum=0)  # ListOptions decoding: malformed numbers are 400
    int_param(args, "limit", minimum=0)
    sel = Selection(label, field, namespace, name)
    for fname, attr in (("metadata.name", "name"), ("metadata.namespace", "namespace")):
        if fname == "metadata.namespace" and not rt.namespaced:
            continue
        wanted = {v for f, op, v in field.requirements if f == fname and op in ("=", "==")}
        current = getattr(sel, attr)
        if current is not None:
            wanted.add(current)
        if len(wanted) > 1:  # two different equalities on one field: nothing matches
            sel.matches_nothing = True
        elif wanted:
            setattr(sel, attr, wanted.pop())
    return sel


def encode_continue(rev: int, last: tuple[str, str]) -> str:
    raw = _json.dumpb({"v": "meta.k8s.io/v1", "rv": rev, "start": [last[0], last[1]]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = _json.loads(raw)
        if data.get("v") != "meta.k8s.io/v1":
            raise ValueError("continue key is not valid: incorrect encoded start resourceVersion (version "
                             "meta.k8s.io/v1)")
        rev = int(data["rv"])
        ns, name = data["start"]
        return rev, (str(ns), str(name))
    except (ValueError, KeyError, TypeError, _json.JSONDecodeError, binascii.Error):
        raise bad_request("continue key is not valid: incorrect encoded start resourceVersion (version "
                          "meta.k8s.io/v1)") from None


def parse_rv(value: str) -> int:
    """strconv.ParseUint(value, 10, 64), as the apiserver parses a resourceVersion."""
    if not (value.isascii() and value.isdigit()):
        raise bad_request(f'invalid resource version: strconv.ParseUint: parsing "{value}": invalid syntax')
    n = int(value)
    if n >= 2**64:  # was compared as a Python int and answered 504 "Too large resource version"
        raise bad_request(f'invalid resource version: strconv.ParseUint: parsing "{value}": value out of range')
    return n


def _list_options_invalid(field: str, message: str) -> StatusError:
    return StatusError(
        422, f'ListOptions.meta.k8s.io "" is invalid: {field}: {message}', reason="Invalid",
        details={"group": "meta.k8s.io", "kind": "ListOptions",
                 "causes": [{"reason": "FieldValueForbidden" if "Forbidden" in message else "FieldValueNotSupported",
                             "message": message, "field": field}]},
    )


def _expired_continue(current: int, after: tuple[str, str]) -> StatusError:
    """410 for a compacted continue token, carrying a token that resumes after the same key at the
    current revision (an inconsistent but complete continuation), as the apiserver does."""
    err = gone(EXPIRED_CONTINUE)
    err.metadata = {"continue": encode_continue(current, after)}
    return err


@dataclass
class ListResult:
    rows: list[store.Row]
    revision: int
    continue_token: str | None = None
    remaining: int | None = None


def run_list(conn: Conn, rt: ResourceType, sel: Selection, args: Any) -> ListResult:
    limit = int_param(args, "limit", minimum=0) or None
    if limit is not None:  # any int64 is a valid limit; past 2**31 it means "all" (and fits SQLite)
        limit = min(limit, 2**31)
    token = args.get("continue") or ""
    rv = args.get("resourceVersion") or ""
    rvm = args.get("resourceVersionMatch") or ""
    if rvm and rvm not in ("Exact", "NotOlderThan"):
        raise _list_options_invalid("resourceVersionMatch", f'Unsupported value: "{rvm}": supported values: '
                                    '"Exact", "NotOlderThan"')
    if rvm and not rv:
        raise _list_options_invalid("resourceVersionMatch",
                                    "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
    if token and rvm:
        raise _list_options_invalid("resourceVersionMatch",
                                    "Forbidden: resourceVersionMatch is forbidden when continue is provided")
    if rvm == "Exact" and rv == "0":
        raise _list_options_invalid("resourceVersionMatch",
                                    'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
    current = store.current_revision(conn)
    at: int | None = None
    after: tuple[str, str] | None = None
    if token:
        if rv and rv != "0":
            raise bad_request("specifying resource version is not allowed when using continue")
        at, after = decode_continue(token)
        if at < store.compacted_revision(conn):
            raise _expired_continue(current, after)
    elif rv and rv != "0":
        n = parse_rv(rv)
        if n > current:
            raise too_large_resource_version(n, current)
        if rvm == "Exact":
            at = n
    snapshot = at if at is not None else current
    if sel.matches_nothing:
        return ListResult([], snapshot)
    kwargs = dict(name=sel.name, label_filter=sel.label.sql_filter(), at_revision=at)
    try:
        rows = _collect(conn, rt, sel, kwargs, after, limit)
    except store.Compacted:
        if token and after is not None:
            raise _expired_continue(current, after) from None
        raise gone("The resourceVersion for the provided list is too old.") from None
    result = ListResult(rows, snapshot)
    if limit is not None and len(rows) > limit:
        result.rows = rows[:limit]
        last = result.rows[-1]
        result.continue_token = encode_continue(snapshot, (last.namespace, last.name))
        if sel.label.empty and sel.field.empty:
            kwargs["at_revision"] = snapshot
            result.remaining = store.count_rows(conn, rt.key, sel.namespace, after=(last.namespace, last.name),
                                                **kwargs)
    return result


def _collect(conn: Conn, rt: ResourceType, sel: Selection, kwargs: dict[str, Any],
             after: tuple[str, str] | None, limit: int | None) -> list[store.Row]:
    """Rows matching the selection, at most ``limit + 1`` (one extra says "there is more")."""
    if not sel.python_filter:
        return store.list_rows(conn, rt.key, sel.namespace, after=after,
                               limit=None if limit is None else limit + 1, **kwargs)
    want = None if limit is None else limit + 1
    batch = 500 if limit is None else max(2 * limit, 100)
    out: list[store.Row] = []
    cursor = after
    while True:
        rows = store.list_rows(conn, rt.key, sel.namespace, after=cursor, limit=batch, **kwargs)
        for row in rows:
            if sel.matches(rt, row.obj()):
                out.append(row)
                if want is not None and len(out) >= want:
                    return out
        if len(rows) < batch:
            return out
        cursor = (rows[-1].namespace, rows[-1].name)


def list_meta(result: ListResult) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(result.revision)}
    if result.continue_token:
        meta["continue"] = result.continue_token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    return meta


def list_body(rt: ResourceType, result: ListResult) -> str:
    meta = list_meta(result)
    head = _json.dumps({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta})
    return head[:-1] + ',"items":[' + ",".join(r.body for r in result.rows) + "]}"
