"""The served process: options and MOCKAPI_* environment, persistence across restarts, migrations
on start, ``mockapi db upgrade``, and prompt clean shutdown with open watches."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import requests
from conftest import LiveServer


def _pod(name: str) -> dict:
    return {"metadata": {"name": name, "labels": {"app": "p"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}


def test_restart_on_the_same_file_keeps_objects_versions_and_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'state.db'}"
    first = LiveServer(db=db)
    try:
        created = requests.post(first.url + "/api/v1/namespaces/default/pods", json=_pod("keep"), timeout=5).json()
        start_rv = int(created["metadata"]["resourceVersion"]) - 1
        patched = requests.patch(first.url + "/api/v1/namespaces/default/pods/keep",
                                 data='{"metadata":{"labels":{"x":"1"}}}',
                                 headers={"Content-Type": "application/merge-patch+json"}, timeout=5).json()
        nodes_before = requests.get(first.url + "/api/v1/nodes", timeout=5).json()["items"]
    finally:
        assert first.stop() == 0
    second = LiveServer(db=db)
    try:
        got = requests.get(second.url + "/api/v1/namespaces/default/pods/keep", timeout=5).json()
        assert got == patched
        nodes_after = requests.get(second.url + "/api/v1/nodes", timeout=5).json()["items"]
        assert [n["metadata"]["uid"] for n in nodes_after] == [n["metadata"]["uid"] for n in nodes_before]
        r = requests.get(second.url + "/api/v1/namespaces/default/pods",
                         params={"watch": "true", "resourceVersion": str(start_rv), "timeoutSeconds": "1"},
                         timeout=10)
        events = [line for line in r.text.splitlines() if line]
        assert len(events) == 2
        assert '"type":"ADDED"' in events[0] and '"type":"MODIFIED"' in events[1]
    finally:
        second.stop()


def test_environment_configures_the_server() -> None:
    server = LiveServer(env={"MOCKAPI_NODES": "2", "MOCKAPI_KUBERNETES_VERSION": "v1.29.3"})
    try:
        nodes = requests.get(server.url + "/api/v1/nodes", timeout=5).json()["items"]
        assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2"]
        assert requests.get(server.url + "/version", timeout=5).json()["minor"] == "29"
    finally:
        server.stop()


def test_cli_options_override_the_environment() -> None:
    server = LiveServer("--nodes", "5", env={"MOCKAPI_NODES": "2"})
    try:
        nodes = requests.get(server.url + "/api/v1/nodes", timeout=5).json()["items"]
        assert len(nodes) == 5
        zones = [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes]
        assert zones == ["zone-a", "zone-b", "zone-c", "zone-a", "zone-b"]
    finally:
        server.stop()


def test_default_database_is_a_file_in_the_working_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port_server = subprocess.Popen([sys.executable, "-m", "mockapi", "serve", "--port", "0"], cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "mockapi.db").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (tmp_path / "mockapi.db").exists()
    finally:
        port_server.terminate()
        port_server.wait(10)
        assert port_server.stdout is not None
        port_server.stdout.close()


def test_db_upgrade_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'up.db'}"
    out = subprocess.run([sys.executable, "-m", "mockapi", "db", "upgrade", "--db", url], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "created" in out.stdout
    again = subprocess.run([sys.executable, "-m", "mockapi", "db", "upgrade", "--db", url], capture_output=True,
                           text=True, timeout=60)
    assert "current" in again.stdout


def test_sigterm_and_sigint_stop_promptly_with_open_watches() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        server = LiveServer()
        streams = []

        def watch() -> None:
            try:
                r = requests.get(server.url + "/api/v1/pods", params={"watch": "1"}, stream=True, timeout=30)
                streams.append(r)
                for _ in r.iter_lines():
                    pass
            except requests.RequestException:
                pass

        threads = [threading.Thread(target=watch, daemon=True) for _ in range(5)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while len(streams) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        server.proc.send_signal(sig)
        code = server.proc.wait(15)
        elapsed = time.monotonic() - started
        server.stop()
        assert code == 0
        assert elapsed < 5, f"shutdown took {elapsed:.1f}s"
        for t in threads:
            t.join(5)
            assert not t.is_alive()


def test_long_request_lines_reach_the_api(live_server) -> None:  # type: ignore[no-untyped-def]
    """Found by tests/test_contract.py: gunicorn answered a request line over 4094 bytes with its own 414
    HTML page; the apiserver (Go's net/http, 1 MB header limit) serves it."""
    names = ",".join(f"pod-{i:05}" for i in range(2000))  # ~20 KB of query
    r = requests.get(f"{live_server.url}/api/v1/pods?fieldSelector=metadata.name%3Dx"
                     f"&labelSelector=app+in+({names})", timeout=10)
    assert r.status_code == 200 and r.json()["kind"] == "PodList", r.text[:200]
    missing = requests.get(f"{live_server.url}/api/v1/namespaces/default/pods/{'x' * 10000}", timeout=10)
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"
