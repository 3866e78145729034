"""core/v1 Pod: the descriptor. Strategy (defaults, validation, update rules, deletion) in
``strategy``, the PodSpec rules workload templates share in ``podspec``, Table output in ``printer``,
the binding subresource in ``binding``."""

from __future__ import annotations

from typing import Any

from ...patch import schemas as patch_schemas
from ...schemas import core as wire
from ...schemas import quantity
from ..base import Obj, ResourceType, Subresource
from ..subresources import STATUS
from . import binding
from .printer import PRINTER
from .strategy import PodStrategy


def derived_columns(pod: Obj) -> dict[str, Any]:
    """The indexed storage columns of a stored pod (registered with the Database at start-up):
    ``node_name`` finds a node's pods and the unscheduled ones without a scan."""
    return {"node_name": (pod.get("spec") or {}).get("nodeName") or None}


def _status(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("status") or {}).get(field) or "")


def _spec(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("spec") or {}).get(field) or "")


PODS = ResourceType(
    example={"spec": {"containers": [{"name": "c", "image": "busybox:1"}]}},
    indexed_columns=derived_columns,
    subresources=(STATUS, Subresource("log", ("get",), shape="log"), binding.BINDING,
                  Subresource("eviction", ("create",), shape="eviction", body_kind=("policy", "v1", "Eviction"))),
    canonicalize=quantity.pod_quantities,
    wire_schema=wire.Pod(),
    printer=PRINTER,
    kind="Pod",
    plural="pods",
    singular="pod",
    short_names=("po",),
    categories=("all",),
    strategy=PodStrategy(),
    patch_schema=patch_schemas.POD,
    extra_fields={
        "spec.nodeName": _spec("nodeName"),
        "spec.restartPolicy": _spec("restartPolicy"),
        "spec.schedulerName": _spec("schedulerName"),
        "spec.serviceAccountName": _spec("serviceAccountName"),
        "spec.hostNetwork": lambda o: str(bool((o.get("spec") or {}).get("hostNetwork"))).lower(),
        "status.phase": _status("phase"),
        "status.podIP": _status("podIP"),
        "status.nominatedNodeName": _status("nominatedNodeName"),
    },
)
