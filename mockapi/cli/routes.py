"""``mockapi routes``: fetch GET /mock/routing-table from a running server and print it (a human
table by default, or the JSON / iptables-save text as served). HTTP client only; no server code."""

from __future__ import annotations

import urllib.parse
from typing import Any

from .client import request


def fetch(server: str, node: str | None, fmt: str, timeout: float = 30.0) -> str:
    """The routing table as served (``fmt`` json or iptables); raises RuntimeError with the Status
    message when the server refuses."""
    query = {"format": "iptables" if fmt == "iptables" else "json", **({"node": node} if node else {})}
    return request(server, "GET", f"/mock/routing-table?{urllib.parse.urlencode(query)}", accept="*/*",
                   timeout=timeout).decode()


def _backends(backends: list[dict[str, Any]]) -> str:
    return ", ".join(f"{b['ip']}:{b['port']} ({b['node'] or '-'}, {b['probability'] * 100:.0f}%)" for b in backends)


def render_table(table: dict[str, Any]) -> str:
    """One row per node, service port and frontend: where its traffic goes on that node."""
    rows = [("NODE", "SERVICE", "PORT", "FRONTEND", "BACKENDS")]
    for node in table["nodes"]:
        for svc in node["services"]:
            name = f"{svc['namespace']}/{svc['name']}" + (f":{svc['portName']}" if svc.get("portName") else "")
            port = f"{svc['port']}/{svc['protocol']}"
            for fe in svc["frontends"]:
                target = _backends(fe["backends"]) or f"none: {fe['whenNoBackends']}"
                ip = f"[{fe['ip']}]" if ":" in fe["ip"] else fe["ip"]
                rows.append((node["name"], name, port, f"{fe['type']} {ip}:{fe['port']}", target))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    lines = [line.rstrip() for line in lines]
    for skipped in table.get("skipped") or []:
        lines.append(f"# {skipped['namespace']}/{skipped['name']}: {skipped['reason']}")
    lines.append(f"# revision {table['revision']}")
    return "\n".join(lines)
