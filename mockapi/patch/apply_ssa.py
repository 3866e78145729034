"""Server-side apply (``application/apply-patch+yaml``): structured merge of an applied
configuration into the live object, ownership conflicts, and pruning of fields the manager stopped
applying (sigs.k8s.io/structured-merge-diff ``Updater.Apply``, simplified).

Maps merge recursively; lists whose field has a patch merge key merge item by item on the list-map
keys; sets of scalars merge as sets; every other list is atomic and replaced. A conflict is a field
that the apply changes and another manager (Apply or Update) owns: 409 unless ``force``, which moves
the field to the applier. Fields this manager applied before and applies no more are removed from
the object unless another manager owns them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..errors import StatusError, bad_request
from . import managedfields as mf
from .managedfields import Obj, Patchable

FIELD_MANAGER_REQUIRED = "fieldManager: Required value: is required for apply patch"


def check_applied(rt: Patchable, name: str, applied: Any) -> Obj:
    """The apply body must be an object of the right kind and name (upstream's 400 wording)."""
    if not isinstance(applied, dict):
        raise bad_request("error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot "
                          "unmarshal array into Go value of type map[string]interface {}")
    if not applied.get("apiVersion") or not applied.get("kind"):
        missing = "apiVersion" if not applied.get("apiVersion") else "kind"
        raise bad_request(f"Object '{missing.capitalize() if missing == 'kind' else missing}' is missing in "
                          f"'{_short(applied)}'")
    meta = applied.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise bad_request("metadata.name: Required value: name is required")
    if meta["name"] != name:
        raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
    return applied


def _short(obj: Obj) -> str:
    import json

    return json.dumps(obj, separators=(",", ":"))[:200]


def merge(live: Any, applied: Any, schema: Mapping[str, Any]) -> Any:
    """The applied configuration laid over the live object (null in the apply removes the field)."""
    if not isinstance(applied, dict) or not isinstance(live, dict):
        return copy.deepcopy(applied)
    out = dict(live)
    for name, value in applied.items():
        spec = schema.get(name)
        kids = spec.kids if spec is not None else {}
        if value is None:
            out.pop(name, None)
        elif isinstance(value, dict) and not (spec is not None and spec.strategy == "replace"):
            out[name] = merge(live.get(name), value, kids)
        elif isinstance(value, list) and spec is not None and spec.merges and isinstance(live.get(name), list):
            out[name] = _merge_list(live[name], value, spec)
        else:
            out[name] = copy.deepcopy(value)
    return out


def _merge_list(live: list[Any], applied: list[Any], spec: Any) -> list[Any]:
    key = spec.merge_key
    if key and mf._keyed(live, key) and mf._keyed(applied, key):
        ident = [mf.item_element(i, key) for i in live]
        out = list(live)
        for item in applied:
            element = mf.item_element(item, key)
            if element in ident:
                at = ident.index(element)
                out[at] = merge(out[at], item, spec.kids)
            else:
                out.append(copy.deepcopy(item))
                ident.append(element)
        return out
    if not key and all(not isinstance(i, (dict, list)) for i in [*live, *applied]):
        return [*live, *(i for i in applied if i not in live)]
    return copy.deepcopy(applied)


def remove(obj: Any, path: mf.Path, schema: Mapping[str, Any]) -> None:
    """Remove the field, list item or set member at ``path`` (no-op when absent)."""
    node, spec_kids, parent_spec = obj, schema, None
    for depth, element in enumerate(path):
        last = depth == len(path) - 1
        kind, _, rest = element.partition(":")
        if kind == "f" and isinstance(node, dict):
            spec = spec_kids.get(rest)
            if last:
                node.pop(rest, None)
                return
            node, spec_kids = node.get(rest), (spec.kids if spec is not None else {})
            if isinstance(node, list):
                parent_spec = spec
        elif kind in ("k", "v") and isinstance(node, list):
            key = parent_spec.merge_key if parent_spec is not None else None
            match = next((i for i, item in enumerate(node) if _element(item, kind, key) == element), None)
            if match is None:
                return
            if last:
                del node[match]
                return
            node = node[match]
        else:
            return
        if node is None:
            return


def _element(item: Any, kind: str, key: str | None) -> str:
    """The path element naming a list item: ``k:`` by its keys, ``v:`` by its value."""
    if kind == "k":
        return mf.item_element(item, key) if key and isinstance(item, dict) else ""
    return mf.value_element(item)


def conflict_error(conflicts: list[tuple[mf.Entry, mf.Path]]) -> StatusError:
    """internal.NewConflictError: one cause per field, managers in lexicographic order."""
    def who(entry: mf.Entry) -> str:
        text = f'"{entry.manager}"'
        if entry.subresource:
            text += f' with subresource "{entry.subresource}"'
        if entry.operation == "Update":
            text += f" using {entry.api_version}" + (f" at {entry.time}" if entry.time else "")
        return text

    conflicts = sorted(conflicts, key=lambda c: (c[0].manager, mf.describe(c[1])))
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {who(e)}", "field": mf.describe(p)}
              for e, p in conflicts]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {who(entry)}: {mf.describe(path)}"
    else:
        lines: list[str] = []
        seen: list[str] = []
        for entry, _ in conflicts:
            if who(entry) not in seen:
                seen.append(who(entry))
        for label in seen:
            lines.append(f"conflicts with {label}:")
            lines += [f"- {mf.describe(p)}" for e, p in conflicts if who(e) == label]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return StatusError(409, message, reason="Conflict", details={"causes": causes})


def apply(rt: Patchable, live: Obj, applied: Obj, manager: str, *, force: bool, subresource: str,
          now: str) -> Obj:
    """The object after ``manager`` applies ``applied`` over ``live``, managedFields included."""
    schema = rt.patch_schema or {}
    body = {k: v for k, v in applied.items() if k not in ("apiVersion", "kind")}
    meta = dict(body.get("metadata") or {})
    for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"):
        meta.pop(key, None)
    body["metadata"] = meta
    target = merge(live, body, schema)
    managed = mf.entries(live.get("metadata") or {})
    ident = (manager, "Apply", subresource)
    mine = next((e for e in managed if e.ident == ident), None)
    applied_set = set(mf.leaves(body, schema, subresource))
    before, after = mf.leaves(live, schema, subresource), mf.leaves(target, schema, subresource)
    changed = {p for p, v in after.items() if p not in before or before[p] != v}
    conflicts = [(e, p) for e in managed if e is not mine for p in sorted(e.fields & changed & applied_set)]
    if conflicts and not force:
        raise conflict_error(conflicts)
    for entry in managed:
        if entry is not mine:
            entry.fields -= {p for e, p in conflicts if e is entry}
    others: set[mf.Path] = set().union(*(e.fields for e in managed if e is not mine)) if managed else set()
    previous = mine.fields if mine is not None else set()
    keep = applied_set | others
    for path in sorted(previous - keep, key=len):  # items before their fields (keys vanish)
        if not mf.covered(path, keep):
            remove(target, path, schema)
    if mine is None:
        mine = mf.Entry(manager, "Apply", rt.api_version, now, set(), subresource)
        managed.append(mine)
    if mine.fields != applied_set or mine.api_version != rt.api_version:
        mine.fields, mine.time, mine.api_version = applied_set, now, rt.api_version
    target_meta = target.setdefault("metadata", {})
    mf.store(target_meta, managed)
    return target
