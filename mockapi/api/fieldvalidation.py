"""Server-side field validation (``?fieldValidation=Strict|Warn|Ignore``, KEP-2885): unknown fields are
found against the published Kubernetes schemas of the kind (``openapi_schemas``) and always dropped;
duplicate JSON/YAML keys are reported by the body decoder (``wire``). ``Strict`` answers 400 with the
apiserver's ``strict decoding error: ...``; ``Warn`` (the default) adds one ``Warning: 299 - "..."``
header per problem; ``Ignore`` says nothing. Owns no storage and no Flask request state."""

from __future__ import annotations

import functools
import threading
from typing import Any

from ..errors import Cause, StatusError, bad_request, invalid
from ..registry.base import ResourceType
from .openapi_schemas import SchemaSource, definitions

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
SUPPORTED = ("", IGNORE, STRICT, WARN)
_REF = "#/$defs/"


def directive(args: Any, options_kind: str) -> str:
    """The request's directive (default Warn); anything else is 422 as ValidateFieldValidation says."""
    value = args.get("fieldValidation")
    if value is None or value == "":
        return WARN
    if value not in SUPPORTED:
        raise invalid(options_kind, "", [Cause.not_supported("fieldValidation", value, SUPPORTED)], "meta.k8s.io")
    return str(value)


class Shape:
    """What one schema node accepts: named ``props`` (an object), ``values`` (a map), ``items`` (a list);
    ``open`` accepts anything (scalars, free-form objects, x-kubernetes-preserve-unknown-fields)."""

    __slots__ = ("items", "open", "props", "values")

    def __init__(self) -> None:
        self.props: dict[str, Shape] | None = None
        self.values: Shape | None = None
        self.items: Shape | None = None
        self.open = True


_OPEN = Shape()


class _Compiler:
    """Builds Shapes from one Kubernetes minor's JSON-Schema definitions, each definition once."""

    def __init__(self, minor: int) -> None:
        self.defs = definitions(minor)
        self.done: dict[str, Shape] = {}

    def named(self, name: str) -> Shape:
        shape = self.done.get(name)
        if shape is None:
            shape = self.done[name] = Shape()  # registered first: recursive types end here
            self._fill(shape, self.defs.get(name) or {})
        return shape

    def node(self, node: Any) -> Shape:
        if not isinstance(node, dict):
            return _OPEN
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            return self.named(ref[len(_REF):])
        for key in ("allOf", "anyOf"):
            if node.get(key) and isinstance(node[key], list) and len(node[key]) == 1:
                return self.node(node[key][0])
        shape = Shape()
        self._fill(shape, node)
        return shape if not shape.open else _OPEN

    def _fill(self, shape: Shape, node: dict[str, Any]) -> None:
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return
        props = node.get("properties")
        extra = node.get("additionalProperties")
        if isinstance(props, dict):
            shape.open = False
            shape.props = {k: self.node(v) for k, v in props.items()}
        elif isinstance(extra, dict):
            shape.open = False
            shape.values = self.node(extra)
        elif isinstance(node.get("items"), dict):
            shape.open = False
            shape.items = self.node(node["items"])


class FieldValidator:
    """Per kind, the Shape of its schema, compiled on first use (thread-safe, cached per process)."""

    def __init__(self, kubernetes_version: str) -> None:
        self.source = SchemaSource(kubernetes_version)
        self._lock = threading.Lock()
        self._shapes: dict[str, Shape | None] = {}

    def shape(self, rt: ResourceType) -> Shape | None:
        key = f"{rt.group}/{rt.version}/{rt.kind}"
        if key in self._shapes:
            return self._shapes[key]
        with self._lock:
            if key not in self._shapes:
                self._shapes[key] = self._compile(rt)
        return self._shapes[key]

    def _compile(self, rt: ResourceType) -> Shape | None:
        if not self.source.usable:
            return None
        from .openapi_v3 import schema_name

        name = schema_name(rt)
        found = self.source._locate(name) or self.source._relabel_source(name)
        if found is None:
            return None
        return _Compiler(found[0]).named(found[1])

    def prune(self, rt: ResourceType, obj: Any, *, drop: bool = True) -> list[str]:
        """The paths of the fields ``rt``'s schema does not declare in ``obj``, dropped from it (in place)
        unless ``drop`` is false."""
        shape = self.shape(rt)
        found: list[str] = []
        if shape is not None:
            _walk(obj, shape, "", found, drop)
        return found


def _walk(value: Any, shape: Shape, path: str, found: list[str], drop: bool) -> None:
    if shape.open:
        return
    if isinstance(value, dict):
        props = shape.props
        if props is not None:
            unknown: list[str] | None = None
            for key, sub in value.items():
                child = props.get(key)
                if child is None:
                    found.append(f"{path}.{key}" if path else str(key))
                    unknown = (unknown or []) + [key]
                elif not child.open and sub is not None:
                    _walk(sub, child, f"{path}.{key}" if path else key, found, drop)
            for key in (unknown or ()) if drop else ():
                del value[key]
        elif shape.values is not None and not shape.values.open:
            for key, sub in value.items():
                _walk(sub, shape.values, f"{path}.{key}" if path else str(key), found, drop)
    elif isinstance(value, list) and shape.items is not None and not shape.items.open:
        for i, item in enumerate(value):
            _walk(item, shape.items, f"{path}[{i}]", found, drop)


@functools.lru_cache(maxsize=8)
def validator(kubernetes_version: str) -> FieldValidator:
    return FieldValidator(kubernetes_version)


def problems(unknown: list[str], duplicates: list[str]) -> list[str]:
    """The decoder's strict errors in Kubernetes' words (duplicates as the JSON decoder found them)."""
    return [d if d.startswith("yaml:") else f'duplicate field "{d}"' for d in duplicates] + \
        [f'unknown field "{u}"' for u in unknown]


def outcome(mode: str, errors: list[str], cannot_handle: ResourceType | None = None) -> list[str]:
    """Apply ``mode`` to the strict errors: raise 400 (Strict), return warnings (Warn) or nothing."""
    if not errors or mode == IGNORE:
        return []
    if mode == STRICT:
        message = "strict decoding error: " + ", ".join(errors)
        if cannot_handle is not None:
            rt = cannot_handle
            message = f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {message}'
        raise bad_request(message)
    return errors


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_quoted(ch: str) -> str:
    """One character as Go's %q writes it (the apiserver quotes field names so): control characters
    escaped, a lone surrogate (JSON allows one, Go decodes it to U+FFFD) replaced, the rest as is."""
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return _GO_ESCAPES.get(ch, f"\\x{code:02x}")
    if 0x80 <= code < 0xA0:
        return f"\\u{code:04x}"
    return "\ufffd" if 0xD800 <= code < 0xE000 else ch


def warning_header(text: str) -> str:
    """RFC 7234 warn-value as the apiserver writes it: ``299 - "text"`` with quotes escaped. Control
    characters are Go-escaped and the value is UTF-8 bytes as a latin-1 ``str`` (what WSGI servers send),
    so a field name with any characters in it still makes a valid header, never a 500."""
    text = "".join(map(_go_quoted, text))
    value = '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value.encode("utf-8").decode("latin-1")


WARNINGS_TOTAL_RUNES, WARNING_ITEM_RUNES = 4 * 1024, 256


def warning_headers(texts: list[str]) -> list[str]:
    """The ``Warning`` headers for a response, bounded as the apiserver's warning recorder bounds them:
    distinct texts in order; once their total passes 4096 characters every text is cut to 256 and
    recording stops at the limit (a body with thousands of unknown fields gets a bounded answer)."""
    texts = [t for t in dict.fromkeys(texts) if t]
    if sum(map(len, texts)) <= WARNINGS_TOTAL_RUNES:
        return [warning_header(t) for t in texts]
    out, written = [], 0
    for text in texts:
        if written >= WARNINGS_TOTAL_RUNES:
            break
        text = text[:WARNING_ITEM_RUNES]
        written += len(text)
        out.append(warning_header(text))
    return out


def schema_error(rt: ResourceType, namespace: str, name: str, unknown: list[str]) -> StatusError:
    """Server-side apply of an undeclared field. Upstream answers 500 (kubernetes#122480, #139253); we
    answer the 400 its open fix (#139255) gives, with the same message."""
    where = f"{namespace}/{name}" if namespace else f"/{name}"
    gv = f"{rt.group}/{rt.version}" if rt.group else f"/{rt.version}"
    return bad_request(f"failed to create typed patch object ({where}; {gv}, Kind={rt.kind}): "
                       f".{unknown[0]}: field not declared in schema")
