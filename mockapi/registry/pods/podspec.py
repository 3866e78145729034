"""PodSpec rules shared by every kind that carries one (Pod, and the pod templates of workload
kinds): SetDefaults_PodSpec/Container and ValidatePodSpec, taking the field path of the spec so a
Deployment's ``spec.template.spec`` reports the same causes under its own path."""

from __future__ import annotations

from typing import Any

from ...errors import Cause
from .. import validation as v
from ..base import Obj

PROTOCOLS = ("SCTP", "TCP", "UDP")
RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
CONTAINER_LISTS = ("containers", "initContainers")
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
]


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
        requests: Obj = resources["requests"] if isinstance(resources.get("requests"), dict) else {}
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


def default_pod_spec(spec: Any) -> None:
    """Fill a PodSpec's defaults in place (SetDefaults_PodSpec, _Container, _Probe)."""
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


def validate_pod_spec(spec: Any, path: str = "spec") -> list[Cause]:
    """ValidatePodSpec's causes for the PodSpec at ``path``."""
    if not isinstance(spec, dict):
        return [Cause.required(f"{path}.containers")]
    causes: list[Cause] = []
    if not spec.get("containers"):
        causes.append(Cause.required(f"{path}.containers"))
    names: set[str] = set()
    for key in CONTAINER_LISTS:
        containers = spec.get(key) or []
        if not isinstance(containers, list):
            causes.append(Cause.type_invalid(f"{path}.{key}", containers, "must be a list"))
            continue
        for i, c in enumerate(containers):
            causes += _validate_container(f"{path}.{key}[{i}]", c, names)
    rp = spec.get("restartPolicy")
    if rp not in RESTART_POLICIES:
        causes.append(Cause.not_supported(f"{path}.restartPolicy", rp, RESTART_POLICIES))
    dp = spec.get("dnsPolicy")
    if dp not in DNS_POLICIES:
        causes.append(Cause.not_supported(f"{path}.dnsPolicy", dp, DNS_POLICIES))
    tgps = spec.get("terminationGracePeriodSeconds")
    if tgps is not None and (not isinstance(tgps, int) or isinstance(tgps, bool)):
        causes.append(Cause.type_invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be an integer"))
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and (not isinstance(ads, int) or isinstance(ads, bool) or ads <= 0):
        causes.append(Cause.invalid(f"{path}.activeDeadlineSeconds", ads,
                                    "must be between 1 and 2147483647, inclusive"))
    return causes


def _validate_container(path: str, c: Any, names: set[str]) -> list[Cause]:
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
        causes += _validate_port(f"{path}.ports[{j}]", port, port_names)
    return causes


def _validate_port(path: str, port: Any, port_names: set[str]) -> list[Cause]:
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
