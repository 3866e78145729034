"""The HTTP edge: routes (generated from the registry), system endpoints and error handlers.
The only package that imports Flask."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import PathConverter

from .. import _json
from ..errors import StatusError, internal, method_not_allowed, path_not_found, too_large
from ..registry import ALL
from ..runtime import Runtime
from .discovery import Discovery
from .handlers import Handlers
from .mock import register_mock
from .openapi_v3 import OpenAPIV3
from .paths import PathResolver
from .wire import respond, status_response

log = logging.getLogger("mockapi.api")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class AnyPath(PathConverter):
    """Werkzeug's ``path`` converter with one change: it also matches a newline (its ``.`` does not), so a
    name holding one reaches the handlers (and their 400/404/422 answers) like any other name does."""

    regex = "[^/][\\s\\S]*?"


def register(app: Flask, runtime: Runtime) -> None:
    resources = list(ALL)
    resolver = PathResolver(resources)
    discovery = Discovery(resources)
    handlers = Handlers(runtime)
    config = runtime.config
    app.url_map.strict_slashes = False
    app.url_map.converters["path"] = AnyPath  # before any rule is added

    def version_info() -> dict[str, str]:
        v = config.kubernetes_version
        major, minor = v.lstrip("v").split(".")[:2]
        return {"major": major, "minor": minor, "gitVersion": v, "gitCommit": "mockapi",
                "gitTreeState": "clean", "buildDate": "2026-11-27T00:00:00Z", "goVersion": "go1.22.0",
                "compiler": "gc", "platform": "linux/amd64"}

    @app.get("/version")
    def version() -> Response:
        return Response(_json.dumpb(version_info()), content_type="application/json")

    def health() -> Response:
        return Response("ok", content_type="text/plain; charset=utf-8")

    for path in ("/healthz", "/livez", "/readyz"):
        app.add_url_rule(path, f"health{path}", health, methods=["GET"])
        app.add_url_rule(f"{path}/<path:check>", f"health{path}_check", lambda check: health(), methods=["GET"])

    @app.get("/api")
    def api_root() -> Response:
        return discovery.api(request)

    @app.get("/apis")
    def apis_root() -> Response:
        return discovery.apis(request)

    @app.get("/api/v1")
    def api_v1() -> Response:
        return respond(request, discovery.group_version("", "v1"))

    @app.route("/api/v1/<path:rest>", methods=METHODS)
    def core(rest: str) -> Response:
        return handlers.dispatch(request, resolver.resolve("", "v1", rest))

    @app.get("/apis/<group>")
    def api_group(group: str) -> Response:
        body = discovery.group(group)
        if body is None:
            raise path_not_found()
        return respond(request, body)

    @app.get("/apis/<group>/<version>")
    def api_group_version(group: str, version: str) -> Response:
        body = discovery.group_version(group, version)
        if body is None:
            raise path_not_found()
        return respond(request, body)

    @app.route("/apis/<group>/<version>/<path:rest>", methods=METHODS)
    def grouped(group: str, version: str, rest: str) -> Response:
        return handlers.dispatch(request, resolver.resolve(group, version, rest))

    register_mock(app, runtime)
    v3 = OpenAPIV3(resources, config.kubernetes_version)

    @app.get("/openapi/v3")
    def openapi_v3_index() -> Response:
        return Response(_json.dumpb(v3.index()), content_type="application/json")

    @app.get("/openapi/v3/<path:key>")
    def openapi_v3_document(key: str) -> Response:
        body = v3.document(key)
        if body is None:
            raise path_not_found()
        response = Response(body, content_type="application/json")
        if request.args.get("hash") == v3.hashes[key.strip("/")]:
            response.headers["Cache-Control"] = "public, immutable"
            response.headers["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return response

    @app.get("/openapi/v2")
    def openapi_v2() -> Response:
        # an empty openapi_v2.Document: kubectl 1.27/1.28 then skip client-side schema validation
        return Response(b"", content_type="application/com.github.proto-openapi.spec.v2.v1.0+protobuf")

    @app.errorhandler(StatusError)
    def on_status_error(err: StatusError) -> Response:
        return status_response(request, err)

    @app.errorhandler(RequestEntityTooLarge)
    def on_too_large(_err: RequestEntityTooLarge) -> Response:
        return status_response(request, too_large(
            f"the request body is larger than the {config.max_body_bytes}-byte limit"))

    @app.errorhandler(HTTPException)
    def on_http_error(err: HTTPException) -> Response:
        if err.code == 404:
            return status_response(request, path_not_found())
        if err.code == 405:
            return status_response(request, method_not_allowed())
        return status_response(request, StatusError(err.code or 500, err.description or err.name))

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return status_response(request, internal(f"{type(err).__name__}: {err}"))
