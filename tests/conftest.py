"""Shared fixtures: an in-process app and client (fresh in-memory database per test), a live
``mockapi serve`` subprocess on a free loopback port, its kubeconfig, the official client, kubectl."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from mockapi.app import create_app


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    """The API alone: the simulated kubelet is off, so pods stay as written (Pending)."""
    application = create_app({"db": "sqlite://", "nodes": 3, "kubelet": "off"})
    yield application
    application.extensions["mockapi"].close()


@pytest.fixture
def app_kubelet():  # type: ignore[no-untyped-def]
    """A simulated cluster: the scheduler and kubelet bind, start and ready pods (the serve default)."""
    application = create_app({"db": "sqlite://", "nodes": 3, "kubelet": "on"})
    yield application
    application.extensions["mockapi"].close()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A ``mockapi serve`` subprocess on loopback; stopped by the fixture that started it."""

    def __init__(self, *args: str, db: str = "sqlite://", env: dict[str, str] | None = None,
                 cwd: str | None = None, kubelet: str = "off") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "mockapi", "serve", "--port", str(self.port), "--db", db, *args]
        # API tests see pods exactly as written; live_cluster (and kubelet="on") simulates nodes
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={**os.environ, "MOCKAPI_KUBELET": kubelet, **(env or {})}, cwd=cwd)
        self.wait_ready()

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                raise RuntimeError(f"mockapi exited with {self.proc.returncode}:\n{out}")
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("mockapi did not become ready in time")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def kubeconfig(self, path: Path) -> Path:
        path.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- cluster:\n    server: {self.url}\n  name: mockapi\n"
            "contexts:\n- context:\n    cluster: mockapi\n    user: mockapi\n    namespace: default\n"
            "  name: mockapi\ncurrent-context: mockapi\n"
            "users:\n- name: mockapi\n  user:\n    token: mockapi\n"
        )
        return path


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_cluster() -> Iterator[LiveServer]:
    """A ``mockapi serve`` with the simulated kubelet on (the default of ``mockapi serve``)."""
    server = LiveServer(kubelet="on")
    yield server
    server.stop()


@pytest.fixture
def api(live_server: LiveServer) -> requests.Session:
    session = requests.Session()
    session.base_url = live_server.url  # type: ignore[attr-defined]
    return session


@pytest.fixture
def namespace(live_server: LiveServer) -> Iterator[str]:
    """A fresh namespace on the live server for one test."""
    name = "t-" + uuid.uuid4().hex[:10]
    r = requests.post(live_server.url + "/api/v1/namespaces", json={"metadata": {"name": name}}, timeout=10)
    assert r.status_code == 201, r.text
    yield name
    requests.delete(live_server.url + f"/api/v1/namespaces/{name}", timeout=10)


@pytest.fixture(scope="session")
def kubeconfig(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return live_server.kubeconfig(tmp_path_factory.mktemp("kube") / "config")


@pytest.fixture(scope="session")
def kubectl(kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed on this machine")
    cache = tmp_path_factory.mktemp("kubecache")

    def run(*args: str, check: bool = True, input: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [exe, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def k8s_client(kubeconfig: Path):  # type: ignore[no-untyped-def]
    kubernetes = pytest.importorskip("kubernetes")
    api_client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
    yield api_client
    api_client.close()
