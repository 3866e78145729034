"""The generic verbs for every kind (list, watch, get, create, update, patch, delete,
deletecollection, status), dispatched from a resolved path. Views never catch StatusError."""

from __future__ import annotations

from typing import Any

from flask import Request, Response

from .. import _json
from ..errors import StatusError, bad_request, method_not_allowed
from ..patch.apply import APPLY_PATCH, PATCH_TYPES, apply_patch
from ..registry.base import ResourceType
from ..runtime import Runtime
from ..schemas.objects import check_object, check_delete_options
from . import listing, watch
from .paths import Target
from .wire import decode_body, dry_run, flag, media_type, respond


class Handlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.registry = runtime.registry

    def dispatch(self, request: Request, target: Target) -> Response:
        method = request.method
        if target.name is None:
            if method == "GET":
                if target.legacy_watch or flag(request.args, "watch"):
                    return watch.stream(self.rt, request, target)
                return self.list(request, target)
            if target.legacy_watch:
                raise method_not_allowed()
            if target.rt.namespaced and target.namespace is None:
                raise method_not_allowed()
            if method == "POST":
                return self.create(request, target)
            if method == "DELETE":
                return self.delete_collection(request, target)
            raise method_not_allowed()
        if method == "GET":
            if target.legacy_watch or flag(request.args, "watch"):
                return watch.stream(self.rt, request, target)
            return self.get(request, target)
        if target.legacy_watch:
            raise method_not_allowed()
        if method == "PUT":
            return self.update(request, target)
        if method == "PATCH":
            return self.patch(request, target)
        if method == "DELETE" and not target.subresource:
            return self.delete(request, target)
        raise method_not_allowed()

    # -- reads ---------------------------------------------------------------------------------
    def get(self, request: Request, target: Target) -> Response:
        row = self.registry.get(target.rt, target.namespace or "", target.name or "")
        return respond(request, row.body)

    def list(self, request: Request, target: Target) -> Response:
        rt = target.rt
        sel = listing.selection(rt, target.namespace, request.args)
        with self.rt.db.read() as conn:
            result = listing.run_list(conn, rt, sel, request.args)
        return respond(request, listing.list_body(rt, result))

    # -- writes --------------------------------------------------------------------------------
    def _body(self, request: Request, rt: ResourceType) -> dict[str, Any]:
        return check_object(decode_body(request), rt)

    def create(self, request: Request, target: Target) -> Response:
        rt = target.rt
        obj = self.registry.create(rt, target.namespace or "", self._body(request, rt),
                                   dry_run=dry_run(request.args, "CreateOptions"))
        return respond(request, _json.dumpb(obj), 201)

    def update(self, request: Request, target: Target) -> Response:
        rt = target.rt
        obj = self.registry.update(rt, target.namespace or "", target.name or "", self._body(request, rt),
                                   subresource=target.subresource,
                                   dry_run=dry_run(request.args, "UpdateOptions"))
        return respond(request, _json.dumpb(obj))

    def patch(self, request: Request, target: Target) -> Response:
        rt = target.rt
        ctype = media_type(request)
        if ctype not in PATCH_TYPES:
            from ..errors import unsupported_media_type

            raise unsupported_media_type(ctype, PATCH_TYPES)
        if ctype == APPLY_PATCH:
            raise StatusError(415, "server-side apply (application/apply-patch+yaml) is not supported yet; use "
                              "client-side apply or a strategic merge patch", reason="UnsupportedMediaType")
        patch = decode_body(request)
        schema = rt.patch_schema

        def patcher(current: dict[str, Any]) -> dict[str, Any]:
            result = apply_patch(ctype, current, patch, schema)
            return check_object(result, rt, patched=True)

        obj = self.registry.patch(rt, target.namespace or "", target.name or "", patcher,
                                  subresource=target.subresource,
                                  dry_run=dry_run(request.args, "PatchOptions"))
        return respond(request, _json.dumpb(obj))

    def delete(self, request: Request, target: Target) -> Response:
        options = self._delete_options(request)
        obj, _removed = self.registry.delete(target.rt, target.namespace or "", target.name or "", options,
                                             dry_run=dry_run(request.args, "DeleteOptions"))
        return respond(request, _json.dumpb(obj))

    def delete_collection(self, request: Request, target: Target) -> Response:
        rt = target.rt
        options = self._delete_options(request)
        is_dry = dry_run(request.args, "DeleteOptions")
        sel = listing.selection(rt, target.namespace, request.args)
        with self.rt.db.read() as conn:
            result = listing.run_list(conn, rt, sel, request.args)
        deleted = self.registry.delete_collection(rt, target.namespace, result.rows, options, dry_run=is_dry)
        body = {"kind": rt.list_kind, "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": str(result.revision)}, "items": deleted}
        return respond(request, _json.dumpb(body))

    def _delete_options(self, request: Request) -> dict[str, Any]:
        options: dict[str, Any] = {}
        data = request.get_data(cache=True)
        if data.strip():
            try:
                decoded = _json.loads(data)
            except _json.JSONDecodeError:
                decoded = None  # kubectl 1.32+ sends protobuf DeleteOptions: ignore what we cannot read
            if isinstance(decoded, dict):
                options = check_delete_options(decoded)
        grace = request.args.get("gracePeriodSeconds")
        if grace is not None:
            try:
                options["gracePeriodSeconds"] = int(grace)
            except ValueError:
                raise bad_request(f'invalid value "{grace}" for gracePeriodSeconds') from None
        policy = request.args.get("propagationPolicy")
        if policy is not None:
            options["propagationPolicy"] = policy
        check_delete_options(options)
        return options
