"""Cluster DNS end to end (issue 5 item 5): pods and Services created over HTTP, then answers from
GET /mock/dns (in process, kubelet on) and from the real ``--dns-port`` server queried with dnspython
over UDP and TCP, including after a readiness flip (pod /status) and a pod deletion."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests
from conftest import LiveServer, free_port
from flask import Flask
from flask.testing import FlaskClient

NS = "/api/v1/namespaces/default"
Z = "default.svc.cluster.local"


def pod(name: str, hostname: str | None = None, subdomain: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx:1.27",
                                            "ports": [{"name": "http", "containerPort": 8080}]}]}
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    return {"metadata": {"name": name, "labels": {"app": "web"}}, "spec": spec}


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                                           {"name": "dns", "port": 53, "protocol": "UDP",
                                                            "targetPort": 8053}], **spec}}


WORLD = [("pods", pod("web-0", "web-0", "web-h")), ("pods", pod("web-1", "web-1", "web-h")),
         ("pods", pod("web-2")),
         ("services", service("web")), ("services", service("web-h", clusterIP="None")),
         ("services", {"metadata": {"name": "ext"}, "spec": {"type": "ExternalName", "externalName": "example.com"}})]


@pytest.fixture
def client(app_kubelet: Flask) -> FlaskClient:
    c = app_kubelet.test_client()
    for kind, body in WORLD:
        r = c.post(f"{NS}/{kind}", json=body)
        assert r.status_code == 201, r.get_data(as_text=True)
    return c


def ask(client: FlaskClient, name: str, qtype: str = "A") -> dict[str, Any]:
    r = client.get("/mock/dns", query_string={"name": name, "type": qtype})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def data(answer: dict[str, Any]) -> list[str]:
    return [a["data"] for a in answer["answers"]]


def ips(client: FlaskClient) -> dict[str, str]:
    return {p["metadata"]["name"]: p["status"]["podIP"] for p in client.get(f"{NS}/pods").get_json()["items"]}


def set_ready(client: FlaskClient, name: str, ready: bool) -> None:
    current = client.get(f"{NS}/pods/{name}").get_json()
    status = copy.deepcopy(current["status"])
    for cond in status.get("conditions") or []:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond["status"] = "True" if ready else "False"
    r = client.put(f"{NS}/pods/{name}/status", json={**current, "status": status})
    assert r.status_code == 200, r.get_data(as_text=True)


def reverse(ip: str) -> str:
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def test_records_over_http(client: FlaskClient) -> None:
    pod_ips = ips(client)
    cluster_ip = client.get(f"{NS}/services/web").get_json()["spec"]["clusterIP"]
    a = ask(client, f"web.{Z}")
    assert a == {"name": f"web.{Z}.", "type": "A", "rcode": "NOERROR",
                 "answers": [{"name": f"web.{Z}.", "type": "A", "ttl": 30, "data": cluster_ip}]}
    assert ask(client, f"web.{Z}", "AAAA") == {**a, "type": "AAAA", "answers": []}
    every = sorted(pod_ips.values(), key=lambda ip: tuple(map(int, ip.split("."))))
    assert data(ask(client, f"web-h.{Z}")) == every
    assert data(ask(client, f"web-0.web-h.{Z}")) == [pod_ips["web-0"]]
    dashed = pod_ips["web-2"].replace(".", "-")
    assert data(ask(client, f"{dashed}.web-h.{Z}")) == [pod_ips["web-2"]]
    assert data(ask(client, f"_http._tcp.web.{Z}", "SRV")) == [f"10 100 80 web.{Z}."]
    assert data(ask(client, f"_http._tcp.web-h.{Z}", "SRV")) == [
        f"10 33 8080 {dashed}.web-h.{Z}.", f"10 33 8080 web-0.web-h.{Z}.", f"10 33 8080 web-1.web-h.{Z}."]
    assert data(ask(client, f"_dns._udp.web.{Z}", "SRV")) == [f"10 100 53 web.{Z}."]
    assert ask(client, f"_dns._tcp.web.{Z}", "SRV")["rcode"] == "NXDOMAIN"
    assert data(ask(client, reverse(cluster_ip), "PTR")) == [f"web.{Z}."]
    assert data(ask(client, reverse(pod_ips["web-1"]), "PTR")) == [f"web-1.web-h.{Z}."]
    assert data(ask(client, f"{pod_ips['web-1'].replace('.', '-')}.default.pod.cluster.local")) == [pod_ips["web-1"]]
    assert data(ask(client, f"ext.{Z}", "CNAME")) == ["example.com."]
    for missing in (f"nope.{Z}", f"web-9.web-h.{Z}", f"_nope._tcp.web.{Z}", "10-1-2-3.default.pod.cluster.local",
                    "web.nope.svc.cluster.local"):
        assert ask(client, missing)["rcode"] == "NXDOMAIN", missing
    assert ask(client, "default.svc.cluster.local")["rcode"] == "NOERROR"


def test_bad_requests(client: FlaskClient) -> None:
    for query in ({"type": "A"}, {"name": f"web.{Z}", "type": "MX"}):
        r = client.get("/mock/dns", query_string=query)
        assert r.status_code == 400 and r.get_json()["reason"] == "BadRequest"


def test_readiness_flip_and_pod_deletion(client: FlaskClient) -> None:
    pod_ips = ips(client)
    set_ready(client, "web-0", False)
    assert pod_ips["web-0"] not in data(ask(client, f"web-h.{Z}"))
    assert ask(client, f"web-0.web-h.{Z}")["rcode"] == "NXDOMAIN"
    assert len(ask(client, f"_http._tcp.web-h.{Z}", "SRV")["answers"]) == 2
    set_ready(client, "web-0", True)
    assert data(ask(client, f"web-0.web-h.{Z}")) == [pod_ips["web-0"]]
    r = client.patch(f"{NS}/services/web-h", json={"spec": {"publishNotReadyAddresses": True}},
                     content_type="application/merge-patch+json")
    assert r.status_code == 200, r.get_data(as_text=True)
    set_ready(client, "web-1", False)
    assert data(ask(client, f"web-1.web-h.{Z}")) == [pod_ips["web-1"]]  # published though not ready
    assert client.delete(f"{NS}/pods/web-1").status_code == 200
    assert ask(client, f"web-1.web-h.{Z}")["rcode"] == "NXDOMAIN"
    assert ask(client, reverse(pod_ips["web-1"]), "PTR")["rcode"] == "NXDOMAIN"
    assert ask(client, f"{pod_ips['web-1'].replace('.', '-')}.default.pod.cluster.local")["rcode"] == "NXDOMAIN"
    assert pod_ips["web-1"] not in data(ask(client, f"web-h.{Z}"))
    for name in ("web-0", "web-2"):
        assert client.delete(f"{NS}/pods/{name}").status_code == 200
    assert ask(client, f"web-h.{Z}")["rcode"] == "NXDOMAIN"  # headless without endpoints
    assert ask(client, f"web.{Z}")["rcode"] == "NOERROR"  # a ClusterIP answers regardless


# -- the real DNS server ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dns_server() -> Iterator[tuple[LiveServer, int]]:
    port = free_port()
    server = LiveServer("--dns-port", str(port), kubelet="on")
    yield server, port
    server.stop()


def query(port: int, name: str, qtype: str, tcp: bool = False) -> dns.message.Message:
    msg = dns.message.make_query(name, qtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(msg, "127.0.0.1", port=port, timeout=5)


def rrdata(reply: dns.message.Message) -> list[str]:
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def test_real_dns_server_udp_and_tcp(dns_server: tuple[LiveServer, int]) -> None:
    server, port = dns_server
    base = server.url + NS
    for kind, body in WORLD:
        r = requests.post(f"{base}/{kind}", json=body, timeout=10)
        assert r.status_code == 201, r.text
    pod_ips = {p["metadata"]["name"]: p["status"]["podIP"]
               for p in requests.get(f"{base}/pods", timeout=10).json()["items"]}
    cluster_ip = requests.get(f"{base}/services/web", timeout=10).json()["spec"]["clusterIP"]
    for tcp in (False, True):
        reply = query(port, f"web.{Z}", "A", tcp)
        assert reply.rcode() == dns.rcode.NOERROR and rrdata(reply) == [cluster_ip]
        assert reply.answer[0].ttl == 30
        assert rrdata(query(port, f"web-h.{Z}", "A", tcp)) == sorted(pod_ips.values())
        assert rrdata(query(port, f"_http._tcp.web.{Z}", "SRV", tcp)) == [f"10 100 80 web.{Z}."]
        assert rrdata(query(port, reverse(cluster_ip), "PTR", tcp)) == [f"web.{Z}."]
        assert rrdata(query(port, f"ext.{Z}", "CNAME", tcp)) == ["example.com."]
        assert query(port, f"nope.{Z}", "A", tcp).rcode() == dns.rcode.NXDOMAIN
    assert rrdata(query(port, f"web-0.web-h.{Z}", "A")) == [pod_ips["web-0"]]
    assert query(port, "example.org", "A").rcode() == dns.rcode.REFUSED
    # a pod deletion shows up in the next answer
    assert requests.delete(f"{base}/pods/web-0", timeout=10).status_code == 200
    assert query(port, f"web-0.web-h.{Z}", "A").rcode() == dns.rcode.NXDOMAIN
    assert pod_ips["web-0"] not in rrdata(query(port, f"web-h.{Z}", "A", True))


def test_cluster_domain_setting() -> None:
    from mockapi.app import create_app

    app = create_app({"db": "sqlite://", "kubelet": "off", "cluster_domain": "corp.test"})
    try:
        c = app.test_client()
        assert data(ask(c, "kubernetes.default.svc.corp.test")) == ["10.96.0.1"]
        assert ask(c, "kubernetes.default.svc.cluster.local")["rcode"] == "NXDOMAIN"
    finally:
        app.extensions["mockapi"].close()
