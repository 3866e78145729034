"""The controller protocol: one list, in one order, every entry a ``Controller``; side-index names
agree with the controllers that keep them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mockapi.controllers import SIDE_INDEXES, controllers_for, gc, graceful, scheduler
from mockapi.registry.controller import Controller


@pytest.mark.parametrize("kubelet,graceful_deletion", [("on", True), ("off", False)])
def test_one_list_in_one_order(kubelet: str, graceful_deletion: bool) -> None:
    config = SimpleNamespace(kubelet=kubelet, graceful_deletion=graceful_deletion)
    controllers = controllers_for(config, services=None)  # type: ignore[arg-type]
    assert all(isinstance(c, Controller) for c in controllers)
    names = [c.name for c in controllers]
    expected = ["namespace-controller", "service-account-controller", "clusterrole-aggregation-controller",
                *(["kubelet"] if kubelet == "on" else []),
                *(["graceful-deletion"] if graceful_deletion else []), "garbage-collector",
                "pod-garbage-collector", "endpoint-controller", "endpointslice-controller.k8s.io",
                "endpointslicemirroring-controller.k8s.io"]
    assert names == expected


def test_side_index_names() -> None:
    assert SIDE_INDEXES == {gc.INDEX, graceful.INDEX, scheduler.NODE_PODS}
