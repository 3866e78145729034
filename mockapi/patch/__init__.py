"""Patch engines: strategic merge patch (``strategic``) and its per-kind metadata (``schemas``)."""

from mockapi.patch.schemas import SCHEMAS_BY_KIND, schema_for
from mockapi.patch.strategic import Field, PatchError, PatchSchema, strategic_merge

__all__ = ["Field", "PatchError", "PatchSchema", "SCHEMAS_BY_KIND", "schema_for", "strategic_merge"]
