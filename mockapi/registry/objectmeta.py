"""ObjectMeta rules shared by every kind: system fields on create, carried fields on update,
generateName, and ValidateObjectMeta / ValidateObjectMetaUpdate with Kubernetes' wording.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

from .. import randomness
from ..errors import Cause
from . import validation as v
from .base import Obj, ResourceType

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def later(seconds: int) -> str:
    """``now()`` plus ``seconds`` (a graceful deletion's deletionTimestamp)."""
    moment = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    """A version-4 uid from the current runtime's sources (``mockapi.randomness``: seedable)."""
    return str(uuid.UUID(int=randomness.current().names.getrandbits(128), version=4))


def generate_name(prefix: str) -> str:
    rng = randomness.current().names
    return prefix + "".join(rng.choice(_GENERATE_ALPHABET) for _ in range(5))


def fill_for_create(rt: ResourceType, obj: Obj, namespace: str) -> None:
    """rest.FillObjectMetaSystemFields + BeforeCreate: server-owned fields are always ours."""
    meta = obj.setdefault("metadata", {})
    obj["apiVersion"] = rt.api_version
    obj["kind"] = rt.kind
    if rt.namespaced:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = generate_name(meta["generateName"])
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = now()
    for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                "managedFields"):
        meta.pop(key, None)
    if rt.strategy.tracks_generation:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)


def carry_for_update(rt: ResourceType, new: Obj, old: Obj) -> None:
    """rest.BeforeUpdate: fields the client cannot change are taken from the stored object."""
    meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
    new["apiVersion"] = rt.api_version
    new["kind"] = rt.kind
    if not meta.get("uid"):
        meta["uid"] = old_meta["uid"]
    meta["creationTimestamp"] = old_meta["creationTimestamp"]
    for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    meta.pop("selfLink", None)  # managedFields: mockapi.registry.managedfields.record
    if rt.namespaced and not meta.get("namespace"):
        meta["namespace"] = old_meta.get("namespace")


def bump_generation(rt: ResourceType, new: Obj, old: Obj) -> None:
    if not rt.strategy.tracks_generation:
        return
    gen = int(old["metadata"].get("generation") or 1)
    if _spec_of(new) != _spec_of(old):
        gen += 1
    new["metadata"]["generation"] = gen


def _spec_of(obj: Obj) -> dict[str, Any]:
    return {k: val for k, val in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def validate(rt: ResourceType, obj: Obj) -> list[Cause]:
    meta = obj.get("metadata") or {}
    causes: list[Cause] = []
    name = meta.get("name")
    if not name:
        if meta.get("generateName"):
            pass
        else:
            causes.append(Cause.required("metadata.name", "name or generateName is required"))
    else:
        causes += v.causes("metadata.name", name, rt.strategy.name_validator(name))
    if meta.get("generateName"):
        prefix = meta["generateName"]
        # upstream validates the prefix with a trailing "-" stripped, like the name validator
        causes += v.causes("metadata.generateName", prefix, rt.strategy.name_validator(prefix.rstrip("-") or "a"))
    if rt.namespaced:
        ns = meta.get("namespace")
        if not ns:
            causes.append(Cause.required("metadata.namespace"))
        else:
            causes += v.causes("metadata.namespace", ns, v.dns1123_label(ns))
    causes += v.labels_map("metadata.labels", meta.get("labels"))
    causes += v.annotations_map("metadata.annotations", meta.get("annotations"))
    causes += _owner_references(meta.get("ownerReferences") or [])
    seen: set[str] = set()
    for i, fin in enumerate(meta.get("finalizers") or []):
        details = v.qualified_name(fin)
        causes += v.causes(f"metadata.finalizers[{i}]", fin, details)
        if not details and "/" not in fin and fin not in ("kubernetes", "orphan", "foregroundDeletion"):
            causes.append(Cause.invalid(f"metadata.finalizers[{i}]", fin,
                                        "name is neither a standard finalizer name nor is it fully qualified"))
        if fin in seen:
            causes.append(Cause.duplicate(f"metadata.finalizers[{i}]", fin))
        seen.add(fin)
    return causes


def _owner_references(refs: list[Any]) -> list[Cause]:
    """ValidateOwnerReferences: the field path has no index, as upstream."""
    causes: list[Cause] = []
    path = "metadata.ownerReferences"
    controllers = []
    for ref in refs:
        if not isinstance(ref, dict):
            causes.append(Cause.invalid(path, ref, "must be an object"))
            continue
        api_version = str(ref.get("apiVersion") or "")
        if not api_version.split("/")[-1]:
            causes.append(Cause.invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        for key, label in (("kind", "kind"), ("name", "name"), ("uid", "uid")):
            if not ref.get(key):
                causes.append(Cause.invalid(f"{path}.{key}", str(ref.get(key) or ""), f"{label} must not be empty"))
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        causes.append(Cause.invalid(path, refs, "Only one reference can have Controller set to true. Found "
                                    f"\"true\" in references for {' and '.join(controllers)}"))
    return causes


def validate_update(rt: ResourceType, new: Obj, old: Obj) -> list[Cause]:
    meta, old_meta = new["metadata"], old["metadata"]
    causes = validate(rt, new)
    causes += v.immutable("metadata.name", meta.get("name"), old_meta.get("name"))
    causes += v.immutable("metadata.namespace", meta.get("namespace"), old_meta.get("namespace"))
    causes += v.immutable("metadata.uid", meta.get("uid"), old_meta.get("uid"))
    if old_meta.get("deletionTimestamp"):
        added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
        if added:
            shown = ", ".join(f'"{f}"' for f in sorted(added))
            causes.append(Cause.forbidden("metadata.finalizers",
                                          "no new finalizers can be added if the object is being deleted, "
                                          f"found new finalizers []string{{{shown}}}"))
    return causes


_FIRST = ("kind", "apiVersion", "metadata")


def canonical(obj: Obj) -> Obj:
    """Kubernetes' field order at the top level: kind, apiVersion, metadata, ..., status."""
    ordered = {k: obj[k] for k in _FIRST if k in obj}
    ordered.update((k, val) for k, val in obj.items() if k not in _FIRST and k != "status")
    if "status" in obj:
        ordered["status"] = obj["status"]
    return ordered
