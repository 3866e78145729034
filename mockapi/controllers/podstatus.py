"""Pod status as a kubelet writes it (kubelet_pods.go generateAPIPodStatus, status/generate.go):
conditions with transition times, the Ready rule with readiness gates, container statuses with
containerd-style IDs. Pure functions of the pod, its node and its IPs; no storage.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from ..registry.base import Obj

#: the order a v1.31 kubelet lists pod conditions in
CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def _sha(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def normalize_image(image: str) -> tuple[str, str]:
    """(image as containerd reports it, imageID): ``nginx`` -> ``docker.io/library/nginx:latest``."""
    name, _, digest = image.partition("@")
    tag = ""
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    parts = name.split("/")
    if len(parts) == 1 or not ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        name = "docker.io/" + ("library/" + name if len(parts) == 1 else name)
    shown = f"{name}@{digest}" if digest else f"{name}:{tag or 'latest'}"
    return shown, f"{name}@{digest or 'sha256:' + _sha(image)}"


def get_condition(status: Obj, ctype: str) -> dict[str, Any] | None:
    for cond in status.get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == ctype:
            return cond
    return None


def set_condition(status: Obj, ctype: str, value: str, now: str, reason: str | None = None,
                  message: str | None = None) -> None:
    """Set one condition in place; lastTransitionTime changes only when the status does."""
    conds = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    old = next((c for c in conds if c.get("type") == ctype), None)
    cond: dict[str, Any] = {"type": ctype, "status": value, "lastProbeTime": None,
                            "lastTransitionTime": old.get("lastTransitionTime", now)
                            if old is not None and old.get("status") == value else now}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    if old is not None:
        conds[conds.index(old)] = cond
    else:
        conds.append(cond)
    rank = {t: i for i, t in enumerate(CONDITION_ORDER)}
    status["conditions"] = sorted(conds, key=lambda c: rank.get(c.get("type", ""), len(rank)))


def container_names(pod: Obj) -> list[str]:
    return [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]


def gates(pod: Obj) -> list[str]:
    return [g.get("conditionType", "") for g in (pod.get("spec") or {}).get("readinessGates") or []
            if isinstance(g, dict)]


def gate_conditions(pod: Obj) -> list[Any]:
    """The conditions the pod's readiness gates name (to tell whether a write changed them)."""
    status = pod.get("status") or {}
    return [(get_condition(status, g) or {}).get("status") for g in gates(pod)]


def ready_condition(pod: Obj, containers_ready: bool) -> tuple[str, str | None, str | None]:
    """status/generate.go GeneratePodReadyCondition: (status, reason, message)."""
    if not containers_ready:
        names = " ".join(container_names(pod))
        return "False", "ContainersNotReady", f"containers with unready status: [{names}]"
    status = pod.get("status") or {}
    unready = []
    for gate in gates(pod):
        cond = get_condition(status, gate)
        if cond is None:
            unready.append(f'corresponding condition of pod readiness gate "{gate}" does not exist.')
        elif cond.get("status") != "True":
            unready.append(f'the status of pod readiness gate "{gate}" is not "True", but {cond.get("status")}')
    if unready:
        return "False", "ReadinessGatesNotReady", ", ".join(unready)
    return "True", None, None


def set_ready(pod: Obj, status: Obj, containers_ready: bool, now: str) -> None:
    """ContainersReady, the containers' ``ready`` flags and Ready (gates included), in place."""
    names = " ".join(container_names(pod))
    if containers_ready:
        set_condition(status, "ContainersReady", "True", now)
    else:
        set_condition(status, "ContainersReady", "False", now, "ContainersNotReady",
                      f"containers with unready status: [{names}]")
    for cs in status.get("containerStatuses") or []:
        if isinstance(cs, dict) and "running" in (cs.get("state") or {}):
            cs["ready"] = containers_ready
    ready, reason, message = ready_condition(dict(pod, status=status), containers_ready)
    set_condition(status, "Ready", ready, now, reason, message)


def _container_status(pod: Obj, c: Obj, now: str, *, init: bool) -> Obj:
    uid = pod["metadata"].get("uid", "")
    image, image_id = normalize_image(str(c.get("image", "")))
    cid = "containerd://" + _sha(uid, c.get("name", ""), "0")
    out: Obj = {"name": c.get("name", ""), "state": {}, "lastState": {}, "ready": True, "restartCount": 0,
                "image": image, "imageID": image_id, "containerID": cid, "started": True}
    if init and c.get("restartPolicy") != "Always":  # a finished init container (not a sidecar)
        out["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now,
                                       "finishedAt": now, "containerID": cid}}
        out["started"] = False
    else:
        out["state"] = {"running": {"startedAt": now}}
    return out


def _waiting_status(c: Obj) -> Obj:
    image, _ = normalize_image(str(c.get("image", "")))
    return {"name": c.get("name", ""), "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {},
            "ready": False, "restartCount": 0, "image": image, "imageID": "", "started": False}


def _ip_list(ips: list[str]) -> list[Obj]:
    return [{"ip": ip} for ip in ips]


def running(pod: Obj, host_ips: list[str], pod_ips: list[str], now: str, node_ready: bool = True) -> Obj:
    """The status of a pod whose containers all started (phase Running)."""
    spec = pod.get("spec") or {}
    status = copy.deepcopy(pod.get("status") or {})
    status["phase"] = "Running"
    for key in ("reason", "message", "nominatedNodeName"):
        status.pop(key, None)
    set_condition(status, "PodReadyToStartContainers", "True", now)
    set_condition(status, "Initialized", "True", now)
    set_condition(status, "PodScheduled", "True", now)
    if host_ips:
        status["hostIP"], status["hostIPs"] = host_ips[0], _ip_list(host_ips)
    if pod_ips:
        status["podIP"], status["podIPs"] = pod_ips[0], _ip_list(pod_ips)
    status["startTime"] = status.get("startTime") or now
    inits = [c for c in spec.get("initContainers") or [] if isinstance(c, dict)]
    if inits:
        status["initContainerStatuses"] = [_container_status(pod, c, now, init=True) for c in inits]
    status["containerStatuses"] = [_container_status(pod, c, now, init=False)
                                   for c in spec.get("containers") or [] if isinstance(c, dict)]
    set_ready(pod, status, node_ready, now)
    return status


def creating(pod: Obj, host_ips: list[str], now: str) -> Obj:
    """A pod the kubelet accepted but could not give a sandbox (no pod IP left): Pending."""
    status = copy.deepcopy(pod.get("status") or {})
    status["phase"] = "Pending"
    set_condition(status, "PodReadyToStartContainers", "False", now)
    set_condition(status, "Initialized", "True", now)
    set_condition(status, "PodScheduled", "True", now)
    if host_ips:
        status["hostIP"], status["hostIPs"] = host_ips[0], _ip_list(host_ips)
    status["startTime"] = status.get("startTime") or now
    status["containerStatuses"] = [_waiting_status(c) for c in (pod.get("spec") or {}).get("containers") or []
                                   if isinstance(c, dict)]
    set_ready(pod, status, False, now)
    return status


def unschedulable(pod: Obj, message: str, now: str) -> Obj:
    status = copy.deepcopy(pod.get("status") or {})
    status["phase"] = "Pending"
    set_condition(status, "PodScheduled", "False", now, "Unschedulable", message)
    return status
