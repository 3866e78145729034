"""``mockapi.Cluster``: a mockapi server for tests as one object (``with Cluster(nodes=3) as c:``) with
its URL, a kubeconfig file, a requests session and helpers (apply, get, delete, routing table,
trace, DNS, reset, reconcile). An HTTP client of the server; serving lives in ``backends``."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

import requests
import yaml

from ..config import Config, load_config
from .kubeconfig import write_kubeconfig

MODES = ("inprocess", "subprocess")
FIELD_MANAGER = "mockapi-cluster"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class ApiError(RuntimeError):
    """A request the server refused: ``code`` (HTTP status), ``status`` (the Kubernetes Status dict),
    ``reason`` and ``message`` from it."""

    def __init__(self, method: str, url: str, code: int, status: dict[str, Any] | None,
                 text: str = "") -> None:
        self.method, self.url, self.code = method, url, code
        self.status = status or {}
        self.reason = str(self.status.get("reason", ""))
        self.message = str(self.status.get("message", "")) or text[:500]
        super().__init__(f"{method} {url}: {code} {self.reason}: {self.message}".replace(":  ", ": "))


class ClusterSession(requests.Session):
    """A requests.Session whose relative URLs (``/api/v1/namespaces``) go to the cluster."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, *args, **kwargs)


def _resources() -> list[Any]:
    from ..registry import ALL

    return list(ALL)


def resource_for(name: str, api_version: str | None = None) -> Any:
    """The ResourceType named by a kind (``Service``), plural (``services``), singular, short name
    (``svc``) or ``plural.group``; ``api_version`` picks between kinds of several groups."""
    wanted = name.lower()
    group = None if not api_version else api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    for rt in _resources():
        names = {rt.kind.lower(), rt.plural, rt.singular, rt.key, *rt.short_names}
        if wanted in names and (group is None or rt.group == group):
            return rt
    raise ValueError(f"mockapi serves no resource {name!r}" + (f" in {api_version}" if api_version else ""))


def _objects_of(doc: Any) -> Iterable[dict[str, Any]]:
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise TypeError(f"a manifest document must be a mapping, got {type(doc).__name__}")
    if doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
        return [item for item in doc["items"] if item is not None]
    return [doc]


def load_manifests(source: Any) -> list[dict[str, Any]]:
    """Objects from YAML/JSON text (several documents), a file or directory path, a dict or a list."""
    if isinstance(source, (list, tuple)):
        return [obj for item in source for obj in load_manifests(item)]
    if isinstance(source, dict):
        return list(_objects_of(source))
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and ":" not in source
                                    and os.path.exists(source)):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in MANIFEST_SUFFIXES)
            return [obj for p in files for obj in load_manifests(p)]
        source = path.read_text(encoding="utf-8")
    if not isinstance(source, str):
        raise TypeError(f"cannot apply a {type(source).__name__}: pass YAML text, a path, a dict or a list")
    return [obj for doc in yaml.safe_load_all(source) for obj in _objects_of(doc)]


_IN_PROCESS: weakref.WeakSet[Cluster] = weakref.WeakSet()  # running in-process clusters


class Cluster:
    """A mockapi server on a free loopback port; a context manager that stops it on exit.

    ``mode="inprocess"`` serves ``create_app`` from a thread (fast, shares this process);
    ``mode="subprocess"`` runs ``python -m mockapi serve``. Extra keyword arguments are Config fields.
    """

    def __init__(self, nodes: int = 3, service_cidr: str | None = None, pod_cidr: str | None = None,
                 controllers: str = "auto", kubelet: str = "on", seed: int | None = None,
                 mode: str = "inprocess", port: int = 0, *, host: str = "127.0.0.1", db: str = "sqlite://",
                 startup_timeout: float = 30.0, namespace: str = "default", **config_overrides: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        known = {f.name for f in fields(Config)}
        overrides = {"nodes": nodes, "service_cidr": service_cidr, "pod_cidr": pod_cidr,
                     "controllers": controllers, "kubelet": kubelet, "port": port, "host": host, "db": db,
                     **config_overrides}
        if seed is not None:
            if "seed" not in known:
                raise TypeError("this mockapi has no seed support (Config has no 'seed' field)")
            overrides["seed"] = seed
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown mockapi option(s): {', '.join(unknown)}")
        self.config: Config = load_config(overrides)
        if self.config.controllers not in ("auto", "manual"):
            raise ValueError(f"controllers must be auto or manual, got {self.config.controllers!r}")
        if self.config.kubelet not in ("on", "off"):
            raise ValueError(f"kubelet must be on or off, got {self.config.kubelet!r}")
        self.mode = mode
        self.startup_timeout = startup_timeout
        self.namespace = namespace
        self.startup_seconds: float | None = None
        self._server: Any = None
        self._session: ClusterSession | None = None
        self._tmpdir: str | None = None
        self._kubeconfig: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the server and write the kubeconfig (``with Cluster() as c`` calls this)."""
        if self._server is not None:
            return self
        from .backends import InProcessServer, SubprocessServer

        began = time.perf_counter()
        try:
            if self.mode == "inprocess":
                self._server = InProcessServer(self.config, self.startup_timeout)
                _IN_PROCESS.add(self)
            else:
                self._server = SubprocessServer(self.config, self.startup_timeout)
            self.startup_seconds = time.perf_counter() - began
            self._tmpdir = tempfile.mkdtemp(prefix="mockapi-cluster-")
            self._kubeconfig = write_kubeconfig(Path(self._tmpdir) / "kubeconfig", self.url,
                                                namespace=self.namespace)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server, close the session and remove the kubeconfig; safe to call twice."""
        server, self._server = self._server, None
        _IN_PROCESS.discard(self)
        try:
            if self._session is not None:
                self._session.close()
                self._session = None
        finally:
            try:
                if server is not None:
                    server.stop()
            finally:
                if self._tmpdir is not None:
                    shutil.rmtree(self._tmpdir, ignore_errors=True)
                    self._tmpdir = self._kubeconfig = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<mockapi.Cluster {self.mode} {where} nodes={self.config.nodes}>"

    @property
    def running(self) -> bool:
        return self._server is not None

    def _running(self) -> Any:
        if self._server is None:
            raise RuntimeError("the cluster is not running (use `with Cluster() as cluster:` or .start())")
        return self._server

    @property
    def url(self) -> str:
        return str(self._running().url)

    @property
    def port(self) -> int:
        return int(self._running().port)

    @property
    def app(self) -> Any:
        """The Flask app (in-process mode only; None for a subprocess)."""
        return getattr(self._running(), "app", None)

    @property
    def kubeconfig(self) -> str:
        """Path of a kubeconfig file for this cluster (kubectl --kubeconfig, load_kube_config)."""
        self._running()
        assert self._kubeconfig is not None
        return self._kubeconfig

    @property
    def session(self) -> ClusterSession:
        """A requests session; relative URLs (``/api/v1/pods``) go to this cluster."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    def new_session(self) -> ClusterSession:
        return ClusterSession(self.url)

    # -- HTTP helpers ------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; raises ApiError (with the Kubernetes Status) on any status >= 400."""
        resp = self.session.request(method, path, **kwargs)
        if resp.status_code >= 400:
            try:
                status = resp.json()
            except ValueError:
                status = None
            raise ApiError(method, resp.url, resp.status_code, status if isinstance(status, dict) else None,
                           resp.text)
        return resp

    def path_for(self, resource: Any, name: str | None = None, namespace: str | None = None) -> str:
        rt = resource if not isinstance(resource, str) else resource_for(resource)
        base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
        if rt.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{rt.plural}"
        return base + (f"/{quote(name, safe='')}" if name else "")

    def apply(self, manifests: Any, namespace: str | None = None) -> list[dict[str, Any]]:
        """Create or update every object (server-side apply, forced, as ``mockapi-cluster``) from YAML
        text, a file or directory path, a dict or a list; returns the stored objects in order."""
        out = []
        for obj in load_manifests(manifests):
            kind, api_version = obj.get("kind"), obj.get("apiVersion")
            name = (obj.get("metadata") or {}).get("name")
            if not kind or not api_version or not name:
                raise ValueError(f"every object needs apiVersion, kind and metadata.name: {obj!r:.200}")
            rt = resource_for(kind, api_version)
            ns = None
            if rt.namespaced:
                ns = (obj.get("metadata") or {}).get("namespace") or namespace or self.namespace
            path = self.path_for(rt, name, ns)
            resp = self.request("PATCH", path, data=json.dumps(obj),
                                params={"fieldManager": FIELD_MANAGER, "force": "true"},
                                headers={"Content-Type": "application/apply-patch+yaml"})
            out.append(resp.json())
        return out

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        rt = resource_for(kind)
        return dict(self.request("GET", self.path_for(rt, name, namespace or self.namespace)).json())

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
             all_namespaces: bool = False) -> list[dict[str, Any]]:
        rt = resource_for(kind)
        params = {"labelSelector": label_selector} if label_selector else {}
        ns = None if all_namespaces else namespace or self.namespace
        return list(self.request("GET", self.path_for(rt, None, ns), params=params).json()["items"])

    def delete(self, kind: str, name: str, namespace: str | None = None,
               missing_ok: bool = False) -> dict[str, Any] | None:
        rt = resource_for(kind)
        try:
            return dict(self.request("DELETE", self.path_for(rt, name, namespace or self.namespace)).json())
        except ApiError as err:
            if missing_ok and err.code == 404:
                return None
            raise

    # -- /mock endpoints ---------------------------------------------------------------------------

    def routing_table(self, node: str | None = None, format: str = "json") -> Any:
        """GET /mock/routing-table: a dict for ``format="json"``, iptables-save text for "iptables"."""
        params = {"format": format, **({"node": node} if node else {})}
        resp = self.request("GET", "/mock/routing-table", params=params)
        return resp.text if format == "iptables" else resp.json()

    def trace(self, node: str, source: str, destination: str, port: int,
              protocol: str = "TCP") -> dict[str, Any]:
        """POST /mock/trace: where a packet from ``source`` to ``destination:port`` on ``node`` goes."""
        body = {"node": node, "source": source, "destination": destination, "port": port,
                "protocol": protocol}
        return dict(self.request("POST", "/mock/trace", json=body).json())

    def dns(self, name: str, type: str = "A") -> dict[str, Any]:
        """GET /mock/dns: the cluster DNS answer for a fully qualified ``name``."""
        return dict(self.request("GET", "/mock/dns", params={"name": name, "type": type}).json())

    def reset(self) -> Any:
        """POST /mock/reset: back to the initial state (nodes, system namespaces, ``kubernetes``)."""
        resp = self.request("POST", "/mock/reset")
        return resp.json() if resp.content and "json" in resp.headers.get("Content-Type", "") else None

    def reconcile(self) -> dict[str, Any]:
        """POST /mock/reconcile: run every controller once (steps a ``controllers="manual"`` cluster)."""
        return dict(self.request("POST", "/mock/reconcile").json())

    def kubernetes_client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` for this cluster (needs the kubernetes package)."""
        import kubernetes

        return kubernetes.config.new_client_from_config(config_file=self.kubeconfig)  # type: ignore[no-untyped-call]


def cluster_kwargs(options: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) options, so Cluster defaults apply."""
    return {k: v for k, v in options.items() if v is not None}
