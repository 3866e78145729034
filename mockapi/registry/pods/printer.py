"""kubectl get pods: the columns and row of pkg/printers/internalversion printPod."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import printing as p
from ..base import Obj


def _pod_row(obj: Obj, now: datetime) -> list[Any]:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, p.meta(obj)
    total = len(spec.get("containers") or [])
    reason = status.get("reason") or status.get("phase") or ""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    restarts = ready = 0
    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += int(cs.get("restartCount") or 0)
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or (f"Signal:{term['signal']}" if term.get("signal")
                                                        else f"ExitCode:{term.get('exitCode', 0)}"))
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        initializing = True
        break
    if not initializing:
        restarts = 0
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode', 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or [])
            reason = "Running" if pod_ready else "NotReady"
    if meta.get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    gates = spec.get("readinessGates") or []
    if gates:
        true_types = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        gates_cell = f"{sum(1 for g in gates if g.get('conditionType') in true_types)}/{len(gates)}"
    else:
        gates_cell = "<none>"
    return [meta.get("name", ""), f"{ready}/{total}", reason, str(restarts), p.age(meta.get("creationTimestamp"), now),
            p.none(status.get("podIP")), p.none(spec.get("nodeName")), p.none(status.get("nominatedNodeName")),
            gates_cell]


PRINTER = p.Printer((
    p.NAME,
    p.Column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    p.Column('Status', 'The aggregate status of the containers in this pod.'),
    p.Column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    p.AGE,
    p.Column('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    p.Column('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    p.Column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    p.Column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
), _pod_row)
