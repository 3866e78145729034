"""WATCH: newline-delimited JSON events from a revision (or "now" with initial ADDED events),
bookmarks, timeoutSeconds, sendInitialEvents, selectors (objects entering or leaving a selector
become ADDED / DELETED), and 410 Expired as an ERROR event for compacted revisions."""

from __future__ import annotations

import random
import select
import socket
import time
from collections.abc import Iterator
from typing import Any

from flask import Request, Response, stream_with_context

from .. import _json
from ..errors import StatusError
from ..registry.base import ResourceType
from ..runtime import Runtime
from ..storage import store
from . import listing
from .as_table import TableWriter, include_object, table_version
from .paths import Target
from .wire import flag, int_param

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
LIVENESS_CHECK = 1.0  # seconds between checks that an idle watcher is still connected


def _peer_closed(sock: socket.socket | None) -> bool:
    """True once the client has hung up (its socket reads EOF); without this an idle watch would
    hold its server thread until the next event or its timeout."""
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _event(kind: str, body: str) -> bytes:
    return ('{"type":"' + kind + '","object":' + body + "}\n").encode()


def _error_event(err: StatusError) -> bytes:
    return _event("ERROR", _json.dumps(err.to_status()))


def _bookmark(rt: ResourceType, rev: int, initial_end: bool = False) -> bytes:
    meta: dict[str, Any] = {"resourceVersion": str(rev)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return _event("BOOKMARK", _json.dumps({"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}))


class _Filter:
    """Decides what one history row means to this watcher (k8s cacher semantics)."""

    def __init__(self, rt: ResourceType, sel: listing.Selection, table: TableWriter | None = None) -> None:
        self.rt = rt
        self.sel = sel
        self.trivial = sel.label.empty and sel.field.empty
        self.table = table
        self._headers_sent = False

    def emit(self, kind: str, body: str) -> bytes:
        if self.table is not None:  # kubectl get -w: each object is a one-row Table
            body = self.table.watch_object(body, headers=not self._headers_sent)
            self._headers_sent = True
        return _event(kind, body)

    def event(self, row: store.Row) -> bytes | None:
        sel = self.sel
        if sel.matches_nothing:
            return None
        if sel.namespace is not None and row.namespace != sel.namespace:
            return None
        if sel.name is not None and row.name != sel.name:
            return None
        if self.trivial:
            kind = {"A": "ADDED", "M": "MODIFIED", "D": "DELETED"}[row.event]
            return self.emit(kind, row.body)
        now = sel.matches(self.rt, row.obj())
        if row.event == "A":
            return self.emit("ADDED", row.body) if now else None
        if row.event == "D":
            return self.emit("DELETED", row.body) if now else None
        before = row.prev_body is not None and sel.matches(self.rt, _json.loads(row.prev_body))
        if now and before:
            return self.emit("MODIFIED", row.body)
        if now:
            return self.emit("ADDED", row.body)
        if before:  # it left the selector: DELETED with its previous state at the new revision
            assert row.prev_body is not None
            prev = _json.loads(row.prev_body)
            prev["metadata"]["resourceVersion"] = str(row.rev)
            return self.emit("DELETED", _json.dumps(prev))
        return None


def stream(runtime: Runtime, request: Request, target: Target) -> Response:
    rt, args = target.rt, request.args
    sel = listing.selection(rt, target.namespace, args, name=target.name)
    timeout = int_param(args, "timeoutSeconds", minimum=0)
    if timeout is None or timeout == 0:
        # like kube-apiserver's --min-request-timeout randomisation, capped by our configuration
        cap = runtime.config.watch_max_seconds
        timeout = int(cap * (1 + random.random()) / 2) if cap > 60 else cap
    bookmarks = flag(args, "allowWatchBookmarks")
    rv = args.get("resourceVersion") or ""
    send_initial = args.get("sendInitialEvents")
    if send_initial is not None:
        send_initial_flag = flag(args, "sendInitialEvents")
        if send_initial_flag and args.get("resourceVersionMatch") != "NotOlderThan":
            raise StatusError(422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
                              "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                              reason="Invalid")
        initial = send_initial_flag
    else:
        initial = rv in ("", "0")
        if args.get("resourceVersionMatch"):
            raise StatusError(422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
                              "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                              reason="Invalid")
    start_rev = None if rv in ("", "0") else listing.parse_rv(rv)
    if initial and start_rev is not None and send_initial is None:
        initial = False
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    gen = _generate(runtime, rt, sel, start_rev, initial, send_initial is not None and initial, bookmarks,
                    float(timeout), sock, _table_writer(request, rt))
    max_events = request.environ.get("mockapi.watch.max_events")  # an endWatchAfterEvents fault
    if max_events is not None:
        gen = _limited(gen, max_events)
    resp = Response(stream_with_context(gen), status=200, content_type="application/json")
    resp.headers["Cache-Control"] = "no-cache, private"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


def _generate(runtime: Runtime, rt: ResourceType, sel: listing.Selection, start_rev: int | None,
              initial: bool, initial_end_bookmark: bool, bookmarks: bool, timeout: float,
              sock: socket.socket | None, table: TableWriter | None) -> Iterator[bytes]:
    hub, db = runtime.hub, runtime.db
    deadline = time.monotonic() + timeout
    interval = runtime.config.bookmark_interval
    filt = _Filter(rt, sel, table)
    sub, dispatched = hub.subscribe(rt.key)
    try:
        yield b""  # the WSGI server sends the headers now, as kube-apiserver flushes them at once
        with db.read() as conn:
            current = store.current_revision(conn)
            compacted = store.compacted_revision(conn)
            if start_rev is not None and start_rev < compacted:
                yield _error_event(StatusError(410, f"too old resource version: {start_rev} ({compacted})",
                                               reason="Expired"))
                return
            sent = current if start_rev is None else start_rev
            initial_rows = []
            if initial:  # the state now (NotOlderThan any revision given), then what follows
                initial_rows = store.list_rows(conn, rt.key, sel.namespace, name=sel.name,
                                               label_filter=sel.label.sql_filter())
                sent = current
        for row in initial_rows:
            if sel.matches_nothing or (not filt.trivial and not sel.matches(rt, row.obj())):
                continue
            yield filt.emit("ADDED", row.body)
        if initial_end_bookmark and bookmarks:
            yield _bookmark(rt, sent, initial_end=True)
        # history between what we have sent and what the hub had already dispatched
        while sent < dispatched:
            with db.read() as conn:
                try:
                    rows = store.events_since(conn, sent, upto=dispatched, limit=1000)
                except store.Compacted as exc:
                    yield _error_event(StatusError(410, str(exc), reason="Expired"))
                    return
            if not rows:
                break
            for row in rows:
                if row.resource == rt.key:
                    ev = filt.event(row)
                    if ev is not None:
                        yield ev
                sent = row.rev
        sent = max(sent, dispatched)
        last_bookmark = last_write = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline or sub.closed:
                return
            if now - last_write >= LIVENESS_CHECK:
                if _peer_closed(sock):  # nothing written for a while: is anyone still there?
                    return
                last_write = now
            wait = min(deadline - now, LIVENESS_CHECK)
            if bookmarks:
                wait = min(wait, max(0.0, last_bookmark + interval - now))
            rows = sub.get(wait)
            for row in rows:
                if row.rev <= sent:
                    continue
                ev = filt.event(row)
                sent = row.rev
                if ev is not None:
                    last_write = time.monotonic()
                    yield ev
            if bookmarks and time.monotonic() >= last_bookmark + interval:
                rows, position = sub.drain()
                for row in rows:
                    if row.rev <= sent:
                        continue
                    ev = filt.event(row)
                    sent = row.rev
                    if ev is not None:
                        yield ev
                sent = max(sent, position)
                yield _bookmark(rt, sent)
                last_bookmark = time.monotonic()
    finally:
        sub.close()


def _limited(gen: Iterator[bytes], events: int) -> Iterator[bytes]:
    """End a watch cleanly after ``events`` events (bookmarks not counted)."""
    try:
        if events <= 0:
            yield next(gen, b"")  # the header flush only
            return
        for chunk in gen:
            yield chunk
            if chunk and not chunk.startswith(b'{"type":"BOOKMARK"'):
                events -= 1
                if events <= 0:
                    return
    finally:
        gen.close()  # type: ignore[attr-defined]


def _table_writer(request: Request, rt: ResourceType) -> TableWriter | None:
    version = table_version(request)
    return TableWriter(rt, version, include_object(request.args)) if version else None
