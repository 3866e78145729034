"""Event (core/v1): kept as sent, validated like Kubernetes' ValidateEventCreate (v1 events)."""

from __future__ import annotations

from ..errors import Cause
from ..patch import schemas as patch_schemas
from .base import Obj, ResourceType, Strategy


def _involved(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("involvedObject") or {}).get(field, "") or "")


class EventStrategy(Strategy):
    has_status = False

    def default(self, obj: Obj) -> None:
        obj.setdefault("involvedObject", {})

    def validate(self, obj: Obj) -> list[Cause]:
        causes = []
        meta = obj.get("metadata", {})
        inv = obj.get("involvedObject") or {}
        inv_ns = inv.get("namespace")
        if inv_ns and meta.get("namespace") and inv_ns != meta.get("namespace") and meta.get("namespace") != "default":
            causes.append(Cause.invalid("involvedObject.namespace", inv_ns, "does not match event.namespace"))
        etype = obj.get("type")
        if etype and etype not in ("Normal", "Warning"):
            causes.append(Cause.not_supported("type", etype, ["Normal", "Warning"]))
        return causes


EVENTS = ResourceType(
    kind="Event",
    plural="events",
    singular="event",
    short_names=("ev",),
    strategy=EventStrategy(),
    patch_schema=patch_schemas.EVENT,
    extra_fields={
        "involvedObject.kind": _involved("kind"),
        "involvedObject.namespace": _involved("namespace"),
        "involvedObject.name": _involved("name"),
        "involvedObject.uid": _involved("uid"),
        "involvedObject.apiVersion": _involved("apiVersion"),
        "involvedObject.resourceVersion": _involved("resourceVersion"),
        "involvedObject.fieldPath": _involved("fieldPath"),
        "reason": lambda o: str(o.get("reason") or ""),
        "reportingComponent": lambda o: str(o.get("reportingComponent") or ""),
        "source": lambda o: str((o.get("source") or {}).get("component") or ""),
        "type": lambda o: str(o.get("type") or ""),
    },
)
