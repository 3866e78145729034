"""kubectl 1.32+ sends protobuf bodies for `kubectl create namespace|configmap|secret|service ...`.
mockapi does not decode them: the 415 keeps upstream's wording (kubectl prints it after
"Error from server (UnsupportedMediaType): ") and then says exactly what to do instead."""

from __future__ import annotations

import json

import pytest

PROTOBUF = "application/vnd.kubernetes.protobuf"
UNKNOWN_FORMAT = ("the body of the request was in an unknown format - accepted media types include: "
                  "application/json, application/yaml; ")
# what kubectl 1.32 sends for `kubectl create namespace foo`
CREATE_NAMESPACE_FOO = (b"k8s\x00\n\x0f\n\x02v1\x12\tNamespace\x12\x1b\n\x13\n\x03foo"
                        b"\x12\x00\x1a\x00\"\x00*\x00"
                        b"2\x008\x00B\x00\x12\x00\x1a\x00\x1a\x00\"\x00")


@pytest.mark.parametrize("path", ["/api/v1/namespaces", "/api/v1/namespaces/default/services"])
def test_protobuf_create_says_what_to_do(client, path: str) -> None:
    r = client.post(path, data=CREATE_NAMESPACE_FOO, content_type=PROTOBUF)
    assert r.status_code == 415
    body = r.get_json()
    assert body["kind"] == "Status" and body["reason"] == "UnsupportedMediaType" and body["code"] == 415
    message = body["message"]
    assert message.startswith(UNKNOWN_FORMAT)
    assert "mockapi does not decode protobuf request bodies" in message
    assert "kubectl create namespace|configmap|secret|service" in message
    assert "`kubectl create -f` or `kubectl apply -f`" in message
    assert "kubectl 1.31 or older" in message and "MOCKAPI_KUBERNETES_VERSION" in message
    assert client.get("/api/v1/namespaces/foo").status_code == 404


def test_protobuf_update_says_the_same(client) -> None:
    ns = client.get("/api/v1/namespaces/default").get_json()
    r = client.put("/api/v1/namespaces/default", data=b"k8s\x00\n", content_type=PROTOBUF)
    assert r.status_code == 415 and "mockapi does not decode protobuf" in r.get_json()["message"]
    assert client.get("/api/v1/namespaces/default").get_json() == ns


def test_other_media_types_keep_the_plain_message(client) -> None:
    r = client.post("/api/v1/namespaces", data=json.dumps({"metadata": {"name": "x"}}),
                    content_type="application/xml")
    assert r.status_code == 415
    assert r.get_json()["message"] == ("the body of the request was in an unknown format - accepted media "
                                       "types include: application/json, application/yaml")


def test_protobuf_delete_options_are_still_ignored(client) -> None:
    assert client.post("/api/v1/namespaces/default/pods", json={
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}).status_code == 201
    r = client.delete("/api/v1/namespaces/default/pods/p", data=b"k8s\x00\n\x0e\n\x02v1\x12\x08DeleteOptions",
                      content_type=PROTOBUF)
    assert r.status_code == 200
    assert client.get("/api/v1/namespaces/default/pods/p").status_code == 404
