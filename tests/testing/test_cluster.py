"""mockapi.Cluster (in-process and subprocess), its kubeconfig with kubectl and the official client,
and the ``mockapi kubeconfig`` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner

import mockapi
from mockapi.cli import main as cli
from mockapi.testing.cluster import load_manifests, resource_for
from mockapi.testing.kubeconfig import build_kubeconfig

APP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx}]
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[mockapi.Cluster]:
    with mockapi.Cluster(nodes=2) as c:
        c.apply(APP)
        yield c


def kubectl_or_skip() -> str:
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine")
    return exe


def test_inprocess_start_is_fast_and_stop_frees_everything() -> None:
    mockapi.Cluster(nodes=1).start().stop()  # warm the imports; what follows is the cost of a cluster
    began = time.perf_counter()
    with mockapi.Cluster(nodes=3) as c:
        elapsed = time.perf_counter() - began
        url, kubeconfig = c.url, Path(c.kubeconfig)
        assert c.session.get("/readyz").text == "ok"
        kept = c.new_session()
        assert kept.get("/api/v1/nodes").status_code == 200
        nodes = c.list("nodes")
    assert elapsed < 0.5, f"in-process start took {elapsed:.3f}s"
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    assert not kubeconfig.exists() and not c.running
    try:  # a session that kept its connection alive gets a 503 Status or a closed connection
        assert kept.get(url + "/api/v1/nodes", timeout=5).status_code == 503
    except requests.ConnectionError:
        pass
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/readyz", timeout=2)
    with pytest.raises(RuntimeError, match="not running"):
        _ = c.url
    c.stop()  # idempotent


def test_stopped_even_when_the_block_raises() -> None:
    with pytest.raises(ZeroDivisionError), mockapi.Cluster(nodes=1) as c:
        url = c.url
        1 / 0  # noqa: B018
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/readyz", timeout=2)


def test_bad_options_are_refused_before_anything_starts() -> None:
    with pytest.raises(TypeError, match="unknown mockapi option.*no_such"):
        mockapi.Cluster(no_such=1)
    with pytest.raises(ValueError, match="mode"):
        mockapi.Cluster(mode="thread")
    with pytest.raises(ValueError, match="controllers"):
        mockapi.Cluster(controllers="sometimes")


def test_apply_text_creates_and_returns_stored_objects(cluster: mockapi.Cluster) -> None:
    svc = cluster.get("svc", "web", namespace="shop")
    assert svc["spec"]["clusterIP"].startswith("10.")
    endpoints = cluster.get("endpoints", "web", namespace="shop")
    assert endpoints["subsets"][0]["addresses"][0]["targetRef"]["name"] == "web-1"
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_apply_file_updates_in_place(cluster: mockapi.Cluster, tmp_path: Path) -> None:
    before = cluster.get("service", "web", namespace="shop")
    manifest = tmp_path / "web.yaml"
    manifest.write_text(APP.replace("port: 80,", "port: 8000,"))
    objs = cluster.apply(manifest)
    assert [o["kind"] for o in objs] == ["Namespace", "Service", "Pod"]
    assert objs[1]["metadata"]["uid"] == before["metadata"]["uid"]
    assert objs[1]["spec"]["ports"][0]["port"] == 8000
    assert objs[1]["spec"]["clusterIP"] == before["spec"]["clusterIP"]
    again = cluster.apply(str(manifest))[1]  # unchanged: no new revision
    assert again["metadata"]["resourceVersion"] == objs[1]["metadata"]["resourceVersion"]


def test_apply_dicts_lists_and_default_namespace(cluster: mockapi.Cluster, tmp_path: Path) -> None:
    cm_less = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "plain"},
               "spec": {"ports": [{"port": 53, "protocol": "UDP"}]}}
    (out,) = cluster.apply([cm_less])
    assert out["metadata"]["namespace"] == "default"
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({**cm_less, "metadata": {"name": "from-dir"}}))
    (tmp_path / "b.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {**cm_less, "metadata": {"name": "from-list"}}]}))
    applied = cluster.apply(tmp_path, namespace="shop")
    assert [o["metadata"]["name"] for o in applied] == ["from-dir", "from-list"]
    assert cluster.delete("svc", "from-dir", namespace="shop")["kind"] in ("Service", "Status")
    assert cluster.delete("svc", "from-dir", namespace="shop", missing_ok=True) is None


def test_apply_errors_carry_the_kubernetes_status(cluster: mockapi.Cluster) -> None:
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad", "namespace": "shop"},
           "spec": {"ports": [{"port": 0}]}}
    with pytest.raises(mockapi.ApiError) as info:
        cluster.apply(bad)
    err = info.value
    assert err.code == 422 and err.reason == "Invalid"
    assert err.status["kind"] == "Status"
    assert any(c["field"] == "spec.ports[0].port" for c in err.status["details"]["causes"])
    with pytest.raises(mockapi.ApiError) as info:
        cluster.get("svc", "missing", namespace="shop")
    assert info.value.code == 404 and 'services "missing" not found' in str(info.value)
    with pytest.raises(ValueError, match="no resource"):
        cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}})


def test_load_manifests_and_resource_names() -> None:
    assert [o["kind"] for o in load_manifests(APP + "\n---\n")] == ["Namespace", "Service", "Pod"]
    assert resource_for("svc").plural == resource_for("Service").plural == "services"
    assert resource_for("EndpointSlice", "discovery.k8s.io/v1").group == "discovery.k8s.io"
    with pytest.raises(TypeError):
        load_manifests(42)


def test_routing_table_trace_and_dns(cluster: mockapi.Cluster) -> None:
    svc = cluster.get("svc", "web", namespace="shop")
    pod = cluster.get("pod", "web-1", namespace="shop")
    table = cluster.routing_table(node="node-1")
    assert [n["name"] for n in table["nodes"]] == ["node-1"]
    web = [s for s in table["nodes"][0]["services"] if s["name"] == "web"]
    assert web and web[0]["frontends"][0]["backends"][0]["ip"] == pod["status"]["podIP"]
    assert "-A KUBE-SERVICES" in cluster.routing_table(format="iptables")
    port = svc["spec"]["ports"][0]["port"]
    hop = cluster.trace("node-2", "10.244.1.10", svc["spec"]["clusterIP"], port)
    assert hop["verdict"] == "DNAT" and hop["service"]["name"] == "web"
    answer = cluster.dns("web.shop.svc.cluster.local")
    assert [a["data"] for a in answer["answers"]] == [svc["spec"]["clusterIP"]]
    with pytest.raises(mockapi.ApiError) as info:
        cluster.routing_table(node="node-9")
    assert info.value.code == 404


def test_watch_streams_while_other_requests_are_served(cluster: mockapi.Cluster) -> None:
    events: list[dict] = []
    listing = cluster.session.get("/api/v1/namespaces/shop/pods").json()

    def watch() -> None:
        with cluster.new_session() as s:
            resp = s.get("/api/v1/namespaces/shop/pods", stream=True, timeout=10,
                         params={"watch": "1", "resourceVersion": listing["metadata"]["resourceVersion"],
                                 "timeoutSeconds": "5"})
            for line in resp.iter_lines():
                events.append(json.loads(line))
                if events[-1]["object"]["metadata"]["name"] == "watched":
                    return

    thread = threading.Thread(target=watch)
    thread.start()
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "watched", "namespace": "shop"},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    thread.join(10)
    assert not thread.is_alive()
    assert ("ADDED", "watched") in [(e["type"], e["object"]["metadata"]["name"]) for e in events]


def test_in_memory_database_takes_concurrent_writers(cluster: mockapi.Cluster) -> None:
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            with cluster.new_session() as s:
                for j in range(5):
                    r = s.post("/api/v1/namespaces/shop/services", json={
                        "metadata": {"name": f"c-{i}-{j}"}, "spec": {"ports": [{"port": 80}]}})
                    assert r.status_code == 201, r.text
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    names = {s["metadata"]["name"] for s in cluster.list("svc", namespace="shop")}
    assert {f"c-{i}-{j}" for i in range(8) for j in range(5)} <= names


def test_two_clusters_in_one_process_are_independent() -> None:
    with mockapi.Cluster(nodes=1, service_cidr="10.100.0.0/16") as a, \
            mockapi.Cluster(nodes=4, kubelet="off") as b:
        assert a.url != b.url
        a.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "only-a"}})
        assert len(a.list("nodes")) == 1 and len(b.list("nodes")) == 4
        with pytest.raises(mockapi.ApiError):
            b.get("namespace", "only-a")
        assert a.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.100.0.1"
        assert b.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"


def test_manual_controllers_step_with_reconcile() -> None:
    with mockapi.Cluster(nodes=1, controllers="manual") as c:
        c.apply(APP)
        assert c.list("endpoints", namespace="shop") == []
        summary = c.reconcile()
        assert "controllers" in summary
        assert c.get("endpoints", "web", namespace="shop")["subsets"]


def test_reset_returns_to_the_initial_state() -> None:
    with mockapi.Cluster(nodes=2) as c:
        if c.session.post("/mock/reset").status_code == 404:
            pytest.skip("POST /mock/reset is not served yet")
        c.apply(APP)
        c.reset()
        with pytest.raises(mockapi.ApiError):
            c.get("namespace", "shop")
        assert {n["metadata"]["name"] for n in c.list("nodes")} == {"node-1", "node-2"}
        assert c.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"


def test_subprocess_mode(tmp_path: Path) -> None:
    with mockapi.Cluster(nodes=2, mode="subprocess", pod_cidr="10.50.0.0/16") as c:
        proc = c._server.proc
        svc = c.apply(APP)[1]
        pod = c.get("pod", "web-1", namespace="shop")  # the apply answer is the pod as written (Pending)
        assert pod["status"]["podIP"].startswith("10.50.")
        endpoints = c.get("endpoints", "web", namespace="shop")
        assert endpoints["subsets"][0]["addresses"][0]["ip"] == pod["status"]["podIP"]
        assert c.dns("web.shop.svc.cluster.local")["answers"][0]["data"] == svc["spec"]["clusterIP"]
    assert proc.poll() is not None


def test_kubeconfig_works_with_the_official_client(cluster: mockapi.Cluster) -> None:
    kubernetes = pytest.importorskip("kubernetes")
    api_client = kubernetes.config.new_client_from_config(config_file=cluster.kubeconfig)
    try:
        services = kubernetes.client.CoreV1Api(api_client).list_namespaced_service("shop")
        assert "web" in [s.metadata.name for s in services.items]
    finally:
        api_client.close()


def test_kubeconfig_works_with_kubectl(cluster: mockapi.Cluster, tmp_path: Path) -> None:
    exe = kubectl_or_skip()
    out = subprocess.run([exe, "--kubeconfig", cluster.kubeconfig, "--cache-dir", str(tmp_path), "get", "svc",
                          "-n", "shop", "web", "-o", "name"],
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "service/web"


def test_kubeconfig_command_prints_and_writes(cluster: mockapi.Cluster, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["kubeconfig", "--server", cluster.url, "--context", "ci",
                                      "--namespace", "shop"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.output)
    assert doc["current-context"] == "ci"
    assert doc["clusters"][0]["cluster"]["server"] == cluster.url
    assert doc["contexts"][0]["context"]["namespace"] == "shop"
    target = tmp_path / "kube" / "config"
    result = CliRunner().invoke(cli, ["kubeconfig", "--server", cluster.url, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(target.read_text()) == yaml.safe_load(build_kubeconfig(cluster.url))
    kubernetes = pytest.importorskip("kubernetes")
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(target), client_configuration=configuration)
    assert configuration.host == cluster.url
    with kubernetes.client.ApiClient(configuration) as api_client:
        assert kubernetes.client.VersionApi(api_client).get_code().major == "1"
    exe = shutil.which("kubectl")
    if exe is not None:  # the namespace from --namespace is the default one
        (tmp_path / "ns").write_text(CliRunner().invoke(
            cli, ["kubeconfig", "--server", cluster.url, "--namespace", "shop"]).output)
        out = subprocess.run([exe, "--kubeconfig", str(tmp_path / "ns"), "--cache-dir", str(tmp_path / "c"),
                              "get", "pods", "-o", "name"],
                             check=False, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "pod/web-1" in out.stdout.split()


def test_kubeconfig_command_defaults_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKAPI_PORT", "9999")
    result = CliRunner().invoke(cli, ["kubeconfig"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.output)["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:9999"
    result = CliRunner().invoke(cli, ["kubeconfig", "--server", "localhost:8080"])
    assert result.exit_code == 2 and "http://" in result.output


def test_seed_makes_runs_reproducible() -> None:
    def run(mode: str) -> list[tuple[str, str]]:
        with mockapi.Cluster(nodes=2, seed=7, mode=mode) as c:
            c.apply(APP)
            svc, pod = c.get("svc", "web", namespace="shop"), c.get("pod", "web-1", namespace="shop")
            return [(svc["metadata"]["uid"], svc["spec"]["clusterIP"]),
                    (pod["metadata"]["uid"], pod["status"]["podIP"])]

    first = run("inprocess")
    assert run("inprocess") == first
    assert run("subprocess") == first
    # each in-process cluster draws from its own sources: a busy unseeded neighbour, writing between
    # the seeded cluster's writes, changes nothing
    with mockapi.Cluster(nodes=2) as other, mockapi.Cluster(nodes=2, seed=7) as seeded:
        other.apply(APP)
        seeded.apply(APP)
        other.apply(APP.replace("name: web-1", "name: web-2"))
        svc, pod = seeded.get("svc", "web", namespace="shop"), seeded.get("pod", "web-1", namespace="shop")
        assert [(svc["metadata"]["uid"], svc["spec"]["clusterIP"]),
                (pod["metadata"]["uid"], pod["status"]["podIP"])] == first


def test_a_subprocess_cluster_never_stopped_ends_with_python() -> None:
    code = ("import mockapi\nc = mockapi.Cluster(nodes=1, mode='subprocess').start()\n"
            "print(c._server.proc.pid)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.split()[-1])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
