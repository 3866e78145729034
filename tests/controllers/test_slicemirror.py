"""EndpointSlice mirroring: hand-written Endpoints of a selectorless Service become EndpointSlices
managed by endpointslicemirroring-controller.k8s.io, which the routing table and DNS then use."""

from __future__ import annotations

from typing import Any

NS = "/api/v1/namespaces/default"
SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
MIRROR = "endpointslicemirroring-controller.k8s.io"


def selectorless(client: Any, name: str, **spec: Any) -> dict[str, Any]:
    body = {"metadata": {"name": name}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec}}
    r = client.post(f"{NS}/services", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def endpoints(client: Any, name: str, subsets: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    r = client.post(f"{NS}/endpoints", json={"metadata": {"name": name, **meta}, "subsets": subsets})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def mirrored(client: Any, name: str) -> list[dict[str, Any]]:
    sel = f"kubernetes.io/service-name={name},endpointslice.kubernetes.io/managed-by={MIRROR}"
    return client.get(SLICES, query_string={"labelSelector": sel}).get_json()["items"]


SUBSET = {"addresses": [{"ip": "10.1.0.5", "nodeName": "node-1", "hostname": "db-0"}, {"ip": "10.1.0.6"}],
          "notReadyAddresses": [{"ip": "10.1.0.7"}],
          "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def test_endpoints_of_a_selectorless_service_are_mirrored(client: Any) -> None:
    selectorless(client, "ext")
    ep = endpoints(client, "ext", [SUBSET], labels={"team": "a"}, annotations={"note": "x"})
    [s] = mirrored(client, "ext")
    assert s["metadata"]["name"].startswith("ext-") and len(s["metadata"]["name"]) == len("ext-") + 5
    assert s["metadata"]["labels"] == {"team": "a", "kubernetes.io/service-name": "ext",
                                       "endpointslice.kubernetes.io/managed-by": MIRROR}
    assert s["metadata"]["annotations"] == {"note": "x"}
    assert s["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Endpoints", "name": "ext",
                                                 "uid": ep["metadata"]["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}]
    assert s["addressType"] == "IPv4"
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert s["endpoints"] == [
        {"addresses": ["10.1.0.5"], "conditions": {"ready": True}, "hostname": "db-0", "nodeName": "node-1"},
        {"addresses": ["10.1.0.6"], "conditions": {"ready": True}},
        {"addresses": ["10.1.0.7"], "conditions": {"ready": False}},
    ]


def test_updates_recycle_the_slice_and_deletes_follow(client: Any) -> None:
    selectorless(client, "upd")
    endpoints(client, "upd", [SUBSET])
    [first] = mirrored(client, "upd")
    current = client.get(f"{NS}/endpoints/upd").get_json()
    current["subsets"][0]["addresses"] = [{"ip": "10.1.0.9"}]
    current["subsets"][0]["notReadyAddresses"] = []
    assert client.put(f"{NS}/endpoints/upd", json=current).status_code == 200
    [second] = mirrored(client, "upd")
    assert second["metadata"]["name"] == first["metadata"]["name"]
    assert second["endpoints"] == [{"addresses": ["10.1.0.9"], "conditions": {"ready": True}}]
    # a changed port set: a new key, the old slice is reused for it (recycleSlices)
    current = client.get(f"{NS}/endpoints/upd").get_json()
    current["subsets"][0]["ports"] = [{"name": "http", "port": 9090, "protocol": "TCP"}]
    assert client.put(f"{NS}/endpoints/upd", json=current).status_code == 200
    [third] = mirrored(client, "upd")
    assert third["metadata"]["name"] == first["metadata"]["name"] and third["ports"][0]["port"] == 9090
    assert client.delete(f"{NS}/endpoints/upd").status_code == 200
    assert mirrored(client, "upd") == []


def test_dual_stack_ports_and_dedup(client: Any) -> None:
    selectorless(client, "mix")
    endpoints(client, "mix", [
        {"addresses": [{"ip": "10.2.0.1"}, {"ip": "fd00::1"}],
         "ports": [{"port": 53, "protocol": "UDP", "name": "dns"}]},
        {"addresses": [{"ip": "10.2.0.1"}, {"ip": "10.2.0.2"}],
         "ports": [{"port": 53, "protocol": "UDP", "name": "dns"}]},
        {"addresses": [{"ip": "10.2.0.3"}], "ports": [{"port": 80, "protocol": "TCP", "name": "web"}]},
    ])
    got = {(s["addressType"], s["ports"][0]["port"]): [e["addresses"][0] for e in s["endpoints"]]
           for s in mirrored(client, "mix")}
    assert got == {("IPv4", 53): ["10.2.0.1", "10.2.0.2"], ("IPv6", 53): ["fd00::1"], ("IPv4", 80): ["10.2.0.3"]}


def test_not_mirrored_with_selector_skip_label_or_no_service(client: Any) -> None:
    client.post(f"{NS}/services", json={"metadata": {"name": "sel"},
                                        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})
    assert mirrored(client, "sel") == []
    selectorless(client, "skip")
    endpoints(client, "skip", [SUBSET], labels={"endpointslice.kubernetes.io/skip-mirror": "true"})
    assert mirrored(client, "skip") == []
    endpoints(client, "lonely", [SUBSET])  # no Service of that name
    assert mirrored(client, "lonely") == []
    selectorless(client, "lonely")  # the Service arrives later
    assert len(mirrored(client, "lonely")) == 1
    # the Service gains a selector: the mirrored slices go (the EndpointSlice controller takes over)
    r = client.patch(f"{NS}/services/lonely", json={"spec": {"selector": {"app": "y"}}},
                     content_type="application/merge-patch+json")
    assert r.status_code == 200
    assert mirrored(client, "lonely") == []


def test_a_hand_edit_of_a_mirrored_slice_is_undone(client: Any) -> None:
    selectorless(client, "edit")
    endpoints(client, "edit", [SUBSET])
    [s] = mirrored(client, "edit")
    s["endpoints"] = []
    assert client.put(f"{SLICES}/{s['metadata']['name']}", json=s).status_code == 200
    [again] = mirrored(client, "edit")
    assert len(again["endpoints"]) == 3


def test_routing_table_and_dns_use_mirrored_slices(client: Any) -> None:
    svc = selectorless(client, "legacy-db")
    endpoints(client, "legacy-db", [{"addresses": [{"ip": "10.3.0.4", "nodeName": "node-2"}],
                                     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}])
    table = client.get("/mock/routing-table", query_string={"node": "node-1"}).get_json()
    [entry] = [s for n in table["nodes"] for s in n["services"] if s["name"] == "legacy-db"]
    [frontend] = entry["frontends"]
    assert frontend["ip"] == svc["spec"]["clusterIP"]
    assert [(b["ip"], b["port"]) for b in frontend["backends"]] == [("10.3.0.4", 8080)]
