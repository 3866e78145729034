"""ConfigMap: the strategy without HTTP (IsConfigMapKey, duplicates between data and binaryData, the
1 MiB limit, immutable), Go's base64 decoding of binaryData, and every verb over the in-process API
(POST/PUT/PATCH in each patch type and server-side apply, DELETE, LIST, WATCH, Table, discovery,
/openapi/v3, fieldValidation=Strict). Kubernetes is the oracle for every message."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mockapi.registry.configmaps import CONFIG_MAPS, config_key, go_base64

S = CONFIG_MAPS.strategy
CMS = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
KEY_REGEX = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
             "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"


def cm(name: str = "c", **fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"}, **fields}


def causes(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[tuple[str, str | None, str]]:
    found = S.validate(obj) if old is None else S.validate_update(obj, old)
    return [(c["reason"], c.get("field"), c["message"]) for c in found]


# -- IsConfigMapKey ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["a", "A_b-c.d", ".hidden", "a..b", "1", "x" * 253])
def test_valid_keys(key: str) -> None:
    assert config_key(key) == []


@pytest.mark.parametrize("key, errors", [
    ("", [KEY_REGEX]),
    ("a b", [KEY_REGEX]),
    ("a/b", [KEY_REGEX]),
    (".", ["must not be '.'"]),
    ("..", ["must not be '..'"]),
    ("..a", ["must not start with '..'"]),
    ("x" * 254, ["must be no more than 253 characters"]),
])
def test_invalid_keys(key: str, errors: list[str]) -> None:
    assert config_key(key) == errors


# -- Go's base64 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, raw", [("", b""), ("aGk=", b"hi"), ("aGk\n=", b"hi"), ("YWJj", b"abc"),
                                       ("YQ==", b"a"), ("YW\r\nJj", b"abc"), ("YQ==\n", b"a")])
def test_base64_decodes_as_go(text: str, raw: bytes) -> None:
    assert go_base64(text) == raw


@pytest.mark.parametrize("text, offset", [("abcd!", 4), ("abc", 0), ("a", 0), ("abcde", 4), ("YQ=", 3),
                                          ("YQ==x", 4), ("=", 0), ("Y===", 1), ("YWJj YQ==", 4), ("é", 0)])
def test_base64_errors_name_the_byte_go_names(text: str, offset: int) -> None:
    with pytest.raises(ValueError) as exc:
        go_base64(text)
    assert str(exc.value) == f"illegal base64 data at input byte {offset}"


# -- ValidateConfigMap -------------------------------------------------------------------------------

def test_valid_config_map() -> None:
    assert causes(cm(data={"a": "b"}, binaryData={"c": "aGk="})) == []


def test_key_rules_apply_to_both_maps() -> None:
    assert causes(cm(data={"a b": "x"}, binaryData={"..": "aGk="})) == [
        ("FieldValueInvalid", "data[a b]", f'Invalid value: "a b": {KEY_REGEX}'),
        ("FieldValueInvalid", "binaryData[..]", "Invalid value: \"..\": must not be '..'"),
    ]


def test_a_key_in_data_and_binary_data_is_a_duplicate() -> None:
    assert causes(cm(data={"k": "x"}, binaryData={"k": "aGk="})) == [
        ("FieldValueInvalid", "data[k]", 'Invalid value: "k": duplicate of key present in binaryData')]


def test_total_size_counts_data_bytes_and_decoded_binary_data() -> None:
    half = 512 * 1024
    fits = cm(data={"a": "x" * half}, binaryData={"b": base64.b64encode(b"y" * half).decode()})
    assert causes(fits) == []
    over = cm(data={"a": "é" * (half // 2) + "x"}, binaryData={"b": base64.b64encode(b"y" * half).decode()})
    assert causes(over) == [("FieldValueTooLong", None, "Too long: must have at most 1048576 bytes")]


def test_immutable_keeps_data_binary_data_and_itself() -> None:
    old = cm(data={"a": "b"}, binaryData={"c": "aGk="}, immutable=True)
    assert causes(cm(data={"a": "b"}, binaryData={"c": "aGk="}, immutable=True), old) == []
    assert causes(cm(data={"a": "changed"}, binaryData={}, immutable=False), old) == [
        ("FieldValueForbidden", "immutable", IMMUTABLE),
        ("FieldValueForbidden", "data", IMMUTABLE),
        ("FieldValueForbidden", "binaryData", IMMUTABLE),
    ]
    mutable = cm(data={"a": "b"}, immutable=False)
    assert causes(cm(data={"a": "c"}, immutable=True), mutable) == []


def test_empty_maps_are_dropped() -> None:
    obj = cm(data={}, binaryData=None)
    S.default(obj)
    assert "data" not in obj and "binaryData" not in obj


def test_descriptor() -> None:
    assert (CONFIG_MAPS.plural, CONFIG_MAPS.short_names, CONFIG_MAPS.categories) == ("configmaps", ("cm",), ())
    assert not CONFIG_MAPS.strategy.has_status and CONFIG_MAPS.subresources == ()
    assert set(CONFIG_MAPS.selectable_fields) == {"metadata.name", "metadata.namespace"}


# -- over HTTP ---------------------------------------------------------------------------------------

def test_create_get_and_canonical_binary_data(client) -> None:
    r = client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": "b"}, "binaryData": {"bin": "aG\nk="}})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "ConfigMap" and body["apiVersion"] == "v1"
    assert body["binaryData"] == {"bin": "aGk="}  # decoded and re-encoded, as Go answers []byte
    assert "status" not in body and "generation" not in body["metadata"]
    assert client.get(f"{CMS}/c").get_json()["data"] == {"a": "b"}


def test_invalid_base64_is_the_decoders_400(client) -> None:
    r = client.post(CMS, json={"metadata": {"name": "c"}, "binaryData": {"bin": "abcd!"}})
    assert r.status_code == 400
    assert r.get_json()["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 '
                                       'data at input byte 4')
    r = client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": 1}})
    assert r.status_code == 400
    assert r.get_json()["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                                       'unmarshal number into Go struct field ConfigMap.data of type string')


def test_invalid_key_is_422_with_causes(client) -> None:
    r = client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a b": "x"}})
    assert r.status_code == 422
    status = r.get_json()
    assert status["reason"] == "Invalid"
    assert status["message"] == f'ConfigMap "c" is invalid: data[a b]: Invalid value: "a b": {KEY_REGEX}'
    assert status["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "data[a b]",
                                            "message": f'Invalid value: "a b": {KEY_REGEX}'}]


def test_too_large_names_the_whole_object(client) -> None:
    r = client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": "x" * (1024 * 1024 + 1)}})
    assert r.status_code == 422
    assert r.get_json()["message"] == 'ConfigMap "c" is invalid: : Too long: must have at most 1048576 bytes'


@pytest.mark.parametrize("ctype, patch", [
    ("application/merge-patch+json", {"data": {"b": "2", "a": None}}),
    ("application/strategic-merge-patch+json", {"data": {"b": "2", "a": None}}),
    ("application/json-patch+json", [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/b",
                                                                          "value": "2"}]),
])
def test_patch_types(client, ctype: str, patch: Any) -> None:
    client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": "1", "keep": "k"}})
    r = client.patch(f"{CMS}/c", data=json.dumps(patch), headers={"Content-Type": ctype})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"] == {"keep": "k", "b": "2"}


def test_update_and_immutable(client) -> None:
    created = client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": "1"}, "immutable": True}).get_json()
    created["data"] = {"a": "2"}
    r = client.put(f"{CMS}/c", json=created)
    assert r.status_code == 422
    assert r.get_json()["message"] == f'ConfigMap "c" is invalid: data: {IMMUTABLE}'
    r = client.patch(f"{CMS}/c", data=json.dumps({"metadata": {"labels": {"x": "y"}}}),
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200 and r.get_json()["metadata"]["labels"] == {"x": "y"}
    r = client.patch(f"{CMS}/c", data=json.dumps({"immutable": None}),
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 422 and r.get_json()["details"]["causes"][0]["field"] == "immutable"


def test_server_side_apply(client) -> None:
    url = f"{CMS}/c?fieldManager=tester"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}
    r = client.patch(url, data=json.dumps(body), headers={"Content-Type": "application/apply-patch+yaml"})
    assert r.status_code == 201, r.get_json()
    body["data"] = {"a": "1"}
    r = client.patch(url, data=json.dumps(body), headers={"Content-Type": "application/apply-patch+yaml"})
    assert r.status_code == 200 and r.get_json()["data"] == {"a": "1"}
    fields = r.get_json()["metadata"]["managedFields"][0]
    assert fields["manager"] == "tester" and fields["operation"] == "Apply"


def test_strict_field_validation(client) -> None:
    r = client.post(f"{CMS}?fieldValidation=Strict", json={"metadata": {"name": "c"}, "datta": {}})
    assert r.status_code == 400
    assert r.get_json()["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding '
                                       'error: unknown field "datta"')


def test_list_watch_delete(client) -> None:
    rv = client.get(CMS).get_json()["metadata"]["resourceVersion"]
    client.post(CMS, json={"metadata": {"name": "c1"}, "data": {"a": "1"}})
    client.post(CMS, json={"metadata": {"name": "c2"}})
    listing = client.get(CMS).get_json()
    assert listing["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in listing["items"]] == ["c1", "c2"]
    r = client.delete(f"{CMS}/c1")
    assert r.status_code == 200 and r.get_json()["status"] == "Success"
    events = [json.loads(line) for line in
              client.get(f"{CMS}?watch=1&resourceVersion={rv}&timeoutSeconds=1").data.splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "c1"), ("ADDED", "c2"), ("DELETED", "c1")]
    assert client.get(f"{CMS}/c1").status_code == 404


def test_table(client) -> None:
    client.post(CMS, json={"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}, "binaryData": {"z": "aGk="}})
    table = client.get(CMS, headers={"Accept": TABLE}).get_json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["columnDefinitions"][1]["type"] == "string"
    assert table["rows"][0]["cells"][:2] == ["c", 3]


def test_discovery_and_openapi(client) -> None:
    resources = {r["name"]: r for r in client.get("/api/v1").get_json()["resources"]}
    entry = resources["configmaps"]
    assert entry["kind"] == "ConfigMap" and entry["shortNames"] == ["cm"] and "categories" not in entry
    assert "configmaps/status" not in resources
    doc = client.get("/openapi/v3/api/v1").get_json()
    schema = doc["components"]["schemas"]["io.k8s.api.core.v1.ConfigMap"]
    assert {"data", "binaryData", "immutable"} <= set(schema["properties"])
