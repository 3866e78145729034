"""Golden-file tests of the iptables-save rendering (tests/proxy/golden/*.txt), built from plain
objects. Regenerate with ``MOCKAPI_UPDATE_GOLDEN=1`` and review the diff by eye."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockapi.proxy.iptables import chain_hash, endpoint_chain, service_chain
from mockapi.proxy.model import Endpoint, service_model

from .cluster import THREE, endpoint, service, slice_, table

GOLDEN = Path(__file__).parent / "golden"
LB_STATUS = {"loadBalancer": {"ingress": [{"ip": "198.51.100.10", "ipMode": "VIP"}]}}


def clusterip_3_endpoints() -> tuple[list[Any], list[Any], str]:
    return [service("web", "10.96.86.113")], [slice_("web", THREE)], "node-1"


def nodeport() -> tuple[list[Any], list[Any], str]:  # the worked example of services-semantics.md 6.7
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}]
    return [service("web", "10.96.86.113", "NodePort", ports)], [slice_("web", THREE)], "node-1"


def _lb_local(node: str) -> tuple[list[Any], list[Any], str]:
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}]
    svc = service("web", "10.96.86.113", "LoadBalancer", ports, LB_STATUS, externalTrafficPolicy="Local",
                  healthCheckNodePort=32000)
    return [svc], [slice_("web", [endpoint("10.244.1.5", "node-1"), endpoint("10.244.2.7", "node-2")])], node


def lb_etp_local_with_local_endpoints() -> tuple[list[Any], list[Any], str]:
    return _lb_local("node-1")


def lb_etp_local_without_local_endpoints() -> tuple[list[Any], list[Any], str]:
    return _lb_local("node-3")


def _itp_local(node: str) -> tuple[list[Any], list[Any], str]:
    svc = service("web", "10.96.86.113", internalTrafficPolicy="Local")
    return [svc], [slice_("web", [endpoint("10.244.1.5", "node-1"), endpoint("10.244.2.7", "node-2")])], node


def itp_local_with_local_endpoint() -> tuple[list[Any], list[Any], str]:
    return _itp_local("node-1")


def itp_local_without_local_endpoint() -> tuple[list[Any], list[Any], str]:
    return _itp_local("node-3")


def topology_hints_3_zones() -> tuple[list[Any], list[Any], str]:
    eps = [endpoint("10.244.1.5", "node-1", hints=["zone-a"]), endpoint("10.244.1.6", "node-1", hints=["zone-a"]),
           endpoint("10.244.2.7", "node-2", hints=["zone-b"]), endpoint("10.244.3.9", "node-3", hints=["zone-c"])]
    svc = service("web", "10.96.86.113", trafficDistribution="PreferClose")
    return [svc], [slice_("web", eps)], "node-1"


def client_ip_affinity() -> tuple[list[Any], list[Any], str]:
    svc = service("web", "10.96.86.113", sessionAffinity="ClientIP",
                  sessionAffinityConfig={"clientIP": {"timeoutSeconds": 10800}})
    return [svc], [slice_("web", THREE)], "node-1"


def no_endpoints() -> tuple[list[Any], list[Any], str]:
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}]
    return [service("web", "10.96.86.113", "NodePort", ports)], [slice_("web", [])], "node-1"


def headless() -> tuple[list[Any], list[Any], str]:
    svc = service("db", "None")
    return [svc], [slice_("db", THREE, labels={"service.kubernetes.io/headless": ""})], "node-1"


CASES: dict[str, Callable[[], tuple[list[Any], list[Any], str]]] = {
    f.__name__: f for f in (clusterip_3_endpoints, nodeport, lb_etp_local_with_local_endpoints,
                            lb_etp_local_without_local_endpoints, itp_local_with_local_endpoint,
                            itp_local_without_local_endpoint, topology_hints_3_zones, client_ip_affinity,
                            no_endpoints, headless)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    services, slices, node = CASES[case]()
    text = table(services, slices).iptables(node)
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("MOCKAPI_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_rendering_is_deterministic() -> None:
    services, slices, node = topology_hints_3_zones()
    assert table(services, slices).iptables(node) == table(services[::-1], slices[::-1]).iptables(node)


def test_chain_names_match_known_cluster_values() -> None:
    assert chain_hash("default/kubernetes:https" + "tcp") == "NPX46M4PTMTKRN6Y"
    assert chain_hash("kube-system/kube-dns:dns" + "udp") == "TCOU7JCQXEZGVUNU"
    assert chain_hash("kube-system/kube-dns:dns-tcp" + "tcp") == "ERIFXISQEP7F7OF4"
    sp = service_model(service("web", "10.96.86.113"), []).ports[0]
    assert service_chain("SVC", sp) == "KUBE-SVC-CDGGSHYLG3RE2FKL"
    ep = Endpoint("10.244.1.5", 8080, "node-1", None, True, True, False, None)
    assert endpoint_chain(sp, ep) == "KUBE-SEP-AFGSLHOD2HFNCBX4"


def test_nodeport_golden_is_the_reference_worked_example() -> None:
    text = (GOLDEN / "nodeport.txt").read_text()
    expected = [
        ('-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.86.113 '
         "--dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL"),
        ("-A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 30080 "
         "-j KUBE-EXT-CDGGSHYLG3RE2FKL"),
        ('-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -m statistic '
         "--mode random --probability 0.5000000000 -j KUBE-SEP-2RIJ5GIYXEFH6G4D"),
        ('-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.3.9:8080" '
         "-j KUBE-SEP-RBX5X5TOEG5GD3RO"),
    ]
    for line in expected:
        assert line in text.splitlines()
