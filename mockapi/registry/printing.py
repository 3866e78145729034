"""Table printing pieces every kind composes (pkg/printers): the Column and Printer descriptors,
apimachinery's HumanDuration and the cell helpers. Pure; each kind module declares its own printer."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable

Obj = dict[str, Any]
Row = Callable[[Obj, _dt.datetime], list[Any]]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.")


@dataclass(frozen=True)
class Column:
    """One metav1.TableColumnDefinition: priority 1 columns show only with ``-o wide``."""

    name: str
    description: str = ""
    priority: int = 0
    type: str = "string"
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format, "description": self.description,
                "priority": self.priority}


NAME = Column("Name", NAME_DESCRIPTION, format="name")
AGE = Column("Age", AGE_DESCRIPTION)


@dataclass(frozen=True)
class Printer:
    """A kind's Table output: its column definitions and the function that makes one row's cells."""

    columns: tuple[Column, ...]
    row: Row

    def definitions(self) -> list[dict[str, Any]]:
        return [c.definition() for c in self.columns]


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def _parse_time(value: Any) -> _dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(value: Any, now: _dt.datetime) -> str:
    """The Age cell of a timestamp: ``<unknown>`` when it is missing or malformed."""
    when = _parse_time(value)
    if when is None:
        return "<unknown>"
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return human_duration((now - when).total_seconds())


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def name_cell(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def age_cell(obj: Obj, now: _dt.datetime) -> str:
    return age(meta(obj).get("creationTimestamp"), now)


def none(value: Any) -> str:
    """A cell that shows ``<none>`` for a missing value."""
    return str(value) if value not in (None, "") else "<none>"


def first_n(items: list[str], n: int = 3) -> str:
    """The first n items joined by commas, then `` + N more...`` (printers.go)."""
    if len(items) > n:
        return ",".join(items[:n]) + f" + {len(items) - n} more..."
    return ",".join(items)


def _created_at_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    """rest.NewDefaultTableConvertor: the name and creationTimestamp in RFC 3339 (UTC)."""
    when = _parse_time(meta(obj).get("creationTimestamp"))
    if when is None:
        return [name_cell(obj), "0001-01-01T00:00:00Z"]
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return [name_cell(obj), when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")]


#: the Table of a kind without a printer in printers.go (Role, ClusterRole; custom resources without
#: additionalPrinterColumns): kube-apiserver's default table convertor, NAME and CREATED AT
DEFAULT = Printer((NAME, Column("Created At", AGE_DESCRIPTION, type="date")), _created_at_row)
