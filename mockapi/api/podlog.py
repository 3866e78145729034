"""GET /api/v1/namespaces/{ns}/pods/{name}/log: a simulated container log, text/plain.

There are no real containers, so the log is derived from the pod: one line when the container
started (image, node, pod IP), one per declared port, one when it became ready, and one when it
exited. The checks and messages are upstream's: the apiserver's validateContainer and
ValidatePodLogOptions, then the kubelet's validateContainerLogStatus (its errors reach clients
as 400). A pod not yet bound to a node has an empty log, as the apiserver answers then.
``follow`` answers what there is and ends the stream (the simulated containers write nothing more).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Request, Response

from ..errors import Cause, bad_request, invalid
from ..registry.base import Obj
from .wire import flag, int_param

CONTENT_TYPE = "text/plain"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _names(containers: Any) -> list[str]:
    return [str(c.get("name", "")) for c in containers or [] if isinstance(c, dict)]


def validate_container(pod: Obj, container: str) -> str:
    """The container whose log is read (pkg/registry/core/pod validateContainer), or a 400."""
    spec = pod.get("spec") or {}
    name = pod["metadata"]["name"]
    containers, inits = _names(spec.get("containers")), _names(spec.get("initContainers"))
    ephemeral = _names(spec.get("ephemeralContainers"))
    if not container:
        if len(containers) == 1:
            return containers[0]
        if not containers:
            raise bad_request(f"a container name must be specified for pod {name}")
        message = (f"a container name must be specified for pod {name}, "
                   f"choose one of: [{' '.join(containers)}]")
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        if ephemeral:
            message += f" or one of the ephemeral containers: [{' '.join(ephemeral)}]"
        raise bad_request(message)
    if container not in containers + inits + ephemeral:
        raise bad_request(f"container {container} is not valid for pod {name}")
    return container


def _options(request: Request, name: str) -> dict[str, Any]:
    """PodLogOptions from the query, validated as ValidatePodLogOptions (422 PodLogOptions ...)."""
    args = request.args
    opts: dict[str, Any] = {
        "container": args.get("container") or "",
        "follow": flag(args, "follow"),
        "previous": flag(args, "previous"),
        "timestamps": flag(args, "timestamps"),
        "tailLines": int_param(args, "tailLines"),
        "limitBytes": int_param(args, "limitBytes"),
        "sinceSeconds": int_param(args, "sinceSeconds"),
        "sinceTime": None,
    }
    since_time = args.get("sinceTime")
    if since_time:
        try:
            opts["sinceTime"] = _parse_time(since_time)
        except ValueError:
            raise bad_request(f'parsing time "{since_time}" as "2006-01-02T15:04:05Z07:00": cannot parse '
                              f'"{since_time}" as a RFC3339 time') from None
    causes: list[Cause] = []
    if opts["tailLines"] is not None and opts["tailLines"] < 0:
        causes.append(Cause.invalid("tailLines", opts["tailLines"], "must be greater than or equal to 0"))
    if opts["limitBytes"] is not None and opts["limitBytes"] < 1:
        causes.append(Cause.invalid("limitBytes", opts["limitBytes"], "must be greater than 0"))
    if opts["sinceSeconds"] is not None and opts["sinceTime"] is not None:
        causes.append(Cause.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
    elif opts["sinceSeconds"] is not None and opts["sinceSeconds"] < 1:
        causes.append(Cause.invalid("sinceSeconds", opts["sinceSeconds"], "must be greater than 0"))
    if causes:
        raise invalid("PodLogOptions", name, causes)
    return opts


def _parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed.astimezone(dt.UTC)


def _stamp(when: dt.datetime) -> str:
    """time.RFC3339Nano, as the kubelet prefixes lines with ``timestamps=true``."""
    frac = f"{when.microsecond:06d}000".rstrip("0")
    return when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def _container_status(pod: Obj, container: str) -> Obj | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if isinstance(cs, dict) and cs.get("name") == container:
                return cs
    return None


def _instance(pod: Obj, container: str, previous: bool) -> tuple[Obj, Obj]:
    """(container status, the state whose log is read: running or terminated), or the kubelet's 400."""
    name = pod["metadata"]["name"]
    cs = _container_status(pod, container)
    if cs is None:
        raise bad_request(f'container "{container}" in pod "{name}" is not available')
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    waiting, running, terminated = state.get("waiting"), state.get("running"), state.get("terminated")
    last_terminated = last.get("terminated")
    if previous:
        if not last_terminated or not last_terminated.get("containerID"):
            raise bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        return cs, {"terminated": last_terminated}
    if running is not None:
        return cs, {"running": running}
    if terminated is not None:
        if terminated.get("containerID"):
            return cs, {"terminated": terminated}
        if last_terminated and last_terminated.get("containerID"):  # the next instance never started
            return cs, {"terminated": last_terminated}
        raise bad_request(f'container "{container}" in pod "{name}" is terminated')
    if last_terminated is not None:
        if not last_terminated.get("containerID"):
            raise bad_request(f'container "{container}" in pod "{name}" is terminated')
        return cs, {"terminated": last_terminated}
    if waiting is not None:
        reason = waiting.get("reason") or ""
        detail = {"ErrImagePull": "image can't be pulled",
                  "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
        raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: {detail}')
    raise bad_request(f'container "{container}" in pod "{name}" is waiting to start - no logs yet')


def _spec_container(pod: Obj, container: str) -> Obj:
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict) and c.get("name") == container:
                return c
    return {}


def simulated_lines(pod: Obj, container: str, cs: Obj, state: Obj) -> list[tuple[dt.datetime, str]]:
    """The lines the simulated container wrote, each with the time it wrote it."""
    meta, status = pod["metadata"], pod.get("status") or {}
    spec_c = _spec_container(pod, container)
    run = state.get("running") or state.get("terminated") or {}
    started = _time(run.get("startedAt")) or _time(status.get("startTime")) or _time(
        meta.get("creationTimestamp")) or _EPOCH
    image = cs.get("image") or spec_c.get("image") or ""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    lines: list[str] = [(f'mockapi: container "{container}" started from image {image} in pod '
                         f'{meta.get("namespace", "")}/{meta["name"]} on node {node}')]
    ip = status.get("podIP")
    if ip:
        lines.append(f"mockapi: pod IP {ip}")
    for port in spec_c.get("ports") or []:
        if isinstance(port, dict) and port.get("containerPort"):
            named = f" ({port['name']})" if port.get("name") else ""
            proto = port.get("protocol", "TCP")
            lines.append(f"mockapi: listening on port {port['containerPort']}/{proto}{named}")
    if cs.get("ready") and "running" in state:
        lines.append("mockapi: ready")
    out = [(started + dt.timedelta(milliseconds=i), text) for i, text in enumerate(lines)]
    terminated = state.get("terminated")
    if terminated:
        finished = _time(terminated.get("finishedAt")) or out[-1][0]
        finished = max(finished, out[-1][0] + dt.timedelta(milliseconds=1))
        reason = terminated.get("reason") or ""
        out.append((finished, f"mockapi: exited with code {terminated.get('exitCode', 0)}"
                              + (f" ({reason})" if reason else "")))
    return out


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _parse_time(value)
    except ValueError:
        return None


def serve(pod: Obj, request: Request) -> Response:
    """The log of one container of ``pod`` for this request's PodLogOptions."""
    name = pod["metadata"]["name"]
    opts = _options(request, name)
    container = validate_container(pod, opts["container"])
    if not (pod.get("spec") or {}).get("nodeName"):
        return Response(b"", status=200, content_type=CONTENT_TYPE)  # no host yet: nothing to read
    cs, state = _instance(pod, container, opts["previous"])
    lines = simulated_lines(pod, container, cs, state)
    since = opts["sinceTime"]
    if opts["sinceSeconds"] is not None:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=opts["sinceSeconds"])
    if since is not None:
        lines = [(when, text) for when, text in lines if when >= since]
    if opts["tailLines"] is not None:
        lines = lines[len(lines) - opts["tailLines"]:] if opts["tailLines"] else []
    body = "".join((f"{_stamp(when)} " if opts["timestamps"] else "") + text + "\n"
                   for when, text in lines).encode()
    if opts["limitBytes"] is not None:
        body = body[:opts["limitBytes"]]
    return Response(body, status=200, content_type=CONTENT_TYPE)
