"""The official ``kubernetes`` Python client against a live ``mockapi serve``: typed CRUD, selectors,
``watch.Watch().stream``, error mapping, patch content types, /version and the DynamicClient."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402


def pod(name: str, labels: dict[str, str] | None = None, image: str = "nginx:1.27") -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image=image)]),
    )


@pytest.fixture
def v1(k8s_client: Any) -> client.CoreV1Api:
    return client.CoreV1Api(k8s_client)


def status_body(exc: ApiException) -> dict[str, Any]:
    body = json.loads(exc.body)
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["code"] == exc.status
    return body


# -- CRUD -------------------------------------------------------------------------------------------------

def test_pod_crud(v1: client.CoreV1Api, namespace: str) -> None:
    created = v1.create_namespaced_pod(namespace, pod("web", {"app": "web"}))
    assert isinstance(created, client.V1Pod)
    assert created.metadata.name == "web" and created.metadata.namespace == namespace
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.spec.containers[0].image == "nginx:1.27"
    assert created.status.phase == "Pending"

    got = v1.read_namespaced_pod("web", namespace)
    assert got.metadata.uid == created.metadata.uid

    listed = v1.list_namespaced_pod(namespace)
    assert [p.metadata.name for p in listed.items] == ["web"]
    assert listed.metadata.resource_version

    got.metadata.labels["tier"] = "front"
    replaced = v1.replace_namespaced_pod("web", namespace, got)
    assert replaced.metadata.labels == {"app": "web", "tier": "front"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)

    deleted = v1.delete_namespaced_pod("web", namespace)
    assert deleted.metadata.name == "web"
    with pytest.raises(ApiException) as ei:
        v1.read_namespaced_pod("web", namespace)
    assert ei.value.status == 404


def test_create_duplicate_pod_is_409_already_exists(v1: client.CoreV1Api, namespace: str) -> None:
    v1.create_namespaced_pod(namespace, pod("dup"))
    with pytest.raises(ApiException) as ei:
        v1.create_namespaced_pod(namespace, pod("dup"))
    assert ei.value.status == 409
    body = status_body(ei.value)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'pods "dup" already exists'


def test_create_in_missing_namespace_is_404(v1: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as ei:
        v1.create_namespaced_pod("nons-" + uuid.uuid4().hex[:6], pod("p"))
    assert ei.value.status == 404
    body = status_body(ei.value)
    assert body["reason"] == "NotFound"
    assert body["message"].startswith('namespaces "nons-') and body["message"].endswith('" not found')


def test_namespace_crud(v1: client.CoreV1Api) -> None:
    name = "py-" + uuid.uuid4().hex[:8]
    created = v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name,
                                                                                   labels={"team": "py"})))
    assert created.metadata.name == name
    assert created.status.phase == "Active"
    assert created.spec.finalizers == ["kubernetes"]
    assert created.metadata.labels["kubernetes.io/metadata.name"] == name
    assert v1.read_namespace(name).metadata.uid == created.metadata.uid
    assert name in [n.metadata.name for n in v1.list_namespace(label_selector="team=py").items]
    patched = v1.patch_namespace(name, {"metadata": {"annotations": {"owner": "me"}}})
    assert patched.metadata.annotations == {"owner": "me"}

    w = watch.Watch()
    v1.delete_namespace(name)
    seen = []
    for ev in w.stream(v1.list_namespace, field_selector=f"metadata.name={name}",
                       resource_version=created.metadata.resource_version, timeout_seconds=10,
                       _request_timeout=15):
        seen.append(ev["type"])
        if ev["type"] == "DELETED":
            w.stop()
    assert seen[-1] == "DELETED"
    with pytest.raises(ApiException) as ei:
        v1.read_namespace(name)
    assert ei.value.status == 404


def test_namespace_delete_returns_it_terminating(v1: client.CoreV1Api) -> None:
    name = "py-" + uuid.uuid4().hex[:8]
    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    v1.create_namespaced_pod(name, pod("inside"))
    # the client's declared return type is V1Status; read the raw answer
    raw = v1.delete_namespace(name, _preload_content=False)
    assert raw.status == 200
    resp = json.loads(raw.data)
    # kube-apiserver answers with the Namespace, now carrying deletionTimestamp and phase Terminating
    assert resp["kind"] == "Namespace" and resp["metadata"]["name"] == name
    assert resp["metadata"]["deletionTimestamp"]
    assert resp["status"]["phase"] == "Terminating"


def test_event_crud_and_involved_object_selector(v1: client.CoreV1Api, namespace: str) -> None:
    target = v1.create_namespaced_pod(namespace, pod("target"))
    ev = client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name="target-"),
        involved_object=client.V1ObjectReference(kind="Pod", name="target", namespace=namespace,
                                                 uid=target.metadata.uid, api_version="v1"),
        reason="Testing", message="hello from python", type="Normal",
        source=client.V1EventSource(component="pytest"), count=1,
    )
    created = v1.create_namespaced_event(namespace, ev)
    assert created.metadata.name.startswith("target-") and len(created.metadata.name) > len("target-")
    assert created.involved_object.uid == target.metadata.uid

    other = client.CoreV1Event(
        metadata=client.V1ObjectMeta(name="other.1"),
        involved_object=client.V1ObjectReference(kind="Pod", name="other", namespace=namespace),
        reason="Other", message="not about target", type="Warning",
    )
    v1.create_namespaced_event(namespace, other)

    sel = f"involvedObject.name=target,involvedObject.namespace={namespace},involvedObject.uid={target.metadata.uid}"
    found = v1.list_namespaced_event(namespace, field_selector=sel)
    assert [e.metadata.name for e in found.items] == [created.metadata.name]
    warnings = v1.list_namespaced_event(namespace, field_selector="type=Warning")
    assert [e.metadata.name for e in warnings.items] == ["other.1"]

    got = v1.read_namespaced_event(created.metadata.name, namespace)
    assert got.message == "hello from python"
    patched = v1.patch_namespaced_event(created.metadata.name, namespace, {"count": 2, "message": "again"})
    assert (patched.count, patched.message) == (2, "again")
    v1.delete_namespaced_event(created.metadata.name, namespace)
    with pytest.raises(ApiException) as ei:
        v1.read_namespaced_event(created.metadata.name, namespace)
    assert ei.value.status == 404
    assert status_body(ei.value)["message"] == f'events "{created.metadata.name}" not found'


# -- selectors --------------------------------------------------------------------------------------------

def test_list_with_label_and_field_selectors(v1: client.CoreV1Api, namespace: str) -> None:
    tag = uuid.uuid4().hex[:8]
    for name, app in (("a1", "a"), ("a2", "a"), ("b1", "b"), ("n1", None)):
        labels = {"run": tag}
        if app:
            labels["app"] = app
        v1.create_namespaced_pod(namespace, pod(name, labels))

    def names(**kw: Any) -> list[str]:
        return [p.metadata.name for p in v1.list_namespaced_pod(namespace, **kw).items]

    assert names(label_selector="app=a") == ["a1", "a2"]
    assert names(label_selector="app!=a") == ["b1", "n1"]
    assert names(label_selector="app in (a,b)") == ["a1", "a2", "b1"]
    assert names(label_selector="!app") == ["n1"]
    assert names(label_selector="app,app notin (a)") == ["b1"]
    assert names(field_selector="metadata.name=b1") == ["b1"]
    assert names(field_selector="metadata.name!=b1") == ["a1", "a2", "n1"]
    assert names(field_selector="status.phase=Pending", label_selector="app=b") == ["b1"]
    assert names(field_selector="status.phase=Running") == []
    everywhere = v1.list_pod_for_all_namespaces(label_selector=f"run={tag},app=a")
    assert [(p.metadata.namespace, p.metadata.name) for p in everywhere.items] == [(namespace, "a1"),
                                                                                   (namespace, "a2")]


def test_list_limit_and_continue(v1: client.CoreV1Api, namespace: str) -> None:
    for i in range(5):
        v1.create_namespaced_pod(namespace, pod(f"p{i}"))
    seen, token = [], None
    for _ in range(5):
        page = v1.list_namespaced_pod(namespace, limit=2, _continue=token)
        seen += [p.metadata.name for p in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4"]


def test_unsupported_field_selector_is_400(v1: client.CoreV1Api, namespace: str) -> None:
    with pytest.raises(ApiException) as ei:
        v1.list_namespaced_pod(namespace, field_selector="spec.bogus=1")
    assert ei.value.status == 400
    body = status_body(ei.value)
    assert body["reason"] == "BadRequest"
    assert body["message"] == 'field label not supported: spec.bogus'


# -- watch ------------------------------------------------------------------------------------------------

def test_watch_stream_added_modified_deleted(v1: client.CoreV1Api, namespace: str) -> None:
    v1.create_namespaced_pod(namespace, pod("seed"))
    w = watch.Watch()
    seen: list[tuple[str, str]] = []
    rvs: list[int] = []
    for ev in w.stream(v1.list_namespaced_pod, namespace, timeout_seconds=10, _request_timeout=15):
        obj = ev["object"]
        assert isinstance(obj, client.V1Pod)
        name = obj.metadata.name
        seen.append((ev["type"], name))
        rvs.append(int(obj.metadata.resource_version))
        # drive the next write from the event just received: no sleeping, no races
        if (ev["type"], name) == ("ADDED", "seed"):
            v1.create_namespaced_pod(namespace, pod("w1", {"step": "0"}))
        elif (ev["type"], name) == ("ADDED", "w1"):
            v1.patch_namespaced_pod("w1", namespace, {"metadata": {"labels": {"step": "1"}}})
        elif (ev["type"], name) == ("MODIFIED", "w1"):
            assert obj.metadata.labels == {"step": "1"}
            v1.delete_namespaced_pod("w1", namespace)
        elif (ev["type"], name) == ("DELETED", "w1"):
            assert ev["raw_object"]["metadata"]["name"] == "w1"
            w.stop()
    assert seen == [("ADDED", "seed"), ("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    assert rvs[1] < rvs[2] < rvs[3]


def test_watch_stream_with_label_selector_and_resource_version(v1: client.CoreV1Api, namespace: str) -> None:
    rv = v1.list_namespaced_pod(namespace).metadata.resource_version
    v1.create_namespaced_pod(namespace, pod("skip", {"app": "other"}))
    v1.create_namespaced_pod(namespace, pod("take", {"app": "mine"}))
    w = watch.Watch()
    got = []
    for ev in w.stream(v1.list_namespaced_pod, namespace, label_selector="app=mine", resource_version=rv,
                       timeout_seconds=10, _request_timeout=15):
        got.append((ev["type"], ev["object"].metadata.name))
        w.stop()
    assert got == [("ADDED", "take")]


def test_watch_stream_ends_at_timeout_seconds(v1: client.CoreV1Api, namespace: str) -> None:
    rv = v1.list_namespaced_pod(namespace).metadata.resource_version
    events = list(watch.Watch().stream(v1.list_namespaced_pod, namespace, resource_version=rv, timeout_seconds=1,
                                       _request_timeout=10))
    assert events == []


# -- errors -----------------------------------------------------------------------------------------------

def test_stale_replace_is_409_conflict(v1: client.CoreV1Api, namespace: str) -> None:
    v1.create_namespaced_pod(namespace, pod("cas"))
    first = v1.read_namespaced_pod("cas", namespace)
    stale = v1.read_namespaced_pod("cas", namespace)
    first.metadata.labels = {"winner": "first"}
    v1.replace_namespaced_pod("cas", namespace, first)
    stale.metadata.labels = {"winner": "stale"}
    with pytest.raises(ApiException) as ei:
        v1.replace_namespaced_pod("cas", namespace, stale)
    assert ei.value.status == 409
    body = status_body(ei.value)
    assert body["reason"] == "Conflict"
    assert body["message"] == ('Operation cannot be fulfilled on pods "cas": the object has been modified; '
                               "please apply your changes to the latest version and try again")
    assert body["details"]["name"] == "cas" and body["details"]["kind"] == "pods"
    assert v1.read_namespaced_pod("cas", namespace).metadata.labels == {"winner": "first"}


def test_missing_pod_is_404_with_status_body(v1: client.CoreV1Api, namespace: str) -> None:
    with pytest.raises(ApiException) as ei:
        v1.read_namespaced_pod("nothere", namespace)
    assert ei.value.status == 404
    body = status_body(ei.value)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'pods "nothere" not found'
    assert body["details"] == {"name": "nothere", "kind": "pods"}


def test_invalid_pod_is_422(v1: client.CoreV1Api, namespace: str) -> None:
    bad = client.V1Pod(metadata=client.V1ObjectMeta(name="Bad_Name"),
                       spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="x")]))
    with pytest.raises(ApiException) as ei:
        v1.create_namespaced_pod(namespace, bad)
    assert ei.value.status == 422
    body = status_body(ei.value)
    assert body["reason"] == "Invalid"
    assert body["details"]["kind"] == "Pod" and body["details"]["name"] == "Bad_Name"
    assert any(c["field"] == "metadata.name" for c in body["details"]["causes"])


# -- patch content types ------------------------------------------------------------------------------------

def test_patch_with_dict_is_strategic_merge(v1: client.CoreV1Api, namespace: str) -> None:
    p = pod("sm", {"app": "a"})
    p.spec.containers.append(client.V1Container(name="side", image="busybox:1.36"))
    v1.create_namespaced_pod(namespace, p)
    patched = v1.patch_namespaced_pod("sm", namespace, {
        "metadata": {"labels": {"tier": "x"}},
        "spec": {"containers": [{"name": "side", "image": "busybox:1.37"}]},
    })
    # containers merge by name (a JSON merge patch would have replaced the whole list)
    assert [(c.name, c.image) for c in patched.spec.containers] == [("c", "nginx:1.27"), ("side", "busybox:1.37")]
    assert patched.metadata.labels == {"app": "a", "tier": "x"}
    removed = v1.patch_namespaced_pod("sm", namespace, {"metadata": {"labels": {"app": None}}})
    assert removed.metadata.labels == {"tier": "x"}


def test_patch_with_list_is_json_patch(v1: client.CoreV1Api, namespace: str) -> None:
    created = v1.create_namespaced_pod(namespace, pod("jp", {"app": "a"}))
    patched = v1.patch_namespaced_pod("jp", namespace, [
        {"op": "test", "path": "/metadata/resourceVersion", "value": created.metadata.resource_version},
        {"op": "add", "path": "/metadata/labels/tier", "value": "x"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.28"},
        {"op": "remove", "path": "/metadata/labels/app"},
    ])
    assert patched.metadata.labels == {"tier": "x"}
    assert patched.spec.containers[0].image == "nginx:1.28"
    with pytest.raises(ApiException) as ei:
        v1.patch_namespaced_pod("jp", namespace, [
            {"op": "test", "path": "/metadata/resourceVersion", "value": created.metadata.resource_version},
            {"op": "add", "path": "/metadata/labels/late", "value": "y"},
        ])
    assert ei.value.status == 422
    assert status_body(ei.value)["reason"] == "Invalid"
    assert "late" not in v1.read_namespaced_pod("jp", namespace).metadata.labels


def test_failed_json_patch_test_status_wording(v1: client.CoreV1Api, namespace: str) -> None:
    v1.create_namespaced_pod(namespace, pod("jt", {"m": "1"}))
    with pytest.raises(ApiException) as ei:
        v1.patch_namespaced_pod("jt", namespace, [{"op": "test", "path": "/metadata/labels/m", "value": "2"}])
    assert ei.value.status == 422
    body = status_body(ei.value)
    # apiserver: errors.NewGenericServerResponse(422, ..., err.Error()) around evanphx/json-patch's error
    assert body["reason"] == "Invalid"
    assert body["message"] == "the server rejected our request due to an error in our request"
    assert body["details"]["causes"] == [{"reason": "UnexpectedServerResponse",
                                          "message": "testing value /metadata/labels/m failed: test failed"}]


def test_patch_status_subresource(v1: client.CoreV1Api, namespace: str) -> None:
    v1.create_namespaced_pod(namespace, pod("st"))
    patched = v1.patch_namespaced_pod_status("st", namespace, {"status": {"phase": "Running"},
                                                                "spec": {"activeDeadlineSeconds": 30}})
    assert patched.status.phase == "Running"
    assert patched.spec.active_deadline_seconds is None  # the status subresource keeps the old spec
    assert v1.read_namespaced_pod_status("st", namespace).status.phase == "Running"
    # and writes to the pod itself keep the old status
    main = v1.patch_namespaced_pod("st", namespace, {"status": {"phase": "Failed"},
                                                     "metadata": {"labels": {"x": "1"}}})
    assert main.status.phase == "Running" and main.metadata.labels == {"x": "1"}


# -- version and discovery ------------------------------------------------------------------------------------

def test_version_api(k8s_client: Any) -> None:
    info = client.VersionApi(k8s_client).get_code()
    assert info.major == "1"
    assert info.minor == "31"
    assert info.git_version.startswith("v1.31.")
    assert info.platform


def test_dynamic_client_discovery(k8s_client: Any, namespace: str) -> None:
    from kubernetes.dynamic import DynamicClient

    v1 = client.CoreV1Api(k8s_client)
    v1.create_namespaced_pod(namespace, pod("dyn", {"app": "dyn"}))
    dyn = DynamicClient(k8s_client)
    pods = dyn.resources.get(api_version="v1", kind="Pod")
    assert pods.name == "pods" and pods.namespaced is True and pods.kind == "Pod"
    assert "po" in (pods.short_names or [])
    assert {"get", "list", "watch", "create", "patch", "delete"} <= set(pods.verbs)
    listed = pods.get(namespace=namespace, label_selector="app=dyn")
    assert [item.metadata.name for item in listed.items] == ["dyn"]
    one = pods.get(name="dyn", namespace=namespace)
    assert one.metadata.name == "dyn"
    ns = dyn.resources.get(api_version="v1", kind="Namespace")
    assert ns.namespaced is False
    assert dyn.resources.get(api_version="v1", kind="Event").namespaced is True
    assert "status" in pods.subresources


# -- server-side apply ----------------------------------------------------------------------------------------

def test_server_side_apply_with_field_manager(v1: client.CoreV1Api, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "py-ssa", "labels": {"app": "py"}},
            "spec": {"selector": {"app": "py"}, "ports": [{"port": 80}]}}
    created = v1.patch_namespaced_service("py-ssa", namespace, body, field_manager="py",
                                          _content_type="application/apply-patch+yaml")
    assert created.spec.ports[0].port == 80 and created.spec.cluster_ip
    assert [(e.manager, e.operation) for e in created.metadata.managed_fields] == [("py", "Apply")]
    body["spec"]["ports"] = [{"port": 80}, {"port": 443, "name": "https"}]
    body["spec"]["ports"][0]["name"] = "http"
    updated = v1.patch_namespaced_service("py-ssa", namespace, body, field_manager="py",
                                          _content_type="application/apply-patch+yaml")
    assert sorted(p.port for p in updated.spec.ports) == [80, 443]
    body["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiException) as err:
        v1.patch_namespaced_service("py-ssa", namespace, body, field_manager="py2",
                                    _content_type="application/apply-patch+yaml")
    assert err.value.status == 409
    assert status_body(err.value)["details"]["causes"][0]["type"] == "FieldManagerConflict"
    forced = v1.patch_namespaced_service("py-ssa", namespace, body, field_manager="py2", force=True,
                                         _content_type="application/apply-patch+yaml")
    assert forced.metadata.labels == {"app": "other"}
