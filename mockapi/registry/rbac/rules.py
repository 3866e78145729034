"""What the four rbac.authorization.k8s.io/v1 kinds share: the wire pieces (PolicyRule, Subject,
RoleRef), SetDefaults_RoleBinding/_Subject, ValidatePolicyRule, the binding checks of
pkg/apis/rbac/validation with upstream paths and wording, and their Table printers. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields

from ...errors import Cause, go_quote
from ...patch import schemas as patch_schemas
from .. import printing as p
from .. import validation as v
from ..base import Obj

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")
#: rules, subjects and selectors are ``+listType=atomic``: only metadata carries patch tags
PATCH_SCHEMA: patch_schemas.PatchSchema = {"metadata": patch_schemas.nested(patch_schemas.OBJECT_META)}

N: dict[str, Any] = {"allow_none": True}


class _Open(Schema):
    class Meta:
        unknown = INCLUDE


def _strs() -> fields.List[Any]:
    return fields.List(fields.String(), **N)


class PolicyRule(_Open):
    verbs, apiGroups, resources, resourceNames, nonResourceURLs = (_strs() for _ in range(5))


class Subject(_Open):
    kind, apiGroup, name, namespace = (fields.String(**N) for _ in range(4))


class RoleRef(_Open):
    apiGroup, kind, name = (fields.String(**N) for _ in range(3))


def rules_field() -> fields.List[Any]:
    return fields.List(fields.Nested(PolicyRule), **N)


class Binding(_Open):
    subjects = fields.List(fields.Nested(Subject), **N)
    roleRef = fields.Nested(RoleRef, **N)


def rbac_name(value: str) -> list[str]:
    """ValidateRBACName: names of roles and bindings only have to be a path segment."""
    return v.path_segment_name(value)


def go_value(value: Any) -> str:
    """How field.Invalid prints a []string (Go's %#v)."""
    if isinstance(value, list):
        return "[]string{" + ", ".join(go_quote(str(x)) for x in value) + "}"
    return go_quote(str(value))


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{path} must be a list")
    return value


# -- roles -------------------------------------------------------------------------------------------------

def default_rules(obj: Obj) -> None:
    """``rules`` has no omitempty: an absent or empty list reads back as null (as etcd returns it)."""
    if not obj.get("rules"):
        obj["rules"] = None


def validate_policy_rule(rule: Any, namespaced: bool, path: str) -> list[Cause]:
    """ValidatePolicyRule."""
    if not isinstance(rule, dict):
        raise TypeError(f"{path} must be an object")
    causes: list[Cause] = []
    if not rule.get("verbs"):
        causes.append(Cause.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = rule.get("nonResourceURLs")
    if urls:
        if namespaced:
            causes.append(_invalid(f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource "
                                                                     "URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            causes.append(_invalid(f"{path}.nonResourceURLs", urls, "rules cannot apply to both regular resources "
                                                                     "and non-resource URLs"))
        return causes
    if not rule.get("apiGroups"):
        causes.append(Cause.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        causes.append(Cause.required(f"{path}.resources", "resource rules must supply at least one resource"))
    return causes


def validate_rules(obj: Obj, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    for i, rule in enumerate(_list(obj.get("rules"), "rules")):
        causes += validate_policy_rule(rule, namespaced, f"rules[{i}]")
    return causes


def _invalid(field: str, go_shown: Any, detail: str) -> Cause:
    return Cause(reason="FieldValueInvalid", message=f"Invalid value: {go_value(go_shown)}: {detail}", field=field)


# -- bindings ----------------------------------------------------------------------------------------------

def default_binding(obj: Obj) -> None:
    """SetDefaults_RoleBinding/_ClusterRoleBinding (roleRef.apiGroup) and SetDefaults_Subject."""
    ref = obj.get("roleRef")
    if ref is None:
        ref = obj["roleRef"] = {}
    if isinstance(ref, dict):
        for key in ("apiGroup", "kind", "name"):  # no omitempty: always on the wire
            if ref.get(key) is None:
                ref[key] = ""
        if not ref["apiGroup"]:
            ref["apiGroup"] = GROUP
    subjects = obj.get("subjects")
    if not subjects:
        obj.pop("subjects", None)
        return
    for subject in subjects if isinstance(subjects, list) else []:
        if isinstance(subject, dict) and not subject.get("apiGroup"):
            subject.pop("apiGroup", None)
            if subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = GROUP


def validate_subject(subject: Any, namespaced: bool, path: str) -> list[Cause]:
    """ValidateRoleBindingSubject."""
    if not isinstance(subject, dict):
        raise TypeError(f"{path} must be an object")
    causes: list[Cause] = []
    name, kind, group = subject.get("name") or "", subject.get("kind") or "", subject.get("apiGroup") or ""
    if not name:
        causes.append(Cause.required(f"{path}.name"))
    if kind == "ServiceAccount":
        if name:
            causes += v.causes(f"{path}.name", name, v.dns1123_subdomain(name))
        if group:
            causes.append(Cause.not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            causes.append(Cause.required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if group != GROUP:
            causes.append(Cause.not_supported(f"{path}.apiGroup", group, [GROUP]))
    else:
        causes.append(Cause.not_supported(f"{path}.kind", kind, SUBJECT_KINDS))
    return causes


def validate_binding(obj: Obj, role_kinds: tuple[str, ...], namespaced: bool) -> list[Cause]:
    """ValidateRoleBinding / ValidateClusterRoleBinding (beyond ObjectMeta)."""
    ref = obj.get("roleRef") or {}
    if not isinstance(ref, dict):
        raise TypeError("roleRef must be an object")
    causes: list[Cause] = []
    if ref.get("apiGroup") != GROUP:
        causes.append(Cause.not_supported("roleRef.apiGroup", ref.get("apiGroup") or "", [GROUP]))
    if ref.get("kind") not in role_kinds:
        causes.append(Cause.not_supported("roleRef.kind", ref.get("kind") or "", role_kinds))
    name = ref.get("name") or ""
    if not name:
        causes.append(Cause.required("roleRef.name"))
    else:
        causes += v.causes("roleRef.name", name, rbac_name(name))
    for i, subject in enumerate(_list(obj.get("subjects"), "subjects")):
        causes += validate_subject(subject, namespaced, f"subjects[{i}]")
    return causes


def validate_role_ref_update(new: Obj, old: Obj) -> list[Cause]:
    """roleRef is immutable; the value shows as Go's %#v of rbac.RoleRef."""
    ref, old_ref = new.get("roleRef") or {}, old.get("roleRef") or {}
    keys = ("apiGroup", "kind", "name")
    if all((ref.get(k) or "") == (old_ref.get(k) or "") for k in keys):
        return []
    shown = "rbac.RoleRef{" + ", ".join(f"{k[0].upper() + k[1:] if k != 'apiGroup' else 'APIGroup'}:"
                                        f"{go_quote(str(ref.get(k) or ''))}" for k in keys) + "}"
    return [Cause(reason="FieldValueInvalid", message=f"Invalid value: {shown}: cannot change roleRef",
                  field="roleRef")]


# -- Table output ------------------------------------------------------------------------------------------


ROLE_REF_DOC = ("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. "
                "If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.")
CLUSTER_ROLE_REF_DOC = ("RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot "
                        "be resolved, the Authorizer must return an error. This field is immutable.")


def subjects_strings(subjects: list[Any]) -> tuple[list[str], list[str], list[str]]:
    """rbac.SubjectsStrings: users, groups and namespace/name of service accounts."""
    users, groups, sas = [], [], []
    for s in subjects:
        if not isinstance(s, dict):
            continue
        if s.get("kind") == "ServiceAccount":
            sas.append(f"{s.get('namespace') or ''}/{s.get('name') or ''}")
        elif s.get("kind") == "User":
            users.append(str(s.get("name") or ""))
        elif s.get("kind") == "Group":
            groups.append(str(s.get("name") or ""))
    return users, groups, sas


def _binding_row(obj: Obj, now: datetime) -> list[Any]:
    """printRoleBinding/printClusterRoleBinding (the server always prints the wide cells)."""
    ref = obj.get("roleRef") or {}
    users, groups, sas = subjects_strings(obj.get("subjects") or [])
    return [p.name_cell(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", p.age_cell(obj, now),
            ", ".join(users), ", ".join(groups), ", ".join(sas)]


def binding_printer(what: str, role_ref_doc: str) -> p.Printer:
    return p.Printer((
        p.NAME,
        p.Column("Role", role_ref_doc),
        p.AGE,
        p.Column("Users", f"Users in the {what}", priority=1),
        p.Column("Groups", f"Groups in the {what}", priority=1),
        p.Column("ServiceAccounts", f"ServiceAccounts in the {what}", priority=1),
    ), _binding_row)
