"""Subresources served by their declared shape (registry.base.Subresource), never by kind: the
autoscaling/v1 Scale view, a pod's log, pods/binding and pods/eviction. Object-shaped ones (status,
finalize) go through the generic verbs in ``handlers``."""

from __future__ import annotations

from typing import Any, Callable

from flask import Request, Response

from ..errors import bad_request, unsupported_media_type
from ..patch.apply import APPLY_PATCH, PATCH_TYPES, apply_patch
from ..registry import scale
from ..registry.base import Subresource
from ..registry.pods import binding
from ..registry.rest import Registry
from ..schemas.objects import check_delete_options
from . import podlog, ssa
from .paths import Target
from .wire import decode_body, dry_run, media_type, respond

Shaped = Callable[[Request, Target, Subresource, str], Response]
PROTOBUF = "application/vnd.kubernetes.protobuf"


def _success(code: int) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}


class SubresourceHandlers:
    """One handler per subresource shape; ``for_shape`` picks it."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._by_shape: dict[str, Shaped] = {"scale": self.scale, "log": self.log, "binding": self.binding,
                                             "eviction": self.eviction}

    def for_shape(self, shape: str) -> Shaped | None:
        return self._by_shape.get(shape)

    # -- scale ---------------------------------------------------------------------------------------
    def scale(self, request: Request, target: Target, sub: Subresource, verb: str) -> Response:
        rt, ns, name = target.rt, target.namespace or "", target.name or ""
        if verb == "get":
            return respond(request, scale.view(sub, self.registry.get(rt, ns, name).obj()))
        options = "UpdateOptions" if verb == "update" else "PatchOptions"
        if verb == "update":
            body = scale.check(decode_body(request), name)

            def patcher(current: dict[str, Any]) -> dict[str, Any]:
                return scale.apply(sub, current, body)
        else:
            ctype = media_type(request)
            if ctype not in PATCH_TYPES or ctype == APPLY_PATCH:
                raise unsupported_media_type(ctype, [t for t in PATCH_TYPES if t != APPLY_PATCH])
            patch = decode_body(request, patch=True)

            def patcher(current: dict[str, Any]) -> dict[str, Any]:
                patched = apply_patch(ctype, scale.view(sub, current), patch, None)
                return scale.apply(sub, current, scale.check(patched, name))

        obj = self.registry.patch(rt, ns, name, patcher, subresource=sub.name,
                                  dry_run=dry_run(request.args, options), manager=ssa.manager_of(request))
        return respond(request, scale.view(sub, obj))

    # -- log -----------------------------------------------------------------------------------------
    def log(self, request: Request, target: Target, sub: Subresource, verb: str) -> Response:
        row = self.registry.get(target.rt, target.namespace or "", target.name or "")
        return podlog.serve(row.obj(), request)

    # -- binding -------------------------------------------------------------------------------------
    def binding(self, request: Request, target: Target, sub: Subresource, verb: str) -> Response:
        name = target.name or ""
        if media_type(request) == PROTOBUF:
            raise bad_request("mockapi does not decode protobuf Binding bodies yet: send application/json")
        body = binding.check(decode_body(request), name)
        self.registry.patch(target.rt, target.namespace or "", name, lambda pod: binding.bind(pod, body),
                            subresource=sub.name, dry_run=dry_run(request.args, "CreateOptions"),
                            manager=ssa.manager_of(request))
        return respond(request, _success(201), 201)

    # -- eviction ------------------------------------------------------------------------------------
    def eviction(self, request: Request, target: Target, sub: Subresource, verb: str) -> Response:
        """EvictionREST.Create: the pod is deleted with the Eviction's deleteOptions. mockapi serves no
        PodDisruptionBudgets yet, so no eviction is refused for one."""
        name = target.name or ""
        options: dict[str, Any] = {}
        if media_type(request) != PROTOBUF:  # (kubectl 1.32+ drain sends protobuf: its defaults apply)
            body = decode_body(request)
            if not isinstance(body, dict):
                raise bad_request('Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal '
                                  "into Go value of type v1.Eviction")
            meta: dict[str, Any] = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
            if (meta.get("name") or "") != name:
                raise bad_request("name in URL does not match name in Eviction object")
            raw = body.get("deleteOptions")
            if raw is not None:
                if not isinstance(raw, dict):
                    raise bad_request('Eviction in version "v1" cannot be handled as a Eviction: json: cannot '
                                      "unmarshal into Go struct field Eviction.deleteOptions of type v1.DeleteOptions")
                options = check_delete_options(raw)
        is_dry = dry_run(request.args, "CreateOptions") or bool(options.get("dryRun"))
        self.registry.delete(target.rt, target.namespace or "", name, options, dry_run=is_dry)
        return respond(request, _success(201), 201)
