"""rbac.authorization.k8s.io/v1 RoleBinding: subjects bound to a Role or ClusterRole (roleRef required,
immutable; apiGroup defaulted). The referenced role need not exist, and nothing is enforced."""

from __future__ import annotations

from ...errors import Cause
from ..base import Obj, ResourceType, Strategy
from . import rules


class RoleBindingStrategy(Strategy):
    has_status = False
    name_validator = staticmethod(rules.rbac_name)
    role_kinds: tuple[str, ...] = ("Role", "ClusterRole")
    namespaced_subjects = True

    def default(self, obj: Obj) -> None:
        rules.default_binding(obj)

    def validate(self, obj: Obj) -> list[Cause]:
        return rules.validate_binding(obj, self.role_kinds, self.namespaced_subjects)

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        return self.validate(new) + rules.validate_role_ref_update(new, old)


ROLE_BINDINGS = ResourceType(
    example={"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
             "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}]},
    wire_schema=rules.Binding(),
    printer=rules.binding_printer("roleBinding", rules.ROLE_REF_DOC),
    kind="RoleBinding",
    plural="rolebindings",
    singular="rolebinding",
    group=rules.GROUP,
    strategy=RoleBindingStrategy(),
    patch_schema=rules.PATCH_SCHEMA,
)
