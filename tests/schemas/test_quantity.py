"""resource.Quantity parsing and canonical form (CanonicalizeBytes), and the quantities of Pods and
Nodes coming out canonical through the API (or a 400 in the decoder's words)."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.schemas.quantity import FORMAT_ERROR, SUFFIX_ERROR, canonicalize


@pytest.mark.parametrize(("given", "stored"), [
    ("0.5", "500m"), (0.5, "500m"), ("1000m", "1"), (1, "1"), ("1", "1"), ("1000", "1k"), ("2000", "2k"),
    ("1024", "1024"), ("2048Mi", "2Gi"), ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("1Ki", "1Ki"),
    ("100M", "100M"), ("1e3", "1e3"), ("12e6", "12e6"), ("0.1n", "1n"), ("0", "0"), ("0Gi", "0"),
    ("128974848", "128974848"), ("129e6", "129e6"), ("129M", "129M"), ("123Mi", "123Mi"),
    ("0.3Gi", "322122547200m"), ("-2048Ki", "-2Mi"), (".5", "500m"), ("2.5", "2500m"), ("5000E", "5000E"),
])
def test_canonical_form(given: Any, stored: str) -> None:
    assert canonicalize(given) == stored


@pytest.mark.parametrize(("given", "message"), [
    ("abc", FORMAT_ERROR), ("1x", FORMAT_ERROR), ("", FORMAT_ERROR), ("e3", FORMAT_ERROR), (True, FORMAT_ERROR),
    ({}, FORMAT_ERROR), ("1Kii", SUFFIX_ERROR), ("1e", SUFFIX_ERROR),
])
def test_refused(given: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        canonicalize(given)
    assert str(caught.value) == message


def test_pod_quantities_come_out_canonical(client: Any) -> None:
    pod = {"metadata": {"name": "q"},
           "spec": {"containers": [{"name": "c", "image": "nginx",
                                    "resources": {"requests": {"cpu": 0.5, "memory": "1024Mi"},
                                                  "limits": {"cpu": "2000m", "memory": "2Gi"}}}],
                    "initContainers": [{"name": "i", "image": "busybox", "resources": {"limits": {"cpu": 1}}}],
                    "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "1.5Gi"}}]}}
    r = client.post("/api/v1/namespaces/default/pods", json=pod)
    assert r.status_code == 201, r.get_json()
    spec = r.get_json()["spec"]
    assert spec["containers"][0]["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"},
                                                  "limits": {"cpu": "2", "memory": "2Gi"}}
    assert spec["initContainers"][0]["resources"] == {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}
    assert spec["volumes"][0]["emptyDir"]["sizeLimit"] == "1536Mi"


def test_a_bad_quantity_is_a_decode_error(client: Any) -> None:
    pod = {"metadata": {"name": "bad"},
           "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "lots"}}}]}}
    r = client.post("/api/v1/namespaces/default/pods", json=pod)
    assert r.status_code == 400
    assert r.get_json()["message"] == f'Pod in version "v1" cannot be handled as a Pod: {FORMAT_ERROR}'
    assert client.get("/api/v1/namespaces/default/pods/bad").status_code == 404


def test_node_capacity_through_a_status_patch(client: Any) -> None:
    r = client.patch("/api/v1/nodes/node-1/status", json={"status": {"capacity": {"memory": "4096Mi", "cpu": "4000m"}}},
                     content_type="application/merge-patch+json")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"]["capacity"]["memory"] == "4Gi"
    assert r.get_json()["status"]["capacity"]["cpu"] == "4"
