"""Plain-object builders for the pure proxy tests: Services, EndpointSlices and Nodes as dicts."""

from __future__ import annotations

from typing import Any

from mockapi.proxy.routing_table import RoutingTable

CLUSTER_CIDR = "10.244.0.0/16"
ZONES = {"node-1": "zone-a", "node-2": "zone-b", "node-3": "zone-c"}


def node(name: str, ip: str) -> dict[str, Any]:
    index = int(name.rsplit("-", 1)[1])
    return {"metadata": {"name": name, "resourceVersion": "1",
                         "labels": {"topology.kubernetes.io/zone": ZONES[name]}},
            "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]}}


NODES = [node("node-1", "172.18.0.2"), node("node-2", "172.18.0.3"), node("node-3", "172.18.0.4")]


def service(name: str, cluster_ip: str, type_: str = "ClusterIP", ports: list[dict[str, Any]] | None = None,
            status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"namespace": "default", "name": name, "resourceVersion": "10"},
        "spec": {"type": type_, "clusterIP": cluster_ip,
                 "clusterIPs": [cluster_ip] if cluster_ip != "None" else ["None"],
                 "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                 "sessionAffinity": "None", "internalTrafficPolicy": "Cluster", **spec}}
    if type_ in ("NodePort", "LoadBalancer"):
        body["spec"].setdefault("externalTrafficPolicy", "Cluster")
    if status:
        body["status"] = status
    return body


def endpoint(ip: str, node_name: str, ready: bool = True, serving: bool | None = None, terminating: bool = False,
             hints: list[str] | None = None) -> dict[str, Any]:
    ep: dict[str, Any] = {"addresses": [ip], "nodeName": node_name, "zone": ZONES[node_name],
                          "conditions": {"ready": ready, "serving": ready if serving is None else serving,
                                         "terminating": terminating}}
    if hints is not None:
        ep["hints"] = {"forZones": [{"name": z} for z in hints]}
    return ep


def slice_(service_name: str, endpoints: list[dict[str, Any]], port: int = 8080, name: str = "http",
           labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"metadata": {"namespace": "default", "name": f"{service_name}-abcde", "resourceVersion": "11",
                         "labels": {"kubernetes.io/service-name": service_name, **(labels or {})}},
            "addressType": "IPv4", "ports": [{"name": name, "port": port, "protocol": "TCP"}],
            "endpoints": endpoints}


def table(services: list[dict[str, Any]], slices: list[dict[str, Any]]) -> RoutingTable:
    t = RoutingTable(cluster_cidr=CLUSTER_CIDR)
    for n in NODES:
        t.put_node(n)
    for s in services:
        t.put_service(s)
    for s in slices:
        t.put_slice(s)
    t.refresh()
    return t


THREE = [endpoint("10.244.3.9", "node-3"), endpoint("10.244.1.5", "node-1"), endpoint("10.244.2.7", "node-2")]
