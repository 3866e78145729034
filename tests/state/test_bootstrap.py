"""The initial state (mockapi.bootstrap): built in one transaction, idempotent across restarts on a
file database, and a ``kubernetes`` Service that cannot be written leaves nothing half-done."""

from __future__ import annotations

from pathlib import Path

from mockapi.app import create_app


def test_restarts_keep_and_repair_the_initial_state(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'b.db'}"
    first = create_app({"db": db, "port": 8080})
    try:
        uid = first.test_client().get("/api/v1/namespaces/default").get_json()["metadata"]["uid"]
    finally:
        first.extensions["mockapi"].close()
    second = create_app({"db": db, "port": 9090})
    try:
        http = second.test_client()
        assert http.get("/api/v1/namespaces/default").get_json()["metadata"]["uid"] == uid  # kept
        svc = http.get("/api/v1/namespaces/default/services/kubernetes").get_json()
        assert svc["spec"]["ports"][0]["targetPort"] == 9090  # put right
        ep = http.get("/api/v1/namespaces/default/endpoints/kubernetes").get_json()
        assert ep["subsets"][0]["ports"][0]["port"] == 9090
    finally:
        second.extensions["mockapi"].close()


def test_a_kubernetes_service_that_cannot_be_created_leaves_nothing_behind(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    first = create_app({"db": db})
    try:
        http = first.test_client()
        assert http.delete("/api/v1/namespaces/default/services/kubernetes").status_code == 200
        squatter = {"metadata": {"name": "squatter"}, "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 1}]}}
        assert http.post("/api/v1/namespaces/default/services", json=squatter).status_code == 201
    finally:
        first.extensions["mockapi"].close()
    second = create_app({"db": db, "nodes": 4})
    try:
        http = second.test_client()
        assert http.get("/api/v1/namespaces/default/services/kubernetes").status_code == 404
        ip = http.get("/apis/networking.k8s.io/v1/ipaddresses/10.96.0.1").get_json()
        assert ip["spec"]["parentRef"]["name"] == "squatter"
        assert http.get("/api/v1/nodes/node-4").status_code == 200  # the rest of the state was built
        assert http.post("/mock/reset").status_code == 200  # a reset brings it back
        svc = http.get("/api/v1/namespaces/default/services/kubernetes").get_json()
        assert svc["spec"]["clusterIP"] == "10.96.0.1"
    finally:
        second.extensions["mockapi"].close()
