"""rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding, one module each,
sharing ``rules``. Objects are stored, validated and served as kube-apiserver does, but mockapi
authorizes every request (no RBAC enforcement, no escalation or bind checks): everyone may do everything."""

from __future__ import annotations

from .clusterrolebindings import CLUSTER_ROLE_BINDINGS
from .clusterroles import CLUSTER_ROLES
from .rolebindings import ROLE_BINDINGS
from .roles import ROLES

__all__ = ["CLUSTER_ROLES", "CLUSTER_ROLE_BINDINGS", "ROLES", "ROLE_BINDINGS"]
