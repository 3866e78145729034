"""RBAC strategy units, without HTTP: SetDefaults_RoleBinding/_Subject, ValidatePolicyRule,
ValidateClusterRole's aggregationRule, ValidateRoleBinding/ClusterRoleBinding(Update) with upstream
field paths and wording, and the Table rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mockapi.registry.rbac import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, ROLE_BINDINGS, ROLES

GROUP = "rbac.authorization.k8s.io"


def causes(rt: Any, obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    rt.strategy.default(obj)
    found = rt.strategy.validate(obj) if old is None else rt.strategy.validate_update(obj, old)
    return [(c["reason"], c["field"], c["message"]) for c in found]


def binding(kind: str = "Role", name: str = "r", subjects: list[Any] | None = None, **ref: Any) -> dict[str, Any]:
    return {"metadata": {"name": "b"}, "roleRef": {"kind": kind, "name": name, **ref},
            **({"subjects": subjects} if subjects is not None else {})}


# -- roles -------------------------------------------------------------------------------------------------

def test_a_role_without_rules_reads_back_rules_null() -> None:
    bodies: tuple[dict[str, Any], ...] = ({}, {"rules": []}, {"rules": None})
    for body in bodies:
        obj = {"metadata": {"name": "r"}, **body}
        ROLES.strategy.default(obj)
        assert obj["rules"] is None


def test_policy_rule_requirements() -> None:
    obj = {"rules": [{"verbs": []}, {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]}
    assert causes(ROLES, obj) == [
        ("FieldValueRequired", "rules[0].verbs", "Required value: verbs must contain at least one value"),
        ("FieldValueRequired", "rules[0].apiGroups",
         "Required value: resource rules must supply at least one api group"),
        ("FieldValueRequired", "rules[0].resources",
         "Required value: resource rules must supply at least one resource"),
    ]


def test_non_resource_urls_only_in_cluster_roles() -> None:
    rule = {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez"]}
    assert causes(ROLES, {"rules": [rule]}) == [
        ("FieldValueInvalid", "rules[0].nonResourceURLs", ('Invalid value: []string{"/healthz", "/livez"}: '
                                                          "namespaced rules cannot apply to non-resource URLs"))]
    assert causes(CLUSTER_ROLES, {"rules": [rule]}) == []
    mixed = {**rule, "resources": ["pods"]}
    assert causes(CLUSTER_ROLES, {"rules": [mixed]}) == [
        ("FieldValueInvalid", "rules[0].nonResourceURLs", ('Invalid value: []string{"/healthz", "/livez"}: '
                                                          "rules cannot apply to both regular resources and "
                                                          "non-resource URLs"))]


def test_role_names_only_have_to_be_path_segments() -> None:
    assert ROLES.strategy.name_validator("system:controller:Foo_bar") == []
    assert ROLES.strategy.name_validator("a/b") == ["may not contain '/'"]
    assert CLUSTER_ROLES.strategy.name_validator("..") == ["may not be '..'"]


def test_aggregation_rule_validation() -> None:
    assert causes(CLUSTER_ROLES, {"aggregationRule": {}}) == [
        ("FieldValueRequired", "aggregationRule.clusterRoleSelectors",
         "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil")]
    bad = {"aggregationRule": {"clusterRoleSelectors": [
        {"matchLabels": {"ok": "yes"}},
        {"matchExpressions": [{"key": "k", "operator": "In"}]},
        {"matchExpressions": [{"key": "k", "operator": "Exists", "values": ["v"]}]},
    ]}}
    found = causes(CLUSTER_ROLES, bad)
    path = "aggregationRule.clusterRoleSelectors"
    assert found == [
        ("FieldValueRequired", f"{path}[1].matchExpressions[0].values",
         "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
        ("FieldValueInvalid", f"{path}[1]", "Invalid value: null: invalid label selector."),
        ("FieldValueForbidden", f"{path}[2].matchExpressions[0].values",
         "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        ("FieldValueInvalid", f"{path}[2]", "Invalid value: null: invalid label selector."),
    ]


def test_aggregation_rule_comes_after_rules() -> None:
    obj = {"metadata": {"name": "a"}, "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}}
    CLUSTER_ROLES.strategy.default(obj)
    assert list(obj) == ["metadata", "rules", "aggregationRule"] and obj["rules"] is None


# -- bindings ----------------------------------------------------------------------------------------------

def test_binding_defaults() -> None:
    obj = binding(subjects=[{"kind": "User", "name": "u"}, {"kind": "Group", "name": "g", "apiGroup": ""},
                            {"kind": "ServiceAccount", "name": "sa", "apiGroup": ""}])
    ROLE_BINDINGS.strategy.default(obj)
    assert obj["roleRef"] == {"kind": "Role", "name": "r", "apiGroup": GROUP}
    assert obj["subjects"] == [{"kind": "User", "name": "u", "apiGroup": GROUP},
                               {"kind": "Group", "name": "g", "apiGroup": GROUP},
                               {"kind": "ServiceAccount", "name": "sa"}]


def test_role_ref_rules() -> None:
    assert causes(ROLE_BINDINGS, binding(kind="Secret", name="", apiGroup="example.com")) == [
        ("FieldValueNotSupported", "roleRef.apiGroup",
         'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"'),
        ("FieldValueNotSupported", "roleRef.kind",
         'Unsupported value: "Secret": supported values: "Role", "ClusterRole"'),
        ("FieldValueRequired", "roleRef.name", "Required value"),
    ]
    assert causes(CLUSTER_ROLE_BINDINGS, binding(kind="Role")) == [
        ("FieldValueNotSupported", "roleRef.kind", 'Unsupported value: "Role": supported values: "ClusterRole"')]
    assert causes(ROLE_BINDINGS, {"metadata": {"name": "b"}}) == [  # (roleRef.apiGroup is defaulted)
        ("FieldValueNotSupported", "roleRef.kind",
         'Unsupported value: "": supported values: "Role", "ClusterRole"'),
        ("FieldValueRequired", "roleRef.name", "Required value"),
    ]


@pytest.mark.parametrize("rt, namespaced", [(ROLE_BINDINGS, True), (CLUSTER_ROLE_BINDINGS, False)])
def test_subject_rules(rt: Any, namespaced: bool) -> None:
    subjects = [{"kind": "ServiceAccount", "name": "Bad_Name", "apiGroup": GROUP},
                {"kind": "User", "name": "", "apiGroup": "example.com"},
                {"kind": "Robot", "name": "r2"}]
    found = causes(rt, binding(kind="ClusterRole", subjects=subjects))
    expected = [
        ("FieldValueInvalid", "subjects[0].name", found[0][2]),
        ("FieldValueNotSupported", "subjects[0].apiGroup", ('Unsupported value: "rbac.authorization.k8s.io": '
                                                           'supported values: ""')),
        *([] if namespaced else [("FieldValueRequired", "subjects[0].namespace", "Required value")]),
        ("FieldValueRequired", "subjects[1].name", "Required value"),
        ("FieldValueNotSupported", "subjects[1].apiGroup", ('Unsupported value: "example.com": supported values: '
                                                           '"rbac.authorization.k8s.io"')),
        ("FieldValueNotSupported", "subjects[2].kind", ('Unsupported value: "Robot": supported values: '
                                                       '"ServiceAccount", "User", "Group"')),
    ]
    assert found == expected
    assert found[0][2].startswith('Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')


def test_role_ref_is_immutable() -> None:
    old = binding(name="a")
    ROLE_BINDINGS.strategy.default(old)
    assert causes(ROLE_BINDINGS, binding(name="a"), old) == []
    assert causes(ROLE_BINDINGS, binding(kind="ClusterRole", name="b"), old) == [
        ("FieldValueInvalid", "roleRef", ('Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
                                         'Kind:"ClusterRole", Name:"b"}: cannot change roleRef'))]


# -- tables ------------------------------------------------------------------------------------------------

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_roles_print_name_and_created_at() -> None:
    obj = {"metadata": {"name": "r", "creationTimestamp": "2026-01-01T00:00:00Z"}}
    assert [c.name for c in ROLES.printer.columns] == ["Name", "Created At"]
    assert ROLES.printer.columns[1].type == "date"
    assert CLUSTER_ROLES.printer.row(obj, NOW) == ["r", "2026-01-01T00:00:00Z"]


def test_bindings_print_role_and_subjects() -> None:
    obj = binding(kind="ClusterRole", name="view", subjects=[
        {"kind": "User", "name": "a"}, {"kind": "User", "name": "b"}, {"kind": "Group", "name": "g"},
        {"kind": "ServiceAccount", "name": "s", "namespace": "ns"}])
    obj["metadata"]["creationTimestamp"] = "2026-01-02T03:03:05Z"
    assert ROLE_BINDINGS.printer.row(obj, NOW) == ["b", "ClusterRole/view", "60s", "a, b", "g", "ns/s"]
    cols = CLUSTER_ROLE_BINDINGS.printer.columns
    assert [(c.name, c.priority) for c in cols] == [("Name", 0), ("Role", 0), ("Age", 0), ("Users", 1),
                                                    ("Groups", 1), ("ServiceAccounts", 1)]
    assert cols[3].description == "Users in the clusterRoleBinding"
