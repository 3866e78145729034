"""The HTTP side of server-side apply and field managers: ``PATCH`` with
``application/apply-patch+yaml`` (create when absent: 201, else merge: 200), and the manager a
non-apply write is recorded under (``?fieldManager=`` or the User-Agent's product, as upstream)."""

from __future__ import annotations

import copy
from typing import Any

from flask import Request, Response

from .. import _json
from ..errors import Cause, StatusError, bad_request, invalid
from ..patch import apply_ssa
from ..patch.managedfields import Manager
from ..registry import objectmeta
from ..registry.rest import Registry
from ..schemas.objects import check_object
from .fieldvalidation import IGNORE, STRICT, WARN, FieldValidator, problems, schema_error
from .paths import Target
from .wire import decode_body, dry_run, flag, respond


def manager_of(request: Request) -> Manager:
    """``?fieldManager=``, else the User-Agent up to its first ``/`` (prefixFromUserAgent), else "unknown"."""
    name = request.args.get("fieldManager") or ""
    if not name:
        name = (request.headers.get("User-Agent") or "").split("/", 1)[0][:128] or "unknown"
    return Manager(name)


def _check_options(request: Request) -> str:
    """ValidatePatchOptions for apply: fieldManager is required and at most 128 characters."""
    name = request.args.get("fieldManager") or ""
    causes = []
    if not name:
        causes.append(Cause.required("fieldManager", "is required for apply patch"))
    elif len(name) > 128:
        causes.append(Cause.too_long("fieldManager", name, 128))
    if causes:
        raise invalid("PatchOptions", "", causes, "meta.k8s.io")
    return name


def serve(registry: Registry, request: Request, target: Target, fields: FieldValidator,
          mode: str = WARN) -> Response:
    """PATCH …?fieldManager=X&force=true|false with an apply configuration (JSON or YAML). Undeclared
    fields are always refused (the typed patch cannot be built); repeated keys follow ``mode``."""
    rt = target.rt
    name = _check_options(request)
    is_dry = dry_run(request.args, "PatchOptions")
    duplicates: list[str] | None = None if mode == IGNORE else []
    applied = apply_ssa.check_applied(rt, target.name or "", decode_body(request, patch=True,
                                                                         duplicates=duplicates))
    applied = check_object(applied, rt)
    unknown = fields.prune(rt, applied, drop=False)
    if unknown:
        raise schema_error(rt, target.namespace or "", target.name or "", unknown)
    warnings = problems([], duplicates or [])
    if warnings and mode == STRICT:
        raise bad_request("error strict decoding YAML: " + ", ".join(warnings))
    force = flag(request.args, "force")
    who = Manager(name, "Apply")
    subresource = target.subresource or ""

    def patcher(current: dict[str, Any]) -> dict[str, Any]:
        merged = apply_ssa.apply(rt, current, applied, name, force=force, subresource=subresource,
                                 now=objectmeta.now())
        return check_object(merged, rt, patched=True)

    try:
        obj = registry.patch(rt, target.namespace or "", target.name or "", patcher, subresource=subresource,
                             dry_run=is_dry, manager=who)
        return respond(request, _json.dumpb(obj), warnings=warnings)
    except StatusError as err:
        missing = err.code == 404 and (err.details or {}).get("name") == target.name
        if not missing or subresource:
            raise
    body = copy.deepcopy(applied)
    body["metadata"].pop("managedFields", None)
    obj = registry.create(rt, target.namespace or "", body, dry_run=is_dry, manager=who)
    return respond(request, _json.dumpb(obj), 201, warnings)

