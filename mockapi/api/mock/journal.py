"""The request journal: a bounded, thread-safe ring of the requests a server answered. Recording is a
lock, a counter and one small object per request; everything else (RequestInfo, the parsed query
and body, timestamps) is derived when the journal is read. No Flask."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ... import _json
from ...errors import bad_request
from .requestinfo import VERBS, parse_query, request_info

BODY_CAP = 64 * 1024  # bytes of a write's body kept per entry
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def micros(t: float) -> int:
    """``t`` at the microsecond an entry's ``time`` shows (so ``since=<that time>`` excludes it)."""
    moment = datetime.fromtimestamp(t, UTC)
    return int(moment.replace(microsecond=0).timestamp()) * 1_000_000 + moment.microsecond


def parse_time(value: str) -> int | None:
    """An RFC 3339 time as microseconds since the epoch (a zone-less time is UTC)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.replace(microsecond=0).timestamp()) * 1_000_000 + parsed.microsecond


def path_matches(pattern: str, path: str) -> bool:
    """``/a/b`` matches that path exactly (a trailing slash ignored); ``/a/*`` any path starting ``/a/``."""
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path.rstrip("/") == pattern.rstrip("/") or path == pattern


def resource_matches(pattern: str, info: dict[str, Any] | None) -> bool:
    """``pods`` matches pods and its subresources; ``pods/status`` only that subresource."""
    if info is None:
        return False
    resource, _, sub = pattern.partition("/")
    return info["resource"] == resource and (not sub or info["subresource"] == sub)


class Entry:
    """One answered request, as recorded on the hot path."""

    __slots__ = (
        "_info",
        "_query",
        "body",
        "body_size",
        "content_type",
        "duration",
        "fault",
        "method",
        "path",
        "query_string",
        "sequence",
        "start",
        "status",
        "user_agent",
    )

    def __init__(self, start: float, method: str, path: str, query_string: str, content_type: str,
                 user_agent: str, body: bytes | None, body_size: int) -> None:
        self.sequence = 0
        self.start = start
        self.method = method
        self.path = path
        self.query_string = query_string
        self.content_type = content_type
        self.user_agent = user_agent
        self.status: int | None = None
        self.duration = 0.0
        self.body = body
        self.body_size = body_size
        self.fault: str | None = None
        self._info: dict[str, Any] | None | bool = False  # False: not derived yet
        self._query: dict[str, list[str]] | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            self._query = parse_query(self.query_string)
        return self._query

    @property
    def info(self) -> dict[str, Any] | None:
        if self._info is False:
            self._info = request_info(self.method, self.path, self.query)
        return self._info  # type: ignore[return-value]

    def set_info(self, info: dict[str, Any] | None) -> None:
        self._info = info

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sequence": self.sequence, "time": rfc3339(self.start), "method": self.method, "path": self.path,
            "queryString": self.query_string, "query": self.query, "requestInfo": self.info,
            "contentType": self.content_type or None, "userAgent": self.user_agent or None,
            "status": self.status, "durationMs": round(self.duration * 1000.0, 3), "fault": self.fault,
        }
        if self.body is not None:
            out["body"] = self._decoded_body()
            out["bodySize"] = self.body_size
            out["bodyTruncated"] = self.body_size > len(self.body)
        return out

    def _decoded_body(self) -> Any:
        assert self.body is not None
        if not self.body:
            return None
        ctype = self.content_type.split(";")[0].strip().lower()
        if self.body_size == len(self.body) and (ctype.endswith("json") or ctype == ""):
            try:
                return _json.loads(self.body)
            except _json.JSONDecodeError:
                pass
        return self.body.decode("utf-8", "replace")


class Filter:
    """The query of ``GET /mock/requests``: method, path (exact or ``prefix*``), resource, verb,
    namespace, name, since (a sequence number or an RFC 3339 time), limit."""

    PARAMS = ("method", "path", "resource", "verb", "namespace", "name", "since", "limit")

    def __init__(self, args: Mapping[str, str]) -> None:
        self.method = (args.get("method") or "").upper() or None
        self.path = args.get("path") or None
        self.resource = args.get("resource") or None
        self.verb = (args.get("verb") or "").lower() or None
        if self.verb is not None and self.verb not in VERBS:
            raise bad_request(f'invalid value "{self.verb}" for parameter verb: must be one of {", ".join(VERBS)}')
        self.namespace = args.get("namespace")
        self.name = args.get("name")
        self.since_seq: int | None = None
        self.since_time: int | None = None  # microseconds
        since = args.get("since")
        if since:
            if since.isdigit():
                self.since_seq = int(since)
            else:
                self.since_time = parse_time(since)
                if self.since_time is None:
                    raise bad_request(f'invalid value "{since}" for parameter since: '
                                      "must be a sequence number or an RFC 3339 time")
        self.limit: int | None = None
        limit = args.get("limit")
        if limit:
            if not limit.isdigit() or int(limit) < 1:
                raise bad_request(f'invalid value "{limit}" for parameter limit: must be a positive integer')
            self.limit = int(limit)

    def matches(self, e: Entry) -> bool:
        if self.since_seq is not None and e.sequence <= self.since_seq:
            return False
        if self.since_time is not None and micros(e.start) <= self.since_time:
            return False
        if self.method is not None and e.method != self.method:
            return False
        if self.path is not None and not path_matches(self.path, e.path):
            return False
        if self.resource is None and self.verb is None and self.namespace is None and self.name is None:
            return True
        info = e.info
        if info is None:
            return False
        if self.resource is not None and not resource_matches(self.resource, info):
            return False
        if self.verb is not None and info["verb"] != self.verb:
            return False
        if self.namespace is not None and info["namespace"] != self.namespace:
            return False
        return self.name is None or info["name"] == self.name


class Journal:
    """The last ``size`` answered requests, oldest first; sequence numbers keep counting across clears."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ring: deque[Entry] = deque(maxlen=max(size, 1))
        self._lock = threading.Lock()
        self._sequence = 0

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def append(self, entry: Entry) -> None:
        with self._lock:
            self._sequence += 1
            entry.sequence = self._sequence
            self._ring.append(entry)

    def clear(self) -> int:
        with self._lock:
            n = len(self._ring)
            self._ring.clear()
            return n

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._ring)

    @property
    def latest(self) -> int:
        return self._sequence

    def query(self, flt: Filter) -> list[Entry]:
        out: list[Entry] = []
        for e in self.entries():
            if flt.matches(e):
                out.append(e)
                if flt.limit is not None and len(out) >= flt.limit:
                    break
        return out

    def request_list(self, entries: Iterable[Entry]) -> dict[str, Any]:
        return {"kind": "RequestList", "apiVersion": "mockapi.dev/v1",
                "metadata": {"latestSequence": self.latest, "capacity": self.size},
                "items": [e.to_dict() for e in entries]}
