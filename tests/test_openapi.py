"""openapi.yaml is the contract of what the server serves, generated from the registry (``mockapi openapi``)
and committed as generated: a valid OpenAPI 3.0 document whose paths and
methods are exactly the Flask app's routes (resource paths expanded from the registry: each kind's
``ResourceType.verbs`` and ``subresource_verbs``), and whose schemas and status codes match real responses."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.test import TestResponse

from mockapi.api.openapi_doc import COMMAND, build_document, generate, render
from mockapi.app import create_app
from mockapi.registry import ALL, RESOURCES_BY_KIND
from mockapi.registry.base import ResourceType, Strategy, Subresource
from mockapi.registry.subresources import scale_subresource

DOC_FILE = Path(__file__).resolve().parent.parent / "openapi.yaml"
DOC_URI = "urn:mockapi:openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
PATCH_TYPES = {"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json"}
LIST_PARAMS = {"labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
               "resourceVersionMatch", "watch", "allowWatchBookmarks", "timeoutSeconds", "sendInitialEvents",
               "pretty"}
WATCH_PARAMS = LIST_PARAMS - {"limit", "continue", "watch"}
WRITE_PARAMS = {"dryRun", "fieldManager", "fieldValidation", "pretty"}
DELETE_PARAMS = {"dryRun", "gracePeriodSeconds", "propagationPolicy", "pretty"}
# pods/log reads PodLogOptions, not an object (text/plain; no resourceVersion)
LOG_PARAMS = {"container", "follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds",
              "sinceTime", "pretty"}
DELETE_COLLECTION_PARAMS = DELETE_PARAMS | {"labelSelector", "fieldSelector", "limit", "continue",
                                            "resourceVersion", "resourceVersionMatch"}
PATH_NOT_FOUND = "the server could not find the requested resource"
STATUS_REF = {"$ref": "#/components/schemas/Status"}
PROTOBUF = "application/vnd.kubernetes.protobuf"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

# How the handlers map HTTP methods to Kubernetes verbs (mockapi.api.handlers.Handlers._verb), and the
# x-kubernetes-action each gets in the document: {verb: (method, action)}.
COLLECTION_VERBS = {"list": ("get", "list"), "create": ("post", "post"),
                    "deletecollection": ("delete", "deletecollection")}
ITEM_VERBS = {"get": ("get", "get"), "update": ("put", "put"), "patch": ("patch", "patch"),
              "delete": ("delete", "delete")}
SUBRESOURCE_VERBS = {"get": ("get", "get"), "update": ("put", "put"), "patch": ("patch", "patch"),
                     "create": ("post", "post")}
KNOWN_VERBS = set(COLLECTION_VERBS) | set(ITEM_VERBS) | {"watch"}


# -- the document -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(DOC_FILE.read_text())


class Contract:
    """Looks things up in the document (following $refs) and validates instances against its schemas,
    resolving $refs through a ``referencing`` registry that holds the whole document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        resource = Resource.from_contents(doc, default_specification=DRAFT4)  # OAS 3.0 is draft-4-like
        self.registry = Registry().with_resource(DOC_URI, resource)

    def at(self, pointer: str) -> Any:
        node: Any = self.doc
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = self.at(pointer)
        return node, pointer

    def operation(self, path: str, method: str) -> tuple[dict[str, Any], str]:
        pointer = "/paths/" + _escape(path) + "/" + method
        assert path in self.doc["paths"], f"{path} is not documented"
        assert method in self.doc["paths"][path], f"{method.upper()} {path} is not documented"
        return self.at(pointer), pointer

    def parameters(self, path: str, method: str) -> dict[str, dict[str, Any]]:
        """Path-level and operation-level parameters of an operation, by name."""
        op, _ = self.operation(path, method)
        out = {}
        for p in self.doc["paths"][path].get("parameters", []) + op.get("parameters", []):
            param, _ = self.deref(p, "")
            out[param["name"]] = param
        return out

    def response(self, path: str, method: str, code: int) -> tuple[dict[str, Any], str]:
        op, pointer = self.operation(path, method)
        assert str(code) in op["responses"], (
            f"{method.upper()} {path} answered {code}, documented: {sorted(op['responses'])}")
        return self.deref(op["responses"][str(code)], f"{pointer}/responses/{code}")

    def validator(self, pointer: str) -> Any:
        return OAS30Validator({"$ref": f"{DOC_URI}#{pointer}"}, registry=self.registry,
                              format_checker=oas30_format_checker)

    def validate(self, pointer: str, instance: Any) -> None:
        errors = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, f"does not match {pointer}:\n" + "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors)

    def validate_schema(self, name: str, instance: Any) -> None:
        self.validate(f"/components/schemas/{name}", instance)

    def check(self, resp: TestResponse, path: str, method: str, *, body: bool = True) -> Any:
        """Assert that ``resp`` is a documented answer of ``method path``; validate and return its body."""
        response, pointer = self.response(path, method, resp.status_code)
        content = response.get("content", {})
        header = resp.headers.get("Content-Type", "")
        media = header if header in content else header.split(";")[0].strip()
        assert media in content, (
            f"{method.upper()} {path} {resp.status_code}: {header} not in {sorted(content)}")
        if not body:
            return None
        data = resp.get_data(as_text=True)
        if media in ("application/json", "application/yaml"):
            value = json.loads(data) if media == "application/json" else yaml.safe_load(data)
            self.validate(f"{pointer}/content/{_escape(media)}/schema", value)
            return value
        return data


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@pytest.fixture(scope="module")
def contract(doc: dict[str, Any]) -> Contract:
    return Contract(doc)


@pytest.fixture
def app() -> Iterator[Flask]:
    application = create_app({"db": "sqlite://"})
    yield application
    application.extensions["mockapi"].close()


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


# -- what the registry implies ------------------------------------------------------------------------

def _prefix(rt: ResourceType) -> str:
    return f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"


def collection_path(rt: ResourceType) -> str:
    scope = f"/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"/{rt.plural}"
    return _prefix(rt) + scope


def item_path(rt: ResourceType) -> str:
    return collection_path(rt) + "/{name}"


def _operation_id(rt: ResourceType, action: str, scope: str, sub: str = "") -> str:
    """Upstream's operation id: readCoreV1NamespacedPodStatus, deleteCoreV1CollectionNode,
    watchCoreV1PodListForAllNamespaces, replaceCoreV1NamespaceFinalize, ..."""
    group = rt.group.removesuffix(".k8s.io") if rt.group else "core"
    gv = "".join(part[:1].upper() + part[1:] for part in re.split(r"[.-]", group)) + rt.version.capitalize()
    verb = {"list": "list", "post": "create", "get": "read", "put": "replace", "patch": "patch",
            "delete": "delete", "deletecollection": "delete", "watch": "watch", "watchlist": "watch"}[action]
    return "".join((verb, gv, "Collection" if action == "deletecollection" else "",
                    "Namespaced" if scope == "namespace" else "", rt.kind, sub[:1].upper() + sub[1:],
                    "List" if action == "watchlist" else "", "ForAllNamespaces" if scope == "all" else ""))


def _operations(rt: ResourceType) -> Iterator[tuple[str, str, str, str]]:
    """(path, method, x-kubernetes-action, operationId) of every operation the handlers serve for a kind,
    derived from ``rt.verbs`` and ``rt.subresource_verbs`` the way Handlers.dispatch enforces them."""
    verbs = set(rt.verbs)
    prefix, scope = _prefix(rt), "namespace" if rt.namespaced else "cluster"
    collection, item = collection_path(rt), item_path(rt)
    watch = prefix + "/watch" + collection.removeprefix(prefix)
    for verb, (method, action) in COLLECTION_VERBS.items():
        if verb in verbs:
            yield collection, method, action, _operation_id(rt, action, scope)
    for verb, (method, action) in ITEM_VERBS.items():
        if verb in verbs:
            yield item, method, action, _operation_id(rt, action, scope)
    if "watch" in verbs:  # with list: GET on the collection also serves watch=true
        yield watch, "get", "watchlist", _operation_id(rt, "watchlist", scope)
        yield watch + "/{name}", "get", "watch", _operation_id(rt, "watch", scope)
    if rt.namespaced:  # all namespaces: read-only
        if "list" in verbs:
            yield f"{prefix}/{rt.plural}", "get", "list", _operation_id(rt, "list", "all")
        if "watch" in verbs:
            yield f"{prefix}/watch/{rt.plural}", "get", "watchlist", _operation_id(rt, "watchlist", "all")
    for sub, sub_verbs in rt.subresource_verbs.items():
        for verb, (method, action) in SUBRESOURCE_VERBS.items():
            if verb in sub_verbs:
                yield f"{item}/{sub}", method, action, _operation_id(rt, action, scope, sub)


def expected_operations(rt: ResourceType) -> dict[str, dict[str, str]]:
    """The Kubernetes paths of one kind: {path: {method: x-kubernetes-action}}."""
    ops: dict[str, dict[str, str]] = {}
    for path, method, action, _ in _operations(rt):
        ops.setdefault(path, {})[method] = action
    return ops


def expected_operation_ids(rt: ResourceType) -> dict[tuple[str, str], str]:
    return {(path, method): op_id for path, method, _, op_id in _operations(rt)}


def success_codes(rt: ResourceType, path: str, action: str) -> set[int]:
    if action == "post":
        return {201}
    if action == "put" and path == item_path(rt) and rt.strategy.allow_create_on_update:
        return {200, 201}  # PUT of a missing object creates it
    if action == "patch" and path == item_path(rt):
        return {200, 201}  # a server-side apply of a missing object creates it
    return {200}


def success_kinds(rt: ResourceType, action: str, path: str = "") -> set[str]:
    """The schemas a 200/201 JSON answer may be (the refs of its schema, or of its anyOf/oneOf)."""
    sub = rt.subresource(path.removeprefix(item_path(rt) + "/")) if path.startswith(item_path(rt) + "/") else None
    if sub is not None and sub.shape in ("binding", "eviction"):
        return {"Status"}
    if sub is not None and sub.shape == "scale":
        return {"Scale"}
    if action == "list":
        return {rt.list_kind} | ({"WatchEvent"} if "watch" in rt.verbs else set())
    if action in ("watch", "watchlist"):
        return {"WatchEvent"}
    if action == "deletecollection":
        return {rt.list_kind}
    if action == "delete" and not rt.strategy.returns_deleted_object:
        return {rt.kind, "Status"}  # a success Status when removed at once, else the object (finalizers)
    return {rt.kind}


def _refs(schema: dict[str, Any]) -> list[str]:
    return [s["$ref"].removeprefix("#/components/schemas/")
            for s in schema.get("anyOf") or schema.get("oneOf") or [schema]]


def documented_methods(doc: dict[str, Any]) -> dict[str, set[str]]:
    return {path: {m for m in item if m in HTTP_METHODS} for path, item in doc["paths"].items()}


# -- the document is generated and committed as generated --------------------------------------------

def test_committed_document_is_what_the_code_generates() -> None:
    generated = generate()
    committed = DOC_FILE.read_text(encoding="utf-8")
    if committed != generated:
        changed = [n for n, (a, b) in enumerate(zip(committed.splitlines(), generated.splitlines()), 1) if a != b]
        where = f"first difference at line {changed[0]}" if changed else "the lengths differ"
        pytest.fail(f"openapi.yaml is out of date ({where}): regenerate it with `{COMMAND}` "
                    "(from the repository root) and commit the result", pytrace=False)


def test_generation_is_deterministic() -> None:
    assert render(build_document()) == render(build_document())


def test_cli_writes_the_document(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mockapi.cli import main

    out = CliRunner().invoke(main, ["openapi", "-o", "-"])
    assert out.exit_code == 0 and out.output == generate()
    target = tmp_path / "openapi.yaml"
    assert CliRunner().invoke(main, ["openapi", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == generate()


class _Scalable(Strategy):
    has_status = False


def test_any_subresource_gets_paths_and_scale_gets_the_scale_schema() -> None:
    """No per-kind branches: a new kind's subresources are documented from their names alone."""
    widget = ResourceType(kind="Widget", plural="widgets", singular="widget", strategy=_Scalable(),
                          group="example.com", version="v1alpha1",
                          subresources=(scale_subresource(), Subresource("eviction", ("create",), shape="eviction",
                                                                         body_kind=("policy", "v1", "Eviction"))))
    doc = build_document((*ALL, widget))
    validate_spec(doc)
    item = "/apis/example.com/v1alpha1/namespaces/{namespace}/widgets/{name}"
    scale = doc["paths"][item + "/scale"]
    assert {m for m in scale if m in HTTP_METHODS} == {"get", "put", "patch"}
    assert scale["get"]["operationId"] == "readExampleComV1alpha1NamespacedWidgetScale"
    assert scale["put"]["x-kubernetes-group-version-kind"] == {"group": "autoscaling", "version": "v1",
                                                               "kind": "Scale"}
    assert doc["components"]["requestBodies"]["Scale"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Scale"}
    assert "Scale" in doc["components"]["schemas"] and "Scale" not in build_document()["components"]["schemas"]
    eviction = doc["paths"][item + "/eviction"]
    assert set(eviction) == {"parameters", "post"} and "201" in eviction["post"]["responses"]
    assert {"Widget", "WidgetList"} <= set(doc["components"]["schemas"])  # schemas need no hand-writing


# -- the document is valid and covers every route -----------------------------------------------------

def test_document_is_valid_openapi_3_0(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.0.3"
    validate_spec(doc)


def test_every_flask_route_is_documented_and_nothing_else(doc: dict[str, Any], app: Flask) -> None:
    expected: dict[str, set[str]] = {}
    dispatchers = []
    rules = list(app.url_map.iter_rules())
    # no static-file route and no automatic OPTIONS (those answer 405, as everything undocumented)
    assert app.static_folder is None, "a static folder appeared: document it"
    assert "static" not in {r.endpoint for r in rules}, "Flask's static route is back"
    for rule in rules:
        methods = {m.lower() for m in rule.methods or ()}
        assert "options" not in methods, f"{rule.rule} answers OPTIONS: document it"
        if rule.rule.endswith("/<path:rest>"):
            dispatchers.append(rule.rule)  # the resource paths, expanded from the registry below
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        expected[path] = methods - {"head"}  # HEAD mirrors GET on the non-resource endpoints
    assert sorted(dispatchers) == ["/api/v1/<path:rest>", "/apis/<group>/<version>/<path:rest>"]
    for rt in ALL:
        for path, actions in expected_operations(rt).items():
            assert path not in expected, f"{path} is both a Flask rule and a resource path"
            expected[path] = set(actions)
    documented = documented_methods(doc)
    assert sorted(set(expected) - set(documented)) == [], "served but not documented"
    assert sorted(set(documented) - set(expected)) == [], "documented but not served"
    assert {p: m for p, m in documented.items() if m != expected[p]} == {}, "methods differ"


@pytest.mark.parametrize("rt", ALL, ids=lambda rt: rt.kind)
def test_kind_paths_operations_and_schemas(contract: Contract, rt: ResourceType) -> None:
    doc = contract.doc
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    # every declared verb is one the handlers can serve (anything else would be advertised but 405)
    assert set(rt.verbs) <= KNOWN_VERBS, sorted(set(rt.verbs) - KNOWN_VERBS)
    # the handlers serve GET <collection>?watch=true for any watchable kind; documented under list only
    assert "watch" not in rt.verbs or "list" in rt.verbs, f"{rt.kind}: watch without list"
    for sub, sub_verbs in rt.subresource_verbs.items():
        assert sub_verbs and set(sub_verbs) <= set(SUBRESOURCE_VERBS), f"{rt.plural}/{sub}: {sub_verbs}"
    for name in (rt.kind, rt.list_kind):
        schema = doc["components"]["schemas"][name]
        assert schema["x-kubernetes-group-version-kind"] == [
            {"group": rt.group, "kind": name, "version": rt.version}]
        assert schema.get("additionalProperties", True) is not False
    operation_ids = set()
    expected_ids = expected_operation_ids(rt)
    for path, actions in expected_operations(rt).items():
        assert path in doc["paths"], f"{rt.kind}: {path} is not documented"
        assert {m for m in doc["paths"][path] if m in HTTP_METHODS} == set(actions), path
        for method, action in actions.items():
            op, _ = contract.operation(path, method)
            where = f"{method.upper()} {path}"
            operation_ids.add(op["operationId"])
            assert op["operationId"] == expected_ids[(path, method)], where
            assert op["x-kubernetes-action"] == action, where
            declared = rt.subresource(path.removeprefix(item_path(rt) + "/")) if path.startswith(
                item_path(rt) + "/") else None
            assert op["x-kubernetes-group-version-kind"] == (
                declared.response_kind(rt) if declared is not None else gvk), where
            params = set(contract.parameters(path, method))
            required = {"list": LIST_PARAMS, "watchlist": WATCH_PARAMS, "watch": WATCH_PARAMS,
                        "post": WRITE_PARAMS, "put": WRITE_PARAMS, "patch": WRITE_PARAMS,
                        "delete": DELETE_PARAMS, "deletecollection": DELETE_COLLECTION_PARAMS,
                        "get": {"pretty", "resourceVersion"}}[action]
            is_log = path.endswith("/log")
            if is_log:
                required = LOG_PARAMS
            assert required <= params, f"{where} lacks {sorted(required - params)}"
            if action != "list":
                assert "watch" not in params, f"{where}: only collection GETs honour watch"
            assert ("namespace" in params) == ("{namespace}" in path), where
            assert ("name" in params) == ("{name}" in path), where

            oks = success_codes(rt, path, action)
            for ok in sorted(oks):
                success, _ = contract.response(path, method, ok)
                if is_log:
                    assert success["content"] == {"text/plain": {"schema": {"type": "string"}}}, where
                    continue
                schema = success["content"]["application/json"]["schema"]
                assert set(_refs(schema)) == success_kinds(rt, action, path), f"{where} {ok}: {_refs(schema)}"

            errors = {int(c) for c in op["responses"]} - oks
            assert all(code >= 400 for code in errors), f"{where}: undocumented success {sorted(errors)}"
            assert 500 in errors, where
            if action in ("post", "put", "patch", "delete", "deletecollection"):
                assert {400, 413, 415, 422} <= errors, where
            if action in ("get", "put", "patch", "delete"):
                assert 404 in errors, where
            if action in ("put", "patch", "delete"):
                assert 409 in errors, where
            if action in ("list", "deletecollection"):
                assert {400, 410, 504} <= errors, where
            if action == "get":
                assert ({400, 422} if is_log else {400, 504}) <= errors, where  # a resourceVersion newer than the server's
            for code in errors:
                response, _ = contract.response(path, method, code)
                assert response["content"]["application/json"]["schema"] == STATUS_REF, f"{where} {code}"

            body = op.get("requestBody")
            if action in ("post", "put"):
                content = contract.deref(body, "")[0]["content"]
                assert set(content) == {"application/json", "application/yaml"}, where
                if success_kinds(rt, action, path) == {rt.kind}:  # (binding, eviction: other bodies)
                    assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{rt.kind}"}
            elif action == "patch":
                assert set(contract.deref(body, "")[0]["content"]) == PATCH_TYPES, where
            elif action in ("delete", "deletecollection"):
                content = contract.deref(body, "")[0]["content"]
                assert set(content) == {"application/json", "application/yaml", PROTOBUF}, where
                assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/DeleteOptions"}
            else:
                assert body is None, where
    assert len(operation_ids) == sum(len(a) for a in expected_operations(rt).values())


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ops = [(f"{m.upper()} {path}", op) for path, item in doc["paths"].items() for m, op in item.items()
           if m in HTTP_METHODS]
    assert [where for where, op in ops if not op.get("operationId")] == [], "operations without an id"
    ids = [op["operationId"] for _, op in ops]
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], "duplicate operationIds"
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", i) for i in ids), "ids must be identifiers for codegen"


def test_document_is_ready_for_code_generation(contract: Contract) -> None:
    """What client generators need beyond a valid document: every $ref resolves, every request body
    declares its media types with a schema, PUT and PATCH always take one (POST on a Kubernetes path
    too; the /mock admin POSTs that take none say so by declaring none), every response is described."""
    text = DOC_FILE.read_text()
    refs = set(re.findall(r"\$ref: *'?(#/[^'}\s,]+)", text))
    assert refs, "no $refs found"
    for ref in sorted(refs):
        contract.at(ref.removeprefix("#"))  # raises KeyError for a dangling reference
    for path, item in contract.doc["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            body = op.get("requestBody")
            if method in ("put", "patch") or (method == "post" and _is_resource_path(item)):
                assert body is not None, f"{where}: no requestBody"
            if body is not None:
                content = contract.deref(body, "")[0]["content"]
                assert content and all("schema" in media for media in content.values()), where
            for code, response in op["responses"].items():
                assert "description" in contract.deref(response, "")[0], f"{where} {code}"


def test_status_schema_describes_details_and_causes(contract: Contract) -> None:
    schemas = contract.doc["components"]["schemas"]
    assert schemas["Status"]["properties"]["details"] == {"$ref": "#/components/schemas/StatusDetails"}
    causes = schemas["StatusDetails"]["properties"]["causes"]
    assert causes["items"] == {"$ref": "#/components/schemas/StatusCause"}
    for name in ("ObjectMeta", "Status", "WatchEvent", "DeleteOptions", "APIResourceList", "APIVersions",
                 "APIGroupList", "VersionInfo", "ListMeta"):
        assert name in schemas
    # one Status schema for both shapes: errors carry message, reason and code; a successful delete details
    failure = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "nodes \"x\" not found", "reason": "NotFound", "code": 404}
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
               "details": {"name": "x", "kind": "nodes", "uid": "0b0e6a3c-0000-4000-8000-000000000000"}}
    contract.validate_schema("Status", failure)
    contract.validate_schema("Status", success)
    validator = contract.validator("/components/schemas/Status")
    assert not validator.is_valid({k: v for k, v in failure.items() if k != "reason"})
    assert not validator.is_valid(dict(success, status="Failure"))


# -- real responses match the document ----------------------------------------------------------------

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                "ports": [{"name": "http", "containerPort": 80}]}]}}


def test_real_responses_match_the_schemas(contract: Contract, http: FlaskClient) -> None:
    pods = "/api/v1/namespaces/{namespace}/pods"
    pod = pods + "/{name}"

    listed = contract.check(http.get("/api/v1/namespaces/default/pods"), pods, "get")
    assert listed["kind"] == "PodList" and listed["items"] == []

    contract.validate("/components/requestBodies/Pod/content/application~1json/schema", POD)
    created = http.post("/api/v1/namespaces/default/pods", json=POD)
    assert created.status_code == 201
    body = contract.check(created, pods, "post")
    assert body["status"]["phase"] == "Pending" and body["metadata"]["namespace"] == "default"

    got = contract.check(http.get("/api/v1/namespaces/default/pods/web"), pod, "get")
    assert got["metadata"]["uid"] == body["metadata"]["uid"]
    as_yaml = http.get("/api/v1/namespaces/default/pods/web", headers={"Accept": "application/yaml"})
    assert contract.check(as_yaml, pod, "get")["metadata"]["uid"] == body["metadata"]["uid"]

    missing = http.get("/api/v1/namespaces/default/pods/nope")
    assert missing.status_code == 404
    status = contract.check(missing, pod, "get")
    assert status["reason"] == "NotFound" and status["details"] == {"name": "nope", "kind": "pods"}

    listed = contract.check(http.get("/api/v1/pods?labelSelector=app%3Dweb&limit=1"), "/api/v1/pods", "get")
    assert [p["metadata"]["name"] for p in listed["items"]] == ["web"]

    patch = [{"op": "add", "path": "/metadata/labels/tier", "value": "frontend"}]
    contract.validate_schema("JSONPatch", patch)
    patched = http.patch("/api/v1/namespaces/default/pods/web", data=json.dumps(patch),
                         content_type="application/json-patch+json")
    assert contract.check(patched, pod, "patch")["metadata"]["labels"]["tier"] == "frontend"

    # errors are Status objects with details and causes
    invalid = http.post("/api/v1/namespaces/default/pods", json={"metadata": {"name": "bad"}, "spec": {}})
    status = contract.check(invalid, pods, "post")
    assert invalid.status_code == 422 and status["details"]["causes"][0]["field"] == "spec.containers"
    exists = http.post("/api/v1/namespaces/default/pods", json=POD)
    assert exists.status_code == 409 and contract.check(exists, pods, "post")["reason"] == "AlreadyExists"
    stale = dict(got, metadata={**got["metadata"], "resourceVersion": "1"})
    conflict = http.put("/api/v1/namespaces/default/pods/web", json=stale)
    assert conflict.status_code == 409 and contract.check(conflict, pod, "put")["reason"] == "Conflict"
    unsupported = http.patch("/api/v1/namespaces/default/pods/web", data="{}", content_type="application/foo")
    assert unsupported.status_code == 415 and contract.check(unsupported, pod, "patch")
    bad_selector = http.get("/api/v1/namespaces/default/pods?fieldSelector=spec.bogus%3Dx")
    assert bad_selector.status_code == 400 and contract.check(bad_selector, pods, "get")
    unknown_path = http.get("/api/v1/namespaces/default/widgets")
    assert unknown_path.status_code == 404
    contract.validate_schema("Status", unknown_path.get_json())
    assert unknown_path.get_json()["message"] == PATH_NOT_FOUND
    not_allowed = http.post("/api/v1/pods", json=POD)
    assert not_allowed.status_code == 405
    contract.validate("/components/responses/MethodNotAllowed/content/application~1json/schema",
                      not_allowed.get_json())

    # a watch stream: every line is a WatchEvent
    stream = http.get("/api/v1/watch/namespaces/default/pods?timeoutSeconds=5")
    try:
        contract.check(stream, "/api/v1/watch/namespaces/{namespace}/pods", "get", body=False)
        first = next(chunk for chunk in stream.response if chunk.strip())  # skip the header flush
    finally:
        stream.close()
    event = json.loads(first.splitlines()[0])
    contract.validate("/components/responses/WatchEvents/content/application~1json/schema", event)
    contract.validate_schema("Pod", event["object"])
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "web"

    deleted = http.delete("/api/v1/namespaces/default/pods/web",
                          json={"preconditions": {"uid": got["metadata"]["uid"]}})
    assert contract.check(deleted, pod, "delete")["metadata"]["name"] == "web"

    # system and discovery endpoints
    assert contract.check(http.get("/version"), "/version", "get")["gitVersion"].startswith("v1.")
    contract.check(http.get("/readyz"), "/readyz", "get")
    contract.check(http.get("/livez/ping"), "/livez/{check}", "get")
    contract.check(http.get("/api"), "/api", "get")
    aggregated = http.get("/api", headers={"Accept": AGGREGATED})
    contract.check(aggregated, "/api", "get", body=False)
    contract.validate_schema("APIGroupDiscoveryList", aggregated.get_json(force=True))
    contract.check(http.get("/apis"), "/apis", "get")
    resources = contract.check(http.get("/api/v1"), "/api/v1", "get")
    assert {r["name"] for r in resources["resources"]} >= {rt.plural for rt in ALL if not rt.group}
    contract.check(http.get("/openapi/v2"), "/openapi/v2", "get")


# -- every documented operation is served; every other method is 405 ----------------------------------

# Sample bodies, derived per kind: a ResourceType may carry ``example`` (a minimal valid object, without
# metadata); the kinds below do not carry one yet (their examples belong in their registry modules); any other
# kind gets a bare object with a name.


def sample(rt: ResourceType, name: str = "") -> dict[str, Any]:
    """A body the kind's create accepts: apiVersion, kind, metadata.name and the kind's example."""
    example = rt.example or {}
    body = {"apiVersion": rt.api_version, "kind": rt.kind, **copy.deepcopy(dict(example))}
    body["metadata"] = {"name": name or f"contract-{rt.singular}"}
    return body


SAMPLES: dict[str, dict[str, Any]] = {rt.kind: sample(rt) for rt in ALL}


def _created_up_front(rt: ResourceType) -> bool:
    """Namespaced kinds get an object of their own; cluster-scoped and read-only kinds use one the server
    starts with (a namespace, a node, the service CIDR ...)."""
    return rt.namespaced and "create" in rt.verbs


def existing_name(http: FlaskClient, rt: ResourceType) -> str:
    if _created_up_front(rt):
        return f"existing-{rt.singular}"
    items = http.get(_url(collection_path(rt))).get_json()["items"]
    assert items, f"{rt.kind}: no object at start to use"
    return str(items[0]["metadata"]["name"])


EXPECTED_ERRORS = {  # documented answers that are errors for the objects used here
    ("/apis/{group}", "get"): 404,  # no named API group is served yet
    ("/apis/{group}/{version}", "get"): 404,
    ("/api/v1/namespaces/{name}", "delete"): 403,  # "default" may not be deleted
    ("/mock/dns", "get"): 400,  # no name given
    # the sample body is a Pod, not a Binding/Eviction naming the pod
    ("/api/v1/namespaces/{namespace}/pods/{name}/binding", "post"): 400,
    ("/api/v1/namespaces/{namespace}/pods/{name}/eviction", "post"): 400,
    ("/mock/trace", "post"): 400,  # an empty body is not a packet
    ("/mock/faults", "post"): 422,  # {} is a rule without an action
    ("/mock/faults/{id}", "get"): 404,  # no such rule
    ("/mock/faults/{id}", "delete"): 404,
    ("/mock/snapshot", "post"): 400,  # {} is not a snapshot
    ("/mock/seed", "post"): 400,  # {} has no seed
}


def _fill(path: str, kind: str | None, existing: dict[str, str]) -> str:
    values = {"namespace": "default", "name": existing.get(kind or "", ""), "check": "etcd",
              "group": "example.com", "version": "v1", "key": "api/v1",
              "id": "fault-0"}
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path)


def _is_resource_path(item: dict[str, Any]) -> bool:
    return any("x-kubernetes-action" in op for m, op in item.items() if m in HTTP_METHODS)


def test_every_documented_operation_is_served(contract: Contract, http: FlaskClient) -> None:
    existing = {rt.kind: existing_name(http, rt) for rt in ALL}
    for rt in filter(_created_up_front, ALL):
        assert http.post(_url(collection_path(rt)), json=_sample(rt, existing[rt.kind])).status_code == 201
    checked = 0
    for path, item in contract.doc["paths"].items():
        # OPTIONS is never answered (no automatic OPTIONS); HEAD only on the non-resource endpoints
        url = _fill(path, None if "{name}" not in path else "Pod", existing)
        resp = http.open(url, method="OPTIONS")
        assert resp.status_code == 405, f"OPTIONS {path}: {resp.status_code}"
        contract.validate("/components/responses/MethodNotAllowed/content/application~1json/schema",
                          resp.get_json())
        if _is_resource_path(item):
            assert http.open(url, method="HEAD").status_code == 405, f"HEAD {path}"
        for method in HTTP_METHODS:
            if method not in item:
                url = _fill(path, None if "{name}" not in path else "Pod", existing)
                resp = http.open(url, method=method.upper())
                assert resp.status_code == 405, (
                    f"{method.upper()} {path}: {resp.status_code} {resp.get_data()[:200]!r}")
                contract.validate("/components/responses/MethodNotAllowed/content/application~1json/schema",
                                  resp.get_json())
                continue
            op = item[method]
            kind = (op.get("x-kubernetes-group-version-kind") or {}).get("kind")
            owner = next((rt.kind for rt in ALL if path.startswith(item_path(rt) + "/")), kind)
            url = _fill(path, owner, existing)  # (a subresource's body kind may differ: Binding)
            write = method in ("post", "put", "patch", "delete")
            query = "?dryRun=All" if write else ("?timeoutSeconds=1" if "/watch/" in path else "")
            kwargs: dict[str, Any] = {}
            if method == "post":
                kwargs["json"] = SAMPLES.get(kind, {}) if kind else {}  # /mock/reconcile takes no body
            elif method == "put":  # the current object, read from the object's own path
                item_url = _fill(path.split("/{name}")[0] + "/{name}", kind, existing)
                kwargs["json"] = http.get(item_url).get_json()
            elif method == "patch":
                kwargs.update(data="{}", content_type="application/merge-patch+json")
            resp = http.open(url + query, method=method.upper(), **kwargs)
            try:
                streaming = op.get("x-kubernetes-action") in ("watch", "watchlist")
                contract.check(resp, path, method, body=not streaming)
                expected = EXPECTED_ERRORS.get((path, method))
                assert resp.status_code == expected if expected else resp.status_code < 400, (
                    f"{method.upper()} {url}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
            finally:
                resp.close()
            checked += 1
    assert checked >= 60
    # the dry-run writes changed nothing
    assert [n["metadata"]["name"] for n in http.get("/api/v1/namespaces").get_json()["items"]] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]
    assert [n["metadata"]["name"] for n in http.get("/api/v1/nodes").get_json()["items"]] == [
        "node-1", "node-2", "node-3"]
    assert [p["metadata"]["name"] for p in http.get("/api/v1/pods").get_json()["items"]] == ["existing-pod"]
    assert [s["metadata"]["name"] for s in http.get("/api/v1/services").get_json()["items"]] == [
        "existing-service", "kubernetes"]


# -- verbs, subresources and per-kind strategies, against real answers -------------------------------

def _url(path: str, name: str = "") -> str:
    return path.replace("{namespace}", "default").replace("{name}", quote(name, safe=""))


def _sample(rt: ResourceType, name: str, **meta: Any) -> dict[str, Any]:
    body = copy.deepcopy(SAMPLES[rt.kind])
    body["metadata"] = {"name": name, **meta}
    return body


def _first_event(resp: TestResponse) -> dict[str, Any]:
    try:
        chunk = next(chunk for chunk in resp.response if chunk.strip())  # skip the header flush
    finally:
        resp.close()
    return json.loads(chunk.splitlines()[0])


def test_discovery_lists_exactly_the_verbs_served(contract: Contract, http: FlaskClient) -> None:
    aggregated_resources: dict[tuple[str, str, str], dict[str, Any]] = {}
    for root in ("/api", "/apis"):
        resp = http.get(root, headers={"Accept": AGGREGATED})
        contract.check(resp, root, "get", body=False)
        body = resp.get_json(force=True)
        contract.validate_schema("APIGroupDiscoveryList", body)
        for group in body["items"]:
            for version in group["versions"]:
                for res in version["resources"]:
                    key = (group["metadata"].get("name") or "", version["version"], res["resource"])
                    aggregated_resources[key] = res
    for rt in ALL:
        gv_path = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
        listed = contract.check(http.get(gv_path), "/apis/{group}/{version}" if rt.group else gv_path, "get")
        entries = {r["name"]: r for r in listed["resources"] if r["name"].split("/")[0] == rt.plural}
        expected = {rt.plural: list(rt.verbs)}
        expected.update({f"{rt.plural}/{sub}": list(verbs) for sub, verbs in rt.subresource_verbs.items()})
        assert {name: e["verbs"] for name, e in entries.items()} == expected
        agg = aggregated_resources[(rt.group, rt.version, rt.plural)]
        assert agg["verbs"] == list(rt.verbs)
        assert {s["subresource"]: s["verbs"] for s in agg.get("subresources", [])} == {
            sub: list(verbs) for sub, verbs in rt.subresource_verbs.items()}


@pytest.mark.parametrize("rt", ALL, ids=lambda rt: rt.kind)
def test_put_of_a_missing_object(contract: Contract, http: FlaskClient, rt: ResourceType) -> None:
    path, name = item_path(rt), "put-created"
    url = _url(path, name)
    if "update" not in rt.verbs:  # read-only kinds (the allocator's views): every write is 405
        for method in ("PUT", "PATCH", "DELETE"):
            assert http.open(_url(path, existing_name(http, rt)), method=method, json={}).status_code == 405
        assert http.post(_url(collection_path(rt)), json={"metadata": {"name": name}}).status_code == 405
        return
    dry = http.put(url + "?dryRun=All", json=_sample(rt, name))
    contract.check(dry, path, "put")
    resp = http.put(url, json=_sample(rt, name))
    body = contract.check(resp, path, "put")
    if not rt.strategy.allow_create_on_update:
        assert (dry.status_code, resp.status_code) == (404, 404) and body["reason"] == "NotFound"
        return
    assert (dry.status_code, resp.status_code) == (201, 201), resp.get_data(as_text=True)[:300]
    assert body["kind"] == rt.kind and body["metadata"]["name"] == name
    got = contract.check(http.get(url), path, "get")
    assert got["metadata"]["uid"] == body["metadata"]["uid"]
    replaced = http.put(url, json=got)
    assert replaced.status_code == 200
    assert contract.check(replaced, path, "put")["metadata"]["uid"] == body["metadata"]["uid"]


@pytest.mark.parametrize("rt", ALL, ids=lambda rt: rt.kind)
def test_delete_answers_and_delete_options(contract: Contract, http: FlaskClient, rt: ResourceType) -> None:
    collection, path, name = collection_path(rt), item_path(rt), "delete-me"
    if "delete" not in rt.verbs:
        assert http.delete(_url(path, existing_name(http, rt))).status_code == 405
        assert http.get(_url(path, existing_name(http, rt))).status_code == 200
        return
    assert http.post(_url(collection, name), json=_sample(rt, name)).status_code == 201
    url = _url(path, name)
    uid = http.get(url).get_json()["metadata"]["uid"]

    def removed_at_once(answer: dict[str, Any]) -> None:
        if rt.strategy.returns_deleted_object:
            assert answer["kind"] == rt.kind and answer["metadata"]["name"] == name
        else:
            details = {"name": name, **({"group": rt.group} if rt.group else {}), "kind": rt.plural,
                       "uid": uid}
            assert (answer["kind"], answer["status"], answer["details"]) == ("Status", "Success", details)

    # dryRun in the DeleteOptions body is honoured: same answer, nothing deleted
    removed_at_once(contract.check(http.delete(url, json={"dryRun": ["All"]}), path, "delete"))
    invalid = http.delete(url, json={"dryRun": ["Everything"]})
    assert invalid.status_code == 422 and contract.check(invalid, path, "delete")["reason"] == "Invalid"
    # malformed bodies are refused; other media types are 415
    for data, ctype in (("{not json", "application/json"), ("a: [b", "application/yaml"),
                        ("[1]", "application/json")):
        bad = http.delete(url, data=data, content_type=ctype)
        assert bad.status_code == 400 and contract.check(bad, path, "delete")["reason"] == "BadRequest", data
    unsupported = http.delete(url, data="<DeleteOptions/>", content_type="application/xml")
    assert unsupported.status_code == 415 and contract.check(unsupported, path, "delete")
    assert http.get(url).status_code == 200, "a dry-run or refused delete removed the object"

    # a protobuf body (kubectl 1.32+) is ignored: a plain delete
    deleted = http.delete(url, data=b"k8s\x00\n\x0c\n\x02v1\x12\x06Delete", content_type=PROTOBUF)
    assert deleted.status_code == 200
    removed_at_once(contract.check(deleted, path, "delete"))
    assert http.get(url).status_code == 404

    # held by a finalizer: the object, marked for deletion, whatever the kind
    held = "held"
    created = http.post(_url(collection, held), json=_sample(rt, held, finalizers=["example.com/hold"]))
    assert created.status_code == 201
    answer = contract.check(http.delete(_url(path, held)), path, "delete")
    assert answer["kind"] == rt.kind and answer["metadata"]["deletionTimestamp"]
    assert http.get(_url(path, held)).get_json()["metadata"]["deletionTimestamp"]


def test_namespace_finalize_changes_only_spec_finalizers(contract: Contract, http: FlaskClient) -> None:
    rt = RESOURCES_BY_KIND["Namespace"]
    assert rt.subresource_verbs.get("finalize") == ("update",)
    path = item_path(rt) + "/finalize"
    created = http.post("/api/v1/namespaces", json={"metadata": {"name": "fin", "labels": {"team": "a"}}})
    assert created.status_code == 201
    before = http.get("/api/v1/namespaces/fin").get_json()
    assert before["spec"]["finalizers"] == ["kubernetes"]

    sent = copy.deepcopy(before)
    sent["spec"]["finalizers"] = ["example.com/hold"]
    sent["metadata"]["labels"]["team"] = "b"
    sent["status"]["phase"] = "Terminating"
    resp = http.put("/api/v1/namespaces/fin/finalize", json=sent)
    assert resp.status_code == 200
    after = contract.check(resp, path, "put")
    assert after["spec"]["finalizers"] == ["example.com/hold"]
    assert after["metadata"]["labels"] == before["metadata"]["labels"] and after["status"] == before["status"]
    # a normal update leaves spec.finalizers alone
    plain = http.put("/api/v1/namespaces/fin", json=dict(after, spec={"finalizers": []}))
    assert contract.check(plain, item_path(rt), "put")["spec"]["finalizers"] == ["example.com/hold"]

    invalid = http.put("/api/v1/namespaces/fin/finalize",
                       json=dict(after, spec={"finalizers": ["not a name!"]}))
    assert invalid.status_code == 422 and contract.check(invalid, path, "put")["reason"] == "Invalid"
    missing = http.put("/api/v1/namespaces/nope/finalize", json={"metadata": {"name": "nope"}})
    assert missing.status_code == 404 and contract.check(missing, path, "put")["reason"] == "NotFound"

    # a Terminating namespace held by a spec finalizer goes once /finalize clears it
    deleting = http.delete("/api/v1/namespaces/fin")
    answer = contract.check(deleting, item_path(rt), "delete")
    assert answer["status"]["phase"] == "Terminating" and answer["metadata"]["deletionTimestamp"]
    current = http.get("/api/v1/namespaces/fin").get_json()
    assert current["spec"]["finalizers"] == ["example.com/hold"]
    cleared = http.put("/api/v1/namespaces/fin/finalize", json=dict(current, spec={"finalizers": []}))
    assert cleared.status_code == 200 and contract.check(cleared, path, "put")
    assert http.get("/api/v1/namespaces/fin").status_code == 404


@pytest.mark.parametrize("rt", ALL, ids=lambda rt: rt.kind)
def test_single_object_get_ignores_watch(contract: Contract, http: FlaskClient, rt: ResourceType) -> None:
    name = "got"
    if "create" in rt.verbs:
        assert http.post(_url(collection_path(rt), name), json=_sample(rt, name)).status_code == 201
    else:
        name = existing_name(http, rt)
    revision = int(http.get(_url(collection_path(rt))).get_json()["metadata"]["resourceVersion"])
    reads = [item_path(rt)] + [f"{item_path(rt)}/{sub}" for sub, verbs in rt.subresource_verbs.items()
                               if "get" in verbs and sub != "log"]  # pods/log reads no object
    for path in reads:
        url = _url(path, name)
        resp = http.get(url + "?watch=true&timeoutSeconds=1")
        assert resp.status_code == 200, path
        assert contract.check(resp, path, "get")["kind"] == rt.kind  # the object, not a WatchEvent stream
        assert contract.check(http.get(f"{url}?resourceVersion={revision}"), path, "get")["kind"] == rt.kind
        too_new = http.get(f"{url}?resourceVersion={revision + 1000}")
        assert too_new.status_code == 504, path
        assert contract.check(too_new, path, "get")["reason"] == "Timeout"
    # one object is watched through the legacy path or a metadata.name field selector on the collection
    if "watch" in rt.verbs:
        legacy = _url(f"{_prefix(rt)}/watch{item_path(rt).removeprefix(_prefix(rt))}", name)
        selected = (f"{_url(collection_path(rt))}?watch=1&timeoutSeconds=1"
                    f"&fieldSelector=metadata.name%3D{name}")
        for url in (legacy + "?timeoutSeconds=1", selected):
            event = _first_event(http.get(url))
            contract.validate_schema("WatchEvent", event)
            assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == name, url


def test_boolean_query_parameters_follow_the_apiserver(contract: Contract, http: FlaskClient) -> None:
    path = "/api/v1/namespaces"
    for value in ("false", "False", "FALSE", "0"):
        listed = contract.check(http.get(f"{path}?watch={value}"), path, "get")
        assert listed["kind"] == "NamespaceList", value
    for value in ("true", "1", "TRUE", "yes", "no", "off", ""):
        resp = http.get(f"{path}?watch={value}&timeoutSeconds=1")
        contract.check(resp, path, "get", body=False)
        event = _first_event(resp)
        contract.validate("/components/responses/WatchEvents/content/application~1json/schema", event)
        assert event["type"] == "ADDED", value


def test_event_type_is_any_string_as_upstream(contract: Contract, http: FlaskClient) -> None:
    """Found by tests/test_contract.py: the document limited Event.type to Normal/Warning, but upstream's
    core/v1 validation (legacyValidateEvent) stores any type, and so does the server."""
    event = dict(SAMPLES["Event"], type="Custom")
    created = http.post("/api/v1/namespaces/default/events", json=event)
    assert created.status_code == 201
    assert contract.check(created, "/api/v1/namespaces/{namespace}/events", "post")["type"] == "Custom"


@pytest.mark.parametrize("rt", [rt for rt in ALL if "patch" in rt.verbs], ids=lambda rt: rt.kind)
def test_apply_of_a_missing_object_is_a_documented_201(contract: Contract, http: FlaskClient,
                                                        rt: ResourceType) -> None:
    """Found by tests/test_contract.py: server-side apply creates a missing object and answers 201 (as
    upstream, whose document lists 201 for every PATCH); the document listed only 200."""
    body = dict(_sample(rt, "applied"), apiVersion=f"{rt.group}/{rt.version}" if rt.group else rt.version,
                kind=rt.kind)
    url = _url(item_path(rt), "applied") + "?fieldManager=contract"
    resp = http.patch(url, data=yaml.safe_dump(body), content_type="application/apply-patch+yaml")
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    assert contract.check(resp, item_path(rt), "patch")["metadata"]["name"] == "applied"
    again = http.patch(url, data=yaml.safe_dump(body), content_type="application/apply-patch+yaml")
    assert again.status_code == 200 and contract.check(again, item_path(rt), "patch")
