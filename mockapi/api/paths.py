"""The URL grammar of the Kubernetes API, generated from the registry: turns a path into a Target
(group/version, resource, namespace, name, subresource, legacy watch) or a 404."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import path_not_found
from ..registry.base import ResourceType


@dataclass(frozen=True)
class Target:
    rt: ResourceType
    namespace: str | None  # None: all namespaces (or cluster-scoped)
    name: str | None
    subresource: str
    legacy_watch: bool


class PathResolver:
    def __init__(self, resources: list[ResourceType]) -> None:
        self.by_gv: dict[tuple[str, str], dict[str, ResourceType]] = {}
        for rt in resources:
            self.by_gv.setdefault((rt.group, rt.version), {})[rt.plural] = rt

    def group_versions(self) -> list[tuple[str, str]]:
        return list(self.by_gv)

    def resolve(self, group: str, version: str, rest: str) -> Target:
        kinds = self.by_gv.get((group, version))
        if kinds is None:
            raise path_not_found()
        segs = [s for s in rest.split("/") if s]
        legacy_watch = bool(segs) and segs[0] == "watch"
        if legacy_watch:
            segs = segs[1:]
        namespace: str | None = None
        if len(segs) >= 3 and segs[0] == "namespaces" and segs[2] not in ("status", "finalize"):
            namespace = segs[1]
            segs = segs[2:]
        if not segs or len(segs) > 3:
            raise path_not_found()
        rt = kinds.get(segs[0])
        if rt is None:
            raise path_not_found()
        name = segs[1] if len(segs) > 1 else None
        sub = segs[2] if len(segs) > 2 else ""
        if namespace is not None and not rt.namespaced:
            raise path_not_found()
        if rt.namespaced and namespace is None and name is not None:
            raise path_not_found()
        if sub and rt.subresource(sub) is None:
            raise path_not_found()
        if legacy_watch and sub:
            raise path_not_found()
        return Target(rt, namespace, name, sub, legacy_watch)
