"""``mockapi serve --load FILE|DIR``: manifests (YAML streams or JSON; Lists or single objects; a
directory's *.yaml, *.yml and *.json files in name order) created at start through the normal create
path, and snapshot files (GET /mock/snapshot) restored. Files are read once, at start; POST
/mock/reset applies the same content again. No Flask here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import StatusError
from ..registry.rest import Registry, Txn
from . import snapshot as snap
from .reset import Phase

log = logging.getLogger("mockapi")
SUFFIXES = (".yaml", ".yml", ".json")


class LoadError(Exception):
    """A --load source that cannot be read or applied (serve exits with this message)."""


@dataclass
class Source:
    """One file: its manifests (with where each came from), or a snapshot."""

    path: str
    manifests: list[tuple[str, Any]] = field(default_factory=list)  # (origin, object)
    snapshot: snap.Snapshot | None = None


def files_of(path: str) -> list[Path]:
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
    if p.is_file():
        return [p]
    raise LoadError(f"--load {path}: no such file or directory")


def read_file(path: Path) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"--load {path}: {exc.strerror or exc}") from None
    is_yaml = path.suffix.lower() != ".json"
    try:
        docs = snap.load_documents(data, is_yaml)
    except StatusError as err:
        raise LoadError(f"--load {path}: {err.message}") from None
    if snap.is_snapshot(docs):
        try:
            return Source(str(path), snapshot=snap.from_documents(docs))
        except StatusError as err:
            raise LoadError(f"--load {path}: {err.message}") from None
    source = Source(str(path))
    for i, doc in enumerate(docs):
        origin = f"{path} (document {i + 1})" if len(docs) > 1 else str(path)
        if not isinstance(doc, dict):
            raise LoadError(f"--load {origin}: not a Kubernetes object: {str(doc)[:80]!r}")
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            source.manifests += [(f"{origin} items[{j}]", item) for j, item in enumerate(doc["items"])]
        else:
            source.manifests.append((origin, doc))
    return source


def read_sources(paths: Sequence[str]) -> list[Source]:
    """Every file of every --load path, in order (raises LoadError naming the file)."""
    return [read_file(f) for path in paths for f in files_of(path)]


def _resource(registry: Registry, origin: str, obj: Any) -> Any:
    if not isinstance(obj, dict):
        raise StatusError(400, f"{origin}: not a Kubernetes object")
    for rt in registry.resources.values():
        if rt.kind == obj.get("kind") and rt.api_version == obj.get("apiVersion"):
            return rt
    raise StatusError(400, f'{origin}: no kind "{obj.get("kind")}" is registered for version '
                           f'"{obj.get("apiVersion")}"')


def manifests_phase(registry: Registry, source: Source) -> Phase:
    """Create each object as a client would (defaults, validation, allocation; the controllers run
    after the phase). An object that already exists (a restart on a file database) is left as is."""

    def phase(txn: Txn) -> int:
        created = 0
        for origin, obj in source.manifests:
            rt = _resource(registry, origin, obj)
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            namespace = (meta.get("namespace") or "default") if rt.namespaced else ""
            if not isinstance(namespace, str):
                raise StatusError(400, f"{origin}: metadata.namespace must be a string")
            name = meta.get("name")
            if isinstance(name, str) and name and txn.get(rt, namespace, name) is not None:
                log.info("--load %s: %s %s already exists, left as is", origin, rt.kind, name)
                continue
            try:
                txn.apply_create(rt, namespace, obj)
            except StatusError as err:
                raise StatusError(err.code, f"{origin}: {err.message}", err.reason, err.details) from None
            created += 1
        return created

    return phase


def phases(registry: Registry, config: Config, sources: Sequence[Source]) -> list[Phase]:
    """One phase per source, in order (a snapshot replaces everything loaded before it)."""
    out: list[Phase] = []
    for source in sources:
        if source.snapshot is not None:
            try:
                out.append(snap.restore_phase(registry, config, source.snapshot))
            except StatusError as err:
                raise LoadError(f"--load {source.path}: {err.message}") from None
        else:
            out.append(manifests_phase(registry, source))
    return out
