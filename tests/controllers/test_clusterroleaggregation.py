"""ClusterRole aggregation: an aggregationRule's ClusterRole gets the union of the rules of the other
ClusterRoles its selectors match (name order, duplicates once), in the same write; the bootstrapped
admin/edit/view roles are aggregated as upstream's."""

from __future__ import annotations

from typing import Any

CR = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
GET = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}
LIST = {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}


def rules(client: Any, name: str) -> Any:
    return client.get(f"{CR}/{name}").get_json()["rules"]


def test_rules_follow_the_matching_roles(client: Any) -> None:
    r = client.post(CR, json={"metadata": {"name": "agg"},
                              "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"to": "agg"}}]}})
    assert r.status_code == 201 and r.get_json()["rules"] is None
    client.post(CR, json={"metadata": {"name": "b", "labels": {"to": "agg"}}, "rules": [GET]})
    client.post(CR, json={"metadata": {"name": "a", "labels": {"to": "agg"}}, "rules": [LIST, GET]})
    client.post(CR, json={"metadata": {"name": "c"}, "rules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]})
    assert rules(client, "agg") == [LIST, GET]
    client.patch(f"{CR}/a", json={"metadata": {"labels": {"to": None}}},
                 headers={"Content-Type": "application/merge-patch+json"})
    assert rules(client, "agg") == [GET]
    assert client.delete(f"{CR}/b").status_code == 200
    assert rules(client, "agg") is None


def test_match_expressions_select_too(client: Any) -> None:
    client.post(CR, json={"metadata": {"name": "x", "labels": {"tier": "gold"}}, "rules": [GET]})
    client.post(CR, json={"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": [
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold", "silver"]}]}]}})
    assert rules(client, "agg") == [GET]


def test_bootstrapped_roles_are_aggregated(client: Any) -> None:
    view, edit, admin = rules(client, "view"), rules(client, "edit"), rules(client, "admin")
    assert len(view) == 10 and edit[-len(view):] == view and admin[:len(edit)] == edit
    assert admin[-1] == {"verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                         "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"]}
    assert rules(client, "cluster-admin") == [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                                              {"verbs": ["*"], "nonResourceURLs": ["*"]}]
    # a role labelled to aggregate into view reaches edit and admin too
    extra = {"verbs": ["get"], "apiGroups": ["example.com"], "resources": ["widgets"]}
    client.post(CR, json={"metadata": {"name": "widgets-view", "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}}, "rules": [extra]})
    assert all(extra in rules(client, n) for n in ("view", "edit", "admin"))
    meta = client.get(f"{CR}/view").get_json()["metadata"]
    assert meta["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    assert meta["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}
