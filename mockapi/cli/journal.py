"""``mockapi requests`` and ``mockapi faults``: read or clear the request journal and list, add and
remove fault rules of a running server over HTTP. Client code only; no server code."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from .client import request


def call(server: str, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None,
         timeout: float = 30.0) -> Any:
    """One JSON request; raises RuntimeError with the Status message when the server refuses."""
    params = {k: v for k, v in (query or {}).items() if v is not None}
    target = path + (f"?{urllib.parse.urlencode(params)}" if params else "")
    data = None if body is None else json.dumps(body).encode()
    return json.loads(request(server, method, target, data, timeout=timeout) or b"null")


def requests_table(items: list[dict[str, Any]]) -> str:
    """One line per journaled request: sequence, time, method, status, ms, verb and resource, path."""
    rows = [("SEQ", "TIME", "METHOD", "STATUS", "MS", "VERB", "RESOURCE", "PATH")]
    for e in items:
        info = e.get("requestInfo") or {}
        resource = info.get("resource", "")
        if info.get("subresource"):
            resource += "/" + info["subresource"]
        path = e["path"] + (f"?{e['queryString']}" if e.get("queryString") else "")
        status = "-" if e.get("status") is None else str(e["status"])
        if e.get("fault"):
            status += "*"
        rows.append((str(e["sequence"]), e["time"][11:23], e["method"], status, f"{e['durationMs']:.1f}",
                     info.get("verb", ""), resource, path))
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    return "\n".join(("  ".join(c.ljust(w) for c, w in zip(r[:7], widths)) + "  " + r[7]).rstrip() for r in rows)


def faults_table(items: list[dict[str, Any]]) -> str:
    """One line per fault rule: id, what it matches, what it does, uses left and hits."""
    rows = [("ID", "MATCH", "ACTION", "REMAINING", "HITS")]
    for rule in items:
        match = " ".join(f"{k}={rule[k]}" for k in ("method", "path", "resource", "verb", "namespace", "name")
                         if k in rule) or "*"
        action = " ".join(f"{k}={json.dumps(rule[k])}" for k in
                          ("status", "reason", "delayMs", "closeConnection", "endWatchAfterEvents") if k in rule)
        remaining = "until removed" if rule.get("remaining") is None else str(rule["remaining"])
        rows.append((rule["id"], match, action, remaining, str(rule.get("hits", 0))))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
