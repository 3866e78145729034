"""GET /mock/dns?name=FQDN&type=A|AAAA|SRV|PTR|CNAME|TXT: cluster DNS answers over HTTP (the same
records the ``--dns-port`` server serves). Flask-only glue over ``dns.source``."""

from __future__ import annotations

from flask import Flask, Response, request

from ... import _json
from ...dns.records import TYPES
from ...dns.source import lookup
from ...errors import bad_request
from ...runtime import Runtime


def register_dns(app: Flask, runtime: Runtime) -> None:
    zone = runtime.config.cluster_domain

    @app.get("/mock/dns")
    def mock_dns() -> Response:
        name = (request.args.get("name") or "").strip()
        qtype = (request.args.get("type") or "A").strip().upper()
        if not name:
            raise bad_request("the name query parameter is required (a fully qualified domain name)")
        if qtype not in TYPES:
            raise bad_request(f"unsupported type {qtype!r}: expected one of {', '.join(TYPES)}")
        result = lookup(runtime.db, name, qtype, zone)
        return Response(_json.dumpb(result.to_dict()), content_type="application/json")
