"""Pure tests of mockapi.dns.records: every record kind of the Kubernetes DNS spec (and CoreDNS'
pod records) answered from plain dicts, with NXDOMAIN vs NOERROR/no-answer and sorted output."""

from __future__ import annotations

from typing import Any

import pytest

from mockapi.dns.records import TTL, answer, parse, reverse_name

Z = "cluster.local"


def svc(name: str, ns: str = "default", cluster_ip: str | None = "10.96.0.10", ports: list[dict[str, Any]] | None = None,
        **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": ports if ports is not None else [{"name": "http", "port": 80, "protocol": "TCP"}],
                            **spec}
    if cluster_ip is not None:
        body["clusterIP"] = cluster_ip
        body["clusterIPs"] = spec.pop("clusterIPs", None) or [cluster_ip]
    return {"metadata": {"name": name, "namespace": ns}, "spec": body}


def ep(ip: str, ready: bool = True, hostname: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"addresses": [ip], "conditions": {"ready": ready}}
    if hostname:
        e["hostname"] = hostname
    return e


def eslice(service: str, endpoints: list[dict[str, Any]], ns: str = "default", family: str = "IPv4",
           ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": f"{service}-abc", "namespace": ns, "labels": {"kubernetes.io/service-name": service}},
            "addressType": family, "endpoints": endpoints,
            "ports": ports if ports is not None else [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def pod(name: str, ip: str, ns: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns}, "status": {"podIP": ip, "podIPs": [{"ip": ip}]}}


HEADLESS = svc("db", cluster_ip="None")
DB_SLICE = eslice("db", [ep("10.244.2.7", hostname="db-1"), ep("10.244.1.5", hostname="db-0"),
                         ep("10.244.3.9", ready=False), ep("10.244.0.4")])


def data(ans: Any) -> list[str]:
    return [a["data"] for a in ans.answers]


def test_cluster_ip_service_a_aaaa_and_other_types() -> None:
    s = svc("web")
    a = answer("web.default.svc.cluster.local", "A", Z, services=[s])
    assert a.to_dict() == {"name": "web.default.svc.cluster.local.", "type": "A", "rcode": "NOERROR",
                           "answers": [{"name": "web.default.svc.cluster.local.", "type": "A", "ttl": TTL,
                                        "data": "10.96.0.10"}]}
    assert answer("WEB.Default.svc.cluster.local.", "A", Z, services=[s]).answers[0]["data"] == "10.96.0.10"
    aaaa = answer("web.default.svc.cluster.local", "AAAA", Z, services=[s])
    assert (aaaa.rcode, aaaa.answers) == ("NOERROR", [])
    dual = svc("dual", clusterIPs=["10.96.0.11", "fd00::b"], cluster_ip="10.96.0.11")
    assert data(answer("dual.default.svc.cluster.local", "AAAA", Z, services=[dual])) == ["fd00::b"]
    assert data(answer("dual.default.svc.cluster.local", "A", Z, services=[dual])) == ["10.96.0.11"]


def test_headless_ready_endpoints_sorted_and_not_ready_excluded() -> None:
    a = answer("db.default.svc.cluster.local", "A", Z, services=[HEADLESS], slices=[DB_SLICE])
    assert data(a) == ["10.244.0.4", "10.244.1.5", "10.244.2.7"]
    tolerant = svc("db", cluster_ip="None", publishNotReadyAddresses=True)
    assert "10.244.3.9" in data(answer("db.default.svc.cluster.local", "A", Z, services=[tolerant], slices=[DB_SLICE]))
    empty = answer("db.default.svc.cluster.local", "A", Z, services=[HEADLESS], slices=[eslice("db", [ep("10.244.0.9", False)])])
    assert empty.rcode == "NXDOMAIN"


def test_headless_hostname_and_generated_names() -> None:
    kw = {"services": [HEADLESS], "slices": [DB_SLICE]}
    assert data(answer("db-0.db.default.svc.cluster.local", "A", Z, **kw)) == ["10.244.1.5"]
    assert data(answer("10-244-0-4.db.default.svc.cluster.local", "A", Z, **kw)) == ["10.244.0.4"]
    assert answer("10-244-3-9.db.default.svc.cluster.local", "A", Z, **kw).rcode == "NXDOMAIN"  # not ready
    assert answer("db-9.db.default.svc.cluster.local", "A", Z, **kw).rcode == "NXDOMAIN"
    # endpoint names exist for headless services only
    assert answer("db-0.web.default.svc.cluster.local", "A", Z, services=[svc("web")]).rcode == "NXDOMAIN"


def test_srv_cluster_ip_and_headless() -> None:
    s = svc("web", ports=[{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP"},
                          {"name": "dns", "port": 53, "protocol": "UDP"}])
    a = answer("_http._tcp.web.default.svc.cluster.local", "SRV", Z, services=[s])
    assert data(a) == ["10 100 80 web.default.svc.cluster.local."]
    assert data(answer("_dns._udp.web.default.svc.cluster.local", "SRV", Z, services=[s])) == [
        "10 100 53 web.default.svc.cluster.local."]
    assert answer("_dns._tcp.web.default.svc.cluster.local", "SRV", Z, services=[s]).rcode == "NXDOMAIN"
    assert answer("_http._tcp.web.default.svc.cluster.local", "A", Z, services=[s]).to_dict()["answers"] == []
    h = answer("_http._tcp.db.default.svc.cluster.local", "SRV", Z, services=[HEADLESS], slices=[DB_SLICE])
    assert data(h) == ["10 33 8080 10-244-0-4.db.default.svc.cluster.local.",
                       "10 33 8080 db-0.db.default.svc.cluster.local.",
                       "10 33 8080 db-1.db.default.svc.cluster.local."]
    unnamed = eslice("db", [ep("10.244.0.4")], ports=[{"port": 8080, "protocol": "TCP"}])
    assert answer("_http._tcp.db.default.svc.cluster.local", "SRV", Z, services=[HEADLESS],
                  slices=[unnamed]).rcode == "NXDOMAIN"


def test_ptr_service_and_endpoint() -> None:
    assert reverse_name("10.96.0.10") == "10.0.96.10.in-addr.arpa."
    a = answer("10.0.96.10.in-addr.arpa", "PTR", Z, services=[svc("web")])
    assert data(a) == ["web.default.svc.cluster.local."]
    b = answer(reverse_name("10.244.1.5"), "PTR", Z, services=[HEADLESS], slices=[DB_SLICE])
    assert data(b) == ["db-0.db.default.svc.cluster.local."]
    c = answer(reverse_name("10.244.0.4"), "PTR", Z, services=[HEADLESS], slices=[DB_SLICE])
    assert data(c) == ["10-244-0-4.db.default.svc.cluster.local."]
    assert answer(reverse_name("10.244.3.9"), "PTR", Z, services=[HEADLESS], slices=[DB_SLICE]).rcode == "NXDOMAIN"
    v6 = svc("six", cluster_ip="fd00::a")
    d = answer(reverse_name("fd00::a"), "PTR", Z, services=[v6])
    assert d.name.endswith(".ip6.arpa.") and data(d) == ["six.default.svc.cluster.local."]


def test_pod_records_verified() -> None:
    pods = [pod("p", "10.244.1.5"), pod("q", "fd00:10:244::5")]
    assert data(answer("10-244-1-5.default.pod.cluster.local", "A", Z, pods=pods)) == ["10.244.1.5"]
    assert data(answer("fd00-10-244--5.default.pod.cluster.local", "AAAA", Z, pods=pods)) == ["fd00:10:244::5"]
    assert answer("10-244-1-6.default.pod.cluster.local", "A", Z, pods=pods).rcode == "NXDOMAIN"
    assert answer("10-244-1-5.other.pod.cluster.local", "A", Z, pods=pods).rcode == "NXDOMAIN"


def test_external_name_cname() -> None:
    s = svc("ext", cluster_ip=None, type="ExternalName", externalName="db.example.com")
    for qtype in ("CNAME", "A"):
        a = answer("ext.default.svc.cluster.local", qtype, Z, services=[s])
        assert a.answers == [{"name": "ext.default.svc.cluster.local.", "type": "CNAME", "ttl": TTL,
                              "data": "db.example.com."}]


@pytest.mark.parametrize("name", ["missing.default.svc.cluster.local", "a.b.c.d.default.svc.cluster.local",
                                  "web.default.svc.other.zone", "web.default.cluster.local",
                                  "not-an-ip.default.pod.cluster.local", "1.2.in-addr.arpa"])
def test_nxdomain(name: str) -> None:
    assert answer(name, "A", Z, services=[svc("web")]).rcode == "NXDOMAIN"


def test_existing_names_without_records_and_version() -> None:
    for name in ("cluster.local", "svc.cluster.local", "pod.cluster.local"):
        assert answer(name, "A", Z).to_dict()["rcode"] == "NOERROR"
    assert answer("default.svc.cluster.local", "A", Z, namespaces=["default"]).rcode == "NOERROR"
    assert answer("nope.svc.cluster.local", "A", Z, namespaces=["default"]).rcode == "NXDOMAIN"
    assert data(answer("dns-version.cluster.local", "TXT", Z)) == ['"1.1.0"']


def test_custom_zone_and_parse() -> None:
    a = answer("web.default.svc.corp.test", "A", "corp.test", services=[svc("web")])
    assert data(a) == ["10.96.0.10"]
    q = parse("_HTTP._TCP.web.default.svc.cluster.local", Z)
    assert (q.kind, q.port, q.proto, q.service, q.namespace) == ("srv", "http", "tcp", "web", "default")
