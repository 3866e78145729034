"""Each versioned kubectl (``kubectl.1.27`` … ``kubectl.1.33``, beside the target of the ``kubectl``
dispatcher on PATH), called directly against a live simulated cluster: tables, wide output,
create/apply with default validation (1.27/1.28 fetch the empty protobuf /openapi/v2 first), patch,
label, delete, run, expose, cordon, describe node and logs. kubectl 1.32+ send protobuf bodies for
``create namespace|configmap|service``: mockapi answers 415 saying what to do instead."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer

pytestmark = pytest.mark.kubectl

MINORS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"]
PROTOBUF_GENERATORS = {"1.32", "1.33"}  # client-wire §5.2
Run = Callable[..., subprocess.CompletedProcess]


def versioned_kubectl(minor: str) -> str:
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine")
    path = os.path.join(os.path.dirname(os.path.realpath(exe)), f"kubectl.{minor}")
    if not os.access(path, os.X_OK):
        pytest.skip(f"kubectl.{minor} is not installed beside {os.path.realpath(exe)}")
    return path


@pytest.fixture(scope="module")
def cluster_config(live_cluster: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return live_cluster.kubeconfig(tmp_path_factory.mktemp("kube-versions") / "config")


@pytest.fixture(params=MINORS)
def kubectl_v(request: pytest.FixtureRequest, cluster_config: Path,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Run]:
    minor = request.param
    exe = versioned_kubectl(minor)
    cache = tmp_path_factory.mktemp(f"cache-{minor}")  # discovery caches differ between versions

    def run(*args: str, check: bool = True, input: str | None = None, timeout: float = 60) -> Any:
        proc = subprocess.run([exe, "--kubeconfig", str(cluster_config), "--cache-dir", str(cache), *args],
                              capture_output=True, text=True, input=input, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl.{minor} {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    return minor, run


@pytest.fixture
def ns(live_cluster: LiveServer) -> Iterator[str]:
    name = "kv-" + uuid.uuid4().hex[:10]
    r = requests.post(live_cluster.url + "/api/v1/namespaces", json={"metadata": {"name": name}}, timeout=10)
    assert r.status_code == 201, r.text
    yield name
    requests.delete(live_cluster.url + f"/api/v1/namespaces/{name}", timeout=10)


def table(output: str) -> tuple[list[str], list[list[str]]]:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return lines[0].split(), [ln.split() for ln in lines[1:]]


POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  containers:
  - name: web
    image: {image}
    ports:
    - containerPort: 80
"""


def test_version_is_the_binary(kubectl_v: tuple[str, Run]) -> None:
    minor, kubectl = kubectl_v
    out = json.loads(kubectl("version", "-o", "json").stdout)
    assert f"{out['clientVersion']['major']}.{out['clientVersion']['minor']}" == minor
    assert out["serverVersion"]["gitVersion"].startswith("v1.")


def test_get_pods_table_and_nodes_wide(kubectl_v: tuple[str, Run], ns: str) -> None:
    _minor, kubectl = kubectl_v
    kubectl("run", "tbl", "-n", ns, "--image=nginx:1.27", "--port=80", "-l", "app=tbl")
    kubectl("wait", "-n", ns, "--for=condition=Ready", "pod/tbl", "--timeout=30s")
    header, rows = table(kubectl("get", "pods", "-n", ns).stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [r[:4] for r in rows] == [["tbl", "1/1", "Running", "0"]]
    header, rows = table(kubectl("get", "pods", "-n", ns, "-o", "wide").stdout)
    assert header[:8] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED"]
    assert re.fullmatch(r"10\.244\.\d+\.\d+", rows[0][5]) and rows[0][6].startswith("node-")

    header, rows = table(kubectl("get", "nodes", "-o", "wide").stdout)
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                      "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    assert [r[0] for r in rows] == ["node-1", "node-2", "node-3"]
    assert all(r[1] == "Ready" and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", r[5]) for r in rows)


def test_create_apply_patch_label_delete(kubectl_v: tuple[str, Run], ns: str) -> None:
    """create -f and apply -f with default validation (1.27/1.28 fetch the empty protobuf /openapi/v2)."""
    _minor, kubectl = kubectl_v
    manifest = POD.format(name="ff", image="nginx:1.25")
    assert kubectl("create", "-n", ns, "-f", "-", input=manifest).stdout.strip() == "pod/ff created"
    dup = kubectl("create", "-n", ns, "-f", "-", input=manifest, check=False)
    assert dup.returncode != 0 and 'pods "ff" already exists' in dup.stderr

    svc = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: applied\nspec:\n  selector: {app: ff}\n"
           "  ports:\n  - port: 80\n    targetPort: 8080\n")
    assert kubectl("apply", "-n", ns, "-f", "-", input=svc).stdout.strip() == "service/applied created"
    assert kubectl("apply", "-n", ns, "-f", "-", input=svc).stdout.strip() == "service/applied unchanged"
    changed = svc.replace("targetPort: 8080", "targetPort: 9090")
    assert kubectl("apply", "-n", ns, "-f", "-", input=changed).stdout.strip() == "service/applied configured"
    got = json.loads(kubectl("get", "svc", "applied", "-n", ns, "-o", "json").stdout)
    assert got["spec"]["ports"][0]["targetPort"] == 9090

    smp = '{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}'
    assert kubectl("patch", "pod", "ff", "-n", ns, "-p", smp).stdout.strip() == "pod/ff patched"
    kubectl("patch", "pod", "ff", "-n", ns, "--type", "merge", "-p", '{"metadata":{"annotations":{"a":"1"}}}')
    kubectl("patch", "pod", "ff", "-n", ns, "--type", "json",
            "-p", '[{"op":"add","path":"/metadata/labels/j","value":"2"}]')
    assert kubectl("label", "pod", "ff", "-n", ns, "env=prod").stdout.strip() == "pod/ff labeled"
    obj = json.loads(kubectl("get", "pod", "ff", "-n", ns, "-o", "json").stdout)
    assert obj["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert obj["metadata"]["annotations"] == {"a": "1"}
    assert obj["metadata"]["labels"] == {"app": "ff", "j": "2", "env": "prod"}
    kubectl("label", "pod", "ff", "-n", ns, "env-")

    assert kubectl("delete", "pod", "ff", "-n", ns, timeout=60).stdout.strip() == 'pod "ff" deleted'
    assert kubectl("delete", "svc", "applied", "-n", ns).stdout.strip() == 'service "applied" deleted'
    left = kubectl("get", "pods,svc", "-n", ns, "-o", "name", check=False)
    assert left.stdout.strip() == ""


def test_run_expose_and_logs(kubectl_v: tuple[str, Run], ns: str) -> None:
    _minor, kubectl = kubectl_v
    assert kubectl("run", "nginx", "-n", ns, "--image=nginx:1.27", "--port=80", "-l",
                   "app=nginx").stdout.strip() == "pod/nginx created"
    assert kubectl("expose", "pod", "nginx", "-n", ns, "--port=80").stdout.strip() == "service/nginx exposed"
    svc = json.loads(kubectl("get", "svc", "nginx", "-n", ns, "-o", "json").stdout)
    assert svc["spec"]["selector"] == {"app": "nginx"} and svc["spec"]["ports"][0]["port"] == 80
    header, rows = table(kubectl("get", "svc", "-n", ns).stdout)
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert rows[0][:5] == ["nginx", "ClusterIP", svc["spec"]["clusterIP"], "<none>", "80/TCP"]

    kubectl("wait", "-n", ns, "--for=condition=Ready", "pod/nginx", "--timeout=30s")
    logs = kubectl("logs", "nginx", "-n", ns).stdout.splitlines()
    assert logs[0].startswith('mockapi: container "nginx" started from image docker.io/library/nginx:1.27')
    assert "mockapi: listening on port 80/TCP" in logs and logs[-1] == "mockapi: ready"
    assert kubectl("logs", "nginx", "-n", ns, "--tail=1").stdout == "mockapi: ready\n"
    bad = kubectl("logs", "nginx", "-n", ns, "-c", "nope", check=False)
    assert bad.returncode != 0 and "container nope is not valid for pod nginx" in bad.stderr


def test_cordon_and_describe_node(kubectl_v: tuple[str, Run]) -> None:
    _minor, kubectl = kubectl_v
    try:
        assert kubectl("cordon", "node-3").stdout.strip() == "node/node-3 cordoned"
        _header, rows = table(kubectl("get", "nodes").stdout)
        assert {r[0]: r[1] for r in rows}["node-3"] == "Ready,SchedulingDisabled"
        out = kubectl("describe", "node", "node-3").stdout
        assert re.search(r"^Name:\s+node-3$", out, re.MULTILINE)
        assert re.search(r"^Unschedulable:\s+true$", out, re.MULTILINE)
    finally:
        assert kubectl("uncordon", "node-3").stdout.strip() == "node/node-3 uncordoned"
    out = kubectl("describe", "node", "node-1").stdout
    assert re.search(r"^Unschedulable:\s+false$", out, re.MULTILINE)
    assert re.search(r"^Roles:\s+<none>$", out, re.MULTILINE)
    assert "Non-terminated Pods:" in out and "Allocated resources:" in out
    assert re.search(r"^\s+InternalIP:\s+\d+\.\d+\.\d+\.\d+$", out, re.MULTILINE)


def test_create_generators(kubectl_v: tuple[str, Run], ns: str) -> None:
    """`create namespace|configmap|service` are JSON up to 1.31; 1.32+ send protobuf bodies, answered 415
    with a message that says what to do."""
    minor, kubectl = kubectl_v
    name = "gen-" + uuid.uuid4().hex[:8]
    created = kubectl("create", "namespace", name, check=False)
    svc = kubectl("create", "service", "clusterip", "gensvc", "-n", ns, "--tcp=80:8080", check=False)
    if minor not in PROTOBUF_GENERATORS:
        assert created.returncode == 0, created.stderr
        assert created.stdout.strip() == f"namespace/{name} created"
        assert svc.returncode == 0 and svc.stdout.strip() == "service/gensvc created", svc.stderr
        kubectl("delete", "namespace", name)
        return
    for proc in (created, svc):
        assert proc.returncode != 0
        # `create namespace` prints "Error from server (UnsupportedMediaType): <message>", `create service`
        # "error: failed to create ClusterIP service: <message>"
        assert "the body of the request was in an unknown format" in proc.stderr, proc.stderr
        assert "mockapi does not decode protobuf request bodies" in proc.stderr
        assert "`kubectl create -f` or `kubectl apply -f`" in proc.stderr
        assert "kubectl 1.31 or older" in proc.stderr
    assert kubectl("get", "namespace", name, check=False).returncode != 0
    # what the message suggests works with the same binary
    manifest = f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"
    assert kubectl("create", "-f", "-", input=manifest).stdout.strip() == f"namespace/{name} created"
    kubectl("delete", "namespace", name)


def test_dispatcher_kubectl_logs(cluster_config: Path, ns: str, tmp_path: Path) -> None:
    """``kubectl logs`` through the dispatcher on PATH (which runs kubectl 1.31 for this server)."""
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine")

    def kubectl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([exe, "--kubeconfig", str(cluster_config), "--cache-dir", str(tmp_path), *args],
                              capture_output=True, text=True, timeout=60, check=False)

    assert kubectl("run", "logged", "-n", ns, "--image=busybox:1.36").returncode == 0
    assert kubectl("wait", "-n", ns, "--for=condition=Ready", "pod/logged", "--timeout=30s").returncode == 0
    out = kubectl("logs", "logged", "-n", ns, "--timestamps")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z "
                    r"mockapi: container \"logged\" started from image "
                    r"docker\.io/library/busybox:1\.36 in pod " + re.escape(ns) + r"/logged on node node-\d$",
                    lines[0]), lines
    follow = kubectl("logs", "-f", "logged", "-n", ns)  # answered whole, then the stream ends
    assert follow.returncode == 0 and follow.stdout.splitlines()[-1] == "mockapi: ready"


@pytest.mark.parametrize("minor", ["1.27", "1.33"])
def test_drain_evicts_through_pods_eviction(minor: str, tmp_path: Path) -> None:
    """kubectl drain finds pods/eviction (policy/v1 Eviction) in discovery and evicts rather than deletes;
    1.33 sends its Eviction as protobuf, 1.27 as JSON."""
    exe = versioned_kubectl(minor)
    server = LiveServer("--nodes", "2", kubelet="on")
    try:
        config = server.kubeconfig(tmp_path / "config")

        def kubectl(*args: str) -> str:
            proc = subprocess.run([exe, "--kubeconfig", str(config), "--cache-dir", str(tmp_path / "cache"), *args],
                                  capture_output=True, text=True, timeout=60, check=False)
            assert proc.returncode == 0, f"kubectl.{minor} {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
            return proc.stdout

        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim", "namespace": "default"},
               "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx"}]}}
        assert requests.post(server.url + "/api/v1/namespaces/default/pods", json=pod, timeout=10).ok
        out = kubectl("drain", "node-1", "--force", "--grace-period=0")
        assert "evicting pod default/victim" in out and "pod/victim evicted" in out, out
        pods = requests.get(server.url + "/api/v1/namespaces/default/pods", timeout=10).json()["items"]
        assert [p["metadata"]["name"] for p in pods] == []
        node = requests.get(server.url + "/api/v1/nodes/node-1", timeout=10).json()
        assert node["spec"]["unschedulable"] is True
    finally:
        server.stop()
