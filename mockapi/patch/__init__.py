"""Patch engines: strategic merge patch (``strategic``) and its per-kind metadata (``schemas``)."""

from mockapi.patch.schemas import Field, PatchSchema
from mockapi.patch.strategic import PatchError, strategic_merge

__all__ = ["Field", "PatchError", "PatchSchema", "strategic_merge"]
