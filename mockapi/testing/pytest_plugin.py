"""The ``mockapi`` pytest plugin (entry point ``pytest11``): fixtures named ``mockapi_*`` around one
session-scoped ``mockapi.Cluster``, configured by ``--mockapi-*`` options or ``mockapi_*`` ini keys.
Loading it costs nothing: no server starts, and mockapi's server code is imported, only when a test
asks for a fixture."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import requests

    from .cluster import Cluster

# (option name, Cluster keyword, type, choices, help)
OPTIONS: tuple[tuple[str, str, type, tuple[str, ...] | None, str], ...] = (
    ("nodes", "nodes", int, None, "simulated nodes node-1..node-N (default 3)"),
    ("service-cidr", "service_cidr", str, None, "Service ClusterIP range(s) (default 10.96.0.0/12)"),
    ("pod-cidr", "pod_cidr", str, None, "pod network, a /24 per node (default 10.244.0.0/16)"),
    ("controllers", "controllers", str, ("auto", "manual"),
     "auto (default): controllers run on every write; manual: only on cluster.reconcile()"),
    ("kubelet", "kubelet", str, ("on", "off"), "simulated scheduler and kubelet (default on)"),
    ("mode", "mode", str, ("inprocess", "subprocess"),
     "inprocess (default): a server thread in the test process; subprocess: `python -m mockapi serve`"),
    ("seed", "seed", int, None, "make uids, generated names, IPs and ports reproducible (default: random)"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockapi", "mockapi: a Kubernetes API server for tests")
    for option, key, kind, choices, text in OPTIONS:
        group.addoption(f"--mockapi-{option}", dest=f"mockapi_{key}", type=kind, choices=choices,
                        default=None, help=f"mockapi_cluster: {text}.")
        parser.addini(f"mockapi_{key}", f"mockapi_cluster: {text}.", default=None)


def pytest_configure(config: pytest.Config) -> None:
    options_from(config)  # a bad option or ini value is a usage error at once, not in some fixture


def options_from(config: pytest.Config) -> dict[str, Any]:
    """Cluster keyword arguments from the command line, else the ini file; unset options are left out."""
    out: dict[str, Any] = {}
    for option, key, kind, choices, _text in OPTIONS:
        value = config.getoption(f"mockapi_{key}")
        source = f"--mockapi-{option}"
        if value is None:
            value = config.getini(f"mockapi_{key}")
            source = f"ini mockapi_{key}"
            if value in (None, "", []):
                continue
            value = str(value).strip()
        try:
            value = kind(value)
        except ValueError as exc:
            raise pytest.UsageError(f"{source}: {exc}") from exc
        if choices and value not in choices:
            raise pytest.UsageError(f"{source}: must be one of {', '.join(choices)}, got {value!r}")
        out[key] = value
    return out


@pytest.fixture(scope="session")
def mockapi_config(pytestconfig: pytest.Config) -> dict[str, Any]:
    """The keyword arguments of the session's ``mockapi.Cluster``; override this fixture (it may ask for
    the original: ``def mockapi_config(mockapi_config): return {**mockapi_config, "nodes": 5}``)."""
    return options_from(pytestconfig)


@pytest.fixture(scope="session")
def mockapi_cluster(mockapi_config: dict[str, Any]) -> Iterator[Cluster]:
    """One mockapi server for the whole session, stopped at its end."""
    from .cluster import Cluster

    with Cluster(**mockapi_config) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def mockapi_url(mockapi_cluster: Cluster) -> str:
    """The server's base URL, ``http://127.0.0.1:PORT``."""
    return mockapi_cluster.url


@pytest.fixture(scope="session")
def mockapi_kubeconfig(mockapi_cluster: Cluster) -> str:
    """Path of a kubeconfig file for the server (``kubectl --kubeconfig``, ``load_kube_config``)."""
    return mockapi_cluster.kubeconfig


@pytest.fixture
def mockapi_session(mockapi_cluster: Cluster) -> Iterator[requests.Session]:
    """A fresh requests session per test; relative URLs (``/api/v1/pods``) go to the server."""
    session = mockapi_cluster.new_session()
    yield session
    session.close()


@pytest.fixture(scope="session")
def mockapi_client(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A ``kubernetes.client.ApiClient`` for the server (skipped, before any server starts, when the
    kubernetes package is not installed)."""
    pytest.importorskip("kubernetes",
                        reason="mockapi_client needs the kubernetes package (pip install kubernetes)")
    cluster: Cluster = request.getfixturevalue("mockapi_cluster")
    client = cluster.kubernetes_client()
    yield client
    client.close()


@pytest.fixture
def mockapi_namespace(mockapi_cluster: Cluster) -> Iterator[str]:
    """A fresh namespace for one test, deleted (with what it holds) after it."""
    name = "test-" + uuid.uuid4().hex[:10]
    mockapi_cluster.request("POST", "/api/v1/namespaces", json={"metadata": {"name": name}})
    yield name
    mockapi_cluster.delete("namespace", name, missing_ok=True)


@pytest.fixture
def mockapi_reset(mockapi_cluster: Cluster) -> Cluster:
    """Resets the server to its initial state before the test (POST /mock/reset); returns the cluster."""
    mockapi_cluster.reset()
    return mockapi_cluster
