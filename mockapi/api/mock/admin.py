"""/mock admin endpoints (not part of the Kubernetes API): POST /mock/reconcile runs every controller
over all its keys once (the way to step a ``--controllers=manual`` server); POST /mock/reset (which also
clears fault rules and the request journal), GET/POST /mock/snapshot and GET/POST /mock/seed manage the
whole state (``mockapi.state``). Flask-only glue."""

from __future__ import annotations

import yaml
from flask import Flask, Request, Response, request

from ... import _json
from ...errors import bad_request, unsupported_media_type
from ...runtime import Runtime
from ...state import seed as seeding
from ...state import snapshot
from ..wire import JSON, YAML, dry_run, media_type, wants_yaml

SNAPSHOT_FORMATS = ("json", "yaml")
SNAPSHOT_MAX_BYTES = 512 * 1024 * 1024  # a snapshot holds the whole cluster: far above --max-body-bytes


def _json_response(body: object) -> Response:
    return Response(_json.dumpb(body), content_type=JSON)


def _snapshot_documents(req: Request) -> list[object]:
    ctype = media_type(req)
    if ctype not in ("", JSON, YAML, "application/x-yaml", "text/yaml"):
        raise unsupported_media_type(ctype, (JSON, YAML))
    data = req.get_data(cache=True)
    if not data.strip():
        raise bad_request("the request body must be a snapshot (GET /mock/snapshot), not empty")
    return snapshot.load_documents(data, is_yaml=ctype not in ("", JSON))


def register_admin(app: Flask, runtime: Runtime) -> None:
    @app.post("/mock/reconcile")
    def mock_reconcile() -> Response:
        summary = runtime.registry.reconcile_all()
        return Response(_json.dumpb(summary), content_type="application/json")

    @app.post("/mock/reset")
    def mock_reset() -> Response:
        is_dry = dry_run(request.args)
        summary = runtime.reset(dry_run=is_dry)
        if not is_dry:  # a fresh server has no fault rules and an empty journal (WireMock's reset)
            for name in ("mockapi.faults", "mockapi.journal"):
                kept = app.extensions.get(name)
                if kept is not None:
                    kept.clear()
        return _json_response(summary)

    @app.route("/mock/snapshot", methods=["GET", "POST"])  # one rule per path, as the contract test reads them
    def mock_snapshot() -> Response:
        if request.method == "POST":
            return _restore(runtime)
        fmt = request.args.get("format")
        if fmt is not None and fmt not in SNAPSHOT_FORMATS:
            raise bad_request(f"format: must be one of {', '.join(SNAPSHOT_FORMATS)}, got {fmt!r}")
        doc = snapshot.export(runtime.registry)
        if fmt == "yaml" or (fmt is None and wants_yaml(request)):
            return Response(snapshot.to_yaml(doc), content_type=YAML)
        return _json_response(doc)

    @app.route("/mock/seed", methods=["GET", "POST"])
    def mock_seed() -> Response:
        if request.method == "GET":
            return _json_response({"seed": runtime.seed})
        is_dry = dry_run(request.args)
        body = _seed_body(request)
        try:
            value = seeding.parse(body["seed"])
        except ValueError as exc:
            raise bad_request(f"seed: {exc}") from None
        if value is not None and runtime.config.workers > 1:
            raise bad_request("seed: determinism needs one worker process (this server runs "
                              f"{runtime.config.workers}; start it with --workers 1)")
        if not is_dry:
            runtime.set_seed(value)
        return _json_response({"seed": value})


def _restore(runtime: Runtime) -> Response:
    """POST /mock/snapshot: a snapshot may be far larger than ordinary bodies."""
    request.max_content_length = max(SNAPSHOT_MAX_BYTES, runtime.config.max_body_bytes)
    is_dry = dry_run(request.args)
    snap = snapshot.from_documents(_snapshot_documents(request))
    return _json_response(snapshot.restore(runtime.registry, runtime.config, snap, dry_run=is_dry))


def _seed_body(req: Request) -> dict[str, object]:
    ctype = media_type(req)
    data = req.get_data(cache=True)
    try:
        if ctype in ("", JSON):
            body = _json.loads(data) if data.strip() else None
        elif ctype == YAML:
            body = yaml.safe_load(data)
        else:
            raise unsupported_media_type(ctype, (JSON, YAML))
    except (_json.JSONDecodeError, yaml.YAMLError) as exc:
        raise bad_request(f"error decoding request body: {exc}") from None
    if not isinstance(body, dict) or "seed" not in body:
        raise bad_request('the request body must be {"seed": <integer>} or {"seed": null}')
    return body
