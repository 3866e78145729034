"""kr8s against a live ``mockapi serve``: /version/ and legacy discovery with trailing slashes, CRUD,
label/patch/refresh, list with selectors, watch (whose iterator ends when the server closes the
stream) and ``pod.wait("condition=Ready")`` against a simulated cluster."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("kr8s")

import kr8s
import kr8s.asyncio
from kr8s.objects import Namespace, Node, Pod, Service

from tests.conftest import LiveServer

WAIT = 20.0  # seconds any single watch or wait may take


@pytest.fixture(scope="module")
def api(kubeconfig: Path) -> Any:
    return kr8s.api(kubeconfig=str(kubeconfig))


def pod_spec(name: str, ns: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def svc_spec(name: str, ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def test_version(api: Any) -> None:
    info = api.version()
    assert info["major"] == "1" and info["gitVersion"].startswith("v1.")


def test_pod_crud(api: Any, namespace: str) -> None:
    p = Pod(pod_spec("web", namespace, {"app": "web"}), api=api)
    p.create()
    assert p.metadata.uid and p.status.phase == "Pending"
    assert p.exists()

    got = Pod.get("web", namespace=namespace, api=api)
    assert got.metadata.uid == p.metadata.uid
    got.label({"tier": "front"})  # merge patch
    got.patch({"metadata": {"annotations": {"note": "hi"}}})  # merge patch
    got.patch([{"op": "replace", "path": "/metadata/labels/tier", "value": "back"}], type="json")
    p.refresh()
    assert p.labels == {"app": "web", "tier": "back"}
    assert p.annotations == {"note": "hi"}

    p.delete()
    assert not p.exists()
    with pytest.raises(kr8s.NotFoundError):
        Pod.get("web", namespace=namespace, api=api)


def test_service_crud(api: Any, namespace: str) -> None:
    s = Service(svc_spec("websvc", namespace), api=api)
    s.create()
    assert s.spec.clusterIP and s.spec.type == "ClusterIP"
    assert s.spec.ports[0]["protocol"] == "TCP"
    s.patch({"spec": {"ports": [{"port": 81, "targetPort": 8081}]}})
    s.refresh()
    assert [(p["port"], p["targetPort"]) for p in s.spec.ports] == [(81, 8081)]
    # ``svc`` is resolved through discovery's shortNames
    assert [x.name for x in api.get("svc", namespace=namespace)] == ["websvc"]
    s.delete()
    assert not s.exists()


def test_cluster_scoped(api: Any) -> None:
    nodes = list(api.get("nodes"))
    assert len(nodes) == 3 and all(isinstance(n, Node) for n in nodes)
    name = "kr-" + uuid.uuid4().hex[:8]
    ns = Namespace({"metadata": {"name": name}}, api=api)
    ns.create()
    assert ns.status.phase == "Active"
    ns.delete()


def test_list_with_selectors(api: Any, namespace: str) -> None:
    for name, app in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        Pod(pod_spec(name, namespace, {"app": app}), api=api).create()

    def names(**kw: Any) -> list[str]:
        return sorted(p.name for p in api.get("pods", namespace=namespace, **kw))

    assert names() == ["a1", "a2", "b1"]
    assert names(label_selector={"app": "a"}) == ["a1", "a2"]
    assert names(label_selector="app in (b)") == ["b1"]
    assert names(field_selector={"metadata.name": "a2"}) == ["a2"]
    assert names(field_selector="status.phase=Pending", label_selector="app=b") == ["b1"]
    everywhere = api.get("pods", namespace=kr8s.ALL, label_selector={"app": "a"})
    assert sorted((p.namespace, p.name) for p in everywhere if p.namespace == namespace) == [
        (namespace, "a1"), (namespace, "a2")]


def test_watch_events(kubeconfig: Path, api: Any, namespace: str) -> None:
    Pod(pod_spec("before", namespace), api=api).create()

    async def run() -> list[tuple[str, str]]:
        aapi = await kr8s.asyncio.api(kubeconfig=str(kubeconfig))
        seen: list[tuple[str, str]] = []
        async with asyncio.timeout(WAIT):
            async for ev, obj in aapi.watch("pods", namespace=namespace):
                seen.append((ev, obj.name))
                if (ev, obj.name) == ("ADDED", "before"):
                    p = await kr8s.asyncio.objects.Pod(pod_spec("w1", namespace), api=aapi)
                    await p.create()
                    await p.label({"x": "1"})
                    await p.delete()
                if ev == "DELETED":
                    break
        return seen

    assert asyncio.run(run()) == [("ADDED", "before"), ("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


@pytest.fixture(scope="module")
def short_watch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """A server whose watches end after 2 s when the client sets no timeoutSeconds (kr8s never does)."""
    server = LiveServer(env={"MOCKAPI_WATCH_MAX_SECONDS": "2"})
    try:
        yield server, server.kubeconfig(tmp_path_factory.mktemp("kr8s-short") / "config")
    finally:
        server.stop()


def test_watch_iterator_ends_when_server_closes(short_watch_server: tuple[LiveServer, Path]) -> None:
    _server, config = short_watch_server

    async def run() -> list[tuple[str, str]]:
        aapi = await kr8s.asyncio.api(kubeconfig=str(config))
        seen: list[tuple[str, str]] = []
        async with asyncio.timeout(WAIT):  # fails the test if the iterator never ends
            async for ev, obj in aapi.watch("namespaces", field_selector="metadata.name=default"):
                seen.append((ev, obj.name))
        return seen

    loop_start = asyncio.new_event_loop()
    try:
        t0 = loop_start.time()
        seen = loop_start.run_until_complete(run())
        elapsed = loop_start.time() - t0
    finally:
        loop_start.close()
    assert seen == [("ADDED", "default")]
    assert 1.5 <= elapsed < 10


@pytest.fixture(scope="module")
def cluster_api(live_cluster: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    config = live_cluster.kubeconfig(tmp_path_factory.mktemp("kr8s-cluster") / "config")
    return kr8s.api(kubeconfig=str(config))


def test_pod_wait_ready(cluster_api: Any) -> None:
    ns_name = "kr-" + uuid.uuid4().hex[:8]
    ns = Namespace({"metadata": {"name": ns_name}}, api=cluster_api)
    ns.create()
    try:
        p = Pod(pod_spec("waiter", ns_name), api=cluster_api)
        p.create()
        p.wait("condition=Ready", timeout=WAIT)
        p.refresh()
        ready = [c for c in p.status.conditions if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True"
        assert p.status.phase == "Running" and p.spec.nodeName
        # several conditions at once, and a jsonpath condition
        p.wait(["condition=Ready", "condition=PodScheduled"], mode="all", timeout=WAIT)
        p.wait("jsonpath='{.status.phase}'=Running", timeout=WAIT)
        p.delete()
        p.wait("delete", timeout=WAIT)
        assert not p.exists()
    finally:
        ns.delete()
