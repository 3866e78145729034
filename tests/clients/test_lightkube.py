"""lightkube (sync and async clients) against a live ``mockapi serve``: CRUD with every patch type,
list with label and field selectors, watch, delete, Status errors and server-side apply."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

lightkube = pytest.importorskip("lightkube")

from lightkube import ApiError, AsyncClient, Client, KubeConfig
from lightkube.models.core_v1 import Container, PodSpec, ServicePort, ServiceSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.operators import in_, not_in
from lightkube.resources.core_v1 import Namespace, Node, Pod, Service
from lightkube.types import PatchType

WAIT = 20.0  # seconds any single watch may take


@pytest.fixture(scope="module")
def config(kubeconfig: Path) -> Any:
    return KubeConfig.from_file(str(kubeconfig))


@pytest.fixture
def lk(config: Any) -> Any:
    c = Client(config, field_manager="lk", timeout=20.0)
    yield c
    c.close()


def pod(name: str, labels: dict[str, str] | None = None, image: str = "nginx:1.27") -> Pod:
    return Pod(metadata=ObjectMeta(name=name, labels=labels or {}),
               spec=PodSpec(containers=[Container(name="c", image=image)]))


def service(name: str, **spec: Any) -> Service:
    return Service(metadata=ObjectMeta(name=name),
                   spec=ServiceSpec(selector={"app": name}, ports=[ServicePort(port=80)], **spec))


# -- CRUD ---------------------------------------------------------------------------------------------------

def test_pod_create_get_and_status_errors(lk: Any, namespace: str) -> None:
    created = lk.create(pod("web", {"app": "web"}), namespace=namespace)
    assert created.metadata.name == "web" and created.metadata.namespace == namespace
    assert created.metadata.uid and created.metadata.resourceVersion
    assert created.status.phase == "Pending"
    assert created.spec.containers[0].imagePullPolicy == "IfNotPresent"  # server defaulting came back

    got = lk.get(Pod, "web", namespace=namespace)
    assert got.metadata.uid == created.metadata.uid

    with pytest.raises(ApiError) as ei:
        lk.get(Pod, "nothere", namespace=namespace)
    assert ei.value.status.code == 404
    assert ei.value.status.reason == "NotFound"
    assert ei.value.status.message == 'pods "nothere" not found'

    with pytest.raises(ApiError) as ei:
        lk.create(pod("web"), namespace=namespace)
    assert ei.value.status.code == 409 and ei.value.status.reason == "AlreadyExists"

    with pytest.raises(ApiError) as ei:
        lk.create(pod("x"), namespace="nons-" + uuid.uuid4().hex[:6])
    assert ei.value.status.code == 404 and ei.value.status.message.startswith('namespaces "nons-')

    with pytest.raises(ApiError) as ei:
        lk.create(Pod(metadata=ObjectMeta(name="Bad_Name"), spec=PodSpec(containers=[])), namespace=namespace)
    assert ei.value.status.code == 422 and ei.value.status.reason == "Invalid"


def test_patch_types(lk: Any, namespace: str) -> None:
    lk.create(pod("p", {"app": "p"}), namespace=namespace)
    # default: strategic merge (containers merge by name)
    patched = lk.patch(Pod, "p", {"spec": {"containers": [{"name": "c", "image": "nginx:1.28"}]}},
                       namespace=namespace)
    assert [(c.name, c.image) for c in patched.spec.containers] == [("c", "nginx:1.28")]
    patched = lk.patch(Pod, "p", {"metadata": {"labels": {"tier": "front"}}}, namespace=namespace,
                       patch_type=PatchType.MERGE)
    assert patched.metadata.labels == {"app": "p", "tier": "front"}
    patched = lk.patch(Pod, "p", [{"op": "remove", "path": "/metadata/labels/tier"},
                                  {"op": "add", "path": "/metadata/annotations", "value": {"a": "1"}}],
                       namespace=namespace, patch_type=PatchType.JSON)
    assert patched.metadata.labels == {"app": "p"} and patched.metadata.annotations == {"a": "1"}

    with pytest.raises(ApiError) as ei:  # a failed JSON-patch test is 422, as kopf relies on
        lk.patch(Pod, "p", [{"op": "test", "path": "/metadata/resourceVersion", "value": "1"}],
                 namespace=namespace, patch_type=PatchType.JSON)
    assert ei.value.status.code == 422

    # the status subresource
    st = lk.patch(Pod.Status, "p", {"status": {"phase": "Running"}}, namespace=namespace,
                  patch_type=PatchType.MERGE)
    assert st.status.phase == "Running"
    assert lk.get(Pod, "p", namespace=namespace).status.phase == "Running"


def test_service_replace_and_stale_conflict(lk: Any, namespace: str) -> None:
    svc = lk.create(service("websvc"), namespace=namespace)
    assert svc.spec.clusterIP and svc.spec.type == "ClusterIP"
    stale_rv = svc.metadata.resourceVersion
    svc.metadata.labels = {"team": "lk"}
    replaced = lk.replace(svc)
    assert replaced.metadata.labels == {"team": "lk"}
    assert replaced.spec.clusterIP == svc.spec.clusterIP
    assert int(replaced.metadata.resourceVersion) > int(stale_rv)

    svc.metadata.resourceVersion = stale_rv
    svc.metadata.labels = {"team": "other"}
    with pytest.raises(ApiError) as ei:
        lk.replace(svc)
    assert ei.value.status.code == 409 and ei.value.status.reason == "Conflict"


def test_delete(lk: Any, namespace: str) -> None:
    lk.create(pod("gone"), namespace=namespace)
    lk.create(service("gonesvc"), namespace=namespace)
    lk.delete(Pod, "gone", namespace=namespace)
    lk.delete(Service, "gonesvc", namespace=namespace)
    for res, name in ((Pod, "gone"), (Service, "gonesvc")):
        with pytest.raises(ApiError) as ei:
            lk.get(res, name, namespace=namespace)
        assert ei.value.status.code == 404
    with pytest.raises(ApiError) as ei:
        lk.delete(Pod, "gone", namespace=namespace)
    assert ei.value.status.code == 404


def test_delete_collection(lk: Any, namespace: str) -> None:
    for i in range(3):
        lk.create(pod(f"d{i}"), namespace=namespace)
    lk.create(service("staysvc"), namespace=namespace)
    lk.deletecollection(Pod, namespace=namespace)
    assert list(lk.list(Pod, namespace=namespace)) == []
    assert [s.metadata.name for s in lk.list(Service, namespace=namespace)] == ["staysvc"]


def test_cluster_scoped(lk: Any) -> None:
    nodes = list(lk.list(Node))
    assert len(nodes) == 3
    assert lk.get(Node, nodes[0].metadata.name).metadata.uid == nodes[0].metadata.uid
    name = "lk-" + uuid.uuid4().hex[:8]
    ns = lk.create(Namespace(metadata=ObjectMeta(name=name, labels={"by": "lightkube"})))
    assert ns.status.phase == "Active"
    assert name in [n.metadata.name for n in lk.list(Namespace, labels={"by": "lightkube"})]
    lk.delete(Namespace, name)


# -- list and selectors -------------------------------------------------------------------------------------

def test_list_with_selectors(lk: Any, namespace: str) -> None:
    tag = uuid.uuid4().hex[:8]
    for name, app in (("a1", "a"), ("a2", "a"), ("b1", "b"), ("n1", None)):
        labels = {"run": tag, **({"app": app} if app else {})}
        lk.create(pod(name, labels), namespace=namespace)

    def names(**kw: Any) -> list[str]:
        return [p.metadata.name for p in lk.list(Pod, namespace=namespace, **kw)]

    assert names() == ["a1", "a2", "b1", "n1"]
    assert names(labels={"app": "a"}) == ["a1", "a2"]
    assert names(labels={"app": in_(["a", "b"])}) == ["a1", "a2", "b1"]
    assert names(labels={"app": not_in(["a"])}) == ["b1", "n1"]
    assert names(labels={"app": None}) == ["a1", "a2", "b1"]  # exists
    assert names(fields={"metadata.name": "b1"}) == ["b1"]
    assert names(fields={"status.phase": "Pending"}, labels={"app": "b"}) == ["b1"]
    everywhere = lk.list(Pod, namespace="*", labels={"run": tag, "app": "a"})
    assert [(p.metadata.namespace, p.metadata.name) for p in everywhere] == [(namespace, "a1"),
                                                                             (namespace, "a2")]
    # chunked lists are followed transparently
    chunked = lk.list(Pod, namespace=namespace, chunk_size=1)
    assert [p.metadata.name for p in chunked] == ["a1", "a2", "b1", "n1"]


# -- watch ------------------------------------------------------------------------------------------------

def test_watch_sees_added_modified_deleted(config: Any, lk: Any, namespace: str) -> None:
    lk.create(pod("before"), namespace=namespace)

    async def run() -> list[tuple[str, str]]:
        client = AsyncClient(config, field_manager="lk", timeout=20.0)
        seen: list[tuple[str, str]] = []
        try:
            async with asyncio.timeout(WAIT):
                async for op, obj in client.watch(Pod, namespace=namespace):
                    seen.append((op, obj.metadata.name))
                    if (op, obj.metadata.name) == ("ADDED", "before"):
                        # the watch is open: make changes from another thread
                        await asyncio.to_thread(lk.create, pod("w1"), namespace=namespace)
                        await asyncio.to_thread(lk.patch, Pod, "w1", {"metadata": {"labels": {"x": "1"}}},
                                                namespace=namespace)
                        await asyncio.to_thread(lk.delete, Pod, "w1", namespace=namespace)
                    if op == "DELETED":
                        break
        finally:
            await client.close()
        return seen

    seen = asyncio.run(run())
    assert seen == [("ADDED", "before"), ("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_from_resource_version_with_selectors(config: Any, lk: Any, namespace: str) -> None:
    start = lk.create(pod("s0", {"app": "x"}), namespace=namespace).metadata.resourceVersion
    lk.create(pod("s1", {"app": "y"}), namespace=namespace)
    lk.create(pod("s2", {"app": "x"}), namespace=namespace)

    async def run() -> list[tuple[str, str]]:
        client = AsyncClient(config, timeout=20.0)
        seen: list[tuple[str, str]] = []
        try:
            async with asyncio.timeout(WAIT):
                async for op, obj in client.watch(Pod, namespace=namespace, labels={"app": "x"},
                                                  resource_version=start, server_timeout=10):
                    seen.append((op, obj.metadata.name))
                    break
        finally:
            await client.close()
        return seen

    assert asyncio.run(run()) == [("ADDED", "s2")]  # only what came after, and only app=x


def test_watch_stream_end_is_resumed(config: Any, lk: Any, namespace: str) -> None:
    """With server_timeout the server ends each stream; lightkube resumes from the last version seen."""
    lk.create(pod("r0"), namespace=namespace)

    async def run() -> list[tuple[str, str]]:
        client = AsyncClient(config, timeout=20.0)
        seen: list[tuple[str, str]] = []
        try:
            async with asyncio.timeout(WAIT):
                async for op, obj in client.watch(Pod, namespace=namespace, server_timeout=1):
                    seen.append((op, obj.metadata.name))
                    if len(seen) == 1:
                        await asyncio.sleep(2.5)  # the first stream has ended by now
                        await asyncio.to_thread(lk.create, pod("r1"), namespace=namespace)
                    else:
                        break
        finally:
            await client.close()
        return seen

    assert asyncio.run(run()) == [("ADDED", "r0"), ("ADDED", "r1")]


# -- server-side apply ------------------------------------------------------------------------------------

def _apply_or_xfail(call: Any) -> Any:
    """Server-side apply is built separately: a server without it answers 415, an expected failure."""
    try:
        return call()
    except ApiError as exc:
        if exc.status.code == 415:
            pytest.xfail(f"server-side apply is not served yet: {exc.status.message}")
        raise


def test_apply_creates_then_updates(lk: Any, namespace: str) -> None:
    svc = Service(metadata=ObjectMeta(name="applied", namespace=namespace, labels={"v": "1"}),
                  spec=ServiceSpec(selector={"app": "applied"}, ports=[ServicePort(port=80)]))
    created = _apply_or_xfail(lambda: lk.apply(svc))
    assert created.metadata.labels == {"v": "1"} and created.spec.clusterIP
    svc.metadata.labels = {"v": "2"}
    updated = lk.apply(svc)
    assert updated.metadata.labels == {"v": "2"}
    assert updated.spec.clusterIP == created.spec.clusterIP
    managers = {m.manager for m in updated.metadata.managedFields or []}
    assert "lk" in managers

    # another manager taking a field lk owns conflicts (409) unless it forces
    other = Service(metadata=ObjectMeta(name="applied", namespace=namespace, labels={"v": "3"}))
    with pytest.raises(ApiError) as ei:
        lk.apply(other, field_manager="other")
    assert ei.value.status.code == 409 and ei.value.status.reason == "Conflict"
    forced = lk.apply(other, field_manager="other", force=True)
    assert forced.metadata.labels == {"v": "3"}
