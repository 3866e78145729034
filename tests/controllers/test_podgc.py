"""PodGC for deleted nodes: the pods bound to a node that goes are marked DisruptionTarget/Failed and
deleted in the same transaction, so the Service's endpoints drop them; pods elsewhere stay."""

from __future__ import annotations

import json
from typing import Any

NS = "/api/v1/namespaces/default"


def test_deleting_a_node_deletes_its_pods(app_kubelet: Any) -> None:
    client = app_kubelet.test_client()
    client.post(f"{NS}/services", json={"metadata": {"name": "web"},
                                        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    for i in range(3):  # the scheduler spreads them: one per node
        r = client.post(f"{NS}/pods", json={"metadata": {"name": f"w{i}", "labels": {"app": "web"}},
                                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        assert r.status_code == 201
    pods = {p["metadata"]["name"]: p for p in client.get(f"{NS}/pods").get_json()["items"]}
    victim = next(n for n, p in pods.items() if p["spec"]["nodeName"] == "node-2")
    rv = client.get(f"{NS}/pods").get_json()["metadata"]["resourceVersion"]
    assert client.delete("/api/v1/nodes/node-2").status_code == 200
    left = {p["metadata"]["name"] for p in client.get(f"{NS}/pods").get_json()["items"]}
    assert left == set(pods) - {victim}
    addresses = client.get(f"{NS}/endpoints/web").get_json()["subsets"][0]["addresses"]
    assert sorted(a["targetRef"]["name"] for a in addresses) == sorted(left)
    # the history: marked Failed with DisruptionTarget, then DELETED
    with client.get(f"{NS}/pods?watch=1&resourceVersion={rv}&timeoutSeconds=1&fieldSelector=metadata.name={victim}",
                    buffered=True) as stream:
        events = [json.loads(line) for line in stream.get_data().splitlines() if line.strip()]
    types = [e["type"] for e in events]
    assert types == ["MODIFIED", "DELETED"]
    conditions = {c["type"]: c for c in events[0]["object"]["status"]["conditions"]}
    assert conditions["DisruptionTarget"]["reason"] == "DeletionByPodGC"
    assert conditions["DisruptionTarget"]["message"] == "PodGC: node no longer exists"
    assert events[0]["object"]["status"]["phase"] == "Failed"
