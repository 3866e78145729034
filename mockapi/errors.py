"""StatusError: the one error type that crosses layers, and its Kubernetes-worded constructors.

Every failure a client sees is built here and serialises to a ``metav1.Status``. Lower layers raise
small domain exceptions that are translated once into these; nothing here knows about Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class StatusError(Exception):
    """A Kubernetes API error: HTTP code, reason, message and optional details."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason if reason is not None else _REASONS.get(code, "")
        self.details = details
        self.metadata: dict[str, Any] = {}  # ListMeta on a Status (an expired list's continue token)

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.metadata),
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason}, {self.message!r})"


def _details(name: str | None, group: str, kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name is not None:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    return details


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def go_quote(text: str) -> str:
    """Go's %q (strconv.Quote): the apiserver's messages quote names this way, so a name holding a
    quote or a control character is shown escaped."""
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def not_found(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(
        404, f'{_qualified(resource, group)} {go_quote(name)} not found', details=_details(name, group, resource)
    )


def path_not_found() -> StatusError:
    return StatusError(404, "the server could not find the requested resource", details={})


def already_exists(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(
        409,
        f'{_qualified(resource, group)} {go_quote(name)} already exists',
        reason="AlreadyExists",
        details=_details(name, group, resource),
    )


def conflict(resource: str, name: str, message: str, group: str = "") -> StatusError:
    return StatusError(
        409,
        f'Operation cannot be fulfilled on {_qualified(resource, group)} {go_quote(name)}: {message}',
        reason="Conflict",
        details=_details(name, group, resource),
    )


def stale_resource_version(resource: str, name: str, group: str = "") -> StatusError:
    return conflict(
        resource,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
        group,
    )


class Cause(dict):
    """One field cause of a 422: ``{"reason": "FieldValueInvalid", "message": ..., "field": ...}``."""

    @classmethod
    def invalid(cls, field: str, value: Any, detail: str) -> "Cause":
        return cls(reason="FieldValueInvalid", message=f"Invalid value: {_show(value)}: {detail}", field=field)

    @classmethod
    def required(cls, field: str, detail: str = "") -> "Cause":
        return cls(reason="FieldValueRequired", message="Required value" + (f": {detail}" if detail else ""),
                   field=field)

    @classmethod
    def duplicate(cls, field: str, value: Any) -> "Cause":
        return cls(reason="FieldValueDuplicate", message=f"Duplicate value: {_show(value)}", field=field)

    @classmethod
    def not_supported(cls, field: str, value: Any, supported: Iterable[str]) -> "Cause":
        values = ", ".join(f'"{s}"' for s in supported)
        return cls(reason="FieldValueNotSupported",
                   message=f"Unsupported value: {_show(value)}: supported values: {values}", field=field)

    @classmethod
    def forbidden(cls, field: str, detail: str) -> "Cause":
        return cls(reason="FieldValueForbidden", message=f"Forbidden: {detail}", field=field)

    @classmethod
    def too_long(cls, field: str, value: Any, limit: int) -> "Cause":
        return cls(reason="FieldValueTooLong", message=f"Too long: may not be more than {limit} bytes",
                   field=field)

    @classmethod
    def type_invalid(cls, field: str, value: Any, detail: str) -> "Cause":
        return cls(reason="FieldValueTypeInvalid", message=f"Invalid value: {_show(value)}: {detail}",
                   field=field)

    def describe(self) -> str:
        return f"{self['field']}: {self['message']}" if self.get("field") else self["message"]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)


def invalid(kind: str, name: str, causes: list[Cause], group: str = "") -> StatusError:
    """422 Invalid in Kubernetes' wording: ``Pod "x" is invalid: [a: ..., b: ...]``."""
    described = [c.describe() for c in causes]
    if len(described) == 1:
        summary = described[0]
    else:
        summary = "[" + ", ".join(described) + "]"
    details = _details(name, group, kind)
    details["causes"] = [dict(c) for c in causes]
    kind_q = f"{kind}.{group}" if group else kind
    return StatusError(422, f'{kind_q} "{name}" is invalid: {summary}', reason="Invalid", details=details)


def bad_request(message: str) -> StatusError:
    return StatusError(400, message)


def method_not_allowed(method: str = "") -> StatusError:
    return StatusError(405, "the server does not allow this method on the requested resource", details={})


def unsupported_media_type(content_type: str, accepted: Iterable[str]) -> StatusError:
    return StatusError(
        415,
        f"the body of the request was in an unknown format - accepted media types include: {', '.join(accepted)}",
    )


def gone(message: str) -> StatusError:
    return StatusError(410, message, reason="Expired")


def too_large(message: str = "the request is too large") -> StatusError:
    return StatusError(413, message)


def internal(message: str) -> StatusError:
    return StatusError(500, f"Internal error occurred: {message}")


def forbidden(resource: str, name: str, detail: str, group: str = "") -> StatusError:
    q = _qualified(resource, group)
    prefix = f'{q} "{name}" is forbidden' if name else f"{q} is forbidden"
    return StatusError(403, f"{prefix}: {detail}", reason="Forbidden", details=_details(name or None, group, resource))


def too_large_resource_version(requested: int, current: int) -> StatusError:
    return StatusError(
        504,
        f"Too large resource version: {requested}, current: {current}",
        reason="Timeout",
        details={"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                 "retryAfterSeconds": 1},
    )



# -- predicates: callers test what an error is by these, never by comparing reason strings -------------

def is_not_found(err: BaseException) -> bool:
    return isinstance(err, StatusError) and err.reason == "NotFound"


def is_already_exists(err: BaseException) -> bool:
    return isinstance(err, StatusError) and err.reason == "AlreadyExists"


def is_conflict(err: BaseException) -> bool:
    return isinstance(err, StatusError) and err.reason == "Conflict"


def is_forbidden(err: BaseException) -> bool:
    return isinstance(err, StatusError) and err.reason == "Forbidden"


def is_invalid(err: BaseException) -> bool:
    return isinstance(err, StatusError) and err.reason == "Invalid"

# -- field selectors: kube-apiserver's ConvertFieldLabel wording, per kind ----------------------------
_STD_MSG = "field label not supported: {f}"
_FIELD_LABEL_MSGS = {  # kinds registering a FieldLabelConversionFunc in v1.31, with that func's wording
    **{("v1", k): _STD_MSG for k in ("Pod", "Node", "ReplicationController", "Event", "Namespace", "Secret",
                                       "Service")},
    ("batch/v1", "Job"): "field label {q} not supported for batchv1.Job",
    ("certificates.k8s.io/v1", "CertificateSigningRequest"): _STD_MSG,
    ("certificates.k8s.io/v1alpha1", "ClusterTrustBundle"): _STD_MSG,
    ("events.k8s.io/v1", "Event"): _STD_MSG,
}
_BUILTIN_GROUPS = frozenset({  # API groups kube-apiserver serves itself ("core" stands for "")
    "core", "apps", "autoscaling", "batch", "policy", "admissionregistration.k8s.io", "apiextensions.k8s.io",
    "apiregistration.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io"})


def field_label_not_supported(field: str, kind: str, api_version: str = "v1") -> StatusError:
    """The 400 kube-apiserver's ConvertFieldLabel gives for an unsupported field of kind in api_version."""
    group = api_version.rpartition("/")[0] or "core"
    msg = _FIELD_LABEL_MSGS.get((api_version, kind))
    if msg is None and (group, kind) == ("resource.k8s.io", "ResourceSlice"):
        msg = "field label not supported for " + api_version + ", Kind=ResourceSlice: {f}"
    if msg is None:  # built-ins: runtime.DefaultMetaV1FieldSelectorConversion; custom resources: crConverter
        msg = ('{q} is not a known field selector: only "metadata.name", "metadata.namespace"'
               if group in _BUILTIN_GROUPS else _STD_MSG)
    return bad_request(msg.format(f=field, q=go_quote(field)))
