"""ServiceAccount controller: every Active namespace has a ``default`` account, created in the namespace's
own write (read-your-writes), recreated when deleted, never in a Terminating namespace; resync at start
and on POST /mock/reconcile covers namespaces stored without one."""

from __future__ import annotations

from typing import Any

from mockapi.app import create_app
from mockapi.controllers import serviceaccounts
from mockapi.registry import RESOURCES_BY_KIND

SA = RESOURCES_BY_KIND["ServiceAccount"]


def names(client: Any, ns: str) -> list[str]:
    r = client.get(f"/api/v1/namespaces/{ns}/serviceaccounts")
    assert r.status_code == 200, r.data
    return [i["metadata"]["name"] for i in r.get_json()["items"]]


def test_system_namespaces_have_default_accounts(client: Any) -> None:
    items = client.get("/api/v1/serviceaccounts").get_json()["items"]
    assert sorted((i["metadata"]["namespace"], i["metadata"]["name"]) for i in items) == [
        (ns, "default") for ns in ("default", "kube-node-lease", "kube-public", "kube-system")]
    sa = client.get("/api/v1/namespaces/default/serviceaccounts/default").get_json()
    assert set(sa) == {"kind", "apiVersion", "metadata"}


def test_a_new_namespace_gets_its_account_in_the_same_write(client: Any) -> None:
    r = client.post("/api/v1/namespaces", json={"metadata": {"name": "team"}})
    ns_rv = int(r.get_json()["metadata"]["resourceVersion"])
    sa = client.get("/api/v1/namespaces/team/serviceaccounts/default").get_json()
    assert int(sa["metadata"]["resourceVersion"]) == ns_rv + 1  # the next revision of the same transaction
    assert sa["metadata"]["namespace"] == "team"


def test_a_deleted_default_account_comes_back_but_others_do_not(client: Any) -> None:
    client.post("/api/v1/namespaces", json={"metadata": {"name": "team"}})
    client.post("/api/v1/namespaces/team/serviceaccounts", json={"metadata": {"name": "bot"}})
    old_uid = client.get("/api/v1/namespaces/team/serviceaccounts/default").get_json()["metadata"]["uid"]
    assert client.delete("/api/v1/namespaces/team/serviceaccounts/default").status_code == 200
    assert client.delete("/api/v1/namespaces/team/serviceaccounts/bot").status_code == 200
    assert names(client, "team") == ["default"]
    assert client.get("/api/v1/namespaces/team/serviceaccounts/default").get_json()["metadata"]["uid"] != old_uid


def test_no_account_in_a_terminating_namespace(client: Any) -> None:
    client.post("/api/v1/namespaces", json={"metadata": {"name": "gone", "finalizers": ["example.com/hold"]}})
    # a finalizer on a namespaced object holds the namespace in Terminating
    client.post("/api/v1/namespaces/gone/serviceaccounts",
                json={"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    assert client.delete("/api/v1/namespaces/gone").status_code == 200
    assert client.get("/api/v1/namespaces/gone").get_json()["status"]["phase"] == "Terminating"
    assert names(client, "gone") == ["held"]  # default was deleted with the namespace, and not recreated
    with client.application.extensions["mockapi"].registry.db.write() as conn:
        from mockapi.registry.rest import Txn

        assert serviceaccounts.reconcile(Txn(conn, client.application.extensions["mockapi"].registry), "gone") == 0


def test_resync_creates_missing_accounts() -> None:
    app = create_app({"db": "sqlite://", "nodes": 1, "kubelet": "off", "controllers": "manual"})
    try:
        client = app.test_client()
        client.post("/api/v1/namespaces", json={"metadata": {"name": "late"}})
        assert names(client, "late") == []
        summary = client.post("/mock/reconcile").get_json()["controllers"]
        assert summary["service-account-controller"]["created"] == 5  # 4 system namespaces + late
        assert names(client, "late") == ["default"]
    finally:
        app.extensions["mockapi"].close()


def test_keys_for_only_namespaces_and_deleted_default_accounts() -> None:
    from mockapi.registry.rest import Change

    ns = {"metadata": {"name": "a"}}
    assert serviceaccounts.keys_for([Change(RESOURCES_BY_KIND["Namespace"], None, ns)]) == {"a"}
    bot = {"metadata": {"name": "bot", "namespace": "b"}}
    dflt = {"metadata": {"name": "default", "namespace": "c"}}
    assert serviceaccounts.keys_for([Change(SA, bot, None), Change(SA, dflt, None), Change(SA, None, dflt)]) == {"c"}
