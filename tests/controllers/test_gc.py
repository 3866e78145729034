"""Garbage collection: dependents of a removed owner go (Background; Foreground treated the same),
Orphan takes the references off instead, live co-owners keep a dependent, the owner index."""

from __future__ import annotations

import json
from typing import Any

from mockapi.controllers import gc
from mockapi.storage import indexes

NS = "/api/v1/namespaces/default"
MERGE = {"Content-Type": "application/merge-patch+json"}


def svc(client, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post(f"{NS}/services", json={"metadata": {"name": name},
                                            "spec": {"ports": [{"port": 80}], "selector": {"app": name}}})
    assert r.status_code == 201, r.json
    return r.json


def ref(owner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], **extra}


def pod(client, name: str, *owners: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"metadata": {"name": name, "ownerReferences": list(owners)},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    r = client.post(f"{NS}/pods", json=body)
    assert r.status_code == 201, r.json
    return r.json


def exists(client, path: str) -> bool:  # type: ignore[no-untyped-def]
    return client.get(path).status_code == 200


def test_dependents_go_with_their_owner(client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "owner")
    pod(client, "dep1", ref(owner, controller=True, blockOwnerDeletion=True))
    pod(client, "dep2", ref(owner))
    pod(client, "bystander")
    assert client.delete(f"{NS}/services/owner").status_code == 200
    assert not exists(client, f"{NS}/pods/dep1") and not exists(client, f"{NS}/pods/dep2")
    assert exists(client, f"{NS}/pods/bystander")


def test_cascade_through_levels_and_kinds(client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "top")
    mid = pod(client, "mid", ref(owner))
    ev = {"metadata": {"name": "ev", "ownerReferences": [ref(mid)]},
          "involvedObject": {"kind": "Pod", "name": "mid", "namespace": "default"}, "reason": "Test",
          "message": "m", "type": "Normal"}
    assert client.post(f"{NS}/events", json=ev).status_code == 201
    client.delete(f"{NS}/services/top", json={"propagationPolicy": "Foreground"})
    assert not exists(client, f"{NS}/pods/mid") and not exists(client, f"{NS}/events/ev")


def test_cluster_scoped_owner(client) -> None:  # type: ignore[no-untyped-def]
    node = client.post("/api/v1/nodes", json={"metadata": {"name": "extra"}}).json
    pod(client, "mirror", ref(node))
    assert client.delete("/api/v1/nodes/extra").status_code == 200
    assert not exists(client, f"{NS}/pods/mirror")


def test_live_co_owner_keeps_the_dependent(client) -> None:  # type: ignore[no-untyped-def]
    a, b = svc(client, "a"), svc(client, "b")
    pod(client, "shared", ref(a), ref(b))
    client.delete(f"{NS}/services/a")
    p = client.get(f"{NS}/pods/shared").json
    assert [r["name"] for r in p["metadata"]["ownerReferences"]] == ["b"]
    client.delete(f"{NS}/services/b")
    assert not exists(client, f"{NS}/pods/shared")


def test_unknown_owner_kind_is_never_gone(client) -> None:  # type: ignore[no-untyped-def]
    a = svc(client, "a")
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "7d5e9a3c-0000-4000-8000-000000000001"}
    pod(client, "kept", ref(a), rs)
    client.delete(f"{NS}/services/a")
    p = client.get(f"{NS}/pods/kept").json
    assert p["metadata"]["ownerReferences"] == [rs]


def test_dangling_from_the_start_is_left_alone(client) -> None:  # type: ignore[no-untyped-def]
    ghost = {"apiVersion": "v1", "kind": "Service", "name": "ghost", "uid": "7d5e9a3c-0000-4000-8000-000000000002"}
    pod(client, "haunted", ghost)
    svc(client, "other")
    client.delete(f"{NS}/services/other")
    assert exists(client, f"{NS}/pods/haunted")


def test_orphan_removes_the_reference_and_the_owner(client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "parent")
    pod(client, "child", ref(owner, controller=True))
    rv = client.get(f"{NS}/services").json["metadata"]["resourceVersion"]
    r = client.delete(f"{NS}/services/parent", json={"propagationPolicy": "Orphan"})
    assert r.status_code == 200
    assert not exists(client, f"{NS}/services/parent")
    child = client.get(f"{NS}/pods/child").json
    assert "ownerReferences" not in child["metadata"]
    w = client.get(f"{NS}/services?watch=1&resourceVersion={rv}&timeoutSeconds=1")
    events = [json.loads(line) for line in w.data.decode().splitlines() if line.strip()]
    assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]
    assert events[0]["object"]["metadata"]["finalizers"] == ["orphan"]
    assert events[0]["object"]["metadata"]["deletionTimestamp"]


def test_orphan_dependents_query_parameter(client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "legacy")
    pod(client, "kid", ref(owner))
    client.delete(f"{NS}/services/legacy?propagationPolicy=Orphan")
    assert "ownerReferences" not in client.get(f"{NS}/pods/kid").json["metadata"]


def test_orphan_with_other_finalizers_waits_for_them(client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "held")
    client.patch(f"{NS}/services/held", json={"metadata": {"finalizers": ["example.com/hold"]}}, headers=MERGE)
    pod(client, "p", ref(owner))
    client.delete(f"{NS}/services/held", json={"propagationPolicy": "Orphan"})
    held = client.get(f"{NS}/services/held").json
    assert held["metadata"]["finalizers"] == ["example.com/hold"]
    assert "ownerReferences" not in client.get(f"{NS}/pods/p").json["metadata"]
    client.patch(f"{NS}/services/held", json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert not exists(client, f"{NS}/services/held")
    assert exists(client, f"{NS}/pods/p")


def test_owner_index_follows_writes_and_resyncs(app, client) -> None:  # type: ignore[no-untyped-def]
    owner = svc(client, "idx")
    pod(client, "p", ref(owner))
    runtime = app.extensions["mockapi"]

    def rows() -> list[tuple[str, str, str, str]]:
        with runtime.db.read() as conn:
            return [e for e in indexes.all_entries(conn) if e[0] == gc.INDEX and e[3].startswith("pods/")]

    p = client.get(f"{NS}/pods/p").json
    expected = [(gc.INDEX, owner["metadata"]["uid"], p["metadata"]["uid"], "pods/default/p")]
    assert rows() == expected
    runtime.registry.write(lambda txn: indexes.clear(txn.conn))
    assert rows() == []
    assert runtime.registry.write(gc.GarbageCollector().resync)["edges"] >= 1
    assert rows() == expected
    client.patch(f"{NS}/pods/p", json={"metadata": {"ownerReferences": None}}, headers=MERGE)
    assert rows() == []


def test_manual_controllers_collect_on_reconcile() -> None:
    from mockapi.app import create_app

    app = create_app({"db": "sqlite://", "nodes": 1, "kubelet": "off", "controllers": "manual"})
    try:
        c = app.test_client()
        owner = svc(c, "m")
        pod(c, "dep", ref(owner))
        c.delete(f"{NS}/services/m")
        assert exists(c, f"{NS}/pods/dep")  # nothing ran yet
        r = c.post("/mock/reconcile")
        assert r.status_code == 200, r.json
        assert not exists(c, f"{NS}/pods/dep")
    finally:
        app.extensions["mockapi"].close()
