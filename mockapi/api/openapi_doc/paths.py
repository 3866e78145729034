"""The Kubernetes paths of one kind in openapi.yaml, from its ResourceType: collection, item, subresource,
all-namespaces and legacy /watch/ paths, each operation with upstream's operation id, x-kubernetes-action,
parameters, status codes, request bodies, and the response components they refer to."""

from __future__ import annotations

import re
from typing import Any

from ...registry.base import ResourceType, Strategy

ERRORS = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Gone",
          413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid", 500: "InternalError",
          504: "Timeout"}
# parameters of each operation, by x-kubernetes-action (components.parameters names)
PARAMETERS = {
    "list": ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch",
             "watch", "allowWatchBookmarks", "timeoutSeconds", "sendInitialEvents"],
    "watch": ["labelSelector", "fieldSelector", "resourceVersion", "resourceVersionMatch", "allowWatchBookmarks",
              "timeoutSeconds", "sendInitialEvents"],
    "get": ["resourceVersion"],
    "post": ["dryRun", "fieldManager", "fieldValidation"],
    "delete": ["dryRun", "gracePeriodSeconds", "propagationPolicy"],
    "deletecollection": ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
                         "resourceVersionMatch", "dryRun", "gracePeriodSeconds", "propagationPolicy"],
}
PARAMETERS.update(watchlist=PARAMETERS["watch"], put=PARAMETERS["post"], patch=PARAMETERS["post"])
# verb -> (method, x-kubernetes-action), as Handlers maps them
COLLECTION_VERBS = {"list": ("get", "list"), "create": ("post", "post"),
                    "deletecollection": ("delete", "deletecollection")}
ITEM_VERBS = {"get": ("get", "get"), "update": ("put", "put"), "patch": ("patch", "patch"),
              "delete": ("delete", "delete")}
SUBRESOURCE_VERBS = {"get": ("get", "get"), "create": ("post", "post"), "update": ("put", "put"),
                     "patch": ("patch", "patch")}
_VERB_WORDS = {"list": "list", "post": "create", "get": "read", "put": "replace", "patch": "patch",
               "delete": "delete", "deletecollection": "delete", "watch": "watch", "watchlist": "watch"}


def _refs(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def group_tag(rt: ResourceType) -> str:
    return f"{rt.group.split('.')[0] if rt.group else 'core'}_{rt.version}"


def prefix(rt: ResourceType) -> str:
    return f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"


def operation_id(rt: ResourceType, action: str, scope: str, sub: str = "") -> str:
    """Upstream's: readCoreV1NamespacedPodStatus, deleteCoreV1CollectionNode, watchCoreV1PodListForAllNamespaces."""
    group = rt.group.removesuffix(".k8s.io") if rt.group else "core"
    gv = "".join(part[:1].upper() + part[1:] for part in re.split(r"[.-]", group)) + rt.version.capitalize()
    return "".join((_VERB_WORDS[action], gv, "Collection" if action == "deletecollection" else "",
                    "Namespaced" if scope == "namespace" else "", rt.kind, sub[:1].upper() + sub[1:],
                    "List" if action == "watchlist" else "", "ForAllNamespaces" if scope == "all" else ""))


def _summary(rt: ResourceType, action: str, scope: str, sub: str) -> str:
    kind, all_ns = rt.kind, " in all namespaces" if scope == "all" else ""
    if sub:
        what = {"get": "read", "put": "replace", "patch": "partially update", "post": "create"}[action]
        return f"{what} {sub} of the specified {kind}"
    return {"list": f"list or watch objects of kind {kind}{all_ns}",
            "post": f"create {_article(kind)} {kind}",
            "deletecollection": f"delete a collection of {kind}",
            "get": f"read the specified {kind}",
            "put": f"replace the specified {kind}",
            "patch": f"partially update the specified {kind}",
            "delete": f"delete {_article(kind)} {kind}",
            "watchlist": f"watch individual changes to a list of {kind}{all_ns} (legacy path)",
            "watch": f"watch changes to an object of kind {kind} (legacy path)"}[action]


def _can_refuse_delete(rt: ResourceType) -> bool:
    return type(rt.strategy).check_delete is not Strategy.check_delete


class KindPaths:
    """Builds the paths of kinds into ``paths``, and the responses and request bodies they refer to into
    ``responses`` / ``request_bodies``. ``subresources`` describes subresources whose shape is not the
    kind's object (static data: log's text, scale's Scale); ``notes`` optional descriptions by operationId."""

    def __init__(self, subresources: dict[str, Any], notes: dict[str, str]) -> None:
        self.subresources = subresources
        self.notes = notes
        self.paths: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.request_bodies: dict[str, Any] = {}
        self.extra_schemas: dict[str, Any] = {}

    def add(self, rt: ResourceType) -> None:
        verbs, pre = set(rt.verbs), prefix(rt)
        scope = "namespace" if rt.namespaced else "cluster"
        ns = "/namespaces/{namespace}" if rt.namespaced else ""
        collection, item = f"{pre}{ns}/{rt.plural}", f"{pre}{ns}/{rt.plural}/{{name}}"
        coll_params = (["namespace"] if rt.namespaced else []) + ["pretty"]
        item_params = ["name"] + coll_params
        for verb, (method, action) in COLLECTION_VERBS.items():
            if verb in verbs:
                self._op(rt, collection, coll_params, method, action, scope)
        for verb, (method, action) in ITEM_VERBS.items():
            if verb in verbs:
                self._op(rt, item, item_params, method, action, scope)
        for sub, sub_verbs in rt.subresource_verbs.items():
            for verb, (method, action) in SUBRESOURCE_VERBS.items():
                if verb in sub_verbs:
                    self._op(rt, f"{item}/{sub}", item_params, method, action, scope, sub)
        if rt.namespaced and "list" in verbs:
            self._op(rt, f"{pre}/{rt.plural}", ["pretty"], "get", "list", "all")
        if "watch" in verbs:
            watch = f"{pre}/watch{ns}/{rt.plural}"
            self._op(rt, watch, coll_params, "get", "watchlist", scope)
            self._op(rt, watch + "/{name}", item_params, "get", "watch", scope)
            if rt.namespaced:
                self._op(rt, f"{pre}/watch/{rt.plural}", ["pretty"], "get", "watchlist", "all")

    # -- one operation ---------------------------------------------------------------------------------

    def _op(self, rt: ResourceType, path: str, path_params: list[str], method: str, action: str, scope: str,
            sub: str = "") -> None:
        item = self.paths.setdefault(path, {"parameters": [_refs("parameters", p) for p in path_params]})
        op_id = operation_id(rt, action, scope, sub)
        declared = rt.subresource(sub) if sub else None  # documented by its shape, never by kind
        special = self.subresources.get(declared.shape, {}) if declared is not None else {}
        gvk = declared.response_kind(rt) if declared is not None else {"group": rt.group, "version": rt.version,
                                                                         "kind": rt.kind}
        op: dict[str, Any] = {"operationId": op_id, "tags": [group_tag(rt)],
                              "summary": _summary(rt, action, scope, sub)}
        description = self.notes.get(op_id) or special.get("description")
        if description:
            op["description"] = description
        op["x-kubernetes-action"] = action
        op["x-kubernetes-group-version-kind"] = gvk
        if "parameters" in special:
            op["parameters"] = special["parameters"]
        else:
            op["parameters"] = [_refs("parameters", p) for p in PARAMETERS[action]]
        schema = special.get("schema", rt.kind)
        for name, definition in special.get("schemas", {}).items():
            self.extra_schemas.setdefault(name, definition)
        if action in ("post", "put"):
            op["requestBody"] = _refs("requestBodies", self._object_body(schema))
        elif action == "patch":
            op["requestBody"] = _refs("requestBodies", "Patch")
        elif action in ("delete", "deletecollection"):
            op["requestBody"] = _refs("requestBodies", "DeleteOptions")
        if "responses" in special:
            op["responses"] = special["responses"]
        else:
            op["responses"] = self._responses(rt, action, scope, schema, bool(sub))
        item[method] = op

    def _responses(self, rt: ResourceType, action: str, scope: str, schema: str,
                   sub: bool) -> dict[str, Any]:
        ok: dict[int, str] = {}
        errors: list[int]
        if action == "list":
            ok[200] = self._list_or_watch(rt)
            errors = [400, 410, 422, 500, 504]
        elif action in ("watch", "watchlist"):
            ok[200] = "WatchEvents"
            errors = [400, 422, 500]
        elif action == "post":
            ok[201] = self._object(schema, created=True)
            errors = ([400, 403, 404] if rt.namespaced or sub else [400]) + [409, 413, 415, 422, 500]
        elif action == "deletecollection":
            ok[200] = self._deleted_list(rt)
            errors = [400, 410, 413, 415, 422, 500, 504]
        elif action == "get":
            ok[200] = self._object(schema)
            errors = [400, 404, 500, 504]
        elif action in ("put", "patch"):
            ok[200] = self._object(schema)
            if not sub and (action == "patch" or rt.strategy.allow_create_on_update):
                ok[201] = self._object(schema, created=True)
            errors = [400, 404, 409, 413, 415, 422, 500]
        else:  # delete
            ok[200] = self._object(rt.kind) if rt.strategy.returns_deleted_object else self._or_status(rt)
            errors = [400] + ([403] if _can_refuse_delete(rt) else []) + [404, 409, 413, 415, 422, 500]
        out = {str(code): _refs("responses", name) for code, name in ok.items()}
        out.update({str(code): _refs("responses", ERRORS[code]) for code in errors})
        return out

    # -- response and request body components ------------------------------------------------------

    @staticmethod
    def _content(schema: dict[str, Any], yaml_schema: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"application/json": {"schema": schema}, "application/yaml": {"schema": yaml_schema or schema}}

    def _object(self, schema: str, created: bool = False) -> str:
        name = schema + ("Created" if created else "")
        self.responses.setdefault(name, {"description": "Created" if created else "OK",
                                         "content": self._content(_refs("schemas", schema))})
        return name

    def _object_body(self, schema: str) -> str:
        self.request_bodies.setdefault(schema, {"required": True,
                                                "content": self._content(_refs("schemas", schema))})
        return schema

    def _list_or_watch(self, rt: ResourceType) -> str:
        name = rt.kind + "ListOrWatch"
        either = {"anyOf": [_refs("schemas", rt.list_kind), _refs("schemas", "WatchEvent")]}
        self.responses.setdefault(name, {"description": "The list; with watch=true a stream of WatchEvent objects.",
                                         "content": self._content(either, _refs("schemas", rt.list_kind))})
        return name

    def _deleted_list(self, rt: ResourceType) -> str:
        name = rt.kind + "Deleted"
        self.responses.setdefault(name, {
            "description": "The deleted objects (those held by finalizers carry a deletionTimestamp), as a "
                           "list; with dryRun=All the objects that would have been deleted.",
            "content": self._content(_refs("schemas", rt.list_kind))})
        return name

    def _or_status(self, rt: ResourceType) -> str:
        name = rt.kind + "OrStatus"
        either = {"anyOf": [_refs("schemas", rt.kind), _refs("schemas", "Status")]}
        self.responses.setdefault(name, {
            "description": f"DELETE of one object: a Status with `status: Success` and details name, kind "
                           f"(`{rt.plural}`) and uid when it was removed at once (or, with dryRun, would have "
                           f"been); the {rt.kind} with its deletionTimestamp while finalizers hold it.",
            "content": self._content(either)})
        return name
