"""Request and response encoding at the edge: body decoding (JSON, YAML; protobuf refused with
415), query-parameter parsing with Kubernetes' errors, and JSON/YAML responses."""

from __future__ import annotations

import json as _stdjson
import re
from typing import Any

import yaml
from flask import Request, Response

from .. import _json
from ..errors import StatusError, bad_request, unsupported_media_type
from .fieldvalidation import warning_headers

JSON = "application/json"
YAML = "application/yaml"
BODY_TYPES = (JSON, YAML, "application/vnd.kubernetes.protobuf")


class _YAMLLoader(yaml.SafeLoader):
    """YAML as Kubernetes reads it (sigs.k8s.io/yaml): timestamps stay strings."""


_YAMLLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _StrictYAMLLoader(_YAMLLoader):
    """Notes repeated mapping keys the way sigs.k8s.io/yaml's strict mode words them."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                self.duplicates.append(f'yaml: unmarshal errors:\n  line {key_node.start_mark.line + 1}: '
                                       f'key "{key}" already set in map')
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _json_duplicates(data: bytes, duplicates: list[str]) -> None:
    """Valid JSON (orjson parsed it) decoded again with the standard library, which shows repeated keys;
    their dotted paths (as sigs.k8s.io/json reports them: ``metadata.name``, ``spec.ports[0].port``) go
    into ``duplicates``."""
    repeated: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            again = repeated.setdefault(id(out), [])
            for key, _ in items:
                if key in seen:
                    again.append(key)
                seen.add(key)
        return out

    try:
        result = _stdjson.loads(data, object_pairs_hook=pairs)
    except (ValueError, RecursionError):  # orjson accepted it; nothing more to learn
        return
    if repeated:
        _paths_of(result, "", repeated, duplicates)


def _paths_of(value: Any, path: str, repeated: dict[int, list[str]], out: list[str]) -> None:
    if isinstance(value, dict):
        for key in repeated.get(id(value), ()):
            out.append(f"{path}.{key}" if path else key)
        for key, sub in value.items():
            _paths_of(sub, f"{path}.{key}" if path else key, repeated, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _paths_of(item, f"{path}[{i}]", repeated, out)


def media_type(request: Request) -> str:
    return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def decode_body(request: Request, *, required: bool = True, patch: bool = False,
                duplicates: list[str] | None = None) -> Any:
    """The request body as a Python object; 400 for malformed data, 415 for media types the
    apiserver does not decode (object bodies: JSON or YAML; patch bodies: the patch types). With a
    ``duplicates`` list, repeated keys are reported into it (the last one wins, as in Go's decoder)."""
    ctype = media_type(request)
    is_json = ctype in ("", JSON) or (patch and ctype.endswith("+json"))
    is_yaml = ctype == YAML or (patch and ctype.endswith("+yaml"))
    data = request.get_data(cache=True)
    if ctype == PROTOBUF and not patch and (data.strip() or required):
        raise protobuf_unsupported()
    if not is_json and not is_yaml and (data.strip() or required):
        raise unsupported_media_type(ctype, ("application/json", "application/yaml"))
    if not data.strip():
        if required:
            raise bad_request("the request body must not be empty")
        return None
    try:
        if is_json:
            decoded = _json.loads(data)
            if duplicates is not None:
                _json_duplicates(data, duplicates)
            return decoded
        if duplicates is None:
            return yaml.load(data, Loader=_YAMLLoader)  # noqa: S506 (a SafeLoader subclass)
        loader = _StrictYAMLLoader(data)
        try:
            return loader.get_single_data()
        finally:
            duplicates.extend(loader.duplicates)
            loader.dispose()
    except _json.JSONDecodeError as exc:
        raise bad_request(f"error decoding request body: invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise bad_request(f"error decoding request body: invalid YAML: {exc}") from None
    except (RecursionError, ValueError) as exc:
        raise bad_request(f"error decoding request body: {type(exc).__name__}: nesting too deep") from None


PROTOBUF = "application/vnd.kubernetes.protobuf"
PROTOBUF_HINT = (
    "; mockapi does not decode protobuf request bodies. kubectl 1.32 and later send them for the generator "
    "commands (kubectl create namespace|configmap|secret|service ...), and every kubectl for `kubectl create "
    "rolebinding`, which therefore fail against mockapi: write the object as YAML and use `kubectl create "
    "-f` or `kubectl apply -f`, or use kubectl 1.31 or older for the others (the gcloud kubectl dispatcher "
    "picks kubectl.1.<minor> from this server's /version, v1.31 unless MOCKAPI_KUBERNETES_VERSION says "
    "otherwise; or run kubectl.1.31 directly)"
)


def protobuf_unsupported() -> StatusError:
    """415 for an ``application/vnd.kubernetes.protobuf`` body, saying what to do instead."""
    err = unsupported_media_type(PROTOBUF, ("application/json", "application/yaml"))
    err.message += PROTOBUF_HINT
    return err


def wants_yaml(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    return accept.startswith(YAML) or accept.startswith("application/x-yaml")


def respond(request: Request, body: Any, status: int = 200, warnings: list[str] | None = None) -> Response:
    """The answer in the format asked for, with one ``Warning`` header per distinct warning (bounded
    as the apiserver's warning recorder bounds them)."""
    if wants_yaml(request):
        text = yaml.safe_dump(_json.loads(body) if isinstance(body, (str, bytes)) else body, sort_keys=False)
        response = Response(text, status=status, content_type=YAML)
    elif isinstance(body, (str, bytes)):
        response = Response(body, status=status, content_type=JSON)
    else:
        response = Response(_json.dumpb(body), status=status, content_type=JSON)
    for header in warning_headers(warnings or []):
        response.headers.add("Warning", header)
    return response


def status_response(request: Request | None, err: StatusError) -> Response:
    return Response(_json.dumpb(err.to_status()), status=err.code, content_type=JSON)


# -- query parameters ---------------------------------------------------------------------------

def flag(args: Any, name: str) -> bool:
    """A boolean query parameter as the apiserver converts it: absent, "false" or "0" (any case)
    is false; anything else, even an empty value, is true (runtime.Convert_Slice_string_To_bool)."""
    value = args.get(name)
    if value is None:
        return False
    return value.lower() not in ("false", "0")


_GO_INT = re.compile(r"[+-]?[0-9]+")


def int64(value: str) -> int:
    """What Go's strconv.ParseInt(value, 10, 64) accepts: ASCII digits with an optional sign, within
    int64 (Python's int() also takes "1_000", " 7 ", non-ASCII digits and any size); else ValueError."""
    n = int(value) if _GO_INT.fullmatch(value) else None
    if n is None or not -(2**63) <= n < 2**63:
        raise ValueError(value)
    return n


def int_param(args: Any, name: str, minimum: int | None = None) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    try:
        n = int64(value)
    except ValueError:
        raise bad_request(f'invalid value "{value}" for parameter {name}: must be an integer') from None
    if minimum is not None and n < minimum:
        raise bad_request(f"invalid value {n} for parameter {name}: must be at least {minimum}")
    return n


def dry_run(args: Any, options_kind: str = "CreateOptions") -> bool:
    """``dryRun=All`` (the only supported value) or nothing; anything else is 422 as upstream."""
    values = args.getlist("dryRun")
    bad = [v for v in values if v != "All"]
    if bad:
        shown = ", ".join(f'"{v}"' for v in values)
        raise StatusError(
            422,
            f'{options_kind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{{{shown}}}: '
            'supported values: "All"',
            reason="Invalid",
            details={"group": "meta.k8s.io", "kind": options_kind, "causes": [
                {"reason": "FieldValueNotSupported", "field": "dryRun",
                 "message": f'Unsupported value: []string{{{shown}}}: supported values: "All"'}]},
        )
    return bool(values)
