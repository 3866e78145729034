"""Patch engines: strategic merge patch (``strategic``) and its per-kind metadata (``schemas``)."""

from mockapi.patch.schemas import SCHEMAS_BY_KIND, Field, PatchSchema, schema_for
from mockapi.patch.strategic import PatchError, strategic_merge

__all__ = ["SCHEMAS_BY_KIND", "Field", "PatchError", "PatchSchema", "schema_for", "strategic_merge"]
