"""End to end over HTTP and kubectl against ``mockapi serve`` with the simulated kubelet on: a pod is
scheduled, gets an IP and turns Ready; readiness follows /status writes and node readiness;
graceful deletion keeps a pod terminating; dependents are garbage-collected."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer

POD_YAML = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: web}}
spec:
  containers:
  - name: web
    image: nginx:1.25
    ports: [{{containerPort: 80, name: http}}]
"""


@pytest.fixture
def cluster_ns(live_cluster: LiveServer) -> Iterator[str]:
    name = "pl-" + uuid.uuid4().hex[:8]
    r = requests.post(live_cluster.url + "/api/v1/namespaces", json={"metadata": {"name": name}}, timeout=10)
    assert r.status_code == 201, r.text
    yield name
    requests.delete(live_cluster.url + f"/api/v1/namespaces/{name}", timeout=10)


@pytest.fixture(scope="module")
def kubectl_cluster(live_cluster: LiveServer, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import subprocess

    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine")
    config = live_cluster.kubeconfig(tmp_path_factory.mktemp("kube-cluster") / "config")
    cache = tmp_path_factory.mktemp("kubecache-cluster")

    def run(*args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([exe, "--kubeconfig", str(config), "--cache-dir", str(cache), *args],
                              capture_output=True, text=True, input=input, timeout=60, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


def _pod(url: str, ns: str, name: str) -> dict[str, Any]:
    r = requests.get(f"{url}/api/v1/namespaces/{ns}/pods/{name}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _ready(pod: dict[str, Any]) -> str:
    return next(c["status"] for c in pod["status"].get("conditions", []) if c["type"] == "Ready")


def test_create_is_running_when_the_write_returns(live_cluster: LiveServer, cluster_ns: str) -> None:
    url = live_cluster.url
    body = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    r = requests.post(f"{url}/api/v1/namespaces/{cluster_ns}/pods", json=body, timeout=10)
    assert r.status_code == 201
    rv = r.json()["metadata"]["resourceVersion"]
    pod = _pod(url, cluster_ns, "p")  # read-your-writes: no waiting
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"].startswith("10.244.")
    assert _ready(pod) == "True"
    # a watch from before the create sees ADDED (Pending) then MODIFIED (Running)
    before = str(int(rv) - 1)
    w = requests.get(f"{url}/api/v1/namespaces/{cluster_ns}/pods",
                     params={"watch": "1", "resourceVersion": before, "timeoutSeconds": "1"}, timeout=10)
    events = [json.loads(line) for line in w.text.splitlines() if line.strip()]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED"]
    assert events[0]["object"]["status"]["phase"] == "Pending"
    assert events[1]["object"]["spec"]["nodeName"] and events[1]["object"]["status"]["phase"] == "Running"


@pytest.mark.kubectl
def test_kubectl_wait_and_wide_output(kubectl_cluster, live_cluster: LiveServer, cluster_ns: str) -> None:  # type: ignore[no-untyped-def]
    kubectl = kubectl_cluster
    kubectl("apply", "-n", cluster_ns, "-f", "-", input=POD_YAML.format(name="web"))
    out = kubectl("wait", "-n", cluster_ns, "--for=condition=Ready", "pod/web", "--timeout=20s").stdout
    assert "pod/web condition met" in out
    wide = kubectl("get", "pods", "-n", cluster_ns, "-o", "wide").stdout.splitlines()
    assert wide[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    cols = wide[1].split()
    pod = _pod(live_cluster.url, cluster_ns, "web")
    assert cols[:3] == ["web", "1/1", "Running"]
    assert cols[5] == pod["status"]["podIP"] and cols[6] == pod["spec"]["nodeName"]
    kubectl("delete", "-n", cluster_ns, "pod/web", "--wait=true", "--timeout=20s")
    assert kubectl("get", "-n", cluster_ns, "pod/web", check=False).returncode != 0


@pytest.mark.kubectl
def test_kubectl_sees_unschedulable_pod(kubectl_cluster, cluster_ns: str) -> None:  # type: ignore[no-untyped-def]
    kubectl = kubectl_cluster
    manifest = POD_YAML.format(name="stuck") + "  nodeSelector: {disk: floppy}\n"
    kubectl("apply", "-n", cluster_ns, "-f", "-", input=manifest)
    out = kubectl("get", "pod/stuck", "-n", cluster_ns, "-o", "jsonpath={.status.conditions[0].message}").stdout
    assert out.startswith("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
    wait = kubectl("wait", "-n", cluster_ns, "--for=condition=Ready", "pod/stuck", "--timeout=1s", check=False)
    assert wait.returncode != 0


def test_readiness_gate_and_status_flip(live_cluster: LiveServer, cluster_ns: str) -> None:
    url = live_cluster.url
    base = f"{url}/api/v1/namespaces/{cluster_ns}/pods"
    body = {"metadata": {"name": "g"}, "spec": {"containers": [{"name": "c", "image": "busybox"}],
                                                 "readinessGates": [{"conditionType": "example.com/ready"}]}}
    assert requests.post(base, json=body, timeout=10).status_code == 201
    assert _ready(_pod(url, cluster_ns, "g")) == "False"
    patch = {"status": {"conditions": [{"type": "example.com/ready", "status": "True"}]}}
    r = requests.patch(f"{base}/g/status", json=patch, timeout=10,
                       headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.status_code == 200
    assert _ready(_pod(url, cluster_ns, "g")) == "True"
    flip = {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    requests.patch(f"{base}/g/status", json=flip, timeout=10,
                   headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert _ready(_pod(url, cluster_ns, "g")) == "False"


def test_gc_deletes_dependents_over_http(live_cluster: LiveServer, cluster_ns: str) -> None:
    url = live_cluster.url
    svc = requests.post(f"{url}/api/v1/namespaces/{cluster_ns}/services", timeout=10,
                        json={"metadata": {"name": "owner"}, "spec": {"ports": [{"port": 80}]}}).json()
    ref = {"apiVersion": "v1", "kind": "Service", "name": "owner", "uid": svc["metadata"]["uid"]}
    body = {"metadata": {"name": "dep", "ownerReferences": [ref]},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    assert requests.post(f"{url}/api/v1/namespaces/{cluster_ns}/pods", json=body, timeout=10).status_code == 201
    requests.delete(f"{url}/api/v1/namespaces/{cluster_ns}/services/owner", timeout=10)
    r = requests.get(f"{url}/api/v1/namespaces/{cluster_ns}/pods/dep", timeout=10)
    assert r.status_code == 404


def test_graceful_deletion_server() -> None:
    server = LiveServer("--graceful-deletion", "--nodes", "2", kubelet="on")
    try:
        url = server.url
        base = f"{url}/api/v1/namespaces/default/pods"
        body = {"metadata": {"name": "t"}, "spec": {"terminationGracePeriodSeconds": 1,
                                                     "containers": [{"name": "c", "image": "busybox"}]}}
        assert requests.post(base, json=body, timeout=10).status_code == 201
        ip = _pod(url, "default", "t")["status"]["podIP"]
        r = requests.delete(f"{base}/t", timeout=10)
        assert r.status_code == 200 and r.json()["metadata"]["deletionGracePeriodSeconds"] == 1
        assert requests.get(f"{base}/t", timeout=10).status_code == 200  # terminating
        deadline = time.monotonic() + 6
        while requests.get(f"{base}/t", timeout=10).status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        # the IP went back to node-1's pool (the first pod of a fresh cluster went to node-1)
        body["metadata"]["name"] = "t2"
        body["spec"]["nodeName"] = "node-1"
        assert requests.post(base, json=body, timeout=10).status_code == 201
        assert _pod(url, "default", "t2")["status"]["podIP"] == ip == "10.244.0.2"
    finally:
        server.stop()


def test_kubectl_get_endpoints_and_endpointslices(kubectl_cluster, cluster_ns: str) -> None:  # type: ignore[no-untyped-def]
    """What `kubectl get endpoints,endpointslices` prints for three ready pods behind a Service."""
    for i in range(3):
        kubectl_cluster("run", f"web-{i}", "-n", cluster_ns, "--image=nginx", "-l", "app=web", "--port=8080")
    kubectl_cluster("create", "service", "clusterip", "web", "-n", cluster_ns, "--tcp=80:8080")
    out = kubectl_cluster("get", "endpoints,endpointslices", "-n", cluster_ns).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "ENDPOINTS", "AGE"]
    ep_line = next(line for line in lines if line.startswith("endpoints/web "))
    assert ep_line.split()[1].count(":8080") == 3
    header = next(line for line in lines if line.startswith("NAME") and "ADDRESSTYPE" in line)
    assert header.split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    slice_line = next(line for line in lines if line.startswith("endpointslice.discovery.k8s.io/web-"))
    cells = slice_line.split()
    assert cells[1:3] == ["IPv4", "8080"] and cells[3].count(".") == 9  # three IPv4 addresses
    describe = kubectl_cluster("describe", "service", "web", "-n", cluster_ns).stdout
    assert "Endpoints:" in describe and ":8080" in describe
