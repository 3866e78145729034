"""/mock admin endpoints (not part of the Kubernetes API): POST /mock/reconcile runs every controller
over all its keys once (the way to step a ``--controllers=manual`` server). Flask-only glue."""

from __future__ import annotations

from flask import Flask, Response

from .. import _json
from ..runtime import Runtime


def register_admin(app: Flask, runtime: Runtime) -> None:
    @app.post("/mock/reconcile")
    def mock_reconcile() -> Response:
        summary = runtime.registry.reconcile_all()
        return Response(_json.dumpb(summary), content_type="application/json")
