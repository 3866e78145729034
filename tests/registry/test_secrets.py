"""Secret: the strategy without HTTP (type default and immutability, per-type rules, keys, 1 MiB,
immutable), Go's JSON errors for dockercfg payloads, stringData merged into data, and every verb over
the in-process API (POST/PUT/PATCH in each patch type and server-side apply, DELETE, LIST with the
``type`` field selector, WATCH, Table, discovery, fieldValidation=Strict)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mockapi.registry.secrets import SECRETS, go_json_object_error

S = SECRETS.strategy
SECRETS_URL = "/api/v1/namespaces/default/secrets"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def secret(name: str = "s", type_: str | None = None, annotations: dict[str, str] | None = None,
           **fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    obj: dict[str, Any] = {"metadata": meta, **fields}
    if type_ is not None:
        obj["type"] = type_
    return obj


def causes(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    S.default(obj)
    if old is not None:
        S.default(old)
    found = S.validate(obj) if old is None else S.validate_update(obj, old)
    return [(c["reason"], c["field"], c["message"]) for c in found]


# -- defaults and stringData -------------------------------------------------------------------------

def test_type_defaults_to_opaque_and_string_data_merges_over_data() -> None:
    obj = secret(data={"a": b64("old"), "b": b64("keep")}, stringData={"a": "new", "c": "ç"})
    S.default(obj)
    assert obj["type"] == "Opaque"
    assert "stringData" not in obj
    assert obj["data"] == {"a": b64("new"), "b": b64("keep"), "c": b64("ç")}


# -- ValidateSecret per type -------------------------------------------------------------------------

REQUIRED = "Required value"


@pytest.mark.parametrize("type_, data, annotations, expected", [
    ("Opaque", {}, None, []),
    ("example.com/custom", {}, None, []),
    ("kubernetes.io/service-account-token", {}, None,
     [("FieldValueRequired", "metadata.annotations[kubernetes.io/service-account.name]", REQUIRED)]),
    ("kubernetes.io/service-account-token", {}, {"kubernetes.io/service-account.name": "default"}, []),
    ("kubernetes.io/dockercfg", {}, None, [("FieldValueRequired", "data[.dockercfg]", REQUIRED)]),
    ("kubernetes.io/dockercfg", {".dockercfg": b64('{"r": {}}')}, None, []),
    ("kubernetes.io/dockerconfigjson", {}, None, [("FieldValueRequired", "data[.dockerconfigjson]", REQUIRED)]),
    ("kubernetes.io/dockerconfigjson", {".dockerconfigjson": b64("{")}, None,
     [("FieldValueInvalid", "data[.dockerconfigjson]",
       'Invalid value: "<secret contents redacted>": unexpected end of JSON input')]),
    ("kubernetes.io/basic-auth", {}, None, [("FieldValueRequired", "data[username]", REQUIRED),
                                            ("FieldValueRequired", "data[password]", REQUIRED)]),
    ("kubernetes.io/basic-auth", {"password": ""}, None, []),
    ("kubernetes.io/ssh-auth", {}, None, [("FieldValueRequired", "data[ssh-privatekey]", REQUIRED)]),
    ("kubernetes.io/ssh-auth", {"ssh-privatekey": ""}, None,
     [("FieldValueRequired", "data[ssh-privatekey]", REQUIRED)]),
    ("kubernetes.io/tls", {"tls.key": b64("k")}, None, [("FieldValueRequired", "data[tls.crt]", REQUIRED)]),
    ("kubernetes.io/tls", {}, None, [("FieldValueRequired", "data[tls.crt]", REQUIRED),
                                     ("FieldValueRequired", "data[tls.key]", REQUIRED)]),
    ("kubernetes.io/tls", {"tls.crt": "", "tls.key": ""}, None, []),
])
def test_type_rules(type_: str, data: dict[str, str], annotations: dict[str, str] | None,
                    expected: list[tuple[str, str, str]]) -> None:
    assert causes(secret(type_=type_, annotations=annotations, data=data)) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "unexpected end of JSON input"),
    ("null", None),
    ("{}", None),
    ("[1]", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ('"x"', "json: cannot unmarshal string into Go value of type map[string]interface {}"),
    ("1", "json: cannot unmarshal number into Go value of type map[string]interface {}"),
    ("x", "invalid character 'x' looking for beginning of value"),
    ("{x", "invalid character 'x' looking for beginning of object key string"),
    ('{"a" 1}', "invalid character '1' after object key"),
    ('{"a": 1 "b"}', "invalid character '\"' after object key:value pair"),
    ('{"a": [1 2]}', "invalid character '2' after array element"),
    ("{} x", "invalid character 'x' after top-level value"),
    ('{"a": "b', "unexpected end of JSON input"),
])
def test_go_json_errors(raw: str, message: str | None) -> None:
    assert go_json_object_error(raw.encode()) == message


def test_keys_and_size() -> None:
    assert causes(secret(data={"a b": b64("x")}))[0][:2] == ("FieldValueInvalid", "data[a b]")
    big = secret(data={"a": b64(b"x" * (1024 * 1024)), "b": b64("y")})
    assert causes(big) == [("FieldValueTooLong", "data", "Too long: must have at most 1048576 bytes")]
    assert causes(secret(data={"a": b64(b"x" * (1024 * 1024))})) == []


def test_type_is_immutable() -> None:
    old = secret(type_="Opaque")
    assert causes(secret(type_="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}), old) == [
        ("FieldValueInvalid", "type", 'Invalid value: "kubernetes.io/tls": field is immutable')]
    tls = secret(type_="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""})
    assert causes(secret(data={"tls.crt": "", "tls.key": ""}), tls)[0] == (
        "FieldValueInvalid", "type", 'Invalid value: "Opaque": field is immutable')  # an omitted type is Opaque


def test_immutable_keeps_data_and_itself() -> None:
    old = secret(data={"a": b64("1")}, immutable=True)
    assert causes(secret(data={"a": b64("1")}, immutable=True), old) == []
    assert causes(secret(stringData={"a": "2"}), old) == [("FieldValueForbidden", "immutable", IMMUTABLE),
                                                          ("FieldValueForbidden", "data", IMMUTABLE)]


def test_descriptor() -> None:
    assert (SECRETS.plural, SECRETS.short_names, SECRETS.categories) == ("secrets", (), ())
    assert not S.has_status and SECRETS.subresources == ()
    assert SECRETS.field_values(secret(type_="kubernetes.io/tls")) == {
        "metadata.name": "s", "metadata.namespace": "default", "type": "kubernetes.io/tls"}


# -- over HTTP ---------------------------------------------------------------------------------------

def test_create_merges_string_data_and_never_returns_it(client) -> None:
    r = client.post(SECRETS_URL, json={"metadata": {"name": "s"}, "data": {"a": "b2xk\n"},
                                       "stringData": {"a": "new", "b": "two"}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["type"] == "Opaque" and "stringData" not in body
    assert body["data"] == {"a": b64("new"), "b": b64("two")}
    assert "stringData" not in client.get(f"{SECRETS_URL}/s").get_json()


def test_invalid_base64_is_the_decoders_400(client) -> None:
    r = client.post(SECRETS_URL, json={"metadata": {"name": "s"}, "data": {"a": "YWJj$"}})
    assert r.status_code == 400
    assert r.get_json()["message"] == ('Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                                       'at input byte 4')


def test_type_specific_422(client) -> None:
    r = client.post(SECRETS_URL, json={"metadata": {"name": "t"}, "type": "kubernetes.io/tls",
                                       "stringData": {"tls.crt": "c"}})
    assert r.status_code == 422
    assert r.get_json()["message"] == 'Secret "t" is invalid: data[tls.key]: Required value'
    assert r.get_json()["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "data[tls.key]"}]


@pytest.mark.parametrize("ctype, patch", [
    ("application/merge-patch+json", {"stringData": {"b": "2"}, "data": {"a": None}}),
    ("application/strategic-merge-patch+json", {"stringData": {"b": "2"}, "data": {"a": None}}),
    ("application/json-patch+json", [{"op": "remove", "path": "/data/a"},
                                     {"op": "add", "path": "/stringData", "value": {"b": "2"}}]),
])
def test_patch_types_merge_string_data(client, ctype: str, patch: Any) -> None:
    client.post(SECRETS_URL, json={"metadata": {"name": "s"}, "stringData": {"a": "1", "keep": "k"}})
    r = client.patch(f"{SECRETS_URL}/s", data=json.dumps(patch), headers={"Content-Type": ctype})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"] == {"keep": b64("k"), "b": b64("2")}
    assert "stringData" not in r.get_json()


def test_update_keeps_type_and_immutable(client) -> None:
    created = client.post(SECRETS_URL, json={"metadata": {"name": "s"}, "type": "example.com/x",
                                             "data": {"a": b64("1")}, "immutable": True}).get_json()
    del created["type"]
    created["stringData"] = {"a": "2"}
    r = client.put(f"{SECRETS_URL}/s", json=created)
    assert r.status_code == 422
    assert r.get_json()["message"] == (f'Secret "s" is invalid: [type: Invalid value: "Opaque": field is immutable, '
                                       f'data: {IMMUTABLE}]')


def test_server_side_apply_with_string_data(client) -> None:
    url = f"{SECRETS_URL}/s?fieldManager=tester"
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}
    r = client.patch(url, data=json.dumps(body), headers={"Content-Type": "application/apply-patch+yaml"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["data"] == {"k": b64("v")} and r.get_json()["type"] == "Opaque"
    body["stringData"] = {"k": "w"}
    r = client.patch(url, data=json.dumps(body), headers={"Content-Type": "application/apply-patch+yaml"})
    assert r.status_code == 200 and r.get_json()["data"] == {"k": b64("w")}


def test_strict_field_validation(client) -> None:
    r = client.post(f"{SECRETS_URL}?fieldValidation=Strict", json={"metadata": {"name": "s"}, "strinData": {}})
    assert r.status_code == 400
    assert r.get_json()["message"] == ('Secret in version "v1" cannot be handled as a Secret: strict decoding '
                                       'error: unknown field "strinData"')


def test_list_by_type_watch_delete_and_table(client) -> None:
    rv = client.get(SECRETS_URL).get_json()["metadata"]["resourceVersion"]
    client.post(SECRETS_URL, json={"metadata": {"name": "plain"}, "stringData": {"a": "1", "b": "2"}})
    client.post(SECRETS_URL, json={"metadata": {"name": "cert"}, "type": "kubernetes.io/tls",
                                   "stringData": {"tls.crt": "c", "tls.key": "k"}})
    tls = client.get(f"{SECRETS_URL}?fieldSelector=type%3Dkubernetes.io/tls").get_json()
    assert tls["kind"] == "SecretList" and [i["metadata"]["name"] for i in tls["items"]] == ["cert"]
    table = client.get(SECRETS_URL, headers={"Accept": TABLE}).get_json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Type", "Data", "Age"]
    assert [r["cells"][:3] for r in table["rows"]] == [["cert", "kubernetes.io/tls", 2], ["plain", "Opaque", 2]]
    assert client.delete(f"{SECRETS_URL}/plain").status_code == 200
    events = [json.loads(line) for line in client.get(
        f"{SECRETS_URL}?watch=1&resourceVersion={rv}&timeoutSeconds=1").data.splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "plain"), ("ADDED", "cert"), ("DELETED", "plain")]
    assert all("stringData" not in e["object"] for e in events)


def test_discovery(client) -> None:
    resources = {r["name"]: r for r in client.get("/api/v1").get_json()["resources"]}
    entry = resources["secrets"]
    assert entry["kind"] == "Secret" and "shortNames" not in entry and "categories" not in entry
    assert "secrets/status" not in resources
