"""Strategic merge patch over plain JSON dicts: the apply half of k8s.io/apimachinery strategicpatch.

Owns the merge algorithm, its directives and Kubernetes' error wording. It knows no kinds (see
``schemas.py``), no HTTP and no storage, and it never mutates its inputs.

Schema format: a ``PatchSchema`` is a mapping from JSON field name to ``Field``, mirroring the object.
``Field.strategy`` is the Go ``patchStrategy`` tag: ``None`` (untagged: maps merge recursively, lists
are replaced), ``"merge"`` (lists merge: by ``merge_key`` for lists of maps, as an ordered set for
primitives), ``"replace"`` (even a map is replaced whole), ``"retainKeys"`` or ``"merge,retainKeys"``
(``retainKeys`` only matters when *creating* patches; applying honours ``$retainKeys`` anywhere, as
upstream does). ``Field.children`` is the schema of the map, or of each item of a list of maps.
Fields missing from a schema behave as untagged fields.

Deliberate differences from upstream (which hands its raw result to a typed decoder):
  * a value with nothing to merge into (new key, new list item, type change, replacement) is applied
    to an empty value, so nested directives and nulls never reach the result;
  * ``$deleteFromPrimitiveList/x`` when ``x`` is absent or not a list is a no-op (upstream would add);
  * ``$setElementOrder/x`` on a field that is not a merge list is ignored (upstream panics or reorders).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

DIRECTIVE = "$patch"
DELETE, REPLACE, MERGE = "delete", "replace", "merge"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

_STRATEGIES = {None, "", "merge", "replace", "retainKeys", "merge,retainKeys", "retainKeys,merge"}
# mergepatch sentinel errors and the HTTP code the apiserver gives them (interpretStrategicMergePatchError).
ERR_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"
ERR_LIST_OF_LISTS = "lists of lists are not supported"
ERR_BAD_JSON_DOC = "invalid JSON document"
_CODES = {ERR_PRIMITIVE_LIST: 400, ERR_RETAIN_KEYS: 400, ERR_SET_ELEMENT_ORDER: 400, ERR_BAD_JSON_DOC: 400,
          ERR_LIST_OF_LISTS: 422}


class PatchError(Exception):
    """A malformed strategic merge patch. ``code`` is the HTTP status kube-apiserver answers with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = _CODES.get(message, 500)


@dataclass(frozen=True)
class Field:
    """Patch metadata of one field: the Go ``patchStrategy``/``patchMergeKey`` tags plus sub-schema."""

    strategy: str | None = None
    merge_key: str | None = None
    children: Mapping[str, Field] | None = None

    def __post_init__(self) -> None:
        if self.strategy not in _STRATEGIES:
            raise ValueError(f"unexpected patch strategy: {self.strategy}")

    @property
    def merges(self) -> bool:
        return self.strategy is not None and "merge" in self.strategy.split(",")

    @property
    def replaces(self) -> bool:
        return self.strategy == "replace"


PatchSchema = Mapping[str, Field]
PatchMeta = PatchSchema
_UNTAGGED = Field()
_EMPTY: PatchSchema = {}
_MISSING = object()


def strategic_merge(original: dict, patch: dict, schema: PatchSchema) -> dict:
    """Apply ``patch`` to ``original`` like kube-apiserver's StrategicMergeMapPatch; returns a new dict."""
    if not isinstance(original, dict) or not isinstance(patch, dict):
        raise PatchError(ERR_BAD_JSON_DOC)
    return _merge_map(_copy(original), _copy(patch), schema)


# --- maps -------------------------------------------------------------------------------------------


def _merge_map(original: dict, patch: dict, schema: PatchSchema) -> dict:
    """mergeMap: both arguments are private copies and are consumed."""
    if DIRECTIVE in patch:
        directive = patch.pop(DIRECTIVE)
        if _same(directive, REPLACE):
            return _merge_map({}, patch, schema)
        if _same(directive, DELETE):
            return {}
        patch[DIRECTIVE] = directive
        raise PatchError(f"unknown patch type: {_go_s(directive)} in map: {_gofmt(patch)}")
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    deletions = []
    for key, value in patch.items():
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            deletions.append((key, value))
            continue
        field = schema.get(key, _UNTAGGED)
        if value is None:
            original.pop(key, None)
        elif key not in original or not _same_kind(original[key], value):
            original[key] = _fresh(value, field)
        elif isinstance(value, dict):
            merged = _fresh(value, field) if field.replaces else _merge_map(original[key], value, _kids(field))
            original[key] = merged
        elif isinstance(value, list):
            original[key] = _merge_slice(original[key], value, field)[0] if field.merges else _fresh(value, field)
        else:
            original[key] = value
    for key, value in deletions:
        name = _extract_key(key, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST)
        if not isinstance(value, list):
            raise PatchError(ERR_PRIMITIVE_LIST)
        current = original.get(name)
        if isinstance(current, list) and (current or value):
            if _elem_kind(current, value) == "map":
                raise PatchError(ERR_PRIMITIVE_LIST)
            doomed = {_hkey(v) for v in value}
            original[name] = [v for v in current if _hkey(v) not in doomed]
    return original


def _apply_retain_keys(original: dict, patch: dict) -> None:
    """applyRetainKeysDirective: clear keys of ``original`` missing from ``$retainKeys``."""
    if RETAIN_KEYS not in patch:
        return
    keys = patch.pop(RETAIN_KEYS)
    if not isinstance(keys, list):
        raise PatchError(ERR_RETAIN_KEYS)
    allowed = {_hkey(k) for k in keys}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if _hkey(key) not in allowed:
            raise PatchError(ERR_RETAIN_KEYS)
    for key in [k for k in original if _hkey(k) not in allowed]:
        del original[key]


def _merge_ordered_lists(original: dict, patch: dict, schema: PatchSchema) -> None:
    """mergePatchIntoOriginal: merge each list that has a ``$setElementOrder`` and apply that order."""
    for key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _bad_arg_type("[]interface {}", order)
        name = _extract_key(key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER)
        field = schema.get(name, _UNTAGGED)
        if not field.merges:
            continue
        in_original, in_patch = name in original, name in patch
        current, patch_list = original.get(name), patch.get(name)
        for value, present in ((current, in_original), (patch_list, in_patch)):
            if present and not isinstance(value, list):
                raise _bad_arg_type("[]interface {}", value)
        mk = field.merge_key or ""
        _validate_order(patch_list or [], order, mk)
        if in_original and in_patch:
            merged, view = _merge_slice(current, patch_list, field)
        elif in_original:
            merged, view = current, current
        elif in_patch:
            merged, view = _merge_slice([], patch_list, field)[0], []
        else:
            continue
        kind = _elem_kind(current or [], patch_list or [])
        if kind is not None:
            ours, theirs = _partition(merged, order, mk)
            merged = _normalize(ours, theirs, order, view, mk, kind)
        original[name] = merged
        patch.pop(name, None)


def _validate_order(patch_list: list, order: list, mk: str) -> None:
    """validatePatchWithSetOrderList: patch items must appear in ``$setElementOrder`` in the same order."""
    if not order or not patch_list:
        return
    items = _split_deletes(patch_list)[0] if mk else patch_list
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and DIRECTIVE in items[i]:
            i += 1
            continue
        if _merge_key_equal(items[i], order[j], mk):
            i += 1
        j += 1
    if i < len(items) and j >= len(order):
        raise PatchError(f"The order in patch list:\n{_gofmt(patch_list)}\n doesn't match "
                         f"{SET_ELEMENT_ORDER} list:\n{_gofmt(order)}\n")


# --- lists ------------------------------------------------------------------------------------------


def _merge_slice(original: list, patch: list, field: Field) -> tuple[list, list]:
    """mergeSlice for a merge-strategy list. Returns the result and the caller's view of ``original``.

    The view reproduces Go slice aliasing that upstream's ``$setElementOrder`` handling depends on:
    deleting an item shifts the shared backing array left and appended items land in the vacated tail.
    """
    if not original and not patch:
        return original, original
    kind = _elem_kind(original, patch)
    mk = field.merge_key or ""
    if kind != "map":
        merged = _dedupe(original + patch)
        ours, theirs = _partition(merged, patch, mk)
        return _normalize(ours, theirs, patch, original, mk, kind), original
    if not mk:
        raise PatchError("cannot merge lists without merge key for type struct")
    backing, length, size = list(original), len(original), len(original)
    rest, replace = [], False
    for item in patch:
        directive = item.get(DIRECTIVE, _MISSING)
        if directive is _MISSING:
            rest.append(item)
        elif _same(directive, DELETE):
            if mk not in item:
                raise _no_merge_key(item, mk)
            while (idx := _find(backing[:length], mk, item[mk])) >= 0:
                backing[idx:length - 1] = backing[idx + 1:length]
                length -= 1
        elif _same(directive, REPLACE):
            replace = True
        elif _same(directive, MERGE):
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {_go_s(directive)} in map: {_gofmt(item)}")
    if replace:  # the patch items become the list; upstream still orders them (stably, by merge key)
        merged = [_fresh(item, _UNTAGGED, _kids(field)) for item in rest]
        return _normalize([], _partition(merged, [], mk)[1], [], merged, mk, kind), backing[:size]
    kept = length
    for item in rest:
        if mk not in item:
            raise _no_merge_key(item, mk)
        idx = _find(backing[:length], mk, item[mk])
        if idx >= 0:
            backing[idx] = _merge_map(backing[idx], item, _kids(field))
            continue
        new = _fresh(item, _UNTAGGED, _kids(field))
        if length < len(backing):
            backing[length] = new
        else:
            backing.append(new)
        length += 1
    merged = backing[:length]
    ours, theirs = _partition(merged, rest, mk)
    return _normalize(ours, theirs, rest, backing[:kept], mk, kind), backing[:size]


def _partition(items: list, by: list, mk: str) -> tuple[list, list]:
    """partitionPrimitivesByPresentInList / partitionMapsByPresentInList."""
    if not mk:
        present = {_hkey(v) for v in by}
        return ([v for v in items if _hkey(v) in present], [v for v in items if _hkey(v) not in present])
    ours, theirs = [], []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if mk not in item:
            raise _no_merge_key(item, mk)
        (ours if _find(by, mk, item[mk]) >= 0 else theirs).append(item)
    return ours, theirs


def _normalize(ours: list, theirs: list, our_order: list, their_order: list, mk: str, kind: str) -> list:
    """normalizeElementOrder: sort both parts, then interleave server-only items among patch items."""
    ours = _sort_by(ours, our_order, mk, kind)
    theirs = _sort_by(theirs, their_order, mk, kind)
    index = _Index(their_order, mk, kind)
    out, i, j = [], 0, 0
    while i < len(theirs) or j < len(ours):
        if i >= len(theirs):
            out.append(ours[j])
            j += 1
        elif j >= len(ours):
            out.append(theirs[i])
            i += 1
        else:
            li, ri = index(theirs[i]), index(ours[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(theirs[i])
                i += 1
            else:
                out.append(ours[j])
                j += 1
    return out


def _sort_by(items: list, order: list, mk: str, kind: str) -> list:
    """normalizeSliceOrder, including its sort.SliceStable over a less() that is true for unknown items."""
    deletes: list = []
    if kind == "map":
        for item in (*items, *order):
            if not isinstance(item, dict):
                raise _bad_arg_type("map[string]interface {}", item)
            if mk not in item:
                raise _no_merge_key(item, mk)
        items, deletes = _split_deletes(items)
    index = _Index(order, mk, kind)
    keyed = [(index(v), v) for v in items]
    if all(k >= 0 for k, _ in keyed):
        keyed.sort(key=lambda kv: kv[0])
    else:  # Go's insertion sort (what SliceStable runs for short slices) with the inconsistent less
        for i in range(1, len(keyed)):
            j = i
            while j > 0 and not (keyed[j][0] >= 0 and keyed[j - 1][0] >= 0 and keyed[j][0] >= keyed[j - 1][0]):
                keyed[j], keyed[j - 1] = keyed[j - 1], keyed[j]
                j -= 1
    return [v for _, v in keyed] + deletes


class _Index:
    """``index()`` of upstream: position of an item (by merge key value for maps) in a list, or -1."""

    def __init__(self, items: list, mk: str, kind: str) -> None:
        self.by_map = kind == "map"
        self.mk = mk
        self.pos: dict = {}
        for i, item in enumerate(items):
            self.pos.setdefault(_hkey(self._val(item)), i)

    def _val(self, item: Any) -> Any:
        return item.get(self.mk) if self.by_map and isinstance(item, dict) else (None if self.by_map else item)

    def __call__(self, item: Any) -> int:
        return self.pos.get(_hkey(self._val(item)), -1)


def _split_deletes(items: list) -> tuple[list, list]:
    """extractToDeleteItems."""
    keep, doomed = [], []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        (doomed if _same(item.get(DIRECTIVE), DELETE) else keep).append(item)
    return keep, doomed


def _dedupe(items: list) -> list:
    """deduplicateScalars, including its habit of moving the last element into a duplicate's slot."""
    s = list(items)
    last = len(s) - 1
    i = 0
    while i < last:
        j = i + 1
        while j <= last:
            if _same(s[i], s[j]):
                s[j] = s[last]
                del s[last]
                last -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _find(items: list, mk: str, value: Any) -> int:
    """findMapInSliceBasedOnKeyValue."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {i} is not a map.")
        if mk in item and _same(item[mk], value):
            return i
    return -1


def _merge_key_equal(left: Any, right: Any, mk: str) -> bool:
    if not mk:
        return _same(left, right)
    for side in (left, right):
        if not isinstance(side, dict):
            raise _bad_arg_type("map[string]interface {}", side)
        if mk not in side:
            raise _no_merge_key(side, mk)
    return _same(left[mk], right[mk])


def _elem_kind(*lists: list) -> str | None:
    """sliceElementType: the one Go type of every element, or an error; None when all are empty."""
    kind = None
    for items in lists:
        for item in items:
            current = _go_kind(item)
            if kind is None:
                if current == "slice":
                    raise PatchError(ERR_LIST_OF_LISTS)
                kind = current
            elif current != kind:
                raise PatchError(f"list element types are not identical: {_gofmt(list(lists))}")
    return kind


# --- values -----------------------------------------------------------------------------------------


def _fresh(value: Any, field: Field, children: PatchSchema | None = None) -> Any:
    """A patch value with nothing to merge into, applied to an empty value so no directive survives."""
    if isinstance(value, dict):
        return _merge_map({}, value, children if children is not None else _kids(field))
    if isinstance(value, list):
        if field.merges:
            return _merge_slice([], value, field)[0]
        return [_fresh(v, _UNTAGGED, _kids(field)) for v in value]
    return value


def _kids(field: Field) -> PatchSchema:
    return field.children if field.children is not None else _EMPTY


def _extract_key(key: str, prefix: str, error: str) -> str:
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        raise PatchError(error)
    return tail


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Go interface equality for decoded JSON: 1 != 1.0 != true."""
    return type(a) is type(b) and a == b


def _same_kind(a: Any, b: Any) -> bool:
    return isinstance(a, dict) == isinstance(b, dict) and isinstance(a, list) == isinstance(b, list)


def _hkey(value: Any) -> Any:
    try:
        return (type(value), value, hash(value))[:2]
    except TypeError:
        return (type(value), json.dumps(value, sort_keys=True, default=str))


_GO_KINDS = {dict: "map", list: "slice", str: "string", bool: "bool", int: "int64", float: "float64"}
_GO_TYPES = {dict: "map[string]interface {}", list: "[]interface {}", str: "string", bool: "bool",
             int: "int64", float: "float64"}


def _go_kind(value: Any) -> str:
    return "nil" if value is None else _GO_KINDS.get(type(value), type(value).__name__)


def _go_s(value: Any) -> str:
    """fmt's %s of an interface value."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    return f"%!s({_GO_TYPES.get(type(value), type(value).__name__)}={_gofmt(value)})"


def _gofmt(value: Any) -> str:
    """fmt's %v of decoded JSON (maps print with sorted keys)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_gofmt(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_gofmt(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        if "e" in text:
            mantissa, exp = text.split("e")
            sign = "-" if exp.startswith("-") else "+"
            return f"{mantissa}e{sign}{exp.lstrip('+-').rjust(2, '0')}"
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _bad_arg_type(expected: str, actual: Any) -> PatchError:
    got = "%!s(<nil>)" if actual is None else _GO_TYPES.get(type(actual), type(actual).__name__)
    return PatchError(f"expected a {expected}, but received a {got}")


def _no_merge_key(item: dict, mk: str) -> PatchError:
    return PatchError(f"map: {_gofmt(item)} does not contain declared merge key: {mk}")
