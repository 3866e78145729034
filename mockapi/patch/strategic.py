"""Strategic merge patch over plain JSON dicts: the apply half of k8s.io/apimachinery strategicpatch.

Owns the merge algorithm, its directives and Kubernetes' error wording; knows no kinds and no HTTP, and
never mutates its inputs. The schema (``PatchSchema``: field name -> ``Field`` with the Go
``patchStrategy``/``patchMergeKey`` tags and a sub-schema) is described in ``mockapi.patch.schemas``.

Deliberate differences from upstream, which hands its raw result to a typed decoder that drops
unknown keys: a value with nothing to merge into (new key or list item, type change, replacement) is
taken verbatim minus nulls, as upstream does, but its directives are resolved instead of left behind
(``$patch: delete`` makes ``{}``, ``$patch: replace`` and directive items of merge lists vanish, other
directive keys are dropped); ``$deleteFromPrimitiveList/x`` on a list that is not a merge list removes
the values (upstream replaces the list with them); ``$setElementOrder/x`` on a field that is not a
merge list is dropped (upstream panics or reorders).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from mockapi.patch.schemas import Field, PatchSchema

DIRECTIVE = "$patch"
DELETE, REPLACE, MERGE = "delete", "replace", "merge"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

# mergepatch's sentinel errors and the HTTP code kube-apiserver gives them
# (interpretStrategicMergePatchError); any other PatchError reaches clients as a 500, as upstream.
ERR_BAD_JSON_DOC = "invalid JSON document"
ERR_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"
ERR_LIST_OF_LISTS = "lists of lists are not supported"
_CODES = {ERR_BAD_JSON_DOC: 400, ERR_PRIMITIVE_LIST: 400, ERR_RETAIN_KEYS: 400, ERR_SET_ELEMENT_ORDER: 400,
          ERR_LIST_OF_LISTS: 422}


class PatchError(Exception):
    """A malformed strategic merge patch; ``code`` is the HTTP status kube-apiserver answers with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = _CODES.get(message, 500)


_LIST_DIRECTIVES = (DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)
_UNTAGGED = Field()
_MISSING = object()


def strategic_merge(original: dict, patch: dict, schema: PatchSchema) -> dict:
    """Apply ``patch`` to ``original`` as kube-apiserver's StrategicMergeMapPatch does; returns a new dict."""
    if not isinstance(original, dict) or not isinstance(patch, dict):
        raise PatchError(ERR_BAD_JSON_DOC)
    return _merge_map(_copy(original), _copy(patch), schema)


# --- maps: mergeMap and the directives it handles ---------------------------------------------------


def _merge_map(original: dict, patch: dict, schema: PatchSchema) -> dict:
    """mergeMap. Both arguments are private copies and are consumed."""
    if DIRECTIVE in patch:  # handleDirectiveInMergeMap
        directive = patch.pop(DIRECTIVE)
        if _same(directive, REPLACE):
            return _fresh(patch, _UNTAGGED, schema)
        if _same(directive, DELETE):
            return {}
        patch[DIRECTIVE] = directive
        raise PatchError(f"unknown patch type: {_go_s(directive)} in map: {_gofmt(patch)}")
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    deletions = []
    for key, value in patch.items():
        field = schema.get(key, _UNTAGGED)
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            deletions.append((key, value))
        elif value is None:
            original.pop(key, None)
        elif key not in original or not _same_kind(original[key], value):
            original[key] = _fresh(value, field)
        elif isinstance(value, dict):
            replace = field.strategy == REPLACE
            original[key] = _fresh(value, field) if replace else _merge_map(original[key], value, field.kids)
        elif isinstance(value, list) and field.merges:
            original[key] = _merge_slice(original[key], value, field)[0]
        elif isinstance(value, list):
            original[key] = _fresh(value, field)
        else:
            original[key] = value
    for key, value in deletions:  # after the lists they apply to were merged and ordered
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
    """applyRetainKeysDirective: clear the keys of ``original`` that ``$retainKeys`` does not list."""
    if RETAIN_KEYS not in patch:
        return
    keys = patch.pop(RETAIN_KEYS)
    if not isinstance(keys, list):
        raise PatchError(ERR_RETAIN_KEYS)
    allowed = {_hkey(k) for k in keys}
    for key, value in patch.items():
        directive = key.startswith(_LIST_DIRECTIVES)
        if value is not None and not directive and _hkey(key) not in allowed:
            raise PatchError(ERR_RETAIN_KEYS)
    for key in [k for k in original if _hkey(k) not in allowed]:
        del original[key]


def _merge_ordered_lists(original: dict, patch: dict, schema: PatchSchema) -> None:
    """mergePatchIntoOriginal: merge each list named by a ``$setElementOrder`` and apply that order."""
    for key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _bad_arg_type("[]interface {}", order)
        name = _extract_key(key, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER)
        field = schema.get(name, _UNTAGGED)
        if not field.merges or (name not in original and name not in patch):
            continue
        current, incoming = original.get(name, _MISSING), patch.get(name, _MISSING)
        for value in (current, incoming):
            if value is not _MISSING and not isinstance(value, list):
                raise _bad_arg_type("[]interface {}", value)
        current = [] if current is _MISSING else current
        mk = field.merge_key or ""
        if incoming is _MISSING:
            incoming, merged, view = [], current, current
        elif name in original:
            _validate_order(incoming, order, mk)
            merged, view = _merge_slice(current, incoming, field)
        else:  # upstream orders the raw patch list, so its items need merge keys
            _validate_order(incoming, order, mk)
            _partition(incoming, order, mk)
            merged, view = _fresh(incoming, field), []
        kind = _elem_kind(current, incoming)
        if kind is None:
            raise PatchError("no elements in any of the given slices")
        ours, theirs = _partition(merged, order, mk)
        original[name] = _normalize(ours, theirs, order, view, mk, kind)
        patch.pop(name, None)


def _validate_order(patch_list: list, order: list, mk: str) -> None:
    """validatePatchWithSetOrderList: the patch items must appear in ``$setElementOrder``, in order."""
    if not order or not patch_list:
        return
    items = _split_deletes(patch_list)[0] if mk else patch_list
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and DIRECTIVE in items[i]:
            i += 1
            continue
        i += _merge_key_equal(items[i], order[j], mk)
        j += 1
    if i < len(items):
        raise PatchError(f"The order in patch list:\n{_gofmt(patch_list)}\n doesn't match "
                         f"{SET_ELEMENT_ORDER} list:\n{_gofmt(order)}\n")


# --- lists: mergeSlice and the ordering rules -------------------------------------------------------


def _merge_slice(original: list, patch: list, field: Field) -> tuple[list, list]:
    """mergeSlice for a merge-strategy list; returns the result and the caller's view of ``original``.

    The view reproduces Go slice aliasing that upstream's ``$setElementOrder`` ordering depends on: a
    deleted item shifts the shared backing array left and appended items land in the vacated tail.
    """
    if not original and not patch:
        return original, original
    kind = _elem_kind(original, patch)
    mk = field.merge_key or ""
    if kind != "map":
        ours, theirs = _partition(_dedupe(original + patch), patch, mk)
        return _normalize(ours, theirs, patch, original, mk, str(kind)), original
    if not mk:
        raise PatchError("cannot merge lists without merge key for struct")
    backing, length, size = list(original), len(original), len(original)
    rest, doomed, replace = _special_elements(patch, mk)
    for value in doomed:  # deleteMatchingEntries
        while (idx := _find(backing[:length], mk, value)) >= 0:
            backing[idx:length - 1] = backing[idx + 1:length]
            length -= 1
    if replace:  # the patch items become the list, still ordered (stably) by merge key
        merged = [_fresh(item, _UNTAGGED, field.kids) for item in rest]
        return _normalize([], _partition(merged, [], mk)[1], [], merged, mk, kind), backing[:size]
    kept = length
    for item in rest:  # mergeSliceWithoutSpecialElements
        if mk not in item:
            raise _no_merge_key(item, mk)
        idx = _find(backing[:length], mk, item[mk])
        if idx >= 0:
            backing[idx] = _merge_map(backing[idx], item, field.kids)
            continue
        if length == len(backing):
            backing.append(None)
        backing[length] = _fresh(item, _UNTAGGED, field.kids)
        length += 1
    ours, theirs = _partition(backing[:length], rest, mk)
    return _normalize(ours, theirs, rest, backing[:kept], mk, kind), backing[:size]


def _special_elements(patch: list, mk: str) -> tuple[list, list, bool]:
    """mergeSliceWithSpecialElements: split off ``$patch`` items (merge key values to delete, replace)."""
    rest: list = []
    doomed: list = []
    replace = False
    for item in patch:
        directive = item.get(DIRECTIVE, _MISSING)
        if directive is _MISSING:
            rest.append(item)
        elif _same(directive, DELETE):
            if mk not in item:
                raise _no_merge_key(item, mk)
            doomed.append(item[mk])
        elif _same(directive, REPLACE):
            replace = True
        elif _same(directive, MERGE):
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {_go_s(directive)} in map: {_gofmt(item)}")
    return rest, doomed, replace


def _partition(items: list, by: list, mk: str) -> tuple[list, list]:
    """partitionPrimitivesByPresentInList / partitionMapsByPresentInList."""
    ours: list = []
    theirs: list = []
    present = {_hkey(v) for v in by} if not mk else set()
    for item in items:
        if not mk:
            found = _hkey(item) in present
        elif not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        elif mk not in item:
            raise _no_merge_key(item, mk)
        else:
            found = _find(by, mk, item[mk]) >= 0
        (ours if found else theirs).append(item)
    return ours, theirs


def _normalize(ours: list, theirs: list, our_order: list, their_order: list, mk: str, kind: str) -> list:
    """normalizeElementOrder: sort both parts, then mergeSortedSlice server-only items into patch items."""
    ours, theirs = _sort_by(ours, our_order, mk, kind), _sort_by(theirs, their_order, mk, kind)
    index = _Index(their_order, mk, kind)
    out: list = []
    i = j = 0
    while i < len(theirs) or j < len(ours):
        if j < len(ours) and i < len(theirs):
            left, right = index(theirs[i]), index(ours[j])
            take_theirs = 0 <= left < right
        else:
            take_theirs = i < len(theirs)
        if take_theirs:
            out.append(theirs[i])
            i += 1
        else:
            out.append(ours[j])
            j += 1
    return out


def _sort_by(items: list, order: list, mk: str, kind: str) -> list:
    """normalizeSliceOrder, whose sort.SliceStable less() is true whenever an item is not in ``order``."""
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
    else:  # Go's insertion sort (SliceStable on short slices) with that inconsistent less()
        for i in range(1, len(keyed)):
            j = i
            while j > 0 and not (0 <= keyed[j - 1][0] <= keyed[j][0]):
                keyed[j], keyed[j - 1] = keyed[j - 1], keyed[j]
                j -= 1
    return [v for _, v in keyed] + deletes


class _Index:
    """Upstream ``index()``: first position of an item (by merge key value for maps) in a list, or -1."""

    def __init__(self, items: list, mk: str, kind: str) -> None:
        self.mk, self.by_map = mk, kind == "map"
        self.pos: dict = {}
        for i, item in enumerate(items):
            self.pos.setdefault(self._key(item), i)

    def _key(self, item: Any) -> Any:
        if self.by_map:
            item = item.get(self.mk) if isinstance(item, dict) else None
        return _hkey(item)

    def __call__(self, item: Any) -> int:
        return self.pos.get(self._key(item), -1)


def _split_deletes(items: list) -> tuple[list, list]:
    """extractToDeleteItems."""
    keep: list = []
    doomed: list = []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        (doomed if _same(item.get(DIRECTIVE), DELETE) else keep).append(item)
    return keep, doomed


def _dedupe(s: list) -> list:
    """deduplicateScalars, with its habit of moving the last element into a duplicate's slot."""
    last, i = len(s) - 1, 0
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
            raise PatchError(f"value for key {i} is not a map")
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
    """sliceElementType: the one Go kind of every element (None when all lists are empty)."""
    kind = None
    for item in (item for items in lists for item in items):
        current = "nil" if item is None else _GO_KINDS.get(type(item), type(item).__name__)
        if kind is None and current == "slice":
            raise PatchError(ERR_LIST_OF_LISTS)
        if kind is not None and current != kind:
            raise PatchError(f"list element types are not identical: {_gofmt(list(lists))}")
        kind = current
    return kind


# --- values and Go-style formatting -----------------------------------------------------------------


def _fresh(value: Any, field: Field, children: PatchSchema | None = None) -> Any:
    """A patch value with nothing to merge into: verbatim minus nulls, its directives resolved."""
    if isinstance(value, dict):
        if DIRECTIVE in value or RETAIN_KEYS in value:  # as mergeMap into an empty map (validates them)
            return _merge_map({}, dict(value), children if children is not None else field.kids)
        kids = children if children is not None else field.kids
        return {k: _fresh(v, kids.get(k, _UNTAGGED)) for k, v in value.items()
                if v is not None and k != RETAIN_KEYS and not k.startswith(_LIST_DIRECTIVES)}
    if isinstance(value, list):
        if field.merges and field.merge_key and value and _elem_kind(value) == "map":
            value = _special_elements(value, field.merge_key)[0]
        return [_fresh(v, _UNTAGGED, field.kids) for v in value]
    return value


def _extract_key(key: str, prefix: str, error: str) -> str:
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        raise PatchError(error)
    return tail


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return [_copy(v) for v in value] if isinstance(value, list) else value


def _same(a: Any, b: Any) -> bool:
    """Go interface equality for decoded JSON: 1, 1.0 and true all differ."""
    return type(a) is type(b) and a == b


def _same_kind(a: Any, b: Any) -> bool:
    return isinstance(a, dict) == isinstance(b, dict) and isinstance(a, list) == isinstance(b, list)


def _hkey(value: Any) -> Any:
    """A hashable stand-in for a JSON value that keeps ``_same`` semantics."""
    try:
        hash(value)
        return (type(value), value)
    except TypeError:
        return (type(value), json.dumps(value, sort_keys=True, default=str))


_GO_KINDS = {dict: "map", list: "slice", str: "string", bool: "bool", int: "int64", float: "float64"}
_GO_TYPES = {dict: "map[string]interface {}", list: "[]interface {}", str: "string", bool: "bool",
             int: "int64", float: "float64"}


def _go_s(value: Any) -> str:
    """fmt's %s of an interface value."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    return f"%!s({_GO_TYPES.get(type(value), type(value).__name__)}={_gofmt(value)})"


def _gofmt(value: Any) -> str:
    """fmt's %v of decoded JSON; maps print with sorted keys."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_gofmt(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_gofmt(v) for v in value) + "]"
    if value is None or isinstance(value, bool):
        return {None: "<nil>", True: "true", False: "false"}[value]
    if isinstance(value, float) and math.isfinite(value):  # strconv 'g', shortest: %e when exp < -4 or >= 6
        sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
        text, point = "".join(map(str, digits)), len(digits) + int(exp) - 1
        if -4 <= point < 6:
            return ("-" if sign else "") + format(Decimal(repr(abs(value))).normalize(), "f")
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{'-' if sign else ''}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"
    return str(value)


def _bad_arg_type(expected: str, actual: Any) -> PatchError:
    got = "%!s(<nil>)" if actual is None else _GO_TYPES.get(type(actual), type(actual).__name__)
    return PatchError(f"expected a {expected}, but received a {got}")


def _no_merge_key(item: dict, mk: str) -> PatchError:
    return PatchError(f"map: {_gofmt(item)} does not contain declared merge key: {mk}")
