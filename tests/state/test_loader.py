"""``--load`` (Config.load) in-process: manifests created through the normal create path (defaults,
allocation, controllers), directories in name order, Lists and multi-document YAML, snapshot files
restored, clear errors for bad manifests, and POST /mock/reset loading the same content again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from mockapi.app import create_app
from mockapi.config import load_config
from mockapi.state.loader import LoadError

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


@pytest.fixture
def apps() -> Iterator[list[Flask]]:
    made: list[Flask] = []
    yield made
    for application in made:
        application.extensions["mockapi"].close()


def start(apps: list[Flask], *load: Path, **config: Any) -> Flask:
    application = create_app({"db": "sqlite://", "kubelet": "on", "load": [str(p) for p in load], **config})
    apps.append(application)
    return application


def test_manifests_go_through_the_create_path(tmp_path: Path, apps: list[Flask]) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump_all([NAMESPACE, SERVICE, POD]))
    http = start(apps, path).test_client()
    svc = http.get("/api/v1/namespaces/shop/services/web").get_json()
    assert svc["spec"]["clusterIP"] and 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767  # allocated
    assert svc["spec"]["sessionAffinity"] == "None"  # defaulted
    pod = http.get("/api/v1/namespaces/shop/pods/web-1").get_json()
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"]  # the kubelet ran
    subsets = http.get("/api/v1/namespaces/shop/endpoints/web").get_json()["subsets"]
    assert subsets[0]["addresses"][0]["ip"] == pod["status"]["podIP"]  # the endpoints controller ran


def test_a_directory_is_loaded_in_name_order_lists_and_json_included(tmp_path: Path, apps: list[Flask]) -> None:
    (tmp_path / "2-app.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [SERVICE, POD]}))
    (tmp_path / "1-ns.yml").write_text(yaml.safe_dump(NAMESPACE))
    (tmp_path / "README.md").write_text("not a manifest")
    (tmp_path / "3-default.yaml").write_text("---\n" + yaml.safe_dump({**POD, "metadata": {"generateName": "x-"}}))
    http = start(apps, tmp_path).test_client()
    assert http.get("/api/v1/namespaces/shop/pods/web-1").status_code == 200
    assert [p["metadata"]["name"][:2] for p in http.get("/api/v1/namespaces/default/pods").get_json()["items"]] == ["x-"]


@pytest.mark.parametrize("content,message", [
    ("apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 0}]}\n", "spec.ports[0].port"),
    ("apiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n", 'no kind "Gadget"'),
    ("a: [", "invalid YAML"),
    ("- just\n- a list\n", "not a Kubernetes object"),
    (yaml.safe_dump(POD), "namespaces \"shop\" not found"),
])
def test_an_invalid_manifest_is_a_load_error_naming_the_file(tmp_path: Path, apps: list[Flask], content: str,
                                                            message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(LoadError) as info:
        start(apps, path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_a_missing_path_is_a_load_error(tmp_path: Path, apps: list[Flask]) -> None:
    with pytest.raises(LoadError, match="no such file"):
        start(apps, tmp_path / "missing.yaml")


def test_nothing_of_a_failed_load_is_kept(tmp_path: Path, apps: list[Flask]) -> None:
    db = f"sqlite:///{tmp_path / 'state.db'}"
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(yaml.safe_dump(NAMESPACE))
    bad.write_text("apiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n")
    with pytest.raises(LoadError):
        start(apps, good, bad, db=db)
    http = start(apps, db=db).test_client()
    assert http.get("/api/v1/namespaces/shop").status_code == 404


def test_reset_loads_the_same_manifests_again(tmp_path: Path, apps: list[Flask]) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump_all([NAMESPACE, SERVICE, POD]))
    http = start(apps, path).test_client()
    http.delete("/api/v1/namespaces/shop/pods/web-1")
    http.post("/api/v1/namespaces/shop/pods", json={**POD, "metadata": {"name": "extra", "labels": {"app": "web"}}})
    path.write_text("changed on disk: files are read once, at start\n")
    assert http.post("/mock/reset").status_code == 200
    assert [p["metadata"]["name"] for p in http.get("/api/v1/namespaces/shop/pods").get_json()["items"]] == ["web-1"]
    assert http.get("/api/v1/namespaces/shop/services/web").status_code == 200


def test_a_snapshot_file_is_restored(tmp_path: Path, apps: list[Flask]) -> None:
    manifests = tmp_path / "app.yaml"
    manifests.write_text(yaml.safe_dump_all([NAMESPACE, SERVICE, POD]))
    source = start(apps, manifests).test_client()
    exported = source.get("/mock/snapshot").get_json()
    for name, body in (("snap.json", json.dumps(exported)), ("snap.yaml", source.get("/mock/snapshot?format=yaml")
                                                             .get_data(as_text=True))):
        path = tmp_path / name
        path.write_text(body)
        http = start(apps, path).test_client()
        again = http.get("/mock/snapshot").get_json()
        strip = [{**i, "metadata": {k: v for k, v in i["metadata"].items() if k != "resourceVersion"}}
                 for i in again["items"]]
        want = [{**i, "metadata": {k: v for k, v in i["metadata"].items() if k != "resourceVersion"}}
                for i in exported["items"]]
        assert strip == want, name
        assert again["allocations"] == exported["allocations"], name


def test_an_invalid_snapshot_file_is_a_load_error(tmp_path: Path, apps: list[Flask]) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod", "apiVersion": "v1",
                                                                              "metadata": {"name": "p"}}],
                                "allocations": []}))
    with pytest.raises(LoadError, match="items\\[0\\].metadata.namespace"):
        start(apps, path)


def test_config_reads_load_and_seed_from_the_environment() -> None:
    config = load_config(environ={"MOCKAPI_LOAD": "a.yaml, dir/", "MOCKAPI_SEED": "42"})
    assert config.load == ("a.yaml", "dir/") and config.seed == 42
    assert load_config({"load": "one.yaml"}, environ={}).load == ("one.yaml",)
    assert load_config(environ={"MOCKAPI_SEED": "none"}).seed is None
