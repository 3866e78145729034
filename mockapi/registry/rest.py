"""The generic registry (Kubernetes' genericregistry.Store): every verb for every kind.

Owns the write path: metadata, strategy hooks, validation, compare-and-swap storage, finalizers and
deletion, dry-run, and running controllers inside the same transaction. Translates Store
exceptions into StatusErrors exactly once. No Flask here.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar, cast

from .. import randomness
from ..errors import (
    StatusError,
    already_exists,
    bad_request,
    conflict,
    forbidden,
    invalid,
    not_found,
    stale_resource_version,
    too_large_resource_version,
)
from ..patch import managedfields
from ..storage import Conn as Connection  # (the storage layer's name for a connection)
from ..storage import store
from ..storage.engine import Database
from . import objectmeta
from .base import Obj, ResourceType

T = TypeVar("T")


@dataclass
class Change:
    """One write inside a transaction: what controllers react to."""

    rt: ResourceType
    old: Obj | None  # None on create
    new: Obj | None  # None on delete (final state is in ``old``)
    manager: str = ""  # the controller that made the write ("" for API clients)


@contextlib.contextmanager
def decoding(rt: ResourceType) -> Iterator[None]:
    """Values of the wrong JSON type deep inside an object (a string where Kubernetes has a struct)
    are decoding errors: 400, in the Go decoder's words, never a 500."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: json: cannot '
                          f"unmarshal a value of the wrong type ({exc})") from None


class _DryRun(Exception):
    def __init__(self, result: Any) -> None:
        self.result = result


if TYPE_CHECKING:  # (controllers sit above the registry: the protocol is only named here)
    from .controller import Controller


@dataclass
class Txn:
    """A write transaction: the connection plus the changes made so far. Controllers write
    through it, so validation, revisions and history apply to their writes too."""

    conn: Connection
    registry: "Registry"
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False  # the transaction will be rolled back: answers carry no new resourceVersion
    memo: dict[Any, Any] = field(default_factory=dict)  # per-transaction results controllers share

    # -- primitive writes (no validation beyond the store's) --------------------------------
    def insert(self, rt: ResourceType, obj: Obj) -> Obj:
        obj = objectmeta.canonical(obj)
        meta = obj["metadata"]
        try:
            store.create(self.conn, rt.key, meta.get("namespace", ""), meta["name"], obj)
        except store.Exists:
            raise already_exists(rt.plural, meta["name"], rt.group) from None
        self.changes.append(Change(rt, None, obj))
        if self.dry_run:
            obj = copy.deepcopy(obj)
            obj["metadata"].pop("resourceVersion", None)
        return obj

    def replace(self, rt: ResourceType, new: Obj, old: Obj) -> Obj:
        """Store ``new`` over ``old`` (compare-and-swap on old's resourceVersion); removes the
        object instead when it is being deleted and its last finalizer just went."""
        new = objectmeta.canonical(new)
        meta = new["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        expected = int(old["metadata"]["resourceVersion"])
        if meta.get("deletionTimestamp") and not rt.strategy.blocks_deletion(new):
            # the last finalizer went: the object is deleted instead of updated, one DELETED event
            # carrying the new state (the apiserver's errEmptiedFinalizers path)
            return self.remove(rt, new, expected)
        try:
            store.update_(self.conn, rt.key, ns, name, expected, new)
        except store.Stale:
            raise stale_resource_version(rt.plural, name, rt.group) from None
        except store.Missing:
            raise not_found(rt.plural, name, rt.group) from None
        self.changes.append(Change(rt, old, new))
        if self.dry_run:
            new = copy.deepcopy(new)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return new

    def remove(self, rt: ResourceType, obj: Obj, expected_rev: int) -> Obj:
        meta = obj["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        old = copy.deepcopy(obj)
        try:
            store.delete_(self.conn, rt.key, ns, name, expected_rev, obj)
        except store.Stale:
            raise stale_resource_version(rt.plural, name, rt.group) from None
        except store.Missing:
            raise not_found(rt.plural, name, rt.group) from None
        rt.strategy.after_remove(self, obj)
        self.changes.append(Change(rt, old, None))
        return obj

    def get(self, rt: ResourceType, namespace: str, name: str) -> Obj | None:
        row = store.get(self.conn, rt.key, namespace if rt.namespaced else "", name)
        return row.obj() if row else None

    # -- controller writes: the full write path (defaults, validation, hooks) ------------------
    def apply_create(self, rt: ResourceType, namespace: str, body: Obj, *, manager: str = "") -> Obj:
        """Create as an API client would (NamespaceLifecycle, defaults, validation, generateName
        retries); the Change is tagged with ``manager`` so a controller can skip its own writes."""
        if rt.namespaced:
            self.registry.namespace_state(self.conn, namespace, rt, (body.get("metadata") or {}).get("name") or "")
        obj, generated = self.registry.prepare_create(rt, namespace, body)
        return self._tag(self.registry.insert_new(self, rt, namespace, obj, generated), manager)

    def apply_update(self, rt: ResourceType, new: Obj, old: Obj, *, manager: str = "",
                     subresource: str = "") -> Obj:
        """Update ``old`` to ``new`` through the strategy (a no-op write stores nothing)."""
        before = len(self.changes)
        out = self.registry._apply_update(self, rt, copy.deepcopy(new), old, subresource)
        return self._tag(out, manager) if len(self.changes) > before else out

    def apply_delete(self, rt: ResourceType, obj: Obj, *, manager: str = "") -> tuple[Obj, bool]:
        before = len(self.changes)
        out = self.delete(rt, obj)
        if len(self.changes) > before:
            self._tag(out[0], manager)
        return out

    def _tag(self, obj: Obj, manager: str) -> Obj:
        if manager and self.changes:
            self.changes[-1].manager = manager
        return obj

    # -- deletion semantics ------------------------------------------------------------------
    def delete(self, rt: ResourceType, obj: Obj, *, grace_period: int | None = None) -> tuple[Obj, bool]:
        """Remove the object, or, while finalizers hold it, mark it with deletionTimestamp.
        Returns (object, removed?)."""
        meta = obj["metadata"]
        grace = rt.strategy.deletion_grace(self, obj, grace_period)
        if grace > 0:  # graceful (pods on a node): terminating until the period ends; only shortened
            current = meta.get("deletionGracePeriodSeconds")
            if meta.get("deletionTimestamp") and current is not None and current <= grace:
                return obj, False
            new = copy.deepcopy(obj)
            new["metadata"]["deletionTimestamp"] = objectmeta.later(grace)
            new["metadata"]["deletionGracePeriodSeconds"] = grace
            rt.strategy.after_delete_request(new)
            return self.replace(rt, new, obj), False
        if meta.get("deletionGracePeriodSeconds"):  # grace 0 ends a graceful period now
            new = copy.deepcopy(obj)
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if not rt.strategy.blocks_deletion(new):
                return self.remove(rt, new, int(meta["resourceVersion"])), True
            return self.replace(rt, new, obj), False
        if not rt.strategy.blocks_deletion(obj):
            return self.remove(rt, obj, int(meta["resourceVersion"])), True
        if meta.get("deletionTimestamp"):
            return obj, False
        new = copy.deepcopy(obj)
        new["metadata"]["deletionTimestamp"] = objectmeta.now()
        new["metadata"]["deletionGracePeriodSeconds"] = 0
        rt.strategy.after_delete_request(new)
        return self.replace(rt, new, obj), False


def with_orphan_finalizer(obj: Obj, options: Obj) -> Obj:
    """propagationPolicy Orphan (or the legacy orphanDependents) adds the ``orphan`` finalizer, which
    the garbage collector removes once it has taken the ownerReferences off the dependents.
    Foreground is treated as Background (dependents go after the owner, not before)."""
    policy = options.get("propagationPolicy")
    orphan = policy == "Orphan" or (policy is None and options.get("orphanDependents") is True)
    meta = obj["metadata"]
    if not orphan or meta.get("deletionTimestamp") or "orphan" in (meta.get("finalizers") or []):
        return obj
    new = copy.deepcopy(obj)
    new["metadata"]["finalizers"] = [*(meta.get("finalizers") or []), "orphan"]
    return new


class Registry:
    """Entry point for every API verb. One instance per app; thread-safe."""

    def __init__(self, db: Database, resources: Iterable[ResourceType],
                 on_commit: Callable[[], None] | None = None, config: Any = None) -> None:
        self.db = db
        self.config = config  # mockapi.config.Config: strategies and allocators read their pools here
        self.resources = {rt.key: rt for rt in resources}
        self.controllers: list[Controller] = []
        self.controllers_enabled = True
        self.on_commit = on_commit
        self._writes = 0
        self.history_window = 20000
        self.sources = randomness.Sources()  # this server's uids, names and allocation scans
        self.maintenance: list[Callable[[Txn], Any]] = []  # run with compaction, every 500 writes

    # -- transactions ------------------------------------------------------------------------
    def write(self, fn: Callable[[Txn], T], *, dry_run: bool = False) -> T:
        """Run ``fn`` in one write transaction, then controllers, then commit (or roll back for
        dry-run). Returns fn's result."""
        try:
            with randomness.using(self.sources), self.db.write() as conn:
                txn = Txn(conn, self, dry_run=dry_run)
                result = fn(txn)
                if self.controllers_enabled and not dry_run:
                    self.run_controllers(txn)
                if dry_run:
                    raise _DryRun(result)
                self._writes += 1
                if self._writes % 500 == 0:
                    for job in self.maintenance:
                        job(txn)
                    store.compact(conn, self.history_window)
        except _DryRun as dr:
            return cast(T, dr.result)
        if self.on_commit is not None:
            self.on_commit()
        return result

    def reconcile_all(self) -> dict[str, Any]:
        """POST /mock/reconcile: every controller resyncs (all its keys once), then the usual
        controller loop settles what those writes triggered. Returns a summary per controller that
        reported one."""
        def do(txn: Txn) -> dict[str, Any]:
            summary: dict[str, Any] = {}
            for controller in self.controllers:
                result = controller.resync(txn)
                if result is not None:
                    summary[controller.name] = result
            if not self.controllers_enabled:  # (when enabled, write() runs them anyway)
                self.run_controllers(txn)
            return {"controllers": summary, "writes": len(txn.changes)}

        return self.write(do)

    def run_controllers(self, txn: Txn) -> None:
        seen = 0
        for _ in range(50):  # controllers react to each other's writes; bounded fan-out
            batch = txn.changes[seen:]
            if not batch:
                return
            seen = len(txn.changes)
            for controller in self.controllers:  # (registry.controller.Controller)
                for key in sorted(controller.keys_for(txn, batch)):  # type: ignore[type-var]
                    controller.reconcile(txn, key)

    # -- reads --------------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str, name: str, not_older_than: int | None = None) -> store.Row:
        with (self.db.read() if not_older_than is not None else self.db.read_one()) as conn:
            row = store.get(conn, rt.key, namespace if rt.namespaced else "", name)
            if not_older_than is not None:
                current = store.current_revision(conn)
                if not_older_than > current:
                    raise too_large_resource_version(not_older_than, current)
        if row is None:
            raise not_found(rt.plural, name, rt.group)
        return row

    def namespace_state(self, conn: Connection, namespace: str, rt: ResourceType, name: str) -> None:
        """404 for a missing namespace, 403 for a Terminating one (NamespaceLifecycle admission)."""
        row = store.get(conn, "namespaces", "", namespace)
        if row is None:
            raise not_found("namespaces", namespace)
        ns = row.obj()
        if ns["metadata"].get("deletionTimestamp"):
            err = forbidden(rt.plural, name, f"unable to create new content in namespace {namespace} because it "
                            "is being terminated", rt.group)
            assert err.details is not None
            err.details["causes"] = [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                      "message": f"namespace {namespace} is being terminated"}]
            raise err

    # -- writes -------------------------------------------------------------------------------
    def prepare_create(self, rt: ResourceType, namespace: str, body: Obj,
                       who: managedfields.Manager | None = None) -> tuple[Obj, bool]:
        """Metadata, defaults and validation of a new object (no storage yet)."""
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and body_ns != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
        generated = not meta.get("name") and bool(meta.get("generateName"))
        with decoding(rt):
            objectmeta.fill_for_create(rt, obj, namespace)
            rt.strategy.default(obj)
            rt.strategy.prepare_for_create(obj)
            causes = objectmeta.validate(rt, obj) + rt.strategy.validate(obj)
        if causes:
            raise invalid(rt.kind, meta.get("name") or meta.get("generateName", ""), causes, rt.group)
        managedfields.record_create(rt, obj, body, who, objectmeta.now())
        return obj, generated

    def insert_new(self, txn: Txn, rt: ResourceType, namespace: str, obj: Obj, generated: bool) -> Obj:
        for attempt in range(8):
            try:
                rt.strategy.before_store(txn, obj, None)
                return txn.insert(rt, obj)
            except StatusError as err:
                if err.reason != "AlreadyExists" or not generated or attempt == 7:
                    raise
                obj["metadata"]["name"] = objectmeta.generate_name(obj["metadata"]["generateName"])
        raise AssertionError("unreachable")

    def create(self, rt: ResourceType, namespace: str, body: Obj, *, dry_run: bool = False,
               manager: managedfields.Manager | None = None) -> Obj:
        def do(txn: Txn) -> Obj:
            if rt.namespaced:  # NamespaceLifecycle admission runs before validation
                self.namespace_state(txn.conn, namespace, rt, (body.get("metadata") or {}).get("name") or "")
            obj, generated = self.prepare_create(rt, namespace, body, manager)
            return self.insert_new(txn, rt, namespace, obj, generated)

        return self.write(do, dry_run=dry_run)

    def update(self, rt: ResourceType, namespace: str, name: str, body: Obj, *, subresource: str = "",
               dry_run: bool = False, manager: managedfields.Manager | None = None) -> tuple[Obj, bool]:
        """PUT: replace the object (or its status) under optimistic concurrency; returns (object,
        created?) since kinds that allow create-on-update create a missing object."""
        meta = body.get("metadata") or {}
        if (meta.get("name") or "") != name:  # checkName: an absent name does not match either
            raise bad_request(f"the name of the object ({meta.get('name') or ''}) does not match the name on the "
                              f"URL ({name})")
        if rt.namespaced and meta.get("namespace") and meta["namespace"] != namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                              "request")

        def do(txn: Txn) -> tuple[Obj, bool]:
            old = txn.get(rt, namespace, name)
            if old is None:
                if rt.strategy.allow_create_on_update and not subresource:
                    fresh = copy.deepcopy(body)
                    fresh.setdefault("metadata", {})["name"] = name
                    self.namespace_state(txn.conn, namespace, rt, name)
                    obj, _ = self.prepare_create(rt, namespace, fresh, manager)
                    return self.insert_new(txn, rt, namespace, obj, False), True
                raise not_found(rt.plural, name, rt.group)
            new = copy.deepcopy(body)
            new.setdefault("metadata", {})
            new["metadata"]["name"] = name
            rv = new["metadata"].get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise stale_resource_version(rt.plural, name, rt.group)
            return self._apply_update(txn, rt, new, old, subresource, manager), False

        return self.write(do, dry_run=dry_run)

    def patch(self, rt: ResourceType, namespace: str, name: str, patcher: Callable[[Obj], Obj], *,
              subresource: str = "", dry_run: bool = False, manager: managedfields.Manager | None = None) -> Obj:
        """PATCH: ``patcher`` turns the current object into the desired one (raises 4xx itself)."""

        def do(txn: Txn) -> Obj:
            old = txn.get(rt, namespace, name)
            if old is None:
                raise not_found(rt.plural, name, rt.group)
            new = patcher(copy.deepcopy(old))
            if not isinstance(new, dict):
                raise bad_request("the patch produced an object that is not a JSON object")
            new_meta = new.get("metadata")
            if not isinstance(new_meta, dict):
                new_meta = new["metadata"] = {}
            if new_meta.get("name") != name:
                if new_meta.get("name"):
                    raise bad_request(f"the name of the object ({new_meta['name']}) does not match the name on "
                                      f"the URL ({name})")
                new_meta["name"] = name
            rv = new_meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise stale_resource_version(rt.plural, name, rt.group)
            return self._apply_update(txn, rt, new, old, subresource, manager)

        return self.write(do, dry_run=dry_run)

    def _apply_update(self, txn: Txn, rt: ResourceType, new: Obj, old: Obj, subresource: str,
                      who: managedfields.Manager | None = None) -> Obj:
        new.setdefault("metadata", {})
        uid = new["metadata"].get("uid")
        if uid and uid != old["metadata"]["uid"]:
            raise conflict(rt.plural, old["metadata"]["name"], f"Precondition failed: UID in precondition: {uid}, "
                           f"UID in object meta: {old['metadata']['uid']}", rt.group)
        if rt.namespaced:
            new["metadata"]["namespace"] = new["metadata"].get("namespace") or old["metadata"]["namespace"]
        with decoding(rt):
            objectmeta.carry_for_update(rt, new, old)
            sub = rt.subresource(subresource) if subresource else None
            if sub is not None and sub.prepare is not None and sub.validate is not None:
                sub.prepare(rt, new, old)  # an object-shaped subresource (status, finalize)
                causes = sub.validate(rt, new, old)
            else:
                rt.strategy.prepare_for_update(new, old)
                rt.strategy.default(new)
                causes = objectmeta.validate_update(rt, new, old) + rt.strategy.validate_update(new, old)
        if causes:
            raise invalid(rt.kind, new["metadata"]["name"], causes, rt.group)
        managedfields.record(rt, new, old, who, subresource, objectmeta.now())
        objectmeta.bump_generation(rt, new, old)
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:  # (dict equality: key order is not a change)
            return old  # a no-op write does not bump the resourceVersion, as in Kubernetes
        rt.strategy.before_store(txn, new, old)
        return txn.replace(rt, new, old)

    def delete(self, rt: ResourceType, namespace: str, name: str, options: Obj | None = None, *,
               dry_run: bool = False) -> tuple[Obj, bool]:
        options = options or {}
        grace = options.get("gracePeriodSeconds")
        pre = options.get("preconditions") or {}

        def do(txn: Txn) -> tuple[Obj, bool]:
            obj = txn.get(rt, namespace, name)
            if obj is None:
                raise not_found(rt.plural, name, rt.group)
            meta = obj["metadata"]
            if pre.get("uid") and pre["uid"] != meta.get("uid"):
                raise conflict(rt.plural, name, f"Precondition failed: UID in precondition: {pre['uid']}, "
                               f"UID in object meta: {meta.get('uid')}", rt.group)
            if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
                raise conflict(rt.plural, name, "Precondition failed: ResourceVersion in precondition: "
                               f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                               f"{meta.get('resourceVersion')}", rt.group)
            rt.strategy.check_delete(rt, obj)
            return txn.delete(rt, with_orphan_finalizer(obj, options), grace_period=grace)

        return self.write(do, dry_run=dry_run)

    def delete_collection(self, rt: ResourceType, namespace: str | None, rows: list[store.Row],
                          options: Obj | None = None, *, dry_run: bool = False) -> list[Obj]:
        grace = (options or {}).get("gracePeriodSeconds")

        def do(txn: Txn) -> list[Obj]:
            out = []
            for row in rows:
                obj = txn.get(rt, row.namespace, row.name)
                if obj is None:
                    continue
                out.append(txn.delete(rt, with_orphan_finalizer(obj, options or {}), grace_period=grace)[0])
            return out

        return self.write(do, dry_run=dry_run)
