"""Endpoints controller, pure functions: desired subsets, repacking, not-ready winning, named ports,
hostnames, headless without ports, the 1000-address cap, labels."""

from __future__ import annotations

from typing import Any

from mockapi.controllers import endpoints as epc


def pod(name: str, ip: str, ready: bool = True, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels or {}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "ports": spec.pop("ports", [])}], **spec},
            "status": {"podIP": ip, "podIPs": [{"ip": ip}],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def svc(ports: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "default", "labels": {"team": "a"}},
            "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ipFamilies": ["IPv4"],
                     "ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": 8080,
                                                                "protocol": "TCP"}], **spec}}


def test_ready_and_not_ready_addresses_in_one_subset() -> None:
    (subset,) = epc.desired_subsets(svc(), [pod("b", "10.0.0.2", ready=False), pod("a", "10.0.0.1")])
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.1"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.0.0.2"]
    assert subset["addresses"][0] == {"ip": "10.0.0.1", "nodeName": "node-1", "targetRef": {
        "kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}}
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_named_port_resolution_splits_subsets_and_protocol_must_match() -> None:
    ports = [{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"},
             {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]
    pods = [pod("a", "10.0.0.1", ports=[{"name": "web", "containerPort": 8080, "protocol": "TCP"}]),
            pod("c", "10.0.0.3", ports=[{"name": "web", "containerPort": 8080, "protocol": "UDP"}])]
    subsets = epc.desired_subsets(svc(ports), pods)
    by_port = {s["ports"][0]["name"]: [a["ip"] for a in s["addresses"]] for s in subsets}
    assert by_port == {"http": ["10.0.0.1"], "metrics": ["10.0.0.1", "10.0.0.3"]}


def test_repack_not_ready_wins_and_ports_share_identical_address_sets() -> None:
    a = {"ip": "10.0.0.1", "targetRef": {"uid": "1"}}
    p80, p81 = {"name": "a", "port": 80, "protocol": "TCP"}, {"name": "b", "port": 81, "protocol": "TCP"}
    (subset,) = epc.repack([(a, p80, True), (a, p80, False), (a, p81, False)])
    assert subset == {"notReadyAddresses": [a], "ports": [p80, p81]}


def test_terminating_and_terminal_pods_and_publish_not_ready() -> None:
    terminating = pod("t", "10.0.0.4")
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    done = pod("d", "10.0.0.5")
    done["status"]["phase"] = "Succeeded"
    no_ip = pod("n", "")
    no_ip["status"] = {}
    assert epc.desired_subsets(svc(), [terminating, done, no_ip]) == []
    (subset,) = epc.desired_subsets(svc(publishNotReadyAddresses=True), [terminating, pod("x", "10.0.0.6", False)])
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.4", "10.0.0.6"]


def test_headless_without_ports_and_hostname() -> None:
    headless = svc([], clusterIP="None")
    p = pod("h", "10.0.0.7", hostname="h0", subdomain="web")
    (subset,) = epc.desired_subsets(headless, [p])
    assert subset == {"addresses": [{"ip": "10.0.0.7", "hostname": "h0", "nodeName": "node-1",
                                     "targetRef": {"kind": "Pod", "namespace": "default", "name": "h", "uid": "uid-h"}}]}
    obj = epc.desired(headless, [p])
    assert obj["metadata"]["labels"] == {"team": "a", "service.kubernetes.io/headless": ""}
    assert epc.desired_subsets(svc([]), [p]) == []  # ClusterIP without ports: nothing


def test_capacity_truncates_not_ready_first() -> None:
    pods = [pod(f"p{i}", f"10.1.{i // 250}.{i % 250 + 1}", ready=i % 2 == 0) for i in range(1200)]
    obj = epc.desired(svc(), pods)
    (subset,) = obj["subsets"]
    assert len(subset["addresses"]) == 600 and len(subset["notReadyAddresses"]) == 400
    assert obj["metadata"]["annotations"] == {"endpoints.kubernetes.io/over-capacity": "truncated"}
    ready = [pod(f"r{i}", f"10.2.{i // 250}.{i % 250 + 1}") for i in range(1100)]
    (subset,) = epc.desired(svc(), ready)["subsets"]
    assert len(subset["addresses"]) == 1000 and "notReadyAddresses" not in subset
