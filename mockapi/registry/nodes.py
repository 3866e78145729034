"""Node: cluster-scoped, status kept on create (kubelets register with theirs), and the builder
for the simulated nodes the server starts with (zones round robin, InternalIP, a /24 podCIDR)."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from ..errors import Cause
from ..patch import schemas as patch_schemas
from ..schemas import core as wire
from ..schemas import quantity
from . import printing as p
from .base import Obj, ResourceType, Strategy
from .objectmeta import now
from .subresources import STATUS

ZONES = ("zone-a", "zone-b", "zone-c")
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"


class NodeStrategy(Strategy):
    def prepare_for_create(self, obj: Obj) -> None:
        obj.setdefault("status", {})
        obj.setdefault("spec", {})

    def default(self, obj: Obj) -> None:
        if not isinstance(obj.get("spec"), dict):
            obj["spec"] = {}
        spec = obj["spec"]
        if spec.get("podCIDR") and not spec.get("podCIDRs"):
            spec["podCIDRs"] = [spec["podCIDR"]]
        self._sync_unschedulable_taint(spec)

    @staticmethod
    def _sync_unschedulable_taint(spec: Obj) -> None:
        """TaintNodesByCondition: a cordoned node carries node.kubernetes.io/unschedulable:NoSchedule
        (the node lifecycle controller's job upstream; done at write time here, read-your-writes)."""
        taints = spec.get("taints")
        if taints is not None and not isinstance(taints, list):
            return  # the wire-type check answers 400
        taints = [t for t in taints or [] if isinstance(t, dict)]
        has = any(t.get("key") == UNSCHEDULABLE_TAINT and t.get("effect") == "NoSchedule" for t in taints)
        if spec.get("unschedulable") and not has:
            taints.append({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule", "timeAdded": now()})
        elif not spec.get("unschedulable") and has:
            taints = [t for t in taints if not (t.get("key") == UNSCHEDULABLE_TAINT and t.get("effect") == "NoSchedule")]
        else:
            return
        if taints:
            spec["taints"] = taints
        else:
            spec.pop("taints", None)

    def validate(self, obj: Obj) -> list[Cause]:
        causes: list[Cause] = []
        spec = obj.get("spec") or {}
        for i, cidr in enumerate(spec.get("podCIDRs") or []):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except (ValueError, TypeError):
                causes.append(Cause.invalid(f"spec.podCIDRs[{i}]", cidr, "must be a valid CIDR value, "
                                            "(e.g. 10.9.8.0/24 or 2001:db8::/64)"))
        for i, taint in enumerate(spec.get("taints") or []):
            effect = taint.get("effect")
            if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                causes.append(Cause.not_supported(f"spec.taints[{i}].effect", effect,
                                                  ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
        return causes

    def validate_update(self, new: Obj, old: Obj) -> list[Cause]:
        causes = self.validate(new)
        old_cidrs = (old.get("spec") or {}).get("podCIDRs")
        new_cidrs = (new.get("spec") or {}).get("podCIDRs")
        if old_cidrs and new_cidrs != old_cidrs:
            causes.append(Cause.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from "
                                          '"" to valid'))
        return causes


def _node_row(obj: Obj, now: datetime) -> list[Any]:
    meta, spec, status = p.meta(obj), obj.get("spec") or {}, obj.get("status") or {}
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
    return [meta.get("name", ""), state, ",".join(roles) or "<none>", p.age(meta.get("creationTimestamp"), now),
            info.get("kubeletVersion", ""), p.none(internal), p.none(external),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


PRINTER = p.Printer((
    p.NAME,
    p.Column('Status', 'The status of the node'),
    p.Column('Roles', 'The roles of the node'),
    p.AGE,
    p.Column('Version', 'Kubelet Version reported by the node.'),
    p.Column('Internal-IP', 'List of addresses reachable to the node.', 1),
    p.Column('External-IP', 'List of addresses reachable to the node.', 1),
    p.Column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    p.Column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    p.Column('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
), _node_row)


NODES = ResourceType(
    example={"spec": {"podCIDR": "10.245.0.0/24"}},
    canonicalize=quantity.node_quantities,
    subresources=(STATUS,),
    wire_schema=wire.Node(),
    printer=PRINTER,
    kind="Node",
    plural="nodes",
    singular="node",
    namespaced=False,
    short_names=("no",),
    strategy=NodeStrategy(),
    patch_schema=patch_schemas.NODE,
    extra_fields={"spec.unschedulable": lambda o: str(bool((o.get("spec") or {}).get("unschedulable"))).lower()},
)


def build_node(index: int, pod_cidr: str, node_ip_cidr: str, kubelet_version: str, created: str) -> Obj:
    """The simulated node ``node-<index>`` (1-based)."""
    name = f"node-{index}"
    zone = ZONES[(index - 1) % len(ZONES)]
    pod_net = list(ipaddress.ip_network(pod_cidr).subnets(new_prefix=24))[index - 1]
    ip_net = ipaddress.ip_network(node_ip_cidr)
    internal_ip = str(ip_net.network_address + 1 + index)
    def condition(t: str, s: str, reason: str, msg: str) -> Obj:
        return {"type": t, "status": s, "lastHeartbeatTime": created, "lastTransitionTime": created,
                "reason": reason, "message": msg}

    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                ZONE_LABEL: zone,
                REGION_LABEL: "region-1",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": str(pod_net), "podCIDRs": [str(pod_net)], "providerID": f"mockapi://{name}"},
        "status": {
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                          "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": internal_ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": f"{index:032x}",
                "systemUUID": f"00000000-0000-0000-0000-{index:012x}",
                "bootID": f"00000000-0000-0000-0000-{index:012x}",
                "kernelVersion": "6.1.0-mockapi",
                "osImage": "mockapi simulated node",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kubeletVersion": kubelet_version,
                "kubeProxyVersion": kubelet_version,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }
