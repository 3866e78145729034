"""The mockapi pytest plugin used exactly as a user would: test files in a scratch project run by
pytest in a subprocess, where the plugin loads through its ``pytest11`` entry point."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Plugins installed here that these runs do not use, and that cost seconds of startup per run.
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:benchmark")

USER_TESTS = '''
import pytest
import requests

WEB = {"metadata": {"name": "web"},
       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}


def pod(name):
    return {"metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]}}


def test_kubeconfig_loads_in_the_official_client(mockapi_kubeconfig, mockapi_url):
    from kubernetes import client, config

    config.load_kube_config(config_file=mockapi_kubeconfig)
    assert client.Configuration.get_default_copy().host == mockapi_url
    nodes = client.CoreV1Api().list_node().items
    assert [n.metadata.name for n in nodes] == ["node-1", "node-2", "node-3"]


def test_service_gets_endpoints(mockapi_session, mockapi_namespace):
    base = f"/api/v1/namespaces/{mockapi_namespace}"
    assert mockapi_session.post(base + "/pods", json=pod("web-1")).status_code == 201
    assert mockapi_session.post(base + "/services", json=WEB).status_code == 201
    endpoints = mockapi_session.get(base + "/endpoints/web").json()
    pod_ip = mockapi_session.get(base + "/pods/web-1").json()["status"]["podIP"]
    assert endpoints["subsets"][0]["addresses"][0]["ip"] == pod_ip
    assert endpoints["subsets"][0]["ports"][0]["port"] == 8080


@pytest.mark.parametrize("attempt", [1, 2])
def test_namespaces_isolate_tests(mockapi_client, mockapi_namespace, attempt):
    from kubernetes import client

    v1 = client.CoreV1Api(mockapi_client)
    assert v1.list_namespaced_service(mockapi_namespace).items == []
    v1.create_namespaced_service(mockapi_namespace, WEB)  # same name in every test: no conflict
    assert [s.metadata.name for s in v1.list_namespaced_service(mockapi_namespace).items] == ["web"]


def test_cluster_api_is_the_fixture(mockapi_cluster, mockapi_namespace):
    mockapi_cluster.apply(
        "apiVersion: v1\\nkind: Service\\nmetadata: {name: api}\\nspec: {ports: [{port: 443}]}\\n",
        namespace=mockapi_namespace)
    ip = mockapi_cluster.get("svc", "api", namespace=mockapi_namespace)["spec"]["clusterIP"]
    answer = mockapi_cluster.dns(f"api.{mockapi_namespace}.svc.cluster.local")
    assert answer["answers"][0]["data"] == ip
    assert mockapi_cluster.routing_table(node="node-1")["nodes"][0]["name"] == "node-1"


def reset_served(url):
    return requests.post(url + "/mock/reset", timeout=10).status_code != 404


def test_reset_first(mockapi_reset, mockapi_session, mockapi_url):
    if not reset_served(mockapi_url):
        pytest.skip("POST /mock/reset is not served yet")
    created = mockapi_session.post("/api/v1/namespaces", json={"metadata": {"name": "leftover"}})
    assert created.status_code == 201


def test_reset_second(mockapi_reset, mockapi_session, mockapi_url):
    if not reset_served(mockapi_url):
        pytest.skip("POST /mock/reset is not served yet")
    assert mockapi_session.get("/api/v1/namespaces/leftover").status_code == 404
    assert mockapi_session.get("/api/v1/namespaces/default").status_code == 200
'''


def test_user_suite_with_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", *QUIET, "-rs")
    result.assert_outcomes(passed=7) if "reset is not served" not in result.stdout.str() else \
        result.assert_outcomes(passed=5, skipped=2)


def test_command_line_options_and_subprocess_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_opts='''
        def test_options(mockapi_cluster, mockapi_session):
            assert mockapi_cluster.mode == "subprocess"
            nodes = mockapi_session.get("/api/v1/nodes").json()["items"]
            assert [n["metadata"]["name"] for n in nodes] == [f"node-{i}" for i in range(1, 6)]
            assert nodes[0]["spec"]["podCIDR"].startswith("10.77.")
            svc = mockapi_session.get("/api/v1/namespaces/default/services/kubernetes").json()
            assert svc["spec"]["clusterIP"] == "10.55.0.1"
            assert mockapi_cluster.config.controllers == "manual" and mockapi_cluster.config.kubelet == "off"
            assert mockapi_session.get("/mock/seed").json()["seed"] == 3
    ''')
    result = pytester.runpytest_subprocess(
        "-q", *QUIET, "--mockapi-nodes", "5", "--mockapi-pod-cidr", "10.77.0.0/16",
        "--mockapi-service-cidr=10.55.0.0/16", "--mockapi-mode", "subprocess",
        "--mockapi-controllers", "manual",
        "--mockapi-kubelet", "off", "--mockapi-seed", "3")
    result.assert_outcomes(passed=1)


def test_ini_options_command_line_precedence_and_config_override(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockapi_nodes = 2\nmockapi_kubelet = off\n")
    pytester.makeconftest('''
        import pytest

        @pytest.fixture(scope="session")
        def mockapi_config(mockapi_config):
            return {**mockapi_config, "lb_pool": "203.0.113.0/28"}
    ''')
    pytester.makepyfile(test_ini='''
        def test_ini(mockapi_cluster):
            assert mockapi_cluster.config.nodes == 2                 # ini
            assert mockapi_cluster.config.kubelet == "on"            # command line beats ini
            assert mockapi_cluster.config.lb_pool == "203.0.113.0/28"  # the mockapi_config override
            assert len(mockapi_cluster.list("nodes")) == 2
    ''')
    result = pytester.runpytest_subprocess("-q", *QUIET, "--mockapi-kubelet=on")
    result.assert_outcomes(passed=1)


def test_loading_the_plugin_costs_nothing_when_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain='''
        import sys
        import threading

        def test_plain(request):
            assert request.config.pluginmanager.has_plugin("mockapi")
            assert not [m for m in ("mockapi.testing.cluster", "mockapi.app", "flask") if m in sys.modules]
            assert [t.name for t in threading.enumerate()] == ["MainThread"]
    ''')
    pytester.makepyfile(test_then_no_client='''
        import sys

        sys.modules["kubernetes"] = None  # as if the kubernetes package were not installed

        def test_client(mockapi_client):
            raise AssertionError("not reached")

        def test_still_no_server():
            assert "mockapi.testing.cluster" not in sys.modules
    ''')
    result = pytester.runpytest_subprocess("-q", "-rs", *QUIET, "test_plain.py", "test_then_no_client.py")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*mockapi_client needs the kubernetes package*"])


def test_bad_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(mockapi_cluster):\n    pass\n")
    result = pytester.runpytest_subprocess(*QUIET, "--mockapi-mode", "thread")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mockapi-mode*invalid choice*thread*"])
    pytester.makeini("[pytest]\nmockapi_nodes = many\n")
    result = pytester.runpytest_subprocess(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini mockapi_nodes*many*"])
