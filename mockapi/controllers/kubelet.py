"""Simulated scheduler and kubelet: binds unscheduled pods to a fitting node, starts bound pods on
Ready nodes (pod IP from the node's podCIDR, Running, Ready, container statuses), honours readiness
gates and follows node readiness. Writes go through the transaction (revisions, history, watch).

Work follows the change: a pod change touches that pod and its node; a node's Ready flip touches
the pods on that node (node_name index); only node changes that can make room retry pending pods.
A client's own /status writes are never fought: Ready is recomputed only when a readiness gate
condition or the node's readiness changes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..allocators import podip
from ..registry import RESOURCES_BY_KIND
from ..registry.base import Obj
from ..registry.objectmeta import now
from ..registry.rest import Change, Txn
from ..storage import store
from . import podstatus, recorder
from . import scheduler as sched

MANAGER = "kubelet"
PODS = RESOURCES_BY_KIND["Pod"]
NODES = RESOURCES_BY_KIND["Node"]


def _owner(pod: Obj) -> str:
    meta = pod["metadata"]
    return f"pods/{meta.get('namespace', '')}/{meta['name']}"


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def needs_kubelet(pod: Obj) -> bool:
    """Unbound, or bound and not started yet (and not being deleted)."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return not (pod.get("spec") or {}).get("nodeName") or _phase(pod) == "Pending"


def gates_changed(ch: Change) -> bool:
    if ch.old is None or ch.new is None or not podstatus.gates(ch.new):
        return False
    return podstatus.gate_conditions(ch.old) != podstatus.gate_conditions(ch.new)


def _sched_view(node: Obj) -> tuple[Any, ...]:
    spec = node.get("spec") or {}
    return (sched.node_ready(node), bool(spec.get("unschedulable")), spec.get("taints"),
            (node.get("metadata") or {}).get("labels"))


class _Pass:
    """One controller pass over a batch: caches the node list and the per-node pod counts."""

    def __init__(self, txn: Txn, view: sched.NodeView) -> None:
        self.txn = txn
        self.view = view
        self._nodes: list[Obj] | None = None
        self._counts: dict[str, int] | None = None
        self.scheduled = self.started = 0

    # -- reads ---------------------------------------------------------------------------------
    def nodes(self) -> list[Obj]:
        if self._nodes is None:
            self._nodes = self.view.nodes(self.txn.conn)
        return self._nodes

    def counts(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = sched.pod_counts(self.txn.conn, [n["metadata"]["name"] for n in self.nodes()])
        return self._counts

    # -- writes --------------------------------------------------------------------------------
    def write_status(self, pod: Obj, status: Obj) -> None:
        if pod.get("status") == status:
            return
        new = copy.deepcopy(pod)
        new["status"] = status
        self.txn.apply_update(PODS, new, pod, manager=MANAGER, subresource="status")

    def status_on(self, pod: Obj, node: Obj, stamp: str) -> Obj:
        """Start ``pod`` on ``node``: a pod IP (or the node's, for hostNetwork), then Running; Pending
        ContainerCreating when the node's pod range is full."""
        name = node["metadata"]["name"]
        sched.count_pod(self.txn.conn, name, pod)
        host_ips = sched.node_addresses(node)[:2]
        if (pod.get("spec") or {}).get("hostNetwork"):
            pod_ips: list[str] | None = host_ips
        else:
            pod_ips = podip.allocate(self.txn.conn, name, sched.pod_cidrs(node), _owner(pod))
        if pod_ips is None:
            return podstatus.creating(pod, host_ips, stamp)
        self.started += 1
        return podstatus.running(pod, host_ips, pod_ips, stamp)

    def schedule(self, pod: Obj) -> None:
        if (pod.get("spec") or {}).get("schedulerName", sched.NAME) != sched.NAME:
            return  # another scheduler's pod: it stays Pending until that scheduler POSTs pods/binding
        node, message = sched.choose(pod, self.nodes(), self.counts())
        stamp = now()
        if node is None:
            before = podstatus.get_condition(pod.get("status") or {}, "PodScheduled") or {}
            self.write_status(pod, podstatus.unschedulable(pod, message, stamp))
            if before.get("message") != message:  # a new reason, not the same failure again
                recorder.scheduler_event(self.txn, pod, "FailedScheduling", message, warning=True)
            return
        name = node["metadata"]["name"]
        bound = copy.deepcopy(pod)
        bound["spec"]["nodeName"] = name
        podstatus.set_condition(bound.setdefault("status", {}), "PodScheduled", "True", stamp)
        bound["status"] = self.status_on(bound, node, stamp)
        self.counts()[name] = self.counts().get(name, 0) + 1
        self.txn.replace(PODS, bound, pod)  # the binding: spec.nodeName is not an update a client may make
        self.txn.changes[-1].manager = MANAGER
        self.scheduled += 1
        meta = pod["metadata"]
        recorder.scheduler_event(self.txn, pod, "Scheduled",
                                 f"Successfully assigned {meta.get('namespace', '')}/{meta['name']} to {name}")
        self.started_events(bound, name)

    def started_events(self, pod: Obj, node: str) -> None:
        if (pod.get("status") or {}).get("phase") == "Running":
            recorder.containers_started(self.txn, pod, node)

    def start(self, pod: Obj) -> None:
        node = self.txn.get(NODES, "", pod["spec"]["nodeName"])
        if node is not None and sched.node_ready(node):
            status = self.status_on(pod, node, now())
            self.write_status(pod, status)
            self.started_events({**pod, "status": status}, node["metadata"]["name"])

    def recompute_ready(self, pod: Obj) -> None:
        status = copy.deepcopy(pod.get("status") or {})
        containers = podstatus.get_condition(status, "ContainersReady")
        ready, reason, message = podstatus.ready_condition(pod, bool(containers and containers.get("status") == "True"))
        podstatus.set_condition(status, "Ready", ready, now(), reason, message)
        self.write_status(pod, status)

    # -- keys ----------------------------------------------------------------------------------
    def pod(self, namespace: str, name: str, recompute: bool) -> None:
        pod = self.txn.get(PODS, namespace, name)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        if not (pod.get("spec") or {}).get("nodeName"):
            self.schedule(pod)
        elif _phase(pod) == "Pending":
            self.start(pod)
        elif recompute and _phase(pod) == "Running":
            self.recompute_ready(pod)

    def node(self, name: str, follow_ready: bool) -> None:
        """Start the pending pods of a Ready node; with ``follow_ready``, also mirror the node's
        readiness onto its running pods (ContainersReady and Ready)."""
        node = self.txn.get(NODES, "", name)
        if node is None:
            return
        ready = sched.node_ready(node)
        for row in store.list_rows(self.txn.conn, PODS.key, None, node_name=name):
            pod = row.obj()
            phase = _phase(pod)
            if phase == "Pending" and ready and not pod["metadata"].get("deletionTimestamp"):
                status = self.status_on(pod, node, now())
                self.write_status(pod, status)
                self.started_events({**pod, "status": status}, name)
            elif phase == "Running" and follow_ready:
                status = copy.deepcopy(pod.get("status") or {})
                podstatus.set_ready(pod, status, ready, now())
                self.write_status(pod, status)

    def pending(self) -> None:
        """Retry every unscheduled pod (highest priority, then oldest, first)."""
        pods = [r.obj() for r in sched.unscheduled_pods(self.txn.conn)]
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        pods.sort(key=lambda p: (-int((p.get("spec") or {}).get("priority") or 0),
                                 p["metadata"].get("creationTimestamp", ""), p["metadata"].get("namespace", ""),
                                 p["metadata"]["name"]))
        for pod in pods:
            self.schedule(pod)


# key phases, in the order a batch is handled: pods (namespace, name, recompute Ready?), nodes whose
# readiness flipped or that appeared (name, follow readiness?), then the retry of pending pods
_POD, _NODE, _PENDING = 0, 1, 2
_PASS = "kubelet-pass"  # txn.memo: the _Pass of the batch being handled (its node list and counts)


class KubeletController:
    """Keys are tagged tuples (see the phases above); one ``_Pass`` serves all keys of a batch."""

    name = MANAGER

    def __init__(self) -> None:
        self.view = sched.NodeView()  # this server's decoded nodes, revalidated per batch

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> list[tuple[Any, ...]]:
        pods: dict[tuple[str, str], bool] = {}
        nodes: dict[str, bool] = {}  # nodes whose readiness flipped (or that appeared)
        retry = False
        for ch in changes:
            kind = ch.rt.kind
            if kind == "Pod" and ch.new is not None and ch.manager != MANAGER:
                recompute = gates_changed(ch)
                if recompute or needs_kubelet(ch.new):
                    meta = ch.new["metadata"]
                    key = (meta.get("namespace", ""), meta["name"])
                    pods[key] = pods.get(key, False) or recompute
            elif kind == "Pod" and ch.new is None and ((ch.old or {}).get("spec") or {}).get("nodeName"):
                retry = True  # a bound pod went: its node has room again ("Too many pods")
            elif kind == "Node" and ch.new is not None:
                name = ch.new["metadata"]["name"]
                if ch.old is None or sched.node_ready(ch.old) != sched.node_ready(ch.new):
                    nodes[name] = True
                if sched.node_ready(ch.new) and (ch.old is None or _sched_view(ch.old) != _sched_view(ch.new)):
                    retry = True
        keys: list[tuple[Any, ...]] = [(_POD, ns, name, recompute) for (ns, name), recompute in pods.items()]
        keys += [(_NODE, name, flipped) for name, flipped in nodes.items()]
        if retry:
            keys.append((_PENDING,))
        if keys:
            txn.memo[_PASS] = _Pass(txn, self.view)  # a fresh view for this batch
        return keys

    def reconcile(self, txn: Txn, key: tuple[Any, ...]) -> None:
        run = txn.memo.get(_PASS)
        if run is None:
            run = txn.memo[_PASS] = _Pass(txn, self.view)
        if key[0] == _POD:
            run.pod(key[1], key[2], key[3])
        elif key[0] == _NODE:
            run.node(key[1], follow_ready=key[2])
        else:
            run.pending()

    def resync(self, txn: Txn) -> dict[str, int]:
        """Schedule every unscheduled pod and start every pending pod on a Ready node."""
        run = _Pass(txn, self.view)
        run.pending()
        for node in run.nodes():
            if sched.node_ready(node):
                run.node(node["metadata"]["name"], follow_ready=False)
        return {"scheduled": run.scheduled, "started": run.started}
