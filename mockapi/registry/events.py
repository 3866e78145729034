"""Event (core/v1): kept as sent, validated like Kubernetes' ValidateEventCreate (v1 events)."""

from __future__ import annotations

import datetime as _dt
from datetime import datetime
from typing import Any

from ..errors import Cause
from ..patch import schemas as patch_schemas
from ..schemas import core as wire
from ..storage import store
from . import printing as p
from . import validation as v
from .base import Obj, ResourceType, Strategy


def _involved(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("involvedObject") or {}).get(field, "") or "")


class EventStrategy(Strategy):
    has_status = False
    allow_create_on_update = True
    name_validator = staticmethod(v.path_segment_name)

    def default(self, obj: Obj) -> None:
        obj.setdefault("involvedObject", {})

    def validate(self, obj: Obj) -> list[Cause]:
        """legacyValidateEvent: namespace agreement, and for "new" events (eventTime set) the
        reporting fields the events API requires."""
        causes: list[Cause] = []
        meta = obj.get("metadata", {})
        inv = obj.get("involvedObject") or {}
        inv_ns = inv.get("namespace") or ""
        ns = meta.get("namespace") or ""
        if not obj.get("eventTime"):
            if (not inv_ns and ns not in ("", "default")) or (inv_ns and inv_ns != ns):
                causes.append(Cause.invalid("involvedObject.namespace", inv_ns, "does not match event.namespace"))
            return causes
        if not inv_ns and ns not in ("default", "kube-system"):
            causes.append(Cause.invalid("involvedObject.namespace", inv_ns, "does not match event.namespace"))
        controller = obj.get("reportingComponent") or ""
        if not controller:
            causes.append(Cause.required("reportingComponent"))
        else:
            causes += v.causes("reportingComponent", controller, v.qualified_name(controller))
        for field_name, limit in (("reportingInstance", 128), ("action", 128), ("reason", 128)):
            value = obj.get(field_name) or ""
            if not value:
                causes.append(Cause.required(field_name))
            elif len(value) > limit:
                causes.append(Cause.too_long(field_name, value, limit))
        if len(obj.get("message") or "") > 1024:
            causes.append(Cause.too_long("message", obj.get("message"), 1024))
        return causes


def _event_row(obj: Obj, now: datetime) -> list[Any]:
    meta, inv, source = p.meta(obj), obj.get("involvedObject") or {}, obj.get("source") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
    first = obj.get("firstTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    src = f"{component}, {host}" if component and host else component or host
    return [p.age(last, now), obj.get("type", ""), obj.get("reason", ""),
            f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}", inv.get("fieldPath", ""), src,
            (obj.get("message") or "").strip(), p.age(first, now), int(obj.get("count") or 1), meta.get("name", "")]


PRINTER = p.Printer((
    p.Column('Last Seen', 'The time the event was last seen.'),
    p.Column('Type', 'Type of this event.'),
    p.Column('Reason', 'Reason is why the action was taken.'),
    p.Column('Object', 'The object this Event is about.'),
    p.Column('Subobject', 'The subobject this Event is about.', 1),
    p.Column('Source', 'The component reporting this event.', 1),
    p.Column('Message', 'A human-readable description of the status of this operation.'),
    p.Column('First Seen', 'The time the event was first seen.', 1),
    p.Column('Count', 'The number of times this event has occurred.', 1, type='integer'),
    p.Column('Name', p.NAME_DESCRIPTION, 1, format='name'),
), _event_row)


EVENTS = ResourceType(
    example={"reason": "Tested", "type": "Normal",
             "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}},
    wire_schema=wire.Event(),
    printer=PRINTER,
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
        "source": lambda o: str((o.get("source") or {}).get("component") or o.get("reportingComponent") or ""),
        "type": lambda o: str(o.get("type") or ""),
    },
)


# -- --event-ttl ----------------------------------------------------------------------------------

def _last_seen(event: Obj) -> str:
    """The latest of the event's own times (RFC 3339 strings compare in time order at equal precision:
    only the seconds are compared)."""
    meta = event.get("metadata") or {}
    times = [event.get("lastTimestamp"), event.get("eventTime"), (event.get("series") or {}).get("lastObservedTime"),
             event.get("firstTimestamp"), meta.get("creationTimestamp")]
    return max((str(t)[:19] for t in times if t), default="")


def expire(txn: Any, ttl_seconds: int, batch: int = 500, now: Any = None) -> int:
    """The apiserver's --event-ttl: events unwritten for ``ttl_seconds`` are deleted (etcd lease
    expiry: watchers see DELETED). Oldest-written first, stopping at the first one still alive, so the
    cost follows what expires. Returns how many went."""
    if ttl_seconds <= 0:
        return 0
    moment = now or _dt.datetime.now(_dt.timezone.utc)
    cutoff = (moment - _dt.timedelta(seconds=ttl_seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    gone = 0
    for row in store.least_recently_written(txn.conn, EVENTS.key, batch):
        event = row.obj()
        if _last_seen(event) >= cutoff:
            break
        txn.remove(EVENTS, event, row.rev)
        gone += 1
    return gone
