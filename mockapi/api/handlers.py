"""The generic verbs for every kind (list, watch, get, create, update, patch, delete,
deletecollection, status), dispatched from a resolved path. Views never catch StatusError."""

from __future__ import annotations

import builtins
from typing import Any

from flask import Request, Response

from .. import _json
from ..errors import StatusError, bad_request, method_not_allowed
from ..patch.apply import APPLY_PATCH, PATCH_TYPES, apply_patch
from ..registry.base import ResourceType
from ..runtime import Runtime
from ..schemas.objects import check_delete_options, check_object
from . import fieldvalidation, listing, ssa, watch
from .as_table import TableWriter, include_object, table_version
from .fieldvalidation import IGNORE, problems
from .paths import Target
from .subresources import SubresourceHandlers
from .wire import decode_body, dry_run, flag, int64, media_type, respond


class Handlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.registry = runtime.registry
        self.fields = fieldvalidation.validator(runtime.config.kubernetes_version)
        self.subresources = SubresourceHandlers(runtime.registry)

    def dispatch(self, request: Request, target: Target) -> Response:
        verb = self._verb(request, target)
        sub = target.rt.subresource(target.subresource) if target.subresource else None
        if verb not in (sub.verbs if sub is not None else target.rt.verbs):
            raise method_not_allowed()
        if sub is not None and sub.shape != "object":
            shaped = self.subresources.for_shape(sub.shape)
            if shaped is None:
                raise method_not_allowed()
            return shaped(request, target, sub, verb)
        return getattr(self, verb if verb != "deletecollection" else "delete_collection")(request, target)

    @staticmethod
    def _verb(request: Request, target: Target) -> str:
        """The Kubernetes verb of a request (the apiserver's RequestInfo), or 405."""
        method = request.method
        if target.legacy_watch:
            if method != "GET":
                raise method_not_allowed()
            return "watch"
        if target.name is None:
            if method == "GET":
                return "watch" if flag(request.args, "watch") else "list"
            if target.rt.namespaced and target.namespace is None:
                raise method_not_allowed()  # all-namespaces collections are read-only
            verbs = {"POST": "create", "DELETE": "deletecollection"}
        else:
            verbs = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
            if target.subresource:  # (binding, eviction: POST creates)
                verbs.pop("DELETE")
                verbs["POST"] = "create"
        if method not in verbs:
            raise method_not_allowed()
        return verbs[method]

    def watch(self, request: Request, target: Target) -> Response:
        return watch.stream(self.rt, request, target)

    # -- reads ---------------------------------------------------------------------------------
    def get(self, request: Request, target: Target) -> Response:
        rv = request.args.get("resourceVersion") or ""
        row = self.registry.get(target.rt, target.namespace or "", target.name or "",
                                not_older_than=listing.parse_rv(rv) if rv not in ("", "0") else None)
        version = table_version(request)
        if version:
            writer = TableWriter(target.rt, version, include_object(request.args))
            return respond(request, writer.from_bodies([row.body], {"resourceVersion": str(row.rev)}))
        return respond(request, row.body)

    def list(self, request: Request, target: Target) -> Response:
        rt = target.rt
        sel = listing.selection(rt, target.namespace, request.args)
        version = table_version(request)
        include = include_object(request.args) if version else ""
        with self.rt.db.read() as conn:
            result = listing.run_list(conn, rt, sel, request.args)
        if version:
            writer = TableWriter(rt, version, include)
            return respond(request, writer.from_bodies([r.body for r in result.rows], listing.list_meta(result)))
        return respond(request, listing.list_body(rt, result))

    # -- writes --------------------------------------------------------------------------------
    def _body(self, request: Request, rt: ResourceType,
              options_kind: str) -> tuple[dict[str, Any], builtins.list[str]]:
        """The decoded object with undeclared fields dropped, and the warnings its fieldValidation
        directive asks for (Strict: 400 instead)."""
        mode = fieldvalidation.directive(request.args, options_kind)
        duplicates: list[str] | None = None if mode == IGNORE else []
        body = check_object(decode_body(request, duplicates=duplicates), rt)
        unknown = self.fields.prune(rt, body)
        return body, fieldvalidation.outcome(mode, problems(unknown, duplicates or []), cannot_handle=rt)

    def create(self, request: Request, target: Target) -> Response:
        rt = target.rt
        body, warnings = self._body(request, rt, "CreateOptions")
        obj = self.registry.create(rt, target.namespace or "", body,
                                   dry_run=dry_run(request.args, "CreateOptions"),
                                   manager=ssa.manager_of(request))
        return respond(request, _json.dumpb(obj), 201, warnings)

    def update(self, request: Request, target: Target) -> Response:
        rt = target.rt
        body, warnings = self._body(request, rt, "UpdateOptions")
        obj, created = self.registry.update(rt, target.namespace or "", target.name or "",
                                            body, subresource=target.subresource,
                                            dry_run=dry_run(request.args, "UpdateOptions"),
                                            manager=ssa.manager_of(request))
        return respond(request, _json.dumpb(obj), 201 if created else 200, warnings)

    def patch(self, request: Request, target: Target) -> Response:
        rt = target.rt
        ctype = media_type(request)
        if ctype not in PATCH_TYPES:
            from ..errors import unsupported_media_type

            raise unsupported_media_type(ctype, PATCH_TYPES)
        mode = fieldvalidation.directive(request.args, "PatchOptions")
        if ctype == APPLY_PATCH:
            return ssa.serve(self.registry, request, target, self.fields, mode)
        duplicates: list[str] | None = None if mode == IGNORE else []
        patch = decode_body(request, patch=True, duplicates=duplicates)
        found = problems([], duplicates or [])
        if ctype == "application/json-patch+json":
            found = ["json patch " + p for p in found]
        schema = rt.patch_schema
        warnings: list[str] = []

        def patcher(current: dict[str, Any]) -> dict[str, Any]:
            result = check_object(apply_patch(ctype, current, patch, schema), rt, patched=True)
            unknown = self.fields.prune(rt, result)
            warnings[:] = fieldvalidation.outcome(mode, found + problems(unknown, []))
            return result

        obj = self.registry.patch(rt, target.namespace or "", target.name or "", patcher,
                                  subresource=target.subresource,
                                  dry_run=dry_run(request.args, "PatchOptions"),
                                  manager=ssa.manager_of(request))
        return respond(request, _json.dumpb(obj), warnings=warnings)

    def delete(self, request: Request, target: Target) -> Response:
        options = self._delete_options(request)
        is_dry = dry_run(request.args, "DeleteOptions") or bool(options.get("dryRun"))
        rt = target.rt
        obj, removed = self.registry.delete(rt, target.namespace or "", target.name or "", options, dry_run=is_dry)
        if removed and not rt.strategy.returns_deleted_object:
            details: dict[str, Any] = {"name": obj["metadata"]["name"]}
            if rt.group:
                details["group"] = rt.group
            details["kind"] = rt.plural
            details["uid"] = obj["metadata"].get("uid", "")
            return respond(request, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                     "details": details})
        return respond(request, _json.dumpb(obj))

    def delete_collection(self, request: Request, target: Target) -> Response:
        rt = target.rt
        options = self._delete_options(request)
        is_dry = dry_run(request.args, "DeleteOptions") or bool(options.get("dryRun"))
        sel = listing.selection(rt, target.namespace, request.args)
        with self.rt.db.read() as conn:
            result = listing.run_list(conn, rt, sel, request.args)
        deleted = self.registry.delete_collection(rt, target.namespace, result.rows, options, dry_run=is_dry)
        body = {"kind": rt.list_kind, "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": str(result.revision)}, "items": deleted}
        return respond(request, _json.dumpb(body))

    def _delete_options(self, request: Request) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if media_type(request) == "application/vnd.kubernetes.protobuf":
            decoded = None  # kubectl 1.32+ sends protobuf DeleteOptions (drain): defaults, as documented
        else:
            decoded = decode_body(request, required=False)
        if decoded is not None:
            if not isinstance(decoded, dict):
                raise bad_request("json: cannot unmarshal into Go value of type v1.DeleteOptions")
            options = check_delete_options(decoded)
            bad = [v for v in options.get("dryRun") or [] if v != "All"]
            if bad:
                raise StatusError(422, f'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                                  f'"{bad[0]}": supported values: "All"', reason="Invalid")
        grace = request.args.get("gracePeriodSeconds")
        if grace is not None:
            try:
                options["gracePeriodSeconds"] = int64(grace)
            except ValueError:
                raise bad_request(f'invalid value "{grace}" for gracePeriodSeconds') from None
        policy = request.args.get("propagationPolicy")
        if policy is not None:
            options["propagationPolicy"] = policy
        check_delete_options(options)
        return options

