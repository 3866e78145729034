"""rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide PolicyRules (nonResourceURLs allowed) and an
aggregationRule whose selectors the clusterrole-aggregation controller (controllers/
clusterroleaggregation.py) turns into ``rules``. No authorization or escalation checks anywhere."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ...errors import Cause
from .. import validation as v
from ..base import Obj, ResourceType, Strategy
from . import rules
from .rules import N, _Open

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorRequirement(_Open):
    key, operator = fields.String(**N), fields.String(**N)
    values = fields.List(fields.String(), **N)


class LabelSelector(_Open):
    matchLabels = fields.Dict(keys=fields.String(), values=fields.String(), **N)
    matchExpressions = fields.List(fields.Nested(SelectorRequirement), **N)


class AggregationRule(_Open):
    clusterRoleSelectors = fields.List(fields.Nested(LabelSelector), **N)


class ClusterRoleWire(_Open):
    rules = rules.rules_field()
    aggregationRule = fields.Nested(AggregationRule, **N)


def validate_label_selector(sel: Any, path: str, allow_invalid_values: bool = False) -> list[Cause]:
    """unversionedvalidation.ValidateLabelSelector, plus the ``invalid label selector.`` cause that
    ValidateClusterRole adds when metav1.LabelSelectorAsSelector fails too."""
    if sel is None:
        return []
    if not isinstance(sel, dict):
        raise TypeError(f"{path} must be an object")
    causes = v.labels_map(f"{path}.matchLabels", sel.get("matchLabels"))
    convertible = not causes
    for i, req in enumerate(sel.get("matchExpressions") or []):
        rpath = f"{path}.matchExpressions[{i}]"
        if not isinstance(req, dict):
            raise TypeError(f"{rpath} must be an object")
        op, values = req.get("operator") or "", req.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(Cause.required(f"{rpath}.values", "must be specified when `operator` is 'In' or "
                                                                  "'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(Cause.forbidden(f"{rpath}.values", "may not be specified when `operator` is "
                                                                  "'Exists' or 'DoesNotExist'"))
        else:
            causes.append(Cause.invalid(f"{rpath}.operator", op, "not a valid selector operator"))
        causes += v.causes(f"{rpath}.key", req.get("key") or "", v.qualified_name(req.get("key") or ""))
        bad_values = [Cause.invalid(f"{rpath}.values[{j}]", val, msg)
                      for j, val in enumerate(values) for msg in v.label_value(str(val))]
        if not allow_invalid_values:
            causes += bad_values
        convertible = convertible and not causes and not bad_values
    if not convertible:
        causes.append(Cause.invalid(path, None, "invalid label selector."))
    return causes


def _has_invalid_selector_values(obj: Obj) -> bool:
    """hasInvalidLabelValueInLabelSelector: an old object with such values may keep them."""
    for sel in ((obj.get("aggregationRule") or {}).get("clusterRoleSelectors") or []):
        for req in (sel or {}).get("matchExpressions") or []:
            if any(v.label_value(str(val)) for val in (req or {}).get("values") or []):
                return True
    return False


class ClusterRoleStrategy(Strategy):
    has_status = False
    name_validator = staticmethod(rules.rbac_name)

    def default(self, obj: Obj) -> None:
        rules.default_rules(obj)
        if "aggregationRule" in obj:  # omitempty; after rules, as Go writes the struct
            agg = obj.pop("aggregationRule")
            if agg is not None:
                obj["aggregationRule"] = agg

    def validate(self, obj: Obj, allow_invalid_values: bool = False) -> list[Cause]:
        causes = rules.validate_rules(obj, namespaced=False)
        agg = obj.get("aggregationRule")
        if agg is not None:
            if not isinstance(agg, dict):
                raise TypeError("aggregationRule must be an object")
            selectors = agg.get("clusterRoleSelectors") or []
            if not selectors:
                causes.append(Cause.required("aggregationRule.clusterRoleSelectors", "at least one "
                                             "clusterRoleSelector required if aggregationRule is non-nil"))
            for i, sel in enumerate(selectors):
                causes += validate_label_selector(sel, f"aggregationRule.clusterRoleSelectors[{i}]",
                                                  allow_invalid_values)
        return causes

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        return self.validate(new, _has_invalid_selector_values(old))


CLUSTER_ROLES = ResourceType(
    wire_schema=ClusterRoleWire(),
    kind="ClusterRole",
    plural="clusterroles",
    singular="clusterrole",
    group=rules.GROUP,
    namespaced=False,
    strategy=ClusterRoleStrategy(),
    patch_schema=rules.PATCH_SCHEMA,
)
