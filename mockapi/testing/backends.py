"""How a ``mockapi.Cluster`` runs its server: in this process (the app served by a threaded werkzeug
server from a daemon thread) or as a ``python -m mockapi serve`` subprocess. Start, bounded readiness
wait, stop; nothing else (the HTTP client side lives in ``mockapi.cluster``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from typing import Any

from ..config import Config


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def wait_ready(url: str, timeout: float, alive: Callable[[], str | None]) -> None:
    """Poll ``url``/readyz until it answers 200; ``alive()`` returns an error text once the server died."""
    deadline = time.monotonic() + timeout
    while True:
        problem = alive()
        if problem:
            raise RuntimeError(problem)
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            raise RuntimeError(f"mockapi at {url} was not ready within {timeout:g}s")
        time.sleep(0.02)


class InProcessServer:
    """``create_app`` served from a daemon thread by werkzeug's threaded server (a thread per
    request, so watches stream while other requests are served)."""

    def __init__(self, config: Config, timeout: float) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            protocol_version = "HTTP/1.1"

            def log(self, type: str, message: str, *args: Any) -> None:
                pass

        self._app: Any = None
        # Bind first so the app (the ``kubernetes`` Service's targetPort) knows the real port.
        self.server = make_server(config.host, config.port, self._dispatch, threaded=True,
                                  request_handler=QuietHandler)
        self.port = int(self.server.server_port)
        self.url = url_for(config.host, self.port)
        self.thread: threading.Thread | None = None
        try:
            from ..app import create_app

            self._app = create_app(config.replace(port=self.port))
            self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                           name=f"mockapi-{self.port}", daemon=True)
            self.thread.start()
            wait_ready(self.url, timeout, self._problem)
        except BaseException:
            self.stop()
            raise

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        app = self._app
        if app is None:  # a kept-alive connection used after stop(): the database is gone
            body = (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                    b'"message":"the cluster is stopped","reason":"ServiceUnavailable","code":503}')
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    def _problem(self) -> str | None:
        if self.thread is not None and not self.thread.is_alive():
            return "the in-process mockapi server thread stopped"
        return None

    @property
    def app(self) -> Any:
        return self._app

    def stop(self) -> None:
        runtime = self._app.extensions["mockapi"] if self._app is not None else None
        self._app = None
        if runtime is not None:
            runtime.hub.stop()  # end open watches so their threads return
        if self.thread is not None and self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(10)
        self.server.server_close()
        if runtime is not None:
            runtime.close()


class SubprocessServer:
    """``python -m mockapi serve`` on a free port; every Config field is passed as MOCKAPI_* env."""

    def __init__(self, config: Config, timeout: float, env: dict[str, str] | None = None) -> None:
        port = config.port or free_port(config.host)
        config = config.replace(port=port)
        self.port = port
        self.url = url_for(config.host, port)
        self.log = tempfile.NamedTemporaryFile(prefix="mockapi-", suffix=".log", delete=False)  # noqa: SIM115
        environ = {**os.environ, **(env or {}), **config_env(config)}
        self.proc = subprocess.Popen([sys.executable, "-m", "mockapi", "serve"], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environ)
        # a cluster never stopped (no ``with``, no stop()) still ends its server when Python exits
        self._finalizer = weakref.finalize(self, _terminate, self.proc)
        try:
            wait_ready(self.url, timeout, self._problem)
        except BaseException:
            self.stop()
            raise

    def output(self) -> str:
        try:
            with open(self.log.name, encoding="utf-8", errors="replace") as fh:
                return fh.read()[-4000:]
        except OSError:
            return ""

    def _problem(self) -> str | None:
        if self.proc.poll() is None:
            return None
        return f"mockapi serve exited with {self.proc.returncode}:\n{self.output()}"

    def stop(self) -> None:
        self._finalizer.detach()
        _terminate(self.proc)
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def config_env(config: Config) -> dict[str, str]:
    """Every set Config field as the MOCKAPI_<FIELD> variable ``load_config`` reads (None: unset)."""
    out = {}
    for name, value in vars(config).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (tuple, list)):  # MOCKAPI_LOAD: comma-separated paths
            value = ",".join(str(v) for v in value)
        elif not isinstance(value, (str, int, float)):
            raise TypeError(f"{name}={value!r} cannot be passed to a subprocess server; use mode='inprocess'")
        out[f"MOCKAPI_{name.upper()}"] = str(value)
    return out
