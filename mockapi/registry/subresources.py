"""The subresources most kinds share, declared once: ``status`` (the object-shaped status strategy,
with metadata validation) and ``scale`` (an autoscaling/v1 Scale view of the kind's replica paths)."""

from __future__ import annotations

from ..errors import Cause
from . import objectmeta
from .base import Obj, ResourceType, Scale, Subresource


def _prepare_status(rt: ResourceType, new: Obj, old: Obj) -> None:
    rt.strategy.prepare_for_status_update(new, old)
    rt.strategy.default(new)


def _validate_status(rt: ResourceType, new: Obj, old: Obj) -> list[Cause]:
    return objectmeta.validate_update(rt, new, old) + rt.strategy.validate_status_update(new, old)


STATUS = Subresource("status", ("get", "patch", "update"), prepare=_prepare_status, validate=_validate_status)


def scale_subresource(scale: Scale | None = None) -> Subresource:
    return Subresource("scale", ("get", "patch", "update"), shape="scale", scale=scale or Scale(),
                       body_kind=("autoscaling", "v1", "Scale"))
