"""ResourceType descriptors, Subresource declarations and the Strategy base class (Kubernetes'
rest.RESTCreateStrategy et al.). A kind is one ResourceType: names, scope, wire schema, strategy,
printer, patch metadata, subresources and selectable fields. Pure: no storage, no Flask.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from marshmallow import Schema

from ..errors import Cause
from . import printing
from . import validation as v

Obj = dict[str, Any]


class Strategy:
    """Per-kind hooks, called by the generic write path in ``registry.rest``."""

    #: kinds with a status subresource: main-resource writes keep the stored status
    has_status: bool = True
    #: bump metadata.generation when anything but metadata/status changes
    tracks_generation: bool = False
    #: PUT of a missing object creates it (Kubernetes' AllowCreateOnUpdate)
    allow_create_on_update: bool = False
    #: DELETE answers with the deleted object (ReturnDeletedObject) rather than a Status
    returns_deleted_object: bool = False
    #: which validator checks metadata.name
    name_validator: Callable[[str], list[str]] = staticmethod(v.dns1123_subdomain)

    def default(self, obj: Obj) -> None:
        """Fill defaults in place (create and update)."""

    def prepare_for_create(self, obj: Obj) -> None:
        """Reset what clients may not set on create (status, by default)."""
        if self.has_status:
            obj["status"] = self.initial_status(obj)

    def initial_status(self, obj: Obj) -> Obj:
        return {}

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        """A write to the main resource never changes status."""
        if self.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)

    #: metadata fields a /status write may not change (the core kinds' status strategies reset
    #: only spec; apps-style kinds would list labels etc. here, as metav1.ResetObjectMetaForStatus)
    status_resets_metadata: tuple[str, ...] = ()

    def prepare_for_status_update(self, new: Obj, old: Obj) -> None:
        """A write to /status keeps the stored spec (and whatever else is not status or metadata)."""
        for key, value in old.items():
            if key not in ("metadata", "status", "kind", "apiVersion"):
                new[key] = copy.deepcopy(value)
        for key in list(new):
            if key not in old and key not in ("metadata", "status", "kind", "apiVersion"):
                del new[key]
        new_meta, old_meta = new.setdefault("metadata", {}), old.get("metadata", {})
        for key in self.status_resets_metadata:
            if key in old_meta:
                new_meta[key] = copy.deepcopy(old_meta[key])
            else:
                new_meta.pop(key, None)

    def validate(self, obj: Obj) -> list[Cause]:
        return []

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        return self.validate(new)

    def validate_status_update(self, new: Obj, old: Obj) -> list[Cause]:
        return []

    def after_delete_request(self, obj: Obj) -> None:
        """Hook for kinds that change state when deletion starts (Namespace: Terminating)."""

    def blocks_deletion(self, obj: Obj) -> bool:
        """True while something must happen before the object may go (finalizers)."""
        return bool(obj.get("metadata", {}).get("finalizers"))

    def deletion_grace(self, txn: Any, obj: Obj, requested: int | None) -> int:
        """Seconds the object stays terminating after a delete request (0: it goes at once, or
        as soon as its finalizers are gone). Only pods on a node have a grace period."""
        return 0

    def check_delete(self, rt: "ResourceType", obj: Obj) -> None:
        """Raise a StatusError to refuse a delete request (e.g. the default namespace)."""

    def before_store(self, txn: Any, new: Obj, old: Obj | None) -> None:
        """Last hook before a create or update is stored, inside the transaction (allocators)."""

    def after_remove(self, txn: Any, obj: Obj) -> None:
        """Called inside the transaction once the object is gone from storage (not when it is only
        marked for deletion): release what it held (allocators)."""


def _name_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", ""))


def _namespace_of(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("namespace", ""))


COMMON_FIELDS: Mapping[str, Callable[[Obj], str]] = {
    "metadata.name": _name_of,
    "metadata.namespace": _namespace_of,
}


SubresourceHook = Callable[["ResourceType", Obj, Obj], Any]


@dataclass(frozen=True)
class Scale:
    """Where a kind keeps what its autoscaling/v1 Scale shows: replicas paths (dotted) and the label
    selector, as a function of the object (apps kinds format spec.selector; CRDs read a path)."""

    spec_replicas: str = "spec.replicas"
    status_replicas: str = "status.replicas"
    selector: Callable[[Obj], str] | None = None


@dataclass(frozen=True)
class Subresource:
    """A subresource served by the generic machinery; ``shape`` says how, never the kind:

    - ``object``: the body is the whole parent object (status, finalize); ``prepare(rt, new, old)``
      keeps what this subresource may not change and ``validate(rt, new, old)`` returns causes;
    - ``scale``: an autoscaling/v1 Scale view of ``scale``'s paths;
    - ``log``: a text view of a pod's container (GET);
    - ``binding``: POST a v1 Binding (assigns the pod to a node);
    - ``eviction``: POST a policy/v1 Eviction (a delete that disruption budgets may refuse).
    """

    name: str
    verbs: tuple[str, ...]
    shape: str = "object"
    prepare: SubresourceHook | None = None
    validate: SubresourceHook | None = None
    scale: Scale | None = None
    #: the kind its body is, when not the parent's: (group, version, kind), as discovery reports it
    #: (kubectl drain looks for pods/eviction as policy/v1 Eviction)
    body_kind: tuple[str, str, str] | None = None

    def response_kind(self, rt: "ResourceType") -> dict[str, str]:
        group, version, kind = self.body_kind or (rt.group, rt.version, rt.kind)
        return {"group": group, "version": version, "kind": kind}


@dataclass(frozen=True)
class ResourceType:
    kind: str
    plural: str
    singular: str
    strategy: Strategy
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    patch_schema: Mapping[str, Any] | None = None
    extra_fields: Mapping[str, Callable[[Obj], str]] = field(default_factory=dict)
    verbs: tuple[str, ...] = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
    #: the wire shape (marshmallow): values of the wrong JSON type are the decoder's 400
    wire_schema: Schema | None = None
    #: Table output (kubectl get): columns and the row function
    printer: printing.Printer = printing.DEFAULT
    #: the decoder's rewrites (resource.Quantity canonical form, base64 []byte, Secret stringData),
    #: collecting parse errors that answer 400 in Go's words
    canonicalize: Callable[[Obj, list[str]], None] | None = None
    subresources: tuple[Subresource, ...] = ()
    #: indexed storage columns derived from a stored object (pods: ``node_name``), registered with the
    #: Database at start-up so storage stays kind-agnostic
    indexed_columns: Callable[[Obj], dict[str, Any]] | None = None
    #: a minimal valid body without metadata (documentation and contract tests); None: {} is valid
    example: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.strategy.has_status != any(s.name == "status" for s in self.subresources):
            raise ValueError(f"{self.kind}: a strategy with has_status={self.strategy.has_status} needs "
                             f"{'a' if self.strategy.has_status else 'no'} status subresource")

    @property
    def key(self) -> str:
        """The storage key of the resource: ``pods``, ``endpointslices.discovery.k8s.io``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    api_version = group_version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)

    @property
    def subresource_verbs(self) -> dict[str, tuple[str, ...]]:
        return {s.name: s.verbs for s in self.subresources}

    @property
    def selectable_fields(self) -> Mapping[str, Callable[[Obj], str]]:
        fields = dict(COMMON_FIELDS)
        if not self.namespaced:
            fields.pop("metadata.namespace")
        fields.update(self.extra_fields)
        return fields

    def field_values(self, obj: Obj) -> dict[str, str]:
        return {name: fn(obj) for name, fn in self.selectable_fields.items()}
