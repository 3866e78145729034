"""Discovery: legacy (/api, /apis, APIResourceList per group version) and aggregated
(apidiscovery.k8s.io v2 and v2beta1, chosen by Accept and echoed in Content-Type), generated from
the registry's descriptors."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Request, Response

from .. import _json
from ..registry.base import ResourceType

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"


def _storage_hash(rt: ResourceType) -> str:
    import base64

    digest = hashlib.sha256(f"{rt.group_version}/{rt.kind}".encode()).digest()[:8]
    return base64.b64encode(digest).decode()


def resource_entries(rt: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    if rt.categories:
        main["categories"] = list(rt.categories)
    main["storageVersionHash"] = _storage_hash(rt)
    out = [main]
    for sub in rt.subresources:
        entry: dict[str, Any] = {"name": f"{rt.plural}/{sub.name}", "singularName": "", "namespaced": rt.namespaced}
        if sub.body_kind is not None:  # (upstream names group and version only when they differ)
            kind = sub.response_kind(rt)
            if kind["group"] != rt.group or kind["version"] != rt.version:
                entry.update(group=kind["group"], version=kind["version"])
        entry.update(kind=sub.response_kind(rt)["kind"], verbs=list(sub.verbs))
        out.append(entry)
    return out


def resource_list(group_version: str, resources: list[ResourceType]) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "APIResourceList", "groupVersion": group_version, "resources": []}
    if "/" in group_version:
        body["apiVersion"] = "v1"
    for rt in sorted(resources, key=lambda r: r.plural):
        body["resources"].extend(resource_entries(rt))
    return body


def _aggregated_resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    if rt.subresources:
        entry["subresources"] = [
            {"subresource": sub.name, "responseKind": sub.response_kind(rt), "verbs": list(sub.verbs)}
            for sub in rt.subresources
        ]
    return entry


def aggregated(groups: dict[str, dict[str, list[ResourceType]]], version: str) -> dict[str, Any]:
    items = []
    for group, versions in groups.items():
        items.append({
            "metadata": {"name": group, "creationTimestamp": None},
            "versions": [
                {"version": v, "resources": [_aggregated_resource(rt) for rt in sorted(rts, key=lambda r: r.plural)],
                 "freshness": "Current"}
                for v, rts in versions.items()
            ],
        })
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}", "metadata": {},
            "items": items}


def aggregated_version(request: Request) -> str | None:
    """The aggregated discovery version the client accepts (v2 preferred), or None for legacy."""
    accept = request.headers.get("Accept", "").replace(" ", "")
    if "g=apidiscovery.k8s.io" not in accept:
        return None
    for option in accept.split(","):
        params = dict(p.split("=", 1) for p in option.split(";")[1:] if "=" in p)
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            if params.get("v") in ("v2", "v2beta1"):
                return params["v"]
    return None


class Discovery:
    def __init__(self, resources: list[ResourceType], server_address: str = "") -> None:
        self.resources = resources
        self.by_group: dict[str, dict[str, list[ResourceType]]] = {}
        for rt in resources:
            self.by_group.setdefault(rt.group, {}).setdefault(rt.version, []).append(rt)

    def _aggregated(self, request: Request, core: bool) -> Response | None:
        version = aggregated_version(request)
        if version is None:
            return None
        groups = {g: v for g, v in self.by_group.items() if (g == "") == core}
        body = aggregated(groups, version)
        return Response(_json.dumpb(body), content_type=AGGREGATED.format(v=version))

    def api(self, request: Request) -> Response:
        agg = self._aggregated(request, core=True)
        if agg is not None:
            return agg
        host = request.host or "127.0.0.1"
        body = {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}
        return Response(_json.dumpb(body), content_type="application/json")

    def apis(self, request: Request) -> Response:
        agg = self._aggregated(request, core=False)
        if agg is not None:
            return agg
        groups = [self._group(g) for g in self.by_group if g]
        body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        return Response(_json.dumpb(body), content_type="application/json")

    def _group(self, group: str) -> dict[str, Any]:
        versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in self.by_group[group]]
        return {"name": group, "versions": versions, "preferredVersion": versions[0]}

    def group(self, group: str) -> dict[str, Any] | None:
        if not group or group not in self.by_group:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **self._group(group)}

    def group_version(self, group: str, version: str) -> dict[str, Any] | None:
        rts = self.by_group.get(group, {}).get(version)
        if rts is None:
            return None
        return resource_list(f"{group}/{version}" if group else version, rts)
