"""Pod: Kubernetes' defaulting (SetDefaults_Pod/Container, plus the admission defaults a real
cluster applies), validation of names, containers and ports, and the pod update rules.
Fields we do not model are kept as sent."""

from __future__ import annotations

from typing import Any

from ..errors import Cause
from ..patch import schemas as patch_schemas
from ..storage import allocations
from . import validation as v
from .base import Obj, ResourceType, Strategy

PROTOCOLS = ("SCTP", "TCP", "UDP")
RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
CONTAINER_LISTS = ("containers", "initContainers")
_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
]


def derived_columns(pod: Obj) -> dict[str, Any]:
    """The indexed storage columns of a stored pod (registered with the Database at start-up):
    ``node_name`` finds a node's pods and the unscheduled ones without a scan."""
    return {"node_name": (pod.get("spec") or {}).get("nodeName") or None}


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        probe.setdefault(key, value)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _default_container(c: Any) -> None:
    if not isinstance(c, dict):
        return
    image = c.get("image") or ""
    if "imagePullPolicy" not in c:
        tagless = "@" not in image and ":" not in image.rsplit("/", 1)[-1]
        c["imagePullPolicy"] = "Always" if tagless or image.endswith(":latest") else "IfNotPresent"
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    resources = c.setdefault("resources", {})
    if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
        requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else {}
        for res, qty in resources["limits"].items():
            requests.setdefault(res, qty)  # SetDefaults_Pod: requests default to limits
        if requests:
            resources["requests"] = requests
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for env in c.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(probe))


def qos_class(spec: Obj) -> str:
    containers = [c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                  if isinstance(c, dict)]
    requests_any = limits_all = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            requests_any = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
        limits_all = limits_all or bool(lim)
    if guaranteed:
        return "Guaranteed"
    return "Burstable" if requests_any or limits_all else "BestEffort"


class PodStrategy(Strategy):
    tracks_generation = True
    returns_deleted_object = True
    # podStatusStrategy: "don't allow the pods/status endpoint to touch owner references"
    status_resets_metadata = ("ownerReferences",)
    #: pods/log: a simulated container log (mockapi.api.podlog)
    extra_subresources = {"log": ("get",)}

    def default(self, obj: Obj) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("securityContext", {})
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        if "tolerations" not in spec:
            spec["tolerations"] = [dict(t) for t in DEFAULT_TOLERATIONS]
        for key in CONTAINER_LISTS:
            for c in spec.get(key) or []:
                _default_container(c)

    def initial_status(self, obj: Obj) -> Obj:
        return {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}

    def blocks_deletion(self, obj: Obj) -> bool:
        """Finalizers, or a graceful termination still running (deletionGracePeriodSeconds > 0)."""
        meta = obj.get("metadata", {})
        return bool(meta.get("finalizers")) or bool(meta.get("deletionGracePeriodSeconds"))

    def deletion_grace(self, txn: Any, obj: Obj, requested: int | None) -> int:
        """pod strategy CheckGracefulDeleteWithOptions, when graceful deletion is switched on: the
        requested period, else spec.terminationGracePeriodSeconds; 0 for unbound or finished pods."""
        config = getattr(txn.registry, "config", None)
        if not getattr(config, "graceful_deletion", False):
            return 0
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0
        grace = requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
        if not isinstance(grace, int) or isinstance(grace, bool):
            return 0
        return 1 if grace < 0 else grace

    def after_remove(self, txn: Any, obj: Obj) -> None:
        """What the pod held (its IPs, its place on the node, its termination deadline) is freed."""
        if not txn.dry_run:
            meta = obj.get("metadata", {})
            allocations.release_owner(txn.conn, f"pods/{meta.get('namespace', '')}/{meta.get('name', '')}")

    def validate(self, obj: Obj) -> list[Cause]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [Cause.required("spec.containers")]
        causes: list[Cause] = []
        if not spec.get("containers"):
            causes.append(Cause.required("spec.containers"))
        names: set[str] = set()
        for key in CONTAINER_LISTS:
            containers = spec.get(key) or []
            if not isinstance(containers, list):
                causes.append(Cause.type_invalid(f"spec.{key}", containers, "must be a list"))
                continue
            for i, c in enumerate(containers):
                causes += self._validate_container(f"spec.{key}[{i}]", c, names)
        rp = spec.get("restartPolicy")
        if rp not in RESTART_POLICIES:
            causes.append(Cause.not_supported("spec.restartPolicy", rp, RESTART_POLICIES))
        dp = spec.get("dnsPolicy")
        if dp not in DNS_POLICIES:
            causes.append(Cause.not_supported("spec.dnsPolicy", dp, DNS_POLICIES))
        tgps = spec.get("terminationGracePeriodSeconds")
        if tgps is not None and (not isinstance(tgps, int) or isinstance(tgps, bool)):
            causes.append(Cause.type_invalid("spec.terminationGracePeriodSeconds", tgps, "must be an integer"))
        ads = spec.get("activeDeadlineSeconds")
        if ads is not None and (not isinstance(ads, int) or isinstance(ads, bool) or ads <= 0):
            causes.append(Cause.invalid("spec.activeDeadlineSeconds", ads,
                                        "must be between 1 and 2147483647, inclusive"))
        return causes

    def _validate_container(self, path: str, c: Any, names: set[str]) -> list[Cause]:
        if not isinstance(c, dict):
            return [Cause.type_invalid(path, c, "must be an object")]
        causes: list[Cause] = []
        name = c.get("name")
        if not name:
            causes.append(Cause.required(f"{path}.name"))
        elif name in names:
            causes.append(Cause.duplicate(f"{path}.name", name))
        else:
            causes += v.causes(f"{path}.name", name, v.dns1123_label(name))
        if name:
            names.add(name)
        if not c.get("image"):
            causes.append(Cause.required(f"{path}.image"))
        policy = c.get("imagePullPolicy")
        if policy not in ("Always", "IfNotPresent", "Never"):
            causes.append(Cause.not_supported(f"{path}.imagePullPolicy", policy, ("Always", "IfNotPresent", "Never")))
        port_names: set[str] = set()  # unique within one container
        for j, port in enumerate(c.get("ports") or []):
            causes += self._validate_port(f"{path}.ports[{j}]", port, port_names)
        return causes

    def _validate_port(self, path: str, port: Any, port_names: set[str]) -> list[Cause]:
        if not isinstance(port, dict):
            return [Cause.type_invalid(path, port, "must be an object")]
        causes: list[Cause] = []
        pname = port.get("name")
        if pname:
            causes += v.causes(f"{path}.name", pname, v.iana_svc_name(pname))
            if pname in port_names:
                causes.append(Cause.duplicate(f"{path}.name", pname))
            port_names.add(pname)
        cp = port.get("containerPort")
        if cp in (None, 0):
            causes.append(Cause.required(f"{path}.containerPort"))
        else:
            causes += v.causes(f"{path}.containerPort", cp, v.port_number(cp))
        hp = port.get("hostPort")
        if hp not in (None, 0):
            causes += v.causes(f"{path}.hostPort", hp, v.port_number(hp))
        proto = port.get("protocol")
        if proto not in PROTOCOLS:
            causes.append(Cause.not_supported(f"{path}.protocol", proto, PROTOCOLS))
        return causes

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        causes = self.validate(new)
        if causes:
            return causes
        if _mutable_view(new.get("spec") or {}, old.get("spec") or {}) != old.get("spec"):
            causes.append(Cause.forbidden("spec", _UPDATE_FORBIDDEN))
        return causes

    def validate_status_update(self, new: Obj, old: Obj) -> list[Cause]:
        phase = (new.get("status") or {}).get("phase")
        phases = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
        if phase is not None and phase not in phases:
            return [Cause.not_supported("status.phase", phase, phases)]
        return []


def _mutable_view(new: Obj, old: Obj) -> Obj:
    """``new`` with the fields a pod update may change taken from ``old``; equal to ``old`` iff the
    update only touched mutable fields."""
    import copy

    view = copy.deepcopy(new)
    for key in CONTAINER_LISTS:
        new_list, old_list = view.get(key) or [], old.get(key) or []
        if len(new_list) == len(old_list):
            for nc, oc in zip(new_list, old_list):
                if isinstance(nc, dict) and isinstance(oc, dict) and "image" in oc:
                    nc["image"] = oc["image"]
    for key in ("activeDeadlineSeconds",):
        if key in old:
            view[key] = old[key]
        else:
            view.pop(key, None)
    old_tol = old.get("tolerations") or []
    new_tol = view.get("tolerations") or []
    if all(t in new_tol for t in old_tol):  # additions only
        if "tolerations" in old:
            view["tolerations"] = old["tolerations"]
        else:
            view.pop("tolerations", None)
    return view  # spec.nodeName is set by binding (the scheduler/kubelet path), never by updates


def _status(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("status") or {}).get(field) or "")


def _spec(field: str):  # type: ignore[no-untyped-def]
    return lambda o: str((o.get("spec") or {}).get(field) or "")


PODS = ResourceType(
    kind="Pod",
    plural="pods",
    singular="pod",
    short_names=("po",),
    categories=("all",),
    strategy=PodStrategy(),
    patch_schema=patch_schemas.POD,
    extra_fields={
        "spec.nodeName": _spec("nodeName"),
        "spec.restartPolicy": _spec("restartPolicy"),
        "spec.schedulerName": _spec("schedulerName"),
        "spec.serviceAccountName": _spec("serviceAccountName"),
        "spec.hostNetwork": lambda o: str(bool((o.get("spec") or {}).get("hostNetwork"))).lower(),
        "status.phase": _status("phase"),
        "status.podIP": _status("podIP"),
        "status.nominatedNodeName": _status("nominatedNodeName"),
    },
)
