"""GET /mock/routing-table and POST /mock/trace: kube-proxy's view of the cluster (``mockapi.proxy``)
fed from the store. Keeps one incremental RoutingTable per process, brought up to date from the
change history (only what changed since the last answer), and caches rendered answers per revision."""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from flask import Flask, Response, request

from ... import _json
from ...errors import bad_request, not_found
from ...proxy.routing_table import RoutingTable
from ...proxy.trace import trace
from ...runtime import Runtime
from ...storage import store

SERVICES, SLICES, NODES = "services", "endpointslices.discovery.k8s.io", "nodes"
FULL_RELOAD_EVENTS = 20000  # beyond this many changes a fresh load is cheaper than replaying them
PROTOCOLS = ("TCP", "UDP", "SCTP")
FORMATS = ("json", "iptables")


class RoutingState:
    """The process's RoutingTable, synced to the store's current revision on demand."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.table = RoutingTable(cluster_cidr=runtime.config.pod_cidr)
        self.revision = 0
        self.lock = threading.Lock()
        self._answers: dict[tuple[str, str], bytes] = {}  # (node or "", format) -> body at self.revision

    def _apply(self, resource: str, namespace: str, name: str, event: str, body: str) -> None:
        if resource == SERVICES:
            if event == "D":
                self.table.delete_service(namespace, name)
            else:
                self.table.put_service(_json.loads(body))
        elif resource == SLICES:
            if event == "D":
                self.table.delete_slice(namespace, name)
            else:
                self.table.put_slice(_json.loads(body))
        elif resource == NODES:
            if event == "D":
                self.table.delete_node(name)
            else:
                self.table.put_node(_json.loads(body))

    def _full_load(self, conn: Any) -> None:
        self.table = RoutingTable(cluster_cidr=self.runtime.config.pod_cidr)
        for resource in (NODES, SERVICES, SLICES):
            for row in store.list_rows(conn, resource):
                self._apply(resource, row.namespace, row.name, "A", row.body)

    def sync(self) -> int:
        """Catch up with the store (call with ``self.lock`` held); returns the revision now reflected."""
        with self.runtime.db.read() as conn:
            current = store.current_revision(conn)
            if current == self.revision:
                return current
            if self.revision == 0 or current - self.revision > FULL_RELOAD_EVENTS:
                self._full_load(conn)
            else:
                try:
                    since = self.revision
                    while since < current:
                        rows = store.events_since(conn, since, upto=current, limit=1000)
                        if not rows:
                            break
                        for row in rows:
                            self._apply(row.resource, row.namespace, row.name, row.event, row.body)
                        since = rows[-1].rev
                except store.Compacted:
                    self._full_load(conn)
        self.table.refresh()
        self.revision = current
        self._answers.clear()
        return current

    def answer(self, node: str, fmt: str) -> bytes:
        with self.lock:
            revision = self.sync()
            if node and node not in self.table.nodes:
                raise not_found("nodes", node)
            cached = self._answers.get((node, fmt))
            if cached is not None:
                return cached
            names = [node] if node else self.table.node_names()
            if fmt == "iptables":
                body = "\n".join(self.table.iptables(n) for n in names).encode()
            else:
                body = _json.dumpb({"kind": "RoutingTable", "revision": revision,
                                    "nodes": [self.table.node_json(n) for n in names],
                                    "skipped": self.table.skipped()})
            self._answers[(node, fmt)] = body
            return body

    def trace(self, packet: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            revision = self.sync()
            if packet["node"] not in self.table.nodes:
                raise not_found("nodes", packet["node"])
            out = trace(self.table, packet["node"], packet["source"], packet["destination"], packet["port"],
                        packet["protocol"])
            return {"revision": revision, **out}


def parse_packet(raw: bytes) -> dict[str, Any]:
    """Validate a POST /mock/trace body; raises a 400 Status naming what is wrong."""
    try:
        body = _json.loads(raw or b"")
    except _json.JSONDecodeError as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    problems = []
    node = body.get("node")
    if not isinstance(node, str) or not node:
        problems.append("node: a node name is required")
    for key in ("source", "destination"):
        value = body.get(key)
        try:
            ipaddress.ip_address(value if isinstance(value, str) else "")
        except ValueError:
            problems.append(f"{key}: must be an IP address, got {value!r}")
    port = body.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(f"port: must be an integer between 1 and 65535, got {port!r}")
    protocol = body.get("protocol", "TCP")
    if protocol not in PROTOCOLS:
        problems.append(f"protocol: must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    unknown = sorted(set(body) - {"node", "source", "destination", "port", "protocol"})
    if unknown:
        problems.append(f"unknown field(s): {', '.join(unknown)}")
    if problems:
        raise bad_request("invalid trace request: " + "; ".join(problems))
    return {"node": node, "source": body["source"], "destination": body["destination"], "port": port,
            "protocol": protocol}


def register_routing(app: Flask, runtime: Runtime) -> None:
    state = RoutingState(runtime)
    app.extensions["mockapi.routing"] = state

    @app.get("/mock/routing-table")
    def routing_table() -> Response:
        fmt = request.args.get("format", "json")
        if fmt not in FORMATS:
            raise bad_request(f"format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
        body = state.answer(request.args.get("node", ""), fmt)
        ctype = "text/plain; charset=utf-8" if fmt == "iptables" else "application/json"
        return Response(body, content_type=ctype)

    @app.post("/mock/trace")
    def mock_trace() -> Response:
        out = state.trace(parse_packet(request.get_data()))
        return Response(_json.dumpb(out), content_type="application/json")
