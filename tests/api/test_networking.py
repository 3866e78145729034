"""networking.k8s.io/v1 ServiceCIDR and IPAddress: read-only views kept in step with the ClusterIP
allocator inside each Service write's transaction."""

from __future__ import annotations

import json

import pytest

from mockapi.app import create_app

NET = "/apis/networking.k8s.io/v1"
SVCS = "/api/v1/namespaces/default/services"


def _svc(name: str, **spec: object) -> dict:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}], **spec}}


def _ip_names(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [i["metadata"]["name"] for i in client.get(f"{NET}/ipaddresses").get_json()["items"]]


def test_service_cidr_lists_the_configured_ranges(client) -> None:
    cidr = client.get(f"{NET}/servicecidrs/kubernetes").get_json()
    assert cidr["kind"] == "ServiceCIDR" and cidr["spec"]["cidrs"] == ["10.96.0.0/12"]
    assert cidr["status"]["conditions"][0]["type"] == "Ready"


def test_ip_addresses_follow_allocations(client) -> None:
    assert _ip_names(client) == ["10.96.0.1"]  # the kubernetes Service
    ip = client.post(SVCS, json=_svc("a")).get_json()["spec"]["clusterIP"]
    got = client.get(f"{NET}/ipaddresses/{ip}").get_json()
    assert got["spec"]["parentRef"] == {"group": "", "resource": "services", "namespace": "default", "name": "a"}
    assert got["metadata"]["labels"] == {"ipaddress.kubernetes.io/ip-family": "IPv4",
                                         "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}
    client.post(SVCS, json=_svc("headless", clusterIP="None"))
    assert sorted(_ip_names(client)) == sorted(["10.96.0.1", ip])
    patch = {"spec": {"type": "ExternalName", "externalName": "example.com", "clusterIP": None,
                      "clusterIPs": None, "ports": None}}
    r = client.patch(f"{SVCS}/a", data=json.dumps(patch), headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert _ip_names(client) == ["10.96.0.1"]
    ip2 = client.post(SVCS, json=_svc("b")).get_json()["spec"]["clusterIP"]
    client.delete(f"{SVCS}/b")
    assert client.get(f"{NET}/ipaddresses/{ip2}").status_code == 404


def test_dry_run_writes_no_ip_address(client) -> None:
    client.post(SVCS + "?dryRun=All", json=_svc("dry"))
    assert _ip_names(client) == ["10.96.0.1"]


def test_dual_stack_gives_one_ip_address_per_family() -> None:
    app = create_app({"db": "sqlite://", "service_cidr": "10.96.0.0/12,fd00:10:96::/108"})
    try:
        c = app.test_client()
        assert c.get(f"{NET}/servicecidrs/kubernetes").get_json()["spec"]["cidrs"] == [
            "10.96.0.0/12", "fd00:10:96::/108"]
        svc = c.post(SVCS, json=_svc("ds", ipFamilyPolicy="RequireDualStack")).get_json()
        v4, v6 = svc["spec"]["clusterIPs"]
        families = {i["metadata"]["name"]: i["metadata"]["labels"]["ipaddress.kubernetes.io/ip-family"]
                    for i in c.get(f"{NET}/ipaddresses").get_json()["items"]}
        assert families[v4] == "IPv4" and families[v6] == "IPv6"
    finally:
        app.extensions["mockapi"].close()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_read_only(client, method: str) -> None:
    path = f"{NET}/servicecidrs" if method == "POST" else f"{NET}/servicecidrs/kubernetes"
    assert client.open(path, method=method, json={"metadata": {"name": "x"}}).status_code == 405
    path = f"{NET}/ipaddresses" if method == "POST" else f"{NET}/ipaddresses/10.96.0.1"
    assert client.open(path, method=method, json={"metadata": {"name": "10.96.0.9"}}).status_code == 405


def test_discovery_lists_the_group(client) -> None:
    groups = [g["name"] for g in client.get("/apis").get_json()["groups"]]
    assert "networking.k8s.io" in groups
    resources = {r["name"]: r["verbs"] for r in client.get(f"{NET}").get_json()["resources"]}
    assert resources == {"ipaddresses": ["get", "list", "watch"], "servicecidrs": ["get", "list", "watch"]}
