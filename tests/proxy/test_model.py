"""CategorizeEndpoints and the trace, pure: terminating fallback, topology all-or-nothing, Local
policies, session affinity, headless/ExternalName skipped, and traces for every frontend kind."""

from __future__ import annotations

from mockapi.proxy.model import categorize, service_model
from mockapi.proxy.trace import trace

from .cluster import THREE, endpoint, service, slice_, table

LB_STATUS = {"loadBalancer": {"ingress": [{"ip": "198.51.100.10", "ipMode": "VIP"}]}}
PORTS = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}]


def test_terminating_fallback_only_without_ready_endpoints() -> None:
    t = table([service("web", "10.96.0.20")],
              [slice_("web", [endpoint("10.244.1.5", "node-1", ready=False, serving=True, terminating=True),
                              endpoint("10.244.2.7", "node-2", ready=False, serving=False, terminating=True)])])
    entry = t.node_json("node-1")["services"][-1]
    assert [b["ip"] for b in entry["frontends"][0]["backends"]] == ["10.244.1.5"]
    changed = slice_("web", [endpoint("10.244.1.5", "node-1", ready=False, serving=True, terminating=True),
                             endpoint("10.244.3.9", "node-3")])
    changed["metadata"]["resourceVersion"] = "12"
    t.put_slice(changed)
    t.refresh()
    entry = t.node_json("node-1")["services"][-1]
    assert [b["ip"] for b in entry["frontends"][0]["backends"]] == ["10.244.3.9"]
    out = trace(t, "node-1", "10.244.2.3", "10.96.0.20", 80, "TCP")
    assert out["verdict"] == "DNAT"
    assert out["excluded"] == [{"ip": "10.244.1.5", "port": 8080, "node": "node-1",
                                "reason": "terminating (serving, but ready endpoints exist)"}]


def test_topology_is_all_or_nothing() -> None:
    hinted = [endpoint("10.244.1.5", "node-1", hints=["zone-a"]), endpoint("10.244.2.7", "node-2", hints=["zone-b"])]
    sp = service_model(service("web", "10.96.0.20"), [slice_("web", hinted)]).ports[0]
    t = table([], [])
    cat = categorize(sp, t.nodes["node-2"])
    assert cat.topology and [e.ip for e in cat.cluster] == ["10.244.2.7"]
    assert "zone" in cat.excluded_cluster[0][1]
    # node-3's zone has no hints: no filtering at all
    assert [e.ip for e in categorize(sp, t.nodes["node-3"]).cluster] == ["10.244.1.5", "10.244.2.7"]
    # one ready endpoint without hints disables filtering everywhere
    sp = service_model(service("web", "10.96.0.20"),
                       [slice_("web", hinted + [endpoint("10.244.3.9", "node-3")])]).ports[0]
    assert len(categorize(sp, t.nodes["node-2"]).cluster) == 3


def test_headless_and_external_name_program_nothing_and_say_so() -> None:
    ext = service("ext", "")
    ext["spec"] = {"type": "ExternalName", "externalName": "example.com"}
    t = table([service("db", "None"), ext], [slice_("db", THREE)])
    assert t.node_json("node-1")["services"] == []
    reasons = {s["name"]: s["reason"] for s in t.skipped()}
    assert reasons["db"].startswith("headless") and reasons["ext"].startswith("ExternalName")


def test_no_endpoints_rejects_and_local_gaps_drop() -> None:
    t = table([service("web", "10.96.0.20", "NodePort", PORTS)], [slice_("web", [])])
    assert trace(t, "node-1", "10.244.1.9", "10.96.0.20", 80, "TCP")["verdict"] == "REJECT"
    assert trace(t, "node-1", "203.0.113.9", "172.18.0.2", 30080, "TCP")["verdict"] == "REJECT"
    fe = t.node_json("node-1")["services"][0]["frontends"][0]
    assert fe["backends"] == [] and fe["whenNoBackends"] == "REJECT"
    t = table([service("web", "10.96.0.20", internalTrafficPolicy="Local")],
              [slice_("web", [endpoint("10.244.2.7", "node-2")])])
    out = trace(t, "node-1", "10.244.1.9", "10.96.0.20", 80, "TCP")
    assert out["verdict"] == "DROP" and out["excluded"][0]["reason"] == "not node-local (on node-2)"
    assert t.node_json("node-1")["services"][0]["frontends"][0]["whenNoBackends"] == "DROP"


def test_trace_each_frontend_kind() -> None:
    svc = service("web", "10.96.0.20", "LoadBalancer", PORTS, LB_STATUS, externalIPs=["192.0.2.50"],
                  externalTrafficPolicy="Local", healthCheckNodePort=32000)
    t = table([svc], [slice_("web", [endpoint("10.244.1.5", "node-1"), endpoint("10.244.2.7", "node-2")])])
    cluster = trace(t, "node-3", "10.244.3.4", "10.96.0.20", 80, "TCP")
    assert cluster["frontend"]["type"] == "ClusterIP" and len(cluster["backends"]) == 2
    assert cluster["rules"][0].startswith("-A KUBE-SERVICES") and cluster["rules"][-1].endswith("10.244.2.7:8080")
    assert not any("-s 10.244.1.5 -j KUBE-MARK-MASQ" in r for r in cluster["rules"])
    hairpin = trace(t, "node-3", "10.244.1.5", "10.96.0.20", 80, "TCP")  # an endpoint reaching itself
    assert any("-s 10.244.1.5 -j KUBE-MARK-MASQ" in r for r in hairpin["rules"])
    lb = trace(t, "node-1", "203.0.113.9", "198.51.100.10", 80, "TCP")
    assert (lb["frontend"]["type"], lb["verdict"]) == ("LoadBalancer", "DNAT")
    assert [b["ip"] for b in lb["backends"]] == ["10.244.1.5"] and lb["masquerade"] is False
    ext = trace(t, "node-3", "203.0.113.9", "192.0.2.50", 80, "TCP")
    assert (ext["frontend"]["type"], ext["verdict"]) == ("ExternalIP", "DROP")
    assert ext["rules"][-1].endswith("-j DROP")
    nodeport = trace(t, "node-3", "10.244.3.4", "172.18.0.4", 30080, "TCP")  # pod traffic short-circuits
    assert (nodeport["frontend"]["type"], nodeport["verdict"]) == ("NodePort", "DNAT")
    assert len(nodeport["backends"]) == 2 and "shortCircuit" in nodeport
    host = trace(t, "node-3", "172.18.0.4", "198.51.100.10", 80, "TCP")
    assert host["verdict"] == "DNAT" and host["masquerade"] is True
    assert trace(t, "node-1", "203.0.113.9", "10.96.0.21", 80, "TCP")["verdict"] == "NO_MATCH"
    assert t.node_json("node-1")["services"][0]["healthCheckNodePort"] == {"port": 32000, "localEndpoints": 1}
    assert t.node_json("node-3")["services"][0]["healthCheckNodePort"] == {"port": 32000, "localEndpoints": 0}


def test_load_balancer_source_ranges() -> None:
    svc = service("web", "10.96.0.20", "LoadBalancer", PORTS, LB_STATUS, loadBalancerSourceRanges=["203.0.113.0/24"])
    t = table([svc], [slice_("web", THREE)])
    assert trace(t, "node-1", "203.0.113.9", "198.51.100.10", 80, "TCP")["verdict"] == "DNAT"
    denied = trace(t, "node-1", "192.0.2.1", "198.51.100.10", 80, "TCP")
    assert denied["verdict"] == "DROP" and "KUBE-PROXY-FIREWALL" in denied["rules"][-1]


def test_session_affinity_reported() -> None:
    svc = service("web", "10.96.0.20", sessionAffinity="ClientIP",
                  sessionAffinityConfig={"clientIP": {"timeoutSeconds": 600}})
    t = table([svc], [slice_("web", THREE)])
    entry = t.node_json("node-1")["services"][0]
    assert (entry["sessionAffinity"], entry["sessionAffinityTimeoutSeconds"]) == ("ClientIP", 600)
    out = trace(t, "node-1", "10.244.1.9", "10.96.0.20", 80, "TCP")
    assert out["sessionAffinity"]["timeoutSeconds"] == 600
    assert any("--rcheck --seconds 600" in r for r in out["rules"])
