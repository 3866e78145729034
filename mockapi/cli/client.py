"""``mockapi reset``, ``mockapi snapshot export|import`` and ``mockapi seed``: HTTP calls to the /mock
admin endpoints of a running server (POST /mock/reset, GET/POST /mock/snapshot, POST /mock/seed), and
``request``, the one HTTP call every client command (routes, requests, faults) makes. No server code."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

JSON = "application/json"
YAML = "application/yaml"


def request(server: str, method: str, path: str, body: bytes | None = None, content_type: str = JSON,
            accept: str = JSON, timeout: float = 120.0) -> bytes:
    """One call; raises RuntimeError with the Status message when the server refuses or is not there."""
    url = f"{server.rstrip('/')}{path}"
    headers = {"Accept": accept, "User-Agent": "mockapi-cli"}
    if body is not None:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return bytes(resp.read())
    except urllib.error.HTTPError as err:
        try:
            message = json.loads(err.read()).get("message", "")
        except ValueError:
            message = ""
        raise RuntimeError(f"{method} {url}: HTTP {err.code} {message}".rstrip()) from err
    except urllib.error.URLError as err:
        raise RuntimeError(f"cannot reach {server}: {err.reason}") from err


def reset(server: str) -> dict[str, Any]:
    return dict(json.loads(request(server, "POST", "/mock/reset")))


def export_snapshot(server: str, fmt: str = "json") -> bytes:
    """The snapshot as served: JSON (a List with allocations) or multi-document YAML."""
    query = urllib.parse.urlencode({"format": fmt})
    return request(server, "GET", f"/mock/snapshot?{query}", accept=YAML if fmt == "yaml" else JSON)


def import_snapshot(server: str, data: bytes, filename: str = "") -> dict[str, Any]:
    """POST /mock/snapshot; YAML unless the file name ends in .json or the data starts like JSON."""
    is_json = filename.lower().endswith(".json") or data.lstrip()[:1] in (b"{", b"[")
    return dict(json.loads(request(server, "POST", "/mock/snapshot", data, JSON if is_json else YAML)))


def set_seed(server: str, seed: int | None) -> dict[str, Any]:
    return dict(json.loads(request(server, "POST", "/mock/seed", json.dumps({"seed": seed}).encode())))


def describe_reset(summary: dict[str, Any]) -> str:
    seed = summary.get("seed")
    return (f"reset: {summary.get('deleted', 0)} objects removed, {summary.get('created', 0)} in the initial "
            f"state (revision {summary.get('revision')}" + (f", seed {seed})" if seed is not None else ")"))


def describe_restore(summary: dict[str, Any]) -> str:
    return (f"restored {summary.get('restored', 0)} objects and {summary.get('allocations') or 0} allocations "
            f"({summary.get('deleted', 0)} removed; revision {summary.get('revision')})")
