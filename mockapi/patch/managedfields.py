"""managedFields: which field manager owns which fields (k8s.io/apiserver fieldmanager and
sigs.k8s.io/structured-merge-diff, simplified).

A field set is a set of paths; a path is a tuple of encoded path elements as in ``fieldsV1``:
``f:<field>``, ``k:<json of the list-map keys>``, ``v:<json value>``. ``leaves`` flattens an object
into ``{path: value}`` for its scalars, atomic lists, empty maps and the items of associative lists
(keyed by the patch merge keys of mockapi.patch.schemas, plus ``protocol`` for ports as upstream's
``x-kubernetes-list-map-keys``). Non-apply writes record an ``Update`` entry for the fields they
added or changed, and those fields leave every other manager; removed fields leave every manager.
Server-owned metadata (uid, resourceVersion, ...), apiVersion, kind, and ``status`` on the main
resource (``spec`` and friends on the status subresource) are never tracked, as upstream.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

Obj = dict[str, Any]


class Patchable(Protocol):
    """What managedFields and apply need of a kind (a registry ResourceType provides it)."""

    @property
    def kind(self) -> str: ...
    @property
    def api_version(self) -> str: ...
    @property
    def patch_schema(self) -> Mapping[str, Any] | None: ...

Path = tuple[str, ...]
FieldSet = set[Path]

ITEM = object()  # the value of an associative-list item or set member: presence only

_IGNORED_META = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink",
                 "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"}
_KEY_DEFAULTS = {"protocol": "TCP"}
_EXTRA_KEYS = {"port": ("protocol",), "containerPort": ("protocol",)}


@dataclass(frozen=True)
class Manager:
    """Who writes: the fieldManager and the operation (``Update`` or ``Apply``)."""

    name: str
    operation: str = "Update"
    api_version: str = ""


@dataclass
class Entry:
    """One managedFields entry, decoded."""

    manager: str
    operation: str
    api_version: str
    time: str
    fields: FieldSet = field(default_factory=set)
    subresource: str = ""

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def encode(self) -> Obj:
        out: Obj = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
                    "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": encode(self.fields)}
        if self.subresource:
            out["subresource"] = self.subresource
        return out


# -- paths ---------------------------------------------------------------------------------
def key_fields(merge_key: str) -> tuple[str, ...]:
    return (merge_key, *_EXTRA_KEYS.get(merge_key, ()))


def item_key(item: Mapping[str, Any], merge_key: str) -> dict[str, Any]:
    return {k: item.get(k, _KEY_DEFAULTS.get(k)) for k in key_fields(merge_key)
            if item.get(k, _KEY_DEFAULTS.get(k)) is not None}


def item_element(item: Mapping[str, Any], merge_key: str) -> str:
    return "k:" + json.dumps(item_key(item, merge_key), separators=(",", ":"), sort_keys=True)


def value_element(value: Any) -> str:
    return "v:" + json.dumps(value, separators=(",", ":"), sort_keys=True)


def _keyed(value: Any, merge_key: str | None) -> bool:
    return bool(merge_key) and isinstance(value, list) and all(
        isinstance(i, dict) and i.get(merge_key) is not None for i in value)


def _walk(value: Obj, schema: Mapping[str, Any], path: Path, out: dict[Path, Any]) -> None:
    if not value and path:
        out[path] = {}
        return
    for name, child in value.items():
        spec = schema.get(name)
        at = path + ("f:" + name,)
        if isinstance(child, dict) and not (spec is not None and spec.strategy == "replace"):
            _walk(child, spec.kids if spec is not None else {}, at, out)
        elif isinstance(child, list) and child and spec is not None and spec.merges:
            if spec.merge_key and _keyed(child, spec.merge_key):
                for item in child:
                    item_at = at + (item_element(item, spec.merge_key),)
                    out[item_at] = ITEM
                    _walk(item, spec.kids, item_at, out)
            elif not spec.merge_key and all(not isinstance(i, (dict, list)) for i in child):
                for item in child:
                    out[at + (value_element(item),)] = ITEM
            else:
                out[at] = child
        else:
            out[at] = child


def leaves(obj: Obj, schema: Mapping[str, Any] | None, subresource: str = "") -> dict[Path, Any]:
    """The tracked leaves of ``obj``: ``{path: value}`` (ITEM for list items and set members)."""
    tracked: Obj = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key == "status") != (subresource == "status"):
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _IGNORED_META}
            if not value:
                continue
        tracked[key] = value
    out: dict[Path, Any] = {}
    _walk(tracked, schema or {}, (), out)
    return out


def describe(path: Path) -> str:
    """fieldpath.Path.String(): ``.spec.ports[port=80,protocol="TCP"].targetPort``."""
    parts = []
    for element in path:
        kind, _, rest = element.partition(":")
        if kind == "f":
            parts.append("." + rest)
        elif kind == "k":
            keys = json.loads(rest)
            parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]")
        elif kind == "v":
            parts.append(f"[={rest}]")
        else:
            parts.append(f"[{rest}]")
    return "".join(parts)


# -- fieldsV1 ------------------------------------------------------------------------------
def encode(paths: Iterable[Path]) -> Obj:
    """A set of paths as a FieldsV1 tree (``.`` marks a node that is itself a member)."""
    root: Obj = {}
    members = set(paths)
    for path in sorted(members):
        node = root
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        node = root
        for element in path:
            node = node[element]
        if node:
            node["."] = {}
    return _dot_first(root)


def _dot_first(tree: Obj) -> Obj:
    """``.`` leads each node, as Kubernetes serializes fieldsV1."""
    head: Obj = {".": {}} if "." in tree else {}
    return {**head, **{k: _dot_first(v) for k, v in tree.items() if k != "."}}


def decode(tree: Any, prefix: Path = ()) -> FieldSet:
    out: FieldSet = set()
    if not isinstance(tree, dict):
        return out
    for element, child in tree.items():
        if element == ".":
            if prefix:
                out.add(prefix)
            continue
        at = prefix + (str(element),)
        if isinstance(child, dict) and child:
            out |= decode(child, at)
        else:
            out.add(at)
    return out


def _utc(moment: str) -> str:
    """RFC 3339 in UTC as Kubernetes writes it (clients may echo ``+00:00``)."""
    return moment[:-6] + "Z" if moment.endswith("+00:00") else moment


def entries(meta: Mapping[str, Any]) -> list[Entry]:
    out = []
    for raw in meta.get("managedFields") or []:
        if not isinstance(raw, dict) or not raw.get("manager") and not raw.get("fieldsV1"):
            continue
        out.append(Entry(str(raw.get("manager") or ""), str(raw.get("operation") or "Update"),
                         str(raw.get("apiVersion") or ""), _utc(str(raw.get("time") or "")),
                         decode(raw.get("fieldsV1")), str(raw.get("subresource") or "")))
    return out


def store(meta: Obj, managed: list[Entry]) -> None:
    kept = [e.encode() for e in managed if e.fields]
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)


def covered(path: Path, owned: Iterable[Path]) -> bool:
    """True when ``path`` or a path below it is in ``owned``."""
    n = len(path)
    return any(p[:n] == path for p in owned)


# -- the write path ------------------------------------------------------------------------
def _requested(new: Obj, old: Obj | None) -> list[Entry] | None:
    """The entries to start from: a client may reset them with ``[{}]`` (None here) or replace them;
    omitting them (or sending ``[]``) keeps the stored ones, as upstream."""
    asked = (new.get("metadata") or {}).get("managedFields")
    stored = (old or {}).get("metadata", {}).get("managedFields")
    if asked == [{}]:
        return None
    if not asked or asked == stored or not isinstance(asked, list):
        return entries((old or {}).get("metadata") or {})
    return entries({"managedFields": asked})


def _keep(meta: Obj, stored: Any) -> None:
    """The stored entries, untouched (so that a write that changes nothing stays a no-op)."""
    if stored:
        meta["managedFields"] = copy.deepcopy(stored)
    else:
        meta.pop("managedFields", None)


def record(rt: Patchable, new: Obj, old: Obj | None, who: Manager | None, subresource: str, now: str) -> None:
    """Set ``new.metadata.managedFields`` after a create, update or patch by ``who`` (None: a
    controller write, which keeps the stored entries). Apply writes arrive with their entries
    already computed (mockapi.patch.apply_ssa) and are kept as they are."""
    meta = new.setdefault("metadata", {})
    if who is not None and who.operation == "Apply":
        return
    stored = (old or {}).get("metadata", {}).get("managedFields")
    if who is None:
        _keep(meta, stored)
        return
    managed = _requested(new, old)
    if managed is None:  # reset
        meta.pop("managedFields", None)
        return
    schema = rt.patch_schema
    after = leaves(new, schema, subresource)
    before = leaves(old, schema, subresource) if old is not None else {}
    changed = {p for p, v in after.items() if p not in before or before[p] != v}
    removed = {p for p in before if p not in after}
    if not changed and not removed:
        if meta.get("managedFields") in (None, [], stored):
            _keep(meta, stored)
        else:
            store(meta, managed)
        return
    ident = (who.name, "Update", subresource)
    mine = next((e for e in managed if e.ident == ident), None)
    for entry in managed:
        if entry is not mine:
            entry.fields -= changed | removed
    if changed:
        if mine is None:
            mine = Entry(who.name, "Update", who.api_version or rt.api_version, now, set(), subresource)
            managed.append(mine)
        mine.fields = (mine.fields - removed) | changed
        mine.time, mine.api_version = now, who.api_version or rt.api_version
    elif mine is not None:
        mine.fields -= removed
    store(meta, managed)


def record_create(rt: Patchable, obj: Obj, body: Obj, who: Manager | None, now: str) -> None:
    """The entry of a create: the applied fields for Apply, the object's fields for Update."""
    meta = obj.setdefault("metadata", {})
    if who is None:
        meta.pop("managedFields", None)
        return
    source = body if who.operation == "Apply" else obj
    fields = set(leaves(source, rt.patch_schema))
    store(meta, [Entry(who.name, who.operation, who.api_version or rt.api_version, now, fields)])
