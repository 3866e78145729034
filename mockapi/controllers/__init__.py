"""Controllers: "compute desired state, diff, write only what changed" over the registry, inside the
write's transaction. ``controllers_for`` is the ONE list (and order) the runtime runs on every write
and resyncs at start-up; every entry follows ``base.Controller``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..registry.controller import Controller

if TYPE_CHECKING:
    from .servicematch import ServiceIndex

# the side indexes controllers keep (storage.indexes names): gc owner edges, pod deadlines, pods per node
SIDE_INDEXES = frozenset({"owner", "pod-deadline", "node-pods"})


def controllers_for(config: Any, services: ServiceIndex) -> list[Controller]:
    """The controllers a server with ``config`` runs, in the order they run: namespace, service
    accounts, ClusterRole aggregation, kubelet
    (``--kubelet on``), graceful deletion (``--graceful-deletion``), garbage collector, pod GC,
    Endpoints, EndpointSlices, EndpointSlice mirroring. ``services`` is the runtime's selector index."""
    from .clusterroleaggregation import ClusterRoleAggregationController
    from .endpoints import EndpointsController
    from .endpointslices import EndpointSliceController
    from .gc import GarbageCollector
    from .graceful import GracefulDeletionController
    from .kubelet import KubeletController
    from .namespace import NamespaceController
    from .podgc import PodGC
    from .serviceaccounts import ServiceAccountController
    from .slicemirror import SliceMirrorController

    out: list[Controller] = [NamespaceController(), ServiceAccountController(), ClusterRoleAggregationController()]
    if config.kubelet == "on":
        out.append(KubeletController())
    if config.graceful_deletion:
        out.append(GracefulDeletionController())
    out += [GarbageCollector(), PodGC(), EndpointsController(services), EndpointSliceController(services),
            SliceMirrorController()]
    return out
