"""rbac.authorization.k8s.io/v1 ClusterRoleBinding: subjects bound cluster-wide to a ClusterRole
(service accounts need a namespace); roleRef immutable. Stored and served, never enforced."""

from __future__ import annotations

from ..base import ResourceType
from . import rules
from .rolebindings import RoleBindingStrategy


class ClusterRoleBindingStrategy(RoleBindingStrategy):
    role_kinds = ("ClusterRole",)
    namespaced_subjects = False


CLUSTER_ROLE_BINDINGS = ResourceType(
    example={"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
             "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "viewers"}]},
    wire_schema=rules.Binding(),
    printer=rules.binding_printer("clusterRoleBinding", rules.CLUSTER_ROLE_REF_DOC),
    kind="ClusterRoleBinding",
    plural="clusterrolebindings",
    singular="clusterrolebinding",
    group=rules.GROUP,
    namespaced=False,
    strategy=ClusterRoleBindingStrategy(),
    patch_schema=rules.PATCH_SCHEMA,
)
