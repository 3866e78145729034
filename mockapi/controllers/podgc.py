"""Pod garbage collection for deleted nodes (pkg/controller/podgc, gcOrphaned): when a Node goes, the
pods bound to it are marked with the ``DisruptionTarget`` condition (reason ``DeletionByPodGC``) and
deleted at once (grace period 0), so Endpoints, EndpointSlices, the routing table and DNS drop them.
Upstream waits a 40 s quarantine first; here it happens in the node delete's transaction
(read-your-writes). Work follows the change: only the deleted node's pods (node_name index)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from ..errors import StatusError, is_conflict, is_not_found
from ..registry import RESOURCES_BY_KIND
from ..registry.objectmeta import now
from ..registry.rest import Change, Txn
from ..storage import store
from . import podstatus

NAME = "pod-garbage-collector"
PODS = RESOURCES_BY_KIND["Pod"]
MESSAGE = "PodGC: node no longer exists"


def collect_node(txn: Txn, node: str) -> int:
    """Delete every pod bound to ``node`` (which no longer exists); returns how many."""
    gone = 0
    for row in store.list_rows(txn.conn, PODS.key, None, node_name=node):
        pod = row.obj()
        try:
            marked = copy.deepcopy(pod)
            status = marked.setdefault("status", {})
            podstatus.set_condition(status, "DisruptionTarget", "True", now(), "DeletionByPodGC", MESSAGE)
            if status.get("phase") not in ("Succeeded", "Failed"):  # no kubelet will ever end it
                status["phase"] = "Failed"
            if marked != pod:
                pod = txn.apply_update(PODS, marked, pod, manager=NAME, subresource="status")
            txn.delete(PODS, pod, grace_period=0)
            txn.changes[-1].manager = NAME
            gone += 1
        except StatusError as err:
            if not (is_not_found(err) or is_conflict(err)):
                raise
    return gone


class PodGC:
    """Keys are the names of deleted Nodes; ``resync`` finds pods bound to nodes that do not exist."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[str]:
        return {ch.old["metadata"]["name"] for ch in changes
                if ch.rt.kind == "Node" and ch.new is None and ch.old is not None}

    def reconcile(self, txn: Txn, node: str) -> int:
        return collect_node(txn, node)

    def resync(self, txn: Txn) -> dict[str, int]:
        """Pods bound to nodes that do not exist (POST /mock/reconcile, start-up)."""
        nodes = {row.name for row in store.list_rows(txn.conn, "nodes", "")}
        bound = {row.obj().get("spec", {}).get("nodeName") for row in store.list_rows(txn.conn, PODS.key)}
        return {"deleted": sum(collect_node(txn, n) for n in sorted(b for b in bound if b and b not in nodes))}
