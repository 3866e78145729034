"""Pod strategy: defaults and validation (through podspec), the pod update rules, graceful
deletion and what a removed pod releases."""

from __future__ import annotations

import copy
from typing import Any

from ...errors import Cause
from ...storage import allocations
from ..base import Obj, Strategy
from .podspec import CONTAINER_LISTS, default_pod_spec, qos_class, validate_pod_spec

_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


class PodStrategy(Strategy):
    tracks_generation = True
    returns_deleted_object = True
    # podStatusStrategy: "don't allow the pods/status endpoint to touch owner references"
    status_resets_metadata = ("ownerReferences",)
    #: pods/log: a simulated container log (mockapi.api.podlog)

    def default(self, obj: Obj) -> None:
        default_pod_spec(obj.get("spec"))
        _mirror_service_account(obj.get("spec"))

    def prepare_for_create(self, obj: Obj) -> None:
        """Also the ServiceAccount admission plugin's defaulting: no account named means ``default``."""
        super().prepare_for_create(obj)
        spec = obj.get("spec")
        if isinstance(spec, dict) and not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = spec["serviceAccount"] = "default"

    def initial_status(self, obj: Obj) -> Obj:
        return {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}

    def blocks_deletion(self, obj: Obj) -> bool:
        """Finalizers, or a graceful termination still running (deletionGracePeriodSeconds > 0)."""
        meta = obj.get("metadata", {})
        return bool(meta.get("finalizers")) or bool(meta.get("deletionGracePeriodSeconds"))

    def deletion_grace(self, txn: Any, obj: Obj, requested: int | None) -> int:
        """pod strategy CheckGracefulDeleteWithOptions, when graceful deletion is switched on: the
        requested period, else spec.terminationGracePeriodSeconds; 0 for unbound or finished pods."""
        config = getattr(txn.registry, "config", None)
        if not getattr(config, "graceful_deletion", False):
            return 0
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        grace = requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
        if not isinstance(grace, int) or isinstance(grace, bool):
            return 0
        return 1 if grace < 0 else grace

    def after_remove(self, txn: Any, obj: Obj) -> None:
        """What the pod held (its IPs, its place on the node, its termination deadline) is freed."""
        if not txn.dry_run:
            meta = obj.get("metadata", {})
            allocations.release_owner(txn.conn, f"pods/{meta.get('namespace', '')}/{meta.get('name', '')}")

    def validate(self, obj: Obj) -> list[Cause]:
        return validate_pod_spec(obj.get("spec"))

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        causes = self.validate(new)
        if causes:
            return causes
        if _mutable_view(new.get("spec") or {}, old.get("spec") or {}) != old.get("spec"):
            causes.append(Cause.forbidden("spec", _UPDATE_FORBIDDEN))
        return causes

    def validate_status_update(self, new: Obj, old: Obj) -> list[Cause]:
        phase = (new.get("status") or {}).get("phase")
        phases = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
        if phase is not None and phase not in phases:
            return [Cause.not_supported("status.phase", phase, phases)]
        return []


def _mirror_service_account(spec: Any) -> None:
    """The v1 conversion: serviceAccountName falls back to the deprecated serviceAccount, which then
    always mirrors it."""
    if not isinstance(spec, dict):
        return
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    else:
        spec.pop("serviceAccount", None)


def _mutable_view(new: Obj, old: Obj) -> Obj:
    """``new`` with the fields a pod update may change taken from ``old``; equal to ``old`` iff the
    update only touched mutable fields."""
    view = copy.deepcopy(new)
    for key in CONTAINER_LISTS:
        new_list, old_list = view.get(key) or [], old.get(key) or []
        if len(new_list) == len(old_list):
            for nc, oc in zip(new_list, old_list):
                if isinstance(nc, dict) and isinstance(oc, dict) and "image" in oc:
                    nc["image"] = oc["image"]
    for key in ("activeDeadlineSeconds",):
        if key in old:
            view[key] = old[key]
        else:
            view.pop(key, None)
    old_tol = old.get("tolerations") or []
    new_tol = view.get("tolerations") or []
    if all(t in new_tol for t in old_tol):  # additions only
        if "tolerations" in old:
            view["tolerations"] = old["tolerations"]
        else:
            view.pop("tolerations", None)
    return view  # spec.nodeName is set by binding (the scheduler/kubelet path), never by updates
