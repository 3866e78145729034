"""Events the simulated control plane records, as `kubectl describe` and `kubectl get events` show them
on a real cluster: the scheduler's ``Scheduled`` / ``FailedScheduling`` (events.k8s.io style: eventTime,
action, reportingComponent) and the kubelet's ``Pulled`` / ``Created`` / ``Started`` per container
(client-go's legacy recorder: source, first/lastTimestamp, count). Written in the caller's transaction;
never fails the write that caused them (a terminating namespace takes no events)."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import Any

from ..errors import StatusError, is_forbidden, is_not_found
from ..patch import managedfields
from ..registry import RESOURCES_BY_KIND, objectmeta
from ..registry.base import Obj
from ..registry.objectmeta import now
from ..registry.rest import Txn

EVENTS = RESOURCES_BY_KIND["Event"]
SCHEDULER = "default-scheduler"
KUBELET = "kubelet"
_lock = threading.Lock()
_last = [0]


def _stamp_ns() -> int:
    """Nanoseconds since the epoch, strictly increasing in this process (event names must not collide)."""
    with _lock:
        _last[0] = max(time.time_ns(), _last[0] + 1)
        return _last[0]


def _micro_time() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def involved(pod: Obj, field_path: str = "") -> Obj:
    md = pod["metadata"]
    ref = {"apiVersion": "v1", "kind": "Pod", "namespace": md.get("namespace", ""), "name": md["name"],
           "uid": md.get("uid", ""), "resourceVersion": md.get("resourceVersion", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def _namespace_open(txn: Txn, namespace: str) -> bool:
    """NamespaceLifecycle, once per namespace and transaction: no events in a missing or terminating one."""
    key = ("recorder-namespace-open", namespace)
    if key not in txn.memo:
        try:
            txn.registry.namespace_state(txn.conn, namespace, EVENTS, "")
            txn.memo[key] = True
        except StatusError as err:
            if not (is_forbidden(err) or is_not_found(err)):
                raise
            txn.memo[key] = False
    return bool(txn.memo[key])


def _create(txn: Txn, event: Obj, component: str) -> None:
    """Store an event we built (valid by construction: no validation pass), with the managedFields
    entry its component's client would get; several per pod start, so this path is kept lean."""
    if not getattr(txn.registry.config, "events", True):
        return
    namespace = event["involvedObject"]["namespace"]
    if not _namespace_open(txn, namespace):
        return
    objectmeta.fill_for_create(EVENTS, event, namespace)
    managedfields.record_create(EVENTS, event, event, managedfields.Manager(component), now())
    txn.insert(EVENTS, event)
    txn.changes[-1].manager = component


def scheduler_event(txn: Txn, pod: Obj, reason: str, message: str, warning: bool = False) -> None:
    """``Scheduled`` (Normal, action Binding) or ``FailedScheduling`` (Warning, action Scheduling)."""
    name = pod["metadata"]["name"]
    _create(txn, {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{name}.{_stamp_ns():x}"},
        "involvedObject": involved(pod), "reason": reason, "message": message,
        "type": "Warning" if warning else "Normal", "action": "Scheduling" if warning else "Binding",
        "eventTime": _micro_time(), "reportingComponent": SCHEDULER, "reportingInstance": SCHEDULER,
        "source": {},
    }, SCHEDULER)


def kubelet_event(txn: Txn, pod: Obj, node: str, field_path: str, reason: str, message: str,
                  warning: bool = False) -> None:
    name = pod["metadata"]["name"]
    stamp = now()
    _create(txn, {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{name}.{_stamp_ns():x}"},
        "involvedObject": involved(pod, field_path), "reason": reason, "message": message,
        "type": "Warning" if warning else "Normal", "source": {"component": KUBELET, "host": node},
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
        "reportingComponent": KUBELET, "reportingInstance": node,
    }, KUBELET)


def containers_started(txn: Txn, pod: Obj, node: str) -> None:
    """What the kubelet reports when it starts a pod: per init container and container, the image is
    present, the container created and started (the simulated runtime pulls nothing)."""
    spec: dict[str, Any] = pod.get("spec") or {}
    for group, path in (("initContainers", "spec.initContainers"), ("containers", "spec.containers")):
        for c in spec.get(group) or []:
            cname = c.get("name", "")
            where = f"{path}{{{cname}}}"
            kubelet_event(txn, pod, node, where, "Pulled",
                          f'Container image "{c.get("image", "")}" already present on machine')
            kubelet_event(txn, pod, node, where, "Created", f"Created container {cname}")
            kubelet_event(txn, pod, node, where, "Started", f"Started container {cname}")
