"""The request journal and fault injection at the WSGI edge: a middleware around the Flask app
(records every answered request, applies fault rules before the app runs) and the /mock/requests
and /mock/faults endpoints. The journal and rules themselves live in ``api.mock`` (no Flask)."""

from __future__ import annotations

import errno
import io
import socket
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request

from ... import _json
from ...errors import StatusError, bad_request
from ...runtime import Runtime
from ..wire import decode_body
from .faults import FaultSet, Rule, status_error
from .journal import BODY_CAP, WRITE_METHODS, Entry, Filter, Journal
from .requestinfo import parse_query, request_info

WATCH_MAX_EVENTS = "mockapi.watch.max_events"  # environ key read by watch.stream
JOURNAL_PATH = "/mock/requests"
JSON = "application/json"

StartResponse = Callable[..., Any]


class Instrument:
    """WSGI middleware: journal the request, apply the first matching fault rule, run the app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], journal: Journal, faults: FaultSet,
                 max_body: int) -> None:
        self.app = app
        self.journal = journal
        self.faults = faults
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO") or "/"
        record = self.journal.enabled and not (path.startswith(JOURNAL_PATH) and path.rstrip("/") == JOURNAL_PATH)
        faults = self.faults
        if not record and not faults.active:
            return self.app(environ, start_response)
        t0 = time.perf_counter()
        method: str = environ.get("REQUEST_METHOD") or "GET"
        entry: Entry | None = None
        if record:
            body, size = self._capture(environ) if method in WRITE_METHODS else (None, 0)
            entry = Entry(time.time(), method, path, environ.get("QUERY_STRING") or "",
                          environ.get("CONTENT_TYPE") or "", environ.get("HTTP_USER_AGENT") or "", body, size)
        if faults.active:
            info = None
            if faults.needs_info:
                info = entry.info if entry is not None else request_info(
                    method, path, parse_query(environ.get("QUERY_STRING") or ""))
            rule = faults.pick(method, path, info)
            if rule is not None:
                return self._apply(rule, info, environ, start_response, entry, t0)
        if entry is None:
            return self.app(environ, start_response)
        return self._run(environ, start_response, entry, t0)

    def _run(self, environ: dict[str, Any], start_response: StartResponse, entry: Entry,
             t0: float) -> Iterable[bytes]:
        def journaled_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            entry.status = int(status[:3])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, journaled_start_response)
        finally:  # a watch is journaled when its headers go out, not when its stream ends
            entry.duration = time.perf_counter() - t0
            self.journal.append(entry)

    def _apply(self, rule: Rule, info: dict[str, Any] | None, environ: dict[str, Any],
               start_response: StartResponse, entry: Entry | None, t0: float) -> Iterable[bytes]:
        if entry is not None:
            entry.fault = rule.id
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000.0)
        if rule.status is not None:
            err = status_error(rule, info)
            body = _json.dumpb(err.to_status())
            headers = [("Content-Type", JSON), ("Content-Length", str(len(body)))]
            retry = (err.details or {}).get("retryAfterSeconds")
            if retry is not None:
                headers.append(("Retry-After", str(retry)))
            start_response(f"{err.code} {_phrase(err.code)}", headers)
            self._finish(entry, err.code, t0)
            return [body]
        if rule.close_connection:
            self._finish(entry, None, t0)
            _drop_connection(environ)
            # gunicorn treats EPIPE as a client that went away: no response, no traceback
            raise BrokenPipeError(errno.EPIPE, "connection closed by a closeConnection fault")
        if rule.end_watch_after is not None:
            environ[WATCH_MAX_EVENTS] = rule.end_watch_after
        if entry is None:
            return self.app(environ, start_response)
        return self._run(environ, start_response, entry, t0)

    def _finish(self, entry: Entry | None, status: int | None, t0: float) -> None:
        if entry is not None:
            entry.status = status
            entry.duration = time.perf_counter() - t0
            self.journal.append(entry)

    def _capture(self, environ: dict[str, Any]) -> tuple[bytes | None, int]:
        """A write's body (the first BODY_CAP bytes, and its size); the app reads a copy of it."""
        stream = environ.get("wsgi.input")
        if stream is None:
            return None, 0
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                n = int(length)
            except ValueError:
                return None, 0
            if n <= 0:
                return b"", 0
            if n > self.max_body:
                return b"", n  # the app answers 413 without reading it; neither do we
            data = stream.read(n)
        elif environ.get("wsgi.input_terminated"):  # chunked: bounded like the app bounds it
            data = stream.read(self.max_body + 1)
        else:
            return b"", 0
        environ["wsgi.input"] = io.BytesIO(data)
        return data[:BODY_CAP], len(data)


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def _drop_connection(environ: dict[str, Any]) -> None:
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def register_instrument(app: Flask, runtime: Runtime) -> None:
    """Install the middleware (one worker only: the journal and rules are per process) and serve
    /mock/requests and /mock/faults."""
    config = runtime.config
    single = config.workers <= 1
    journal = Journal(config.journal_size if single else 0)
    faults = FaultSet()
    app.extensions["mockapi.journal"] = journal
    app.extensions["mockapi.faults"] = faults
    if single:
        app.wsgi_app = Instrument(app.wsgi_app, journal, faults, config.max_body_bytes)  # type: ignore[method-assign]

    def check() -> None:
        if not single:
            raise bad_request(f"the request journal and fault rules are kept per process: /mock/requests and "
                              f"/mock/faults need --workers 1 (this server runs {config.workers} workers)")

    def json_response(body: Any, status: int = 200) -> Response:
        return Response(_json.dumpb(body), status=status, content_type=JSON)

    def success(message: str) -> Response:
        return json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                              "message": message, "details": {"kind": "requests"}, "code": 200})

    @app.route(JOURNAL_PATH, methods=["GET", "DELETE"])
    def mock_requests() -> Response:
        check()
        if request.method == "DELETE":
            return success(f"{journal.clear()} requests cleared")
        if not journal.enabled:
            raise bad_request("the request journal is off (journal_size 0, MOCKAPI_JOURNAL_SIZE)")
        return json_response(journal.request_list(journal.query(Filter(request.args))))

    def rule_list(rules: list[Rule]) -> dict[str, Any]:
        return {"kind": "FaultRuleList", "apiVersion": "mockapi.dev/v1", "items": [r.to_dict() for r in rules]}

    @app.route("/mock/faults", methods=["GET", "POST", "DELETE"])
    def mock_faults() -> Response:
        check()
        if request.method == "POST":
            return json_response(faults.add(decode_body(request)).to_dict(), 201)
        rules = faults.rules()
        if request.method == "DELETE":
            faults.clear()
        return json_response(rule_list(rules))

    @app.route("/mock/faults/<id>", methods=["GET", "DELETE"])
    def mock_fault(id: str) -> Response:
        check()
        if request.method == "DELETE":
            return json_response(faults.delete(id).to_dict())
        rule = faults.get(id)
        if rule is None:
            raise StatusError(404, f'fault rule "{id}" not found', details={"name": id, "kind": "faults"})
        return json_response(rule.to_dict())
