"""ClusterRole aggregation (pkg/controller/clusterroleaggregation): a ClusterRole with an
aggregationRule gets as ``rules`` the union of the rules of the other ClusterRoles its selectors match
(by name order, duplicates dropped), written in the transaction of the change that altered them."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..errors import StatusError
from ..registry import RESOURCES_BY_KIND
from ..registry.base import Obj
from ..registry.rest import Change, Txn
from ..storage import store
from ..storage.selectors import selector_from_label_selector

NAME = "clusterrole-aggregation-controller"
CLUSTER_ROLES = RESOURCES_BY_KIND["ClusterRole"]


def keys_for(changes: Sequence[Change]) -> set[str]:
    """Any ClusterRole change may alter an aggregation: upstream enqueues every aggregated ClusterRole."""
    return {(ch.new or ch.old or {}).get("metadata", {}).get("name", "") for ch in changes
            if ch.rt is CLUSTER_ROLES}


def _semantic(rule: Any) -> Any:
    """equality.Semantic: an empty list equals an absent one."""
    if isinstance(rule, dict):
        return {k: val for k, val in rule.items() if val not in (None, [], "")}
    return rule


def aggregated_rules(role: Obj, roles: list[Obj]) -> list[Obj]:
    """The rules of the roles (sorted by name) that any of ``role``'s selectors match, itself excluded."""
    out: list[Obj] = []
    seen: list[Any] = []
    name = role["metadata"]["name"]
    for sel in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        try:
            selector = selector_from_label_selector(sel)
        except StatusError:
            continue
        for other in roles:
            if other["metadata"]["name"] == name or not selector.matches(other["metadata"].get("labels") or {}):
                continue
            for rule in other.get("rules") or []:
                if _semantic(rule) not in seen:
                    seen.append(_semantic(rule))
                    out.append(copy.deepcopy(rule))
    return out


def reconcile(txn: Txn, name: str, roles: list[Obj] | None = None) -> bool:
    """syncClusterRole: write the aggregated rules when they differ; True when it wrote."""
    role = txn.get(CLUSTER_ROLES, "", name)
    if role is None or role.get("aggregationRule") is None:
        return False
    if roles is None:
        roles = _all(txn)
    rules = aggregated_rules(role, roles)
    if [_semantic(r) for r in rules] == [_semantic(r) for r in role.get("rules") or []]:
        return False
    new = copy.deepcopy(role)
    new["rules"] = rules
    txn.apply_update(CLUSTER_ROLES, new, role, manager=NAME)
    return True


def _all(txn: Txn) -> list[Obj]:
    return [row.obj() for row in store.list_rows(txn.conn, CLUSTER_ROLES.key, "")]  # ordered by name


def resync(txn: Txn) -> dict[str, int]:
    """Every aggregated ClusterRole (start-up, POST /mock/reconcile, any ClusterRole change)."""
    roles = _all(txn)
    written = 0
    for role in roles:
        if role.get("aggregationRule") is not None and reconcile(txn, role["metadata"]["name"], roles):
            written += 1
            roles = _all(txn)  # an aggregated role may itself be aggregated (edit into admin)
    return {"updated": written}


class ClusterRoleAggregationController:
    """Any ClusterRole change re-aggregates every aggregated ClusterRole once (one key: ``"*"``)."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[str]:
        return {"*"} if keys_for(changes) else set()

    def reconcile(self, txn: Txn, key: str) -> None:
        resync(txn)

    def resync(self, txn: Txn) -> dict[str, int]:
        return resync(txn)
