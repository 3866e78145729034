"""Namespace: Active on create, the ``kubernetes`` finalizer, Terminating on delete; the namespace
controller (controllers/namespace.py) empties it and then lets it go."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from ..errors import Cause, conflict, forbidden
from ..patch import schemas as patch_schemas
from ..schemas import core as wire
from . import printing as p
from . import validation as v
from .base import Obj, ResourceType, Strategy, Subresource
from .subresources import STATUS

PROTECTED = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"


def _prepare_finalize(rt: ResourceType, new: Obj, old: Obj) -> None:
    """PUT /finalize changes spec.finalizers and nothing else."""
    finalizers = (new.get("spec") or {}).get("finalizers") or []
    for key in list(new):
        if key not in ("kind", "apiVersion"):
            del new[key]
    new.update({k: copy.deepcopy(val) for k, val in old.items() if k not in ("kind", "apiVersion")})
    new.setdefault("spec", {})["finalizers"] = list(finalizers)


def _validate_finalize(rt: ResourceType, new: Obj, old: Obj) -> list[Cause]:
    causes = []
    for i, fin in enumerate(new["spec"]["finalizers"]):
        if not isinstance(fin, str) or v.qualified_name(fin):
            causes.append(Cause.invalid(f"spec.finalizers[{i}]", fin, "name is neither a standard finalizer "
                                        "name nor is it fully qualified"))
    return causes


FINALIZE = Subresource("finalize", ("update",), prepare=_prepare_finalize, validate=_validate_finalize)


class NamespaceStrategy(Strategy):
    name_validator = staticmethod(v.dns1123_label)
    returns_deleted_object = True

    def default(self, obj: Obj) -> None:
        meta = obj.setdefault("metadata", {})
        labels = meta.get("labels") or {}
        labels[NAME_LABEL] = meta.get("name", "")
        meta["labels"] = labels
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            spec = obj["spec"] = {}
        if not meta.get("deletionTimestamp") and "finalizers" not in spec:
            spec["finalizers"] = ["kubernetes"]
        obj.setdefault("status", {"phase": "Active"})

    def prepare_for_create(self, obj: Obj) -> None:
        obj["status"] = {"phase": "Active"}
        obj["spec"] = {"finalizers": ["kubernetes"]}

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        new["spec"] = dict(old.get("spec") or {})  # spec.finalizers changes only via /finalize

    def validate(self, obj: Obj) -> list[Cause]:
        causes = []
        meta = obj.get("metadata", {})
        if meta.get("labels", {}).get(NAME_LABEL) != meta.get("name"):
            causes.append(Cause.invalid(f"metadata.labels[{NAME_LABEL}]", meta.get("labels", {}).get(NAME_LABEL),
                                        "must match the namespace name"))
        phase = (obj.get("status") or {}).get("phase")
        if phase not in (None, "Active", "Terminating"):
            causes.append(Cause.not_supported("status.phase", phase, ["Active", "Terminating"]))
        return causes

    def validate_status_update(self, new: Obj, old: Obj) -> list[Cause]:
        return self.validate(new)

    def blocks_deletion(self, obj: Obj) -> bool:
        return super().blocks_deletion(obj) or bool((obj.get("spec") or {}).get("finalizers"))

    def after_delete_request(self, obj: Obj) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"

    def check_delete(self, rt: ResourceType, obj: Obj) -> None:
        name = obj["metadata"]["name"]
        if name in PROTECTED:
            raise forbidden("namespaces", name, "this namespace may not be deleted")
        if obj["metadata"].get("deletionTimestamp"):
            raise conflict("namespaces", name, "The system is ensuring all content is removed from this "
                           "namespace.  Upon completion, this namespace will automatically be purged by the system.")


def _namespace_row(obj: Obj, now: datetime) -> list[Any]:
    meta = p.meta(obj)
    return [meta.get("name", ""), (obj.get("status") or {}).get("phase", ""), p.age(meta.get("creationTimestamp"), now)]


PRINTER = p.Printer((
    p.NAME,
    p.Column('Status', 'The status of the namespace'),
    p.AGE,
), _namespace_row)


NAMESPACES = ResourceType(
    subresources=(STATUS, FINALIZE),
    wire_schema=wire.Namespace(),
    printer=PRINTER,
    kind="Namespace",
    plural="namespaces",
    singular="namespace",
    namespaced=False,
    short_names=("ns",),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    strategy=NamespaceStrategy(),
    patch_schema=patch_schemas.NAMESPACE,
    extra_fields={"status.phase": lambda o: (o.get("status") or {}).get("phase", "")},
)
