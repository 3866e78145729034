"""The scheduler's NodeView: nodes decoded once per change of the node set, exact after any node
write (create, update, delete) and after a rolled-back one."""

from __future__ import annotations

from typing import Any

from mockapi.controllers.scheduler import NodeView


def _names(view: NodeView, app: Any) -> list[str]:
    runtime = app.extensions["mockapi"]
    with runtime.db.write() as conn:
        return [n["metadata"]["name"] for n in view.nodes(conn)]


def test_the_view_is_reused_until_a_node_changes(app: Any) -> None:
    runtime = app.extensions["mockapi"]
    view = NodeView()
    with runtime.db.write() as conn:
        first = view.nodes(conn)
        assert view.nodes(conn) is first  # unchanged: not decoded again
    client = app.test_client()
    assert client.patch("/api/v1/nodes/node-1", json={"metadata": {"labels": {"x": "y"}}},
                        headers={"Content-Type": "application/merge-patch+json"}).status_code == 200
    with runtime.db.write() as conn:
        again = view.nodes(conn)
    assert again is not first
    assert next(n for n in again if n["metadata"]["name"] == "node-1")["metadata"]["labels"]["x"] == "y"


def test_the_view_follows_creates_deletes_and_dry_runs(app: Any) -> None:
    client, view = app.test_client(), NodeView()
    assert _names(view, app) == ["node-1", "node-2", "node-3"]
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-9"}}
    assert client.post("/api/v1/nodes?dryRun=All", json=node).status_code == 201
    assert _names(view, app) == ["node-1", "node-2", "node-3"]
    assert client.post("/api/v1/nodes", json=node).status_code == 201
    assert _names(view, app) == ["node-1", "node-2", "node-3", "node-9"]
    assert client.delete("/api/v1/nodes/node-2").status_code == 200
    assert _names(view, app) == ["node-1", "node-3", "node-9"]
