"""The simulated scheduler's rules (kube-scheduler's default filters, much reduced): node readiness,
``spec.unschedulable``, NoSchedule/NoExecute taints against tolerations, ``nodeSelector`` and required
node affinity; spreading by fewest pods (ties by name); upstream's FailedScheduling message.

Pure functions plus two small queries (unscheduled pods; pods per node, the ``node-pods`` side
index: key the node, one entry per bound pod). The kubelet controller does the writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..registry.base import Obj
from ..storage import Conn, indexes, store

NODE_PODS = "node-pods"  # side index: key the node name, value the uid of each pod bound to it
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
SELECTOR_MISMATCH = "node(s) didn't match Pod's node affinity/selector"


# -- node facts --------------------------------------------------------------------------------

NAME = "default-scheduler"  # the only schedulerName this simulated scheduler serves


def condition(obj: Obj, ctype: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == ctype:
            return cond
    return None


def node_ready(node: Obj) -> bool:
    cond = condition(node, "Ready")
    return cond is not None and cond.get("status") == "True"


def node_addresses(node: Obj, kind: str = "InternalIP") -> list[str]:
    return [a["address"] for a in (node.get("status") or {}).get("addresses") or []
            if isinstance(a, dict) and a.get("type") == kind and a.get("address")]


def pod_cidrs(node: Obj) -> list[str]:
    spec = node.get("spec") or {}
    return list(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))


# -- filters -----------------------------------------------------------------------------------

def tolerates(tolerations: Iterable[Any], taint: dict[str, Any]) -> bool:
    """v1.Toleration.ToleratesTaint for any of ``tolerations``."""
    for tol in tolerations:
        if not isinstance(tol, dict):
            continue
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        op = tol.get("operator") or "Equal"
        if not tol.get("key"):
            if op == "Exists":
                return True
            continue
        if tol.get("key") != taint.get("key"):
            continue
        if op == "Exists" or (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _expression_matches(expr: Any, values_of: dict[str, str]) -> bool:
    if not isinstance(expr, dict):
        return False
    key, op, values = str(expr.get("key") or ""), expr.get("operator"), expr.get("values") or []
    present = key in values_of
    if op == "In":
        return present and values_of[key] in values
    if op == "NotIn":
        return not present or values_of[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and len(values) == 1:
        try:
            have, want = int(values_of[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def matches_node_selection(pod: Obj, node: Obj) -> bool:
    """``nodeSelector`` and ``requiredDuringSchedulingIgnoredDuringExecution`` (terms are ORed;
    the expressions and fields of a term are ANDed)."""
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not isinstance(required, dict):
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in required.get("nodeSelectorTerms") or []:
        if not isinstance(term, dict):
            continue
        exprs, field_exprs = term.get("matchExpressions") or [], term.get("matchFields") or []
        if not exprs and not field_exprs:
            continue  # an empty term matches nothing
        if all(_expression_matches(e, labels) for e in exprs) and \
                all(_expression_matches(e, fields) for e in field_exprs):
            return True
    return False


def unfit_reason(pod: Obj, node: Obj) -> str | None:
    """Why ``pod`` cannot go to ``node`` (the first failing filter, in the default profile's
    order), or None when it fits."""
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    node_spec = node.get("spec") or {}
    if node_spec.get("unschedulable") and not tolerates(
            tolerations, {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}):
        return "node(s) were unschedulable"
    if not node_ready(node):  # the node lifecycle controller's not-ready:NoSchedule taint
        return f"node(s) had untolerated taint {{{NOT_READY_TAINT}: }}"
    for taint in node_spec.get("taints") or []:
        if isinstance(taint, dict) and taint.get("effect") in ("NoSchedule", "NoExecute") and \
                not tolerates(tolerations, taint):
            return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"
    if not matches_node_selection(pod, node):
        return SELECTOR_MISMATCH
    return None


def max_pods(node: Obj) -> int | float:
    """status.allocatable.pods (no limit when it is missing or not a number)."""
    value = ((node.get("status") or {}).get("allocatable") or {}).get("pods")
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return float("inf")


def unschedulable_message(reasons: list[str], total: int) -> str:
    """The scheduler's FitError text, with the preemption suffix."""
    if total == 0:
        return "no nodes available to schedule pods"
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    parts = sorted(f"{n} {reason}" for reason, n in counts.items())
    return (f"0/{total} nodes are available: {', '.join(parts)}. preemption: 0/{total} nodes are available: "
            f"{total} Preemption is not helpful for scheduling.")


def choose(pod: Obj, nodes: list[Obj], counts: dict[str, int]) -> tuple[Obj | None, str]:
    """The node for ``pod`` (fewest pods, then name) or (None, FailedScheduling message)."""
    fitting, reasons = [], []
    for node in nodes:
        reason = unfit_reason(pod, node)
        if reason is None and counts.get(node["metadata"]["name"], 0) >= max_pods(node):
            reason = "Too many pods"  # NodeResourcesFit on status.allocatable.pods
        if reason is None:
            fitting.append(node)
        else:
            reasons.append(reason)
    if not fitting:
        return None, unschedulable_message(reasons, len(nodes))
    best = min(fitting, key=lambda n: (counts.get(n["metadata"]["name"], 0), n["metadata"]["name"]))
    return best, ""


# -- queries -----------------------------------------------------------------------------------

class NodeView:
    """The nodes as the scheduler reads them, decoded once per change of the node set rather than
    once per pod: revalidated by the nodes' live signature (count, highest revision), one indexed
    aggregate that any node write changes, whichever process or transaction made it (a rolled-back
    write restores the old signature, which no longer matches, so the view reloads). Callers must
    not mutate the objects."""

    def __init__(self) -> None:
        self._cached: tuple[tuple[int, int], list[Obj]] | None = None

    def nodes(self, conn: Conn) -> list[Obj]:
        signature = store.live_signature(conn, "nodes", "")
        cached = self._cached
        if cached is not None and cached[0] == signature:
            return cached[1]
        nodes = [r.obj() for r in store.list_rows(conn, "nodes", "")]
        self._cached = (signature, nodes)
        return nodes


def pod_counts(conn: Conn, node_names: list[str]) -> dict[str, int]:
    """Pods bound to each node, by the ``node-pods`` index (primary-key ranges)."""
    return indexes.counts(conn, NODE_PODS, node_names)


def count_pod(conn: Conn, node: str, pod: Obj) -> None:
    meta = pod["metadata"]
    indexes.put(conn, NODE_PODS, node, meta.get("uid", ""), f"pods/{meta.get('namespace', '')}/{meta['name']}")


def unscheduled_pods(conn: Conn) -> list[store.Row]:
    """Live pods without spec.nodeName (by the node_name index), oldest first."""
    return store.without_node(conn, "pods")
