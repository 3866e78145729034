"""The /mock state admin against real ``mockapi serve`` processes: ``--seed`` reproducibility across
runs, distinct uids in every gunicorn worker (they used to repeat the master's random sequence),
``--seed`` with several workers refused, ``--load`` errors, and the CLI commands (reset, snapshot
export/import, seed) over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from conftest import LiveServer, free_port


def _run(server: LiveServer) -> list[Any]:
    """The same requests, recording every generated value."""
    url = server.url
    s = requests.Session()
    out: list[Any] = []
    r = s.post(f"{url}/api/v1/namespaces", json={"metadata": {"generateName": "t-"}}, timeout=10)
    assert r.status_code == 201, r.text
    ns = r.json()["metadata"]
    out += [ns["name"], ns["uid"]]
    for svc_type in ("ClusterIP", "NodePort", "LoadBalancer"):
        body = {"metadata": {"name": svc_type.lower()},
                "spec": {"type": svc_type, "selector": {"app": "web"}, "ports": [{"port": 80}]}}
        r = s.post(f"{url}/api/v1/namespaces/default/services", json=body, timeout=10)
        assert r.status_code == 201, r.text
        svc = s.get(f"{url}/api/v1/namespaces/default/services/{svc_type.lower()}", timeout=10).json()
        out += [svc["metadata"]["uid"], svc["spec"]["clusterIP"],
                [p.get("nodePort") for p in svc["spec"]["ports"]], svc.get("status")]
    for _ in range(3):
        body = {"metadata": {"generateName": "web-", "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
        r = s.post(f"{url}/api/v1/namespaces/default/pods", json=body, timeout=10)
        assert r.status_code == 201, r.text
        pod = s.get(f"{url}/api/v1/namespaces/default/pods/{r.json()['metadata']['name']}", timeout=10).json()
        out += [pod["metadata"]["name"], pod["metadata"]["uid"], pod["spec"]["nodeName"], pod["status"]["podIP"]]
    out.append([i["metadata"]["uid"] for i in s.get(f"{url}/api/v1/nodes", timeout=10).json()["items"]])
    return out


def test_two_runs_with_the_same_seed_generate_the_same_values() -> None:
    results = []
    for seed in ("42", "42", "43"):
        server = LiveServer("--seed", seed, kubelet="on")
        try:
            results.append(_run(server))
        finally:
            server.stop()
    assert results[0] == results[1]
    differ = [i for i, (a, c) in enumerate(zip(results[0], results[2])) if a != c]
    assert {0, 1, 2, 3} <= set(differ)  # generated name, uids, ClusterIP differ with another seed


def test_every_worker_generates_its_own_uids(tmp_path: Path) -> None:
    server = LiveServer("--workers", "2", db=f"sqlite:///{tmp_path / 'w.db'}")
    try:
        def create(i: int) -> str:
            # a new connection each, several at once: both workers (sharing the socket) take some
            r = requests.post(f"{server.url}/api/v1/namespaces", json={"metadata": {"name": f"n{i}"}},
                              headers={"Connection": "close"}, timeout=10)
            assert r.status_code == 201, r.text
            return str(r.json()["metadata"]["uid"])

        with ThreadPoolExecutor(8) as pool:
            uids = list(pool.map(create, range(80)))
        assert len(set(uids)) == len(uids)
        items = requests.get(f"{server.url}/api/v1/namespaces", timeout=10).json()["items"]
        all_uids = [i["metadata"]["uid"] for i in items]
        assert len(set(all_uids)) == len(all_uids)
    finally:
        server.stop()


def test_a_reset_is_seen_by_every_worker(tmp_path: Path) -> None:
    """Per-process caches (routing table, selector index) follow the shared history in each worker."""
    server = LiveServer("--workers", "2", db=f"sqlite:///{tmp_path / 'r.db'}", kubelet="on")
    try:
        url = server.url
        body = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
        assert requests.post(f"{url}/api/v1/namespaces/default/services", json=body, timeout=10).status_code == 201

        def services(_: int) -> set[str]:
            table = requests.get(f"{url}/mock/routing-table", headers={"Connection": "close"}, timeout=10).json()
            return {s["name"] for n in table["nodes"] for s in n["services"]}

        with ThreadPoolExecutor(8) as pool:
            assert all(names == {"kubernetes", "web"} for names in pool.map(services, range(24)))
        assert requests.post(f"{url}/mock/reset", timeout=30).status_code == 200
        with ThreadPoolExecutor(8) as pool:
            assert all(names == {"kubernetes"} for names in pool.map(services, range(24)))
        pod = {"metadata": {"name": "p", "labels": {"app": "web"}},
               "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
        for i in range(4):  # a Service created after the reset gets endpoints, whichever worker writes
            svc = {**body, "metadata": {"name": f"web{i}"}}
            r = requests.post(f"{url}/api/v1/namespaces/default/services", json=svc,
                              headers={"Connection": "close"}, timeout=10)
            assert r.status_code == 201
        r = requests.post(f"{url}/api/v1/namespaces/default/pods", json=pod, timeout=10)
        assert r.status_code == 201
        for i in range(4):
            ep = requests.get(f"{url}/api/v1/namespaces/default/endpoints/web{i}", timeout=10).json()
            assert ep["subsets"][0]["addresses"][0]["targetRef"]["name"] == "p"
    finally:
        server.stop()


def _serve(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mockapi", "serve", "--port", str(free_port()), "--db", "sqlite://", *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_seed_with_several_workers_is_refused(tmp_path: Path) -> None:
    proc = _serve("--seed", "1", "--workers", "2", "--db", f"sqlite:///{tmp_path / 'x.db'}", tmp_path=tmp_path)
    assert proc.returncode == 2 and "--seed needs --workers 1" in proc.stderr


def test_an_invalid_manifest_stops_serve_with_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 0}]}\n")
    proc = _serve("--load", str(bad), tmp_path=tmp_path)
    assert proc.returncode == 1
    assert str(bad) in proc.stderr and "spec.ports[0].port" in proc.stderr
    missing = _serve("--load", str(tmp_path / "missing.yaml"), tmp_path=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockapi", *args], check=False, capture_output=True, text=True,
                          timeout=60)


def test_cli_reset_snapshot_and_seed(tmp_path: Path) -> None:
    manifest = tmp_path / "ns.yaml"
    manifest.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "loaded"}}))
    server = LiveServer("--load", str(manifest), env={"MOCKAPI_SEED": "3"})
    try:
        url = server.url
        r = requests.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": "extra"}}, timeout=10)
        assert r.status_code == 201
        for fmt, name in (("json", "snap.json"), ("yaml", "snap.yaml")):
            out = _cli("snapshot", "export", "--server", url, "-o", str(tmp_path / name))
            assert out.returncode == 0, out.stderr
        data = json.loads((tmp_path / "snap.json").read_text())
        assert {"extra", "loaded"} <= {i["metadata"]["name"] for i in data["items"] if i["kind"] == "Namespace"}
        docs = list(yaml.safe_load_all((tmp_path / "snap.yaml").read_text()))
        assert docs[-1]["kind"] == "Allocations"
        printed = _cli("snapshot", "export", "--server", url, "--format", "yaml")
        assert printed.returncode == 0 and "kind: Allocations" in printed.stdout

        out = _cli("reset", "--server", url)
        assert out.returncode == 0 and "seed 3" in out.stdout, out.stderr
        names = {i["metadata"]["name"] for i in requests.get(f"{url}/api/v1/namespaces", timeout=10).json()["items"]}
        assert "loaded" in names and "extra" not in names  # the --load manifests come back

        for name in ("snap.yaml", "snap.json"):
            out = _cli("snapshot", "import", str(tmp_path / name), "--server", url)
            assert out.returncode == 0 and "restored" in out.stdout, out.stderr
            names = {i["metadata"]["name"] for i in requests.get(f"{url}/api/v1/namespaces", timeout=10).json()["items"]}
            assert "extra" in names

        (tmp_path / "bad.json").write_text("{}")
        out = _cli("snapshot", "import", str(tmp_path / "bad.json"), "--server", url)
        assert out.returncode == 1 and "HTTP 400" in out.stderr

        assert _cli("seed", "7", "--server", url).stdout.strip() == "seed 7"
        assert requests.get(f"{url}/mock/seed", timeout=10).json() == {"seed": 7}
        assert _cli("seed", "none", "--server", url).stdout.strip() == "seed none (random)"
        assert _cli("seed", "x", "--server", url).returncode == 2
    finally:
        server.stop()
    down = _cli("reset", "--server", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1 and "cannot reach" in down.stderr


@pytest.mark.parametrize("seed", ["7"])
def test_a_reset_live_server_repeats_its_fresh_sequence(seed: str) -> None:
    server = LiveServer("--seed", seed, kubelet="on")
    try:
        first = _run(server)
        assert requests.post(f"{server.url}/mock/reset", timeout=30).status_code == 200
        assert _run(server) == first
    finally:
        server.stop()
