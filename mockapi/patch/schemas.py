"""Strategic-merge patch metadata for the kinds mockapi serves, transcribed from the Go struct tags.

Sources: k8s.io/api core/v1 and discovery/v1 types.go, k8s.io/apimachinery meta/v1 types.go. Only
tagged fields (and the structs leading to them) are listed; everything else is untagged: maps merge,
lists are replaced whole (``+listType=atomic`` and untagged ``listType=map`` lists alike).
"""

from __future__ import annotations

from mockapi.patch.strategic import Field, PatchSchema


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

SCHEMAS_BY_KIND: dict[str, PatchSchema] = {
    "Pod": POD,
    "Service": SERVICE,
    "Endpoints": ENDPOINTS,
    "Node": NODE,
    "Namespace": NAMESPACE,
    "Event": EVENT,
    "EndpointSlice": ENDPOINT_SLICE,
    "ConfigMap": CONFIG_MAP,
}


def schema_for(kind: str) -> PatchSchema | None:
    """The schema of a built-in ``kind``, or None: kube-apiserver refuses strategic merge patches for
    custom resources (415 Unsupported Media Type)."""
    return SCHEMAS_BY_KIND.get(kind)
