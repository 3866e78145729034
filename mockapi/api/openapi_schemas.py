"""Complete Kubernetes schemas for /openapi/v3, derived from the JSON Schema definitions that the
``kubernetes-validate`` package publishes per Kubernetes minor
(``kubernetes_validate/kubernetes-json-schema/v1.XX.0-local/_definitions.json``), converted to OpenAPI 3.0
``components.schemas`` the way kube-apiserver publishes them:

* ``#/$defs/X`` refs become ``#/components/schemas/X``; a ref with siblings (description, x-kubernetes-*)
  is wrapped as ``{"allOf": [{"$ref": ...}], ...}`` (kubectl's strategic-merge code reads ``allOf[0]``);
* ``type: ["string", "null"]`` becomes ``type: string`` + ``nullable: true``;
* IntOrString and Quantity keep their ``oneOf`` of plain types (IntOrString with ``format: int-or-string``),
  and the ``enum`` the JSON-Schema generator adds to ``apiVersion``/``kind`` is dropped.

Nothing is read at import: the definitions of one Kubernetes minor are loaded on the first document request
and cached for the life of the process."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import _json

PACKAGE = "kubernetes-validate"
_DIR = "kubernetes-json-schema"
_REF = "#/$defs/"
_OUT_REF = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# request/response types every group version of kube-apiserver carries besides its kinds
EXTRA_ROOTS = tuple(META + n for n in ("Status", "DeleteOptions", "WatchEvent", "Patch", "APIResourceList"))


@functools.cache
def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def _schema_root() -> Path | None:
    """The package's schema directory, found without importing the package (it imports jsonschema)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / _DIR


@functools.cache
def available_minors() -> tuple[int, ...]:
    """Kubernetes minors (1.N) the installed package has ``-local`` definitions for; () if absent."""
    root = _schema_root()
    try:
        names = [p.name for p in root.iterdir()] if root is not None else []
    except OSError:
        return ()
    return tuple(sorted(int(m.group(1)) for n in names if (m := re.fullmatch(r"v1\.(\d+)\.0-local", n))))


def minors_by_preference(kubernetes_version: str) -> list[int]:
    """The available minors, nearest to the reported one first (ties go to the newer one)."""
    try:
        want = int(kubernetes_version.lstrip("v").split(".")[1])
    except (IndexError, ValueError):
        want = 0
    return sorted(available_minors(), key=lambda m: (abs(m - want), -m))


@functools.cache
def definitions(minor: int) -> dict[str, Any]:
    root = _schema_root()
    assert root is not None
    return _json.loads((root / f"v1.{minor}.0-local" / "_definitions.json").read_bytes())["$defs"]


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            yield ref[len(_REF):]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _convert(node: Any, rename: dict[str, str], key: str = "") -> Any:
    if isinstance(node, list):
        return [_convert(v, rename) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    one_of = node.get("oneOf")
    if one_of and all(isinstance(o, dict) and "type" in o for o in one_of):
        kinds = [t for o in one_of for t in ([o["type"]] if isinstance(o["type"], str) else o["type"])
                 if t != "null"]
        out["oneOf"] = [{"type": t} for t in kinds]
        if set(kinds) == {"integer", "string"}:
            out["format"] = "int-or-string"
        node = {k: v for k, v in node.items() if k != "oneOf"}
    for k, v in node.items():
        if k == "$ref":
            continue
        if k == "type" and isinstance(v, list):
            types = [t for t in v if t != "null"]
            out["type"] = types[0] if len(types) == 1 else types
            if "null" in v:
                out["nullable"] = True
        elif k == "enum" and key in ("apiVersion", "kind"):
            continue
        elif k == "properties" and isinstance(v, dict):
            out[k] = {name: _convert(sub, rename, name) for name, sub in v.items()}
        else:
            out[k] = _convert(v, rename)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        target = {"$ref": _OUT_REF + rename.get(ref[len(_REF):], ref[len(_REF):])}
        if not out:
            return target
        return {"allOf": [target], **out}
    return out


class SchemaSource:
    """Picks, per kind, the definitions it comes from and converts the reachable schemas."""

    def __init__(self, kubernetes_version: str) -> None:
        self.kubernetes_version = kubernetes_version
        self.minors = minors_by_preference(kubernetes_version)

    @property
    def usable(self) -> bool:
        return bool(self.minors)

    def _locate(self, name: str) -> tuple[int, str] | None:
        """(minor, name in that minor's definitions) for a schema, preferring the reported minor."""
        for minor in self.minors:
            if name in definitions(minor):
                return minor, name
        return None

    def schemas(self, roots: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
        """``components.schemas`` for ``roots``: (schema name, gvk) of each kind, with everything they
        reference, taken from the nearest minor that defines them. A kind only defined at another version of
        its group (e.g. networking.k8s.io/v1beta1 ServiceCIDR) is re-labelled with the served gvk."""
        primary = self.minors[0]
        out: dict[str, Any] = {}
        names = [(name, gvk) for name, gvk in roots] + [(n, None) for n in EXTRA_ROOTS]
        names += [(name + "List", {**gvk, "kind": gvk["kind"] + "List"}) for name, gvk in roots if gvk]
        for root, gvk in names:
            found = self._locate(root)
            rename: dict[str, str] = {}
            if found is None and gvk is not None:
                found = self._relabel_source(root)
                if found is not None:
                    rename = {found[1].rsplit(".", 1)[0] + ".": root.rsplit(".", 1)[0] + "."}
            if found is None:
                continue
            minor, source_name = found
            self._copy_closure(source_name, minor, primary, rename, out)
            if gvk is not None and root in out:
                out[root]["x-kubernetes-group-version-kind"] = [gvk]
        return out

    def _relabel_source(self, name: str) -> tuple[int, str] | None:
        prefix, version_kind = name.rsplit(".", 2)[0], name.rsplit(".", 2)[1:]
        kind = version_kind[1]
        for minor in self.minors:
            for candidate in sorted(definitions(minor), reverse=True):
                head, _, tail = candidate.rpartition(".")
                if tail == kind and head.rsplit(".", 1)[0] == prefix:
                    return minor, candidate
        return None

    def _copy_closure(self, name: str, minor: int, primary: int, rename: dict[str, str],
                      out: dict[str, Any]) -> None:
        def renamed(n: str) -> str:
            for old, new in rename.items():
                if n.startswith(old):
                    return new + n[len(old):]
            return n

        stack = [name]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            target = renamed(current)
            if target in out:
                continue
            # shared types (ObjectMeta...) come from the reported minor; the rest from where the kind lives
            from_primary = current in definitions(primary) and not rename
            defs = definitions(primary) if from_primary else definitions(minor)
            if current not in defs:
                continue
            ref_map = {r: renamed(r) for r in _refs(defs[current]) if renamed(r) != r}
            out[target] = _convert(defs[current], ref_map)
            stack.extend(_refs(defs[current]))
