"""Table columns and cells per kind, as kube-apiserver prints them (pkg/printers/internalversion/
printers.go): pure functions from an object to its row. Ages use apimachinery's HumanDuration."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

Obj = dict[str, Any]
Column = tuple[str, str, int]  # name, description, priority (1 = only with -o wide)

_NAME_DESC = ("Name must be unique within a namespace. Is required when creating resources, although some "
              "resources may allow a client to request the generation of an appropriate name automatically. "
              "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
              "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_AGE_DESC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is "
             "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
             "this value. It is represented in RFC3339 form and is in UTC.")


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def _parse_time(value: Any) -> _dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(value: Any, now: _dt.datetime) -> str:
    when = _parse_time(value)
    if when is None:
        return "<unknown>"
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return human_duration((now - when).total_seconds())


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _none(value: Any) -> str:
    return str(value) if value not in (None, "") else "<none>"


def _first_n(items: list[str], n: int = 3) -> str:
    if len(items) > n:
        return ",".join(items[:n]) + f" + {len(items) - n} more..."
    return ",".join(items)


# -- Pod --------------------------------------------------------------------------------------------

def _pod_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, _meta(obj)
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
    return [meta.get("name", ""), f"{ready}/{total}", reason, str(restarts), age(meta.get("creationTimestamp"), now),
            _none(status.get("podIP")), _none(spec.get("nodeName")), _none(status.get("nominatedNodeName")),
            gates_cell]


POD_COLUMNS: list[Column] = [
    ("Name", _NAME_DESC, 0), ("Ready", "The aggregate readiness state of this pod for accepting traffic.", 0),
    ("Status", "The aggregate status of the containers in this pod.", 0),
    ("Restarts", "The number of times the containers in this pod have been restarted and when the last container "
                 "in this pod has restarted.", 0),
    ("Age", _AGE_DESC, 0), ("IP", "IP address allocated to the pod. Routable at least within the cluster. Empty if "
                                  "not yet allocated.", 1),
    ("Node", "NodeName is a request to schedule this pod onto a specific node.", 1),
    ("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
    ("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
]


# -- Namespace, Node, Event, Service ------------------------------------------------------------------

def _namespace_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta = _meta(obj)
    return [meta.get("name", ""), (obj.get("status") or {}).get("phase", ""), age(meta.get("creationTimestamp"), now)]


def _node_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = {"True": "Ready", "False": "NotReady"}.get(ready or "", "Unknown")
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted({k.split("/", 1)[1] for k in (meta.get("labels") or {})
                    if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1]}
                   | ({(meta.get("labels") or {})["kubernetes.io/role"]}
                      if (meta.get("labels") or {}).get("kubernetes.io/role") else set()))
    info = status.get("nodeInfo") or {}
    addrs = status.get("addresses") or []
    internal = next((a.get("address") for a in addrs if a.get("type") == "InternalIP"), None)
    external = next((a.get("address") for a in addrs if a.get("type") == "ExternalIP"), None)
    return [meta.get("name", ""), state, ",".join(roles) or "<none>", age(meta.get("creationTimestamp"), now),
            info.get("kubeletVersion", ""), _none(internal), _none(external),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _event_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta, inv, source = _meta(obj), obj.get("involvedObject") or {}, obj.get("source") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
    first = obj.get("firstTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    src = f"{component}, {host}" if component and host else component or host
    return [age(last, now), obj.get("type", ""), obj.get("reason", ""),
            f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}", inv.get("fieldPath", ""), src,
            (obj.get("message") or "").strip(), age(first, now), int(obj.get("count") or 1), meta.get("name", "")]


def _service_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    stype = spec.get("type") or "ClusterIP"
    cluster_ip = (spec.get("clusterIPs") or [spec.get("clusterIP")] or [None])[0] or "<none>"
    external = list(spec.get("externalIPs") or [])
    if stype == "LoadBalancer":
        ingress = [i.get("ip") or i.get("hostname") for i in (status.get("loadBalancer") or {}).get("ingress") or []]
        external = [i for i in ingress if i] + external
        ext_cell = ",".join(external) if external else "<pending>"
    elif stype == "ExternalName":
        ext_cell = spec.get("externalName") or "<none>"
    else:
        ext_cell = ",".join(external) if external else "<none>"
    ports = []
    for p in spec.get("ports") or []:
        proto = p.get("protocol") or "TCP"
        ports.append(f"{p.get('port')}:{p['nodePort']}/{proto}" if p.get("nodePort") else f"{p.get('port')}/{proto}")
    selector = spec.get("selector") or {}
    return [meta.get("name", ""), stype, cluster_ip, ext_cell, ",".join(ports) or "<none>",
            age(meta.get("creationTimestamp"), now),
            ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"]


def _endpoints_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    """formatEndpoints: ip:port per address x port (ip alone without ports), first 3 + N more."""
    meta, items = _meta(obj), []
    subsets = obj.get("subsets") or []
    for ss in subsets:  # ready addresses only; ports outer, addresses inner (as printers.go)
        ports = ss.get("ports") or []
        addrs = [a.get("ip", "") for a in ss.get("addresses") or []]
        if not ports:
            items.extend(addrs)
        for p in ports:
            items.extend(f"[{ip}]:{p.get('port')}" if ":" in ip else f"{ip}:{p.get('port')}" for ip in addrs)
    cell = "<none>" if not subsets else _first_n(items)
    return [meta.get("name", ""), cell, age(meta.get("creationTimestamp"), now)]


def _slice_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    """formatDiscoveryPorts / formatDiscoveryEndpoints: first 3 + N more, <unset> when empty."""
    meta = _meta(obj)
    ports = [str(p["port"]) if p.get("port") is not None else (p.get("name") or "*") for p in obj.get("ports") or []]
    addrs = [a for ep in obj.get("endpoints") or [] for a in ep.get("addresses") or []]
    return [meta.get("name", ""), obj.get("addressType", ""), _first_n(ports) if ports else "<unset>",
            _first_n(addrs) if addrs else "<unset>", age(meta.get("creationTimestamp"), now)]


def _service_cidr_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta = _meta(obj)
    return [meta.get("name", ""), ",".join((obj.get("spec") or {}).get("cidrs") or []),
            age(meta.get("creationTimestamp"), now)]


def _ip_address_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    """printIPAddress: the parent as group-resource[/namespace]/name, lower-cased."""
    meta, ref = _meta(obj), (obj.get("spec") or {}).get("parentRef")
    parent = "<none>"
    if ref:
        resource = ref.get("resource", "")
        parent = (f"{resource}.{ref['group']}" if ref.get("group") else resource).lower()
        if ref.get("namespace"):
            parent += "/" + ref["namespace"]
        parent += "/" + ref.get("name", "")
    return [meta.get("name", ""), parent, age(meta.get("creationTimestamp"), now)]


def _default_row(obj: Obj, now: _dt.datetime) -> list[Any]:
    meta = _meta(obj)
    return [meta.get("name", ""), age(meta.get("creationTimestamp"), now)]


PRINTERS: dict[str, tuple[list[Column], Callable[[Obj, _dt.datetime], list[Any]]]] = {
    "Pod": (POD_COLUMNS, _pod_row),
    "Namespace": ([("Name", _NAME_DESC, 0), ("Status", "The status of the namespace", 0), ("Age", _AGE_DESC, 0)],
                  _namespace_row),
    "Node": ([("Name", _NAME_DESC, 0), ("Status", "The status of the node", 0),
              ("Roles", "The roles of the node", 0), ("Age", _AGE_DESC, 0),
              ("Version", "Kubelet Version reported by the node.", 0),
              ("Internal-IP", "List of addresses reachable to the node.", 1),
              ("External-IP", "List of addresses reachable to the node.", 1),
              ("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
              ("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
              ("Container-Runtime", "Container runtime version reported by the node through runtime remote API "
                                    "(e.g. containerd://1.4.2).", 1)], _node_row),
    "Event": ([("Last Seen", "The time the event was last seen.", 0), ("Type", "Type of this event.", 0),
               ("Reason", "Reason is why the action was taken.", 0), ("Object", "The object this Event is about.", 0),
               ("Subobject", "The subobject this Event is about.", 1), ("Source", "The component reporting this event.", 1),
               ("Message", "A human-readable description of the status of this operation.", 0),
               ("First Seen", "The time the event was first seen.", 1),
               ("Count", "The number of times this event has occurred.", 1), ("Name", _NAME_DESC, 1)], _event_row),
    "Service": ([("Name", _NAME_DESC, 0), ("Type", "The type of the service.", 0),
                 ("Cluster-IP", "The IP address of the service.", 0),
                 ("External-IP", "The external IP address of the service.", 0),
                 ("Port(s)", "The ports that the service exposes.", 0), ("Age", _AGE_DESC, 0),
                 ("Selector", "Route service traffic to pods with label keys and values matching this selector.", 1)],
                _service_row),
    "Endpoints": ([("Name", _NAME_DESC, 0), ("Endpoints", "Endpoints of the resource.", 0), ("Age", _AGE_DESC, 0)],
                  _endpoints_row),
    "EndpointSlice": ([("Name", _NAME_DESC, 0),
                       ("AddressType", "The IP protocol for this slice.", 0),
                       ("Ports", "The ports that are exposed by this slice.", 0),
                       ("Endpoints", "The addresses of the endpoints in this slice.", 0), ("Age", _AGE_DESC, 0)],
                      _slice_row),
    "ServiceCIDR": ([("Name", _NAME_DESC, 0), ("CIDRs", "spec.cidrs defines the IP blocks in CIDR notation "
                     "(e.g. \"192.168.0.0/24\" or \"2001:db8::/64\") from which to assign service cluster IPs.", 0),
                     ("Age", _AGE_DESC, 0)], _service_cidr_row),
    "IPAddress": ([("Name", _NAME_DESC, 0), ("ParentRef", "ParentRef references the resource that an IPAddress is "
                   "attached to. An IPAddress must reference a parent object.", 0), ("Age", _AGE_DESC, 0)],
                  _ip_address_row),
}
DEFAULT_PRINTER: tuple[list[Column], Callable[[Obj, _dt.datetime], list[Any]]] = (
    [("Name", _NAME_DESC, 0), ("Age", _AGE_DESC, 0)], _default_row)


def printer_for(kind: str) -> tuple[list[Column], Callable[[Obj, _dt.datetime], list[Any]]]:
    return PRINTERS.get(kind, DEFAULT_PRINTER)
