"""Strategic-merge patch metadata: the schema format, and the schemas of the kinds mockapi serves.

A ``PatchSchema`` maps JSON field names to ``Field``, mirroring the object. ``Field.strategy`` is the Go
``patchStrategy`` tag: None (untagged: maps merge recursively, lists are replaced whole), ``"merge"``
(lists merge: by ``merge_key`` for lists of maps, as an ordered set for scalars), ``"replace"`` (even a
map is replaced whole), ``"retainKeys"`` or ``"merge,retainKeys"`` (retainKeys only matters when
*creating* patches; ``$retainKeys`` is honoured anywhere when applying, as upstream). ``Field.children``
is the schema of the map, or of each item of a list of maps; fields missing from a schema are untagged.

The kind schemas are transcribed from the Go struct tags in k8s.io/api core/v1 and discovery/v1 and
k8s.io/apimachinery meta/v1 types.go. Only tagged fields, and the structs leading to them, are listed;
``+listType=atomic`` and untagged ``+listType=map`` lists are replaced whole by a strategic merge patch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_STRATEGIES = {None, "", "merge", "replace", "retainKeys", "merge,retainKeys", "retainKeys,merge"}


@dataclass(frozen=True)
class Field:
    """Patch metadata of one field: the Go ``patchStrategy``/``patchMergeKey`` tags and a sub-schema."""

    strategy: str | None = None
    merge_key: str | None = None
    children: Mapping[str, Field] | None = None

    def __post_init__(self) -> None:
        if self.strategy not in _STRATEGIES:
            raise ValueError(f"unexpected patch strategy: {self.strategy}")

    @property
    def merges(self) -> bool:
        return bool(self.strategy) and "merge" in str(self.strategy).split(",")

    @property
    def kids(self) -> PatchSchema:
        return self.children if self.children is not None else {}


PatchSchema = Mapping[str, Field]
PatchMeta = PatchSchema


def by_key(key: str, children: PatchSchema | None = None, *, retain_keys: bool = False) -> Field:
    """A list of maps merged by ``key`` (``patchStrategy:"merge"`` + ``patchMergeKey``)."""
    return Field(strategy="merge,retainKeys" if retain_keys else "merge", merge_key=key, children=children)


def nested(children: PatchSchema) -> Field:
    """An untagged struct whose own fields carry tags."""
    return Field(children=children)


MERGE_SET = Field(strategy="merge")  # a list of scalars merged as an ordered set

# metav1.ObjectMeta: finalizers (merge), ownerReferences (merge, key uid); managedFields is untagged.
OBJECT_META: PatchSchema = {
    "finalizers": MERGE_SET,
    "ownerReferences": by_key("uid"),
}

# corev1.Container and corev1.EphemeralContainer(Common) carry the same tags.
CONTAINER: PatchSchema = {
    "ports": by_key("containerPort"),
    "env": by_key("name"),
    "volumeMounts": by_key("mountPath"),
    "volumeDevices": by_key("devicePath"),
}

POD_SPEC: PatchSchema = {
    "volumes": by_key("name", retain_keys=True),
    "initContainers": by_key("name", CONTAINER),
    "containers": by_key("name", CONTAINER),
    "ephemeralContainers": by_key("name", CONTAINER),
    "imagePullSecrets": by_key("name"),
    "hostAliases": by_key("ip"),
    "topologySpreadConstraints": by_key("topologyKey"),
    "schedulingGates": by_key("name"),
    "resourceClaims": by_key("name", retain_keys=True),
}

# containerStatuses, initContainerStatuses and ephemeralContainerStatuses are atomic.
POD_STATUS: PatchSchema = {
    "conditions": by_key("type"),
    "hostIPs": by_key("ip"),
    "podIPs": by_key("ip"),
    "resourceClaimStatuses": by_key("name", retain_keys=True),
}

POD: PatchSchema = {
    "metadata": nested(OBJECT_META),
    "spec": nested(POD_SPEC),
    "status": nested(POD_STATUS),
}

# ServiceSpec.ports merge by port; status.loadBalancer.ingress is atomic.
SERVICE: PatchSchema = {
    "metadata": nested(OBJECT_META),
    "spec": nested({"ports": by_key("port")}),
    "status": nested({"conditions": by_key("type")}),
}

# Endpoints.subsets and everything under it are atomic.
ENDPOINTS: PatchSchema = {"metadata": nested(OBJECT_META)}

# NodeSpec.podCIDRs merges as a set; taints are atomic. NodeStatus images/volumes* are atomic.
NODE: PatchSchema = {
    "metadata": nested(OBJECT_META),
    "spec": nested({"podCIDRs": MERGE_SET}),
    "status": nested({"conditions": by_key("type"), "addresses": by_key("type")}),
}

# NamespaceSpec.finalizers is atomic (unlike metadata.finalizers).
NAMESPACE: PatchSchema = {
    "metadata": nested(OBJECT_META),
    "status": nested({"conditions": by_key("type")}),
}

EVENT: PatchSchema = {"metadata": nested(OBJECT_META)}

# discovery/v1: endpoints and ports are atomic, endpoint addresses a set without a patch strategy.
ENDPOINT_SLICE: PatchSchema = {"metadata": nested(OBJECT_META)}

CONFIG_MAP: PatchSchema = {"metadata": nested(OBJECT_META)}
