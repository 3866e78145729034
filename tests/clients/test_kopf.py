"""A kopf operator (``kopf run --standalone``) against a live ``mockapi serve``: it handles create,
update and delete of v1 Services in one namespace. kopf adds its finalizer, the handlers patch
``status.conditions`` (handler *results* kopf would store as ``status.<handler>`` are pruned, as on a
real cluster: a Service's status has no such field), and on delete kopf runs the handler and removes
the finalizer, after which the server really deletes the Service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip("kopf")

FINALIZER = "kopf.zalando.org/KopfFinalizerMarker"
LAST_HANDLED = "kopf.zalando.org/last-handled-configuration"
WAIT = 30.0  # seconds for any one step of the operator

HANDLERS = textwrap.dedent('''
    import kopf

    @kopf.on.startup()
    def configure(settings: kopf.OperatorSettings, **_):
        settings.watching.server_timeout = 60
        settings.watching.client_timeout = 90
        settings.persistence.finalizer = "kopf.zalando.org/KopfFinalizerMarker"

    def condition(kind, message):
        return {"type": kind, "status": "True", "reason": "Handled", "message": message,
                "lastTransitionTime": "2026-01-01T00:00:00Z"}

    @kopf.on.create("v1", "services")
    def svc_created(name, spec, patch, **_):
        ports = ",".join(str(p["port"]) for p in spec.get("ports", []))
        patch.status["conditions"] = [condition("KopfCreated", "ports " + ports)]

    @kopf.on.update("v1", "services")
    def svc_updated(name, new, status, patch, **_):
        labels = ",".join(f"{k}={v}" for k, v in sorted((new["metadata"].get("labels") or {}).items()))
        kept = [c for c in status.get("conditions") or [] if c["type"] != "KopfUpdated"]
        patch.status["conditions"] = kept + [condition("KopfUpdated", "labels " + labels)]

    @kopf.on.delete("v1", "services")
    def svc_deleted(name, logger, **_):
        logger.info("DELETE-HANDLER-RAN %s", name)
''')


def wait_for(what: str, check: Callable[[], Any], log: Path, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; kopf log:\n{log.read_text()[-6000:]}")


@pytest.fixture
def operator(live_server: Any, kubeconfig: Path, namespace: str, tmp_path: Path) -> Any:
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS)
    log = tmp_path / "kopf.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kopf", "run", "--standalone", f"--namespace={namespace}", "--verbose",
             str(handlers)],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        )
    try:
        yield proc, log
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_kopf_handles_service_create_update_delete(live_server: Any, namespace: str, operator: Any) -> None:
    proc, log = operator
    base = f"{live_server.url}/api/v1/namespaces/{namespace}/services"
    deadline = time.monotonic() + WAIT  # best effort: kopf also processes objects that exist when it starts
    while time.monotonic() < deadline and proc.poll() is None:
        if "Initial authentication has finished" in log.read_text():
            break
        time.sleep(0.1)
    assert proc.poll() is None, "kopf exited:\n" + log.read_text()[-6000:]

    body = {"metadata": {"name": "kopfsvc", "labels": {"v": "1"}},
            "spec": {"selector": {"app": "kopf"}, "ports": [{"port": 80}]}}
    r = requests.post(base, json=body, timeout=10)
    assert r.status_code == 201, r.text
    start_rv = r.json()["metadata"]["resourceVersion"]

    def current() -> dict[str, Any] | None:
        got = requests.get(f"{base}/kopfsvc", timeout=10)
        return got.json() if got.status_code == 200 else None

    def condition(obj: dict[str, Any] | None, kind: str) -> dict[str, Any] | None:
        found = [c for c in ((obj or {}).get("status") or {}).get("conditions") or [] if c["type"] == kind]
        return found[0] if found else None

    # create: the finalizer is added and the handler's condition lands in status
    created = wait_for("the create handler's status",
                       lambda: (o := current()) and condition(o, "KopfCreated") and o, log)
    assert FINALIZER in created["metadata"]["finalizers"]
    assert condition(created, "KopfCreated")["message"] == "ports 80"
    assert LAST_HANDLED in created["metadata"]["annotations"]
    assert created["spec"]["clusterIP"]  # the Service itself is untouched by the operator
    assert created["status"].get("loadBalancer") == {}

    # update: a label change runs the update handler
    r = requests.patch(f"{base}/kopfsvc", data=json.dumps({"metadata": {"labels": {"v": "2"}}}),
                       headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
    assert r.status_code == 200, r.text
    updated = wait_for("the update handler's status",
                       lambda: (o := current()) and condition(o, "KopfUpdated") and o, log)
    assert condition(updated, "KopfUpdated")["message"] == "labels v=2"
    assert FINALIZER in updated["metadata"]["finalizers"]

    # delete: the finalizer holds the Service until the delete handler has run
    r = requests.delete(f"{base}/kopfsvc", timeout=10)
    assert r.status_code == 200, r.text
    answered = r.json()
    if answered.get("kind") == "Service":  # still there, terminating, until kopf lets go
        assert answered["metadata"]["deletionTimestamp"]
        assert FINALIZER in answered["metadata"]["finalizers"]
    wait_for("the Service to be gone", lambda: current() is None, log)
    assert "DELETE-HANDLER-RAN kopfsvc" in log.read_text()

    # the history, replayed: finalizer added, deletion requested with it in place, removed, DELETED
    events = []
    with requests.get(base, params={"watch": "true", "resourceVersion": start_rv, "timeoutSeconds": "2"},
                      stream=True, timeout=15) as stream:
        for line in stream.iter_lines():
            if line:
                ev = json.loads(line)
                if ev["object"]["metadata"].get("name") == "kopfsvc":
                    events.append(ev)
    finalizers = [(ev["type"], FINALIZER in (ev["object"]["metadata"].get("finalizers") or []),
                   bool(ev["object"]["metadata"].get("deletionTimestamp"))) for ev in events]
    assert ("MODIFIED", True, False) in finalizers
    assert ("MODIFIED", True, True) in finalizers
    assert finalizers[-1] == ("DELETED", False, True)
    assert proc.poll() is None, "kopf exited early:\n" + log.read_text()[-6000:]
    text = log.read_text()
    for handler in ("svc_created", "svc_updated", "svc_deleted"):
        assert f"Handler '{handler}' succeeded" in text
    assert "Traceback" not in text and "WatchingError" not in text

    # kopf stops cleanly on SIGTERM
    proc.terminate()
    assert proc.wait(20) is not None
