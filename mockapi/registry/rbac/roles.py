"""rbac.authorization.k8s.io/v1 Role: namespaced PolicyRules (ValidateRole: no nonResourceURLs),
NAME / CREATED AT in tables. Stored and served only: mockapi authorizes nobody and everything."""

from __future__ import annotations

from ...errors import Cause
from ..base import Obj, ResourceType, Strategy
from . import rules
from .rules import _Open


class RoleWire(_Open):
    rules = rules.rules_field()


class RoleStrategy(Strategy):
    has_status = False
    name_validator = staticmethod(rules.rbac_name)

    def default(self, obj: Obj) -> None:
        rules.default_rules(obj)

    def validate(self, obj: Obj) -> list[Cause]:
        return rules.validate_rules(obj, namespaced=True)


ROLES = ResourceType(
    wire_schema=RoleWire(),
    kind="Role",
    plural="roles",
    singular="role",
    group=rules.GROUP,
    strategy=RoleStrategy(),
    patch_schema=rules.PATCH_SCHEMA,
)
