"""Snapshots: GET /mock/snapshot exports every live object, the allocations and side indexes; POST
/mock/snapshot (and ``--load`` of such a file) replaces the whole state with one, in one transaction.

Format. JSON: a ``v1`` ``List`` whose items carry apiVersion and kind, plus a top-level
``allocations`` array of ``{pool, value, owner}`` (what makes a List a snapshot); side-index entries
ride in it as pool ``<index>:<key>`` (``<index>`` when the key is empty), as when they were pools. YAML: one document
per object, then a final ``{apiVersion: mockapi.dev/v1, kind: Allocations, allocations: [...]}``.
Objects are restored as exported (uid, creationTimestamp, generation, managedFields, status ...);
only resourceVersions are new (the revision counter never goes back). No Flask here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import yaml

from .. import _json
from ..allocators import allocators_for
from ..allocators.repair import repair
from ..config import Config
from ..controllers import SIDE_INDEXES, gc
from ..errors import Cause, bad_request, invalid
from ..registry import objectmeta
from ..registry.base import Obj, ResourceType
from ..registry.rest import Registry, Txn
from ..storage import allocations as allocation_rows
from ..storage import indexes, store
from .bootstrap import SYSTEM_NAMESPACES, initial_state
from .reset import Phase, live_count, run_phases, wipe

API_VERSION = "mockapi.dev/v1"
ALLOCATIONS_KIND = "Allocations"
_LIMITS = {"pool": 64, "value": 64, "owner": 400}  # the allocations table's column sizes


class YAMLLoader(yaml.SafeLoader):
    """YAML as Kubernetes reads it (sigs.k8s.io/yaml): timestamps stay strings."""


YAMLLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Snapshot:
    items: list[Any]
    allocations: list[Any] | None  # None: not given; the repair pass and the gc index rebuild them


# -- export -------------------------------------------------------------------------------------------

def export(registry: Registry) -> dict[str, Any]:
    """Every live object (kinds in registry order, then namespace and name) and every allocation, read
    in one snapshot."""
    with registry.db.read() as conn:
        revision = store.current_revision(conn)
        items = [row.obj() for key in registry.resources for row in store.list_rows(conn, key)]
        rows = allocation_rows.all_allocations(conn) + [(f"{n}:{k}" if k else n, v, h)
                                                        for n, k, v, h in indexes.all_entries(conn)]
        allocations = [{"pool": p, "value": v, "owner": o} for p, v, o in sorted(rows, key=lambda r: r[:2])]
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": str(revision)},
            "items": items, "allocations": allocations}


def to_yaml(doc: dict[str, Any]) -> str:
    """Multi-document YAML: the objects, then the allocations document."""
    tail = {"apiVersion": API_VERSION, "kind": ALLOCATIONS_KIND, "metadata": dict(doc.get("metadata") or {}),
            "allocations": doc.get("allocations") or []}
    return str(yaml.safe_dump_all([*doc["items"], tail], sort_keys=False))


# -- parsing ------------------------------------------------------------------------------------------

def load_documents(data: bytes | str, is_yaml: bool) -> list[Any]:
    """The documents of a JSON body (one) or a YAML stream (empty documents dropped); 400 when malformed."""
    try:
        if not is_yaml:
            return [_json.loads(data)]
        return [d for d in yaml.load_all(data, Loader=YAMLLoader) if d is not None]  # a SafeLoader subclass
    except _json.JSONDecodeError as exc:
        raise bad_request(f"error decoding the snapshot: invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise bad_request(f"error decoding the snapshot: invalid YAML: {exc}") from None
    except (RecursionError, ValueError) as exc:
        raise bad_request(f"error decoding the snapshot: {type(exc).__name__}: nesting too deep") from None


def _is_allocations(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("apiVersion") == API_VERSION and doc.get("kind") == ALLOCATIONS_KIND


def _is_list(doc: Any) -> bool:
    return isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") and "items" in doc


def is_snapshot(docs: list[Any]) -> bool:
    """A List with a top-level ``allocations`` field, or a stream with an Allocations document."""
    return any(_is_allocations(d) or (_is_list(d) and "allocations" in d) for d in docs)


def from_documents(docs: list[Any]) -> Snapshot:
    """A Snapshot from parsed documents (a List, or one object per document); 400 for the wrong shape."""
    items: list[Any] = []
    allocations: list[Any] | None = None
    for doc in docs:
        if not isinstance(doc, dict):
            raise bad_request("a snapshot is a v1 List (or YAML documents of objects), got a "
                              f"{type(doc).__name__}")
        if _is_allocations(doc) or (_is_list(doc) and "allocations" in doc):
            if allocations is not None:
                raise bad_request("a snapshot has one allocations table, this one has several")
            allocations = doc.get("allocations")
            if not isinstance(allocations, list):
                raise bad_request("allocations: must be an array of {pool, value, owner}")
        if _is_allocations(doc):
            continue
        if _is_list(doc):
            if not isinstance(doc["items"], list):
                raise bad_request("items: must be an array of objects")
            items.extend(doc["items"])
        elif "kind" in doc or "metadata" in doc:
            items.append(doc)
        else:
            raise bad_request("a snapshot is a v1 List with items (and allocations), as GET /mock/snapshot "
                              "answers")
    return Snapshot(items, allocations)


# -- validation ---------------------------------------------------------------------------------------

def _resource_of(registry: Registry, obj: dict[str, Any]) -> ResourceType | None:
    return next((rt for rt in registry.resources.values()
                 if rt.kind == obj.get("kind") and rt.api_version == obj.get("apiVersion")), None)


# written by the server itself, directly (as upstream's endpoint reconciler): its loopback address would
# not pass the API's validation
_SERVER_OWN = {("Endpoints", "default", "kubernetes"), ("EndpointSlice", "default", "kubernetes")}


def _item_causes(rt: ResourceType, obj: Obj, path: str) -> list[Cause]:
    meta = obj["metadata"]
    try:
        rt.strategy.default(obj)
        causes = objectmeta.validate(rt, obj)
        if (rt.kind, meta.get("namespace", ""), meta["name"]) not in _SERVER_OWN:
            causes += rt.strategy.validate(obj)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        return [Cause.invalid(path, obj.get("kind"), f"cannot be decoded as a {rt.kind}: {exc}")]
    return [Cause({**c, "field": f"{path}.{c['field']}" if c.get("field") else path}) for c in causes]


def prepare(registry: Registry, snapshot: Snapshot) -> tuple[list[tuple[ResourceType, Obj]], list[tuple[str, str, str]] | None]:
    """Check every item and allocation before anything is written: 422 with a cause per problem
    (field paths ``items[i]...`` / ``allocations[i]...``). Returns what restore writes."""
    causes: list[Cause] = []
    out: list[tuple[ResourceType, Obj]] = []
    seen: set[tuple[str, str, str]] = set()
    namespaces = set(SYSTEM_NAMESPACES) | {
        (i.get("metadata") or {}).get("name") for i in snapshot.items
        if isinstance(i, dict) and i.get("kind") == "Namespace" and isinstance(i.get("metadata"), dict)}
    for i, item in enumerate(snapshot.items):
        path = f"items[{i}]"
        if not isinstance(item, dict):
            causes.append(Cause.invalid(path, item, "must be an object"))
            continue
        rt = _resource_of(registry, item)
        if rt is None:
            causes.append(Cause.invalid(f"{path}.kind", item.get("kind"), f'no kind "{item.get("kind")}" is '
                                        f'registered for version "{item.get("apiVersion")}"'))
            continue
        obj = copy.deepcopy(item)
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta.get("name"):
            causes.append(Cause.required(f"{path}.metadata.name"))
            continue
        ns = meta.get("namespace") or ""
        if rt.namespaced and not isinstance(ns, str) or rt.namespaced and not ns:
            causes.append(Cause.required(f"{path}.metadata.namespace"))
            continue
        if not rt.namespaced and ns:
            causes.append(Cause.forbidden(f"{path}.metadata.namespace", "not allowed on this type"))
            continue
        if rt.namespaced and ns not in namespaces:
            causes.append(Cause.invalid(f"{path}.metadata.namespace", ns, "namespace not found in the snapshot"))
            continue
        key = (rt.key, ns, meta["name"])
        if key in seen:
            causes.append(Cause.duplicate(path, f"{rt.kind} {ns + '/' if ns else ''}{meta['name']}"))
            continue
        seen.add(key)
        meta.pop("resourceVersion", None)
        meta.pop("selfLink", None)
        if not meta.get("uid"):
            meta["uid"] = objectmeta.new_uid()
        if not meta.get("creationTimestamp"):
            meta["creationTimestamp"] = objectmeta.now()
        item_causes = _item_causes(rt, obj, path)
        causes += item_causes
        if not item_causes:
            out.append((rt, objectmeta.canonical(obj)))
    allocations = None if snapshot.allocations is None else _allocations(snapshot.allocations, causes)
    if causes:
        raise invalid("Snapshot", "snapshot", causes, "mockapi.dev")
    return out, allocations


def _allocations(rows: list[Any], causes: list[Cause]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows):
        path = f"allocations[{i}]"
        if not isinstance(row, dict):
            causes.append(Cause.invalid(path, row, "must be an object with pool, value and owner"))
            continue
        bad = False
        for field, limit in _LIMITS.items():
            value = row.get(field)
            if not isinstance(value, str) or not value:
                causes.append(Cause.required(f"{path}.{field}"))
                bad = True
            elif len(value) > limit:
                causes.append(Cause.too_long(f"{path}.{field}", value, limit))
                bad = True
        if bad:
            continue
        if (row["pool"], row["value"]) in seen:
            causes.append(Cause.duplicate(path, f"{row['pool']} {row['value']}"))
            continue
        seen.add((row["pool"], row["value"]))
        out.append((row["pool"], row["value"], row["owner"]))
    return out


# -- restore ------------------------------------------------------------------------------------------

def restore_phase(registry: Registry, config: Config, snapshot: Snapshot, summary: dict[str, Any] | None = None) -> Phase:
    """Validate now (raises 400/422 before anything is written); the returned phase replaces the
    state: wipe, the items as they are (no Changes: controllers do not rewrite a restored state),
    the allocations (or, when absent, rebuilt by the repair pass and the gc owner index), the
    initial objects the snapshot lacks, then each controller's resync (as a restarted server)."""
    items, allocations = prepare(registry, snapshot)
    out = summary if summary is not None else {}

    def phase(txn: Txn) -> None:
        out["deleted"] = wipe(txn)
        for rt, obj in items:
            meta = obj["metadata"]
            try:
                store.create(txn.conn, rt.key, meta.get("namespace", "") if rt.namespaced else "", meta["name"],
                             copy.deepcopy(obj))
            except store.Exists:  # (prepare refused duplicates; kept as a Status, never a 500)
                raise bad_request(f"{rt.kind} {meta['name']} appears twice in the snapshot") from None
        if allocations is not None:
            pools = [row for row in allocations if row[0].partition(":")[0] not in SIDE_INDEXES]
            entries = [(*row[0].partition(":")[::2], *row[1:]) for row in allocations
                       if row[0].partition(":")[0] in SIDE_INDEXES]
            allocation_rows.replace_allocations(txn.conn, pools)
            indexes.replace_all(txn.conn, entries)
        else:
            repair(txn.conn, allocators_for(config.service_cidr, config.node_port_range, config.lb_pool))
            for rt, obj in items:
                gc.index(txn.conn, rt, None, obj)
        initial_state(txn, config)
        if registry.controllers_enabled and not txn.dry_run:
            for controller in registry.controllers:
                controller.resync(txn)
        out["restored"] = len(items)
        out["allocations"] = len(allocations) if allocations is not None else None

    return phase


def restore(registry: Registry, config: Config, snapshot: Snapshot, *, dry_run: bool = False) -> dict[str, Any]:
    """POST /mock/snapshot: replace the whole state with ``snapshot`` in one transaction."""
    summary: dict[str, Any] = {}
    phase = restore_phase(registry, config, snapshot, summary)

    def finish(txn: Txn) -> None:
        summary["objects"] = live_count(txn)
        summary["revision"] = store.current_revision(txn.conn)

    run_phases(registry, [phase, finish], dry_run=dry_run)
    return {"kind": "RestoreResult", "apiVersion": API_VERSION, "dryRun": dry_run, **summary}
