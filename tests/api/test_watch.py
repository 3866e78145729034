"""WATCH over HTTP against a live ``mockapi serve``: event types, resourceVersion semantics, legacy
paths, single-object and selector watches, timeoutSeconds, bookmarks, sendInitialEvents, 410
Expired, ordering, and many concurrent watches. Kubernetes (kube-apiserver + cacher) is the oracle.

Every read is bounded: each watch asks for a server-side ``timeoutSeconds``, each socket read has a
client-side timeout, and events are consumed from a queue with a deadline. Nothing sleeps to "let
things settle": tests wait for the events they expect, and use a trailing sentinel write to prove
that nothing unexpected came before it.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid
from typing import Any, Callable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from conftest import LiveServer

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
_END = object()


# -- helpers -------------------------------------------------------------------------------------

def pod_body(name: str, labels: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, **meta}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


class Api:
    """Tiny typed wrapper over one server (keep-alive session, bounded timeouts)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.s = requests.Session()

    def pods(self, ns: str) -> str:
        return f"{self.url}/api/v1/namespaces/{ns}/pods"

    def create_pod(self, ns: str, name: str, labels: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
        r = self.s.post(self.pods(ns), json=pod_body(name, labels, **meta), timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    def merge_patch(self, ns: str, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        r = self.s.patch(f"{self.pods(ns)}/{name}", data=json.dumps(patch),
                         headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def label(self, ns: str, name: str, **labels: str | None) -> dict[str, Any]:
        return self.merge_patch(ns, name, {"metadata": {"labels": labels}})

    def delete_pod(self, ns: str, name: str) -> dict[str, Any]:
        r = self.s.delete(f"{self.pods(ns)}/{name}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def list_rv(self, ns: str) -> str:
        r = self.s.get(self.pods(ns), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["metadata"]["resourceVersion"]

    def create_namespace(self, name: str) -> None:
        r = self.s.post(f"{self.url}/api/v1/namespaces", json={"metadata": {"name": name}}, timeout=10)
        assert r.status_code == 201, r.text

    def delete_namespace(self, name: str) -> None:
        self.s.delete(f"{self.url}/api/v1/namespaces/{name}", timeout=10)


class Watch:
    """One streaming watch on a raw socket, read by a background thread into a queue.

    The request is written and the response parsed (status line, headers, chunked body) by the
    thread, so a server that withholds the headers cannot deadlock the test, and ``close`` (a socket
    shutdown) ends the reader at once. ``timeoutSeconds`` bounds the server side; ``read_timeout``
    bounds every socket read on the client side."""

    def __init__(self, url: str, params: dict[str, str] | None = None, *, read_timeout: float = 15) -> None:
        self.params = dict(params or {})
        self.params.setdefault("timeoutSeconds", "20")
        u = urlsplit(url)
        self.host, self.port, self.path = u.hostname or "127.0.0.1", u.port or 80, u.path
        self.read_timeout = read_timeout
        self.q: queue.Queue[Any] = queue.Queue()
        self.opened_at = time.monotonic()
        self.headers_at: float | None = None
        self.status_code: int | None = None
        self.headers: dict[str, str] = {}
        self.ended_cleanly = False  # the chunked body ended with its terminating zero-size chunk
        self.body = b""  # non-streaming (error) responses
        self.sock = socket.create_connection((self.host, self.port), timeout=5)
        self.sock.settimeout(read_timeout)
        query = urlencode(self.params)
        self.sock.sendall((f"GET {self.path}?{query} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                           "Accept: application/json\r\nUser-Agent: mockapi-watch-test\r\n\r\n").encode())
        self._headers = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            f = self.sock.makefile("rb")
            status_line = f.readline()
            self.status_code = int(status_line.split()[1])
            while True:
                line = f.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                key, _, value = line.decode("latin-1").partition(":")
                self.headers[key.strip().lower()] = value.strip()
            self.headers_at = time.monotonic()
            self._headers.set()
            if self.headers.get("transfer-encoding", "").lower() != "chunked":
                self.body = f.read(int(self.headers.get("content-length", "0")))
                self.q.put(_END)
                return
            buf = b""
            while True:
                size_line = f.readline()
                if not size_line:
                    raise ConnectionError("connection closed inside the chunked body")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    f.readline()  # the CRLF after the last chunk
                    self.ended_cleanly = True
                    break
                buf += f.read(size)
                f.read(2)
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        self.q.put(json.loads(line))
            if buf.strip():
                raise ValueError(f"unterminated event line at the end of the stream: {buf[:200]!r}")
            self.q.put(_END)
        except BaseException as exc:  # surfaced to the test by next()
            self._headers.set()
            self.q.put(exc)

    # -- consuming ----------------------------------------------------------------------------
    def status(self, timeout: float = 10) -> int:
        assert self._headers.wait(timeout), "watch response headers did not arrive"
        assert self.status_code is not None, "watch request failed"
        return self.status_code

    def next(self, timeout: float = 10) -> dict[str, Any] | None:
        """The next event; None once the stream has ended. Fails on a timeout or a broken stream."""
        try:
            item = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no watch event within {timeout}s") from None
        if item is _END:
            self.q.put(_END)  # stay ended
            return None
        if isinstance(item, BaseException):
            self.q.put(item)
            raise AssertionError(f"watch stream failed: {item!r}") from item
        return item

    def take(self, n: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while len(out) < n:
            ev = self.next(max(0.01, deadline - time.monotonic()))
            assert ev is not None, f"stream ended after {summary(out)}; expected {n} events"
            out.append(ev)
        return out

    def until(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10) -> list[dict[str, Any]]:
        """Every event up to and including the first one satisfying ``pred``."""
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while True:
            ev = self.next(max(0.01, deadline - time.monotonic()))
            assert ev is not None, f"stream ended before the awaited event; got {summary(out)}"
            out.append(ev)
            if pred(ev):
                return out

    def rest(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Every remaining event until the server ends the stream."""
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while True:
            ev = self.next(max(0.01, deadline - time.monotonic()))
            if ev is None:
                return out
            out.append(ev)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


@pytest.fixture
def watches() -> Iterator[Callable[..., Watch]]:
    opened: list[Watch] = []

    def open_(url: str, params: dict[str, str] | None = None, **kw: Any) -> Watch:
        w = Watch(url, params, **kw)
        opened.append(w)
        return w

    yield open_
    for w in opened:
        w.close()


@pytest.fixture
def k(live_server: LiveServer) -> Api:
    return Api(live_server.url)


def name_of(ev: dict[str, Any]) -> str:
    return ev["object"]["metadata"].get("name", "")


def rv_of(ev_or_obj: dict[str, Any]) -> int:
    obj = ev_or_obj.get("object", ev_or_obj) if "type" in ev_or_obj else ev_or_obj
    return int(obj["metadata"]["resourceVersion"])


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], name_of(e)) for e in events]


def is_added(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda ev: ev["type"] == "ADDED" and name_of(ev) == name


# -- watch=true|1|True -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["true", "1", "True"])
def test_watch_flag_spellings(k: Api, namespace: str, watches, value: str) -> None:
    created = k.create_pod(namespace, "p")
    w = watches(k.pods(namespace), {"watch": value, "timeoutSeconds": "10"})
    assert w.status() == 200
    assert w.headers["content-type"].startswith("application/json")
    assert w.headers.get("transfer-encoding", "").lower() == "chunked"
    ev = w.next()
    assert ev is not None and ev["type"] == "ADDED"
    assert ev["object"]["metadata"]["uid"] == created["metadata"]["uid"]
    assert ev["object"]["kind"] == "Pod" and ev["object"]["apiVersion"] == "v1"


def test_watch_false_is_a_list(k: Api, namespace: str) -> None:
    k.create_pod(namespace, "p")
    r = requests.get(k.pods(namespace), params={"watch": "false"}, timeout=10)
    assert r.status_code == 200
    assert r.json()["kind"] == "PodList"


def test_watch_response_headers_arrive_before_any_event(k: Api, namespace: str, watches) -> None:
    """kube-apiserver writes the 200 and flushes before the first event, so Watch() returns at once
    (client-go, and any client that opens a watch and then writes in the same thread, rely on it)."""
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "10"})
    assert w.status(timeout=10) == 200
    assert w.headers_at is not None and w.headers_at - w.opened_at < 2.0, \
        f"headers took {w.headers_at - w.opened_at:.1f}s with no events pending"


# -- from a resourceVersion ------------------------------------------------------------------------

def test_added_modified_deleted_from_resource_version(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "15"})
    created = k.create_pod(namespace, "web", {"app": "web"})
    patched = k.label(namespace, "web", tier="front")
    deleted = k.delete_pod(namespace, "web")

    events = w.take(3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert all(name_of(e) == "web" for e in events)
    assert all(e["object"]["metadata"]["uid"] == created["metadata"]["uid"] for e in events)
    assert rv_of(events[0]) == rv_of(created)
    assert rv_of(events[1]) == rv_of(patched)
    assert events[1]["object"]["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert int(rv) < rv_of(events[0]) < rv_of(events[1]) < rv_of(events[2])
    # the DELETED event carries the final state of the object at the deletion's revision
    final = events[2]["object"]
    assert final["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert final["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert final["kind"] == "Pod" and final["apiVersion"] == "v1"
    assert rv_of(events[2]) >= rv_of(deleted)


def test_events_before_the_given_resource_version_are_not_replayed(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "old")
    mid = k.label(namespace, "old", step="1")
    k.label(namespace, "old", step="2")
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": mid["metadata"]["resourceVersion"],
                                    "timeoutSeconds": "15"})
    ev = w.next()
    assert ev is not None
    assert (ev["type"], ev["object"]["metadata"]["labels"]) == ("MODIFIED", {"step": "2"})
    k.create_pod(namespace, "sentinel")
    assert summary(w.until(is_added("sentinel"))) == [("ADDED", "sentinel")]


def test_watch_from_current_resource_version_sends_only_later_events(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "existing")
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "15"})
    k.create_pod(namespace, "new")
    ev = w.next()
    assert ev is not None and (ev["type"], name_of(ev)) == ("ADDED", "new")


def test_watch_from_a_future_resource_version_skips_up_to_it(k: Api, namespace: str, watches) -> None:
    """The cacher serves events with a resourceVersion greater than the one asked for, even when
    that revision did not exist yet when the watch began."""
    now = int(k.list_rv(namespace))
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": str(now + 3), "timeoutSeconds": "15"})
    rvs = [rv_of(k.create_pod(namespace, f"p{i}")) for i in range(6)]
    later = [(f"p{i}", rv) for i, rv in enumerate(rvs) if rv > now + 3]
    events = w.take(len(later))
    assert [(name_of(e), rv_of(e)) for e in events] == later


# -- no resourceVersion / resourceVersion=0: synthetic ADDED, then live ------------------------------

@pytest.mark.parametrize("rv_param", [None, "0"], ids=["no-rv", "rv-0"])
def test_initial_state_as_added_then_live_events(k: Api, namespace: str, watches, rv_param: str | None) -> None:
    a = k.create_pod(namespace, "a", {"x": "1"})
    b = k.create_pod(namespace, "b")
    k.label(namespace, "a", x="2")  # the synthetic ADDED shows the current state, not history
    params = {"watch": "true", "timeoutSeconds": "15"}
    if rv_param is not None:
        params["resourceVersion"] = rv_param
    w = watches(k.pods(namespace), params)
    initial = w.take(2)
    assert sorted(summary(initial)) == [("ADDED", "a"), ("ADDED", "b")]
    by_name = {name_of(e): e["object"] for e in initial}
    assert by_name["a"]["metadata"]["labels"] == {"x": "2"}
    assert by_name["a"]["metadata"]["uid"] == a["metadata"]["uid"]
    assert by_name["b"]["metadata"]["resourceVersion"] == b["metadata"]["resourceVersion"]

    c = k.create_pod(namespace, "c")
    k.label(namespace, "b", y="1")
    k.delete_pod(namespace, "a")
    live = w.take(3)
    assert summary(live) == [("ADDED", "c"), ("MODIFIED", "b"), ("DELETED", "a")]
    assert rv_of(live[0]) == rv_of(c)
    assert rv_of(live[0]) < rv_of(live[1]) < rv_of(live[2])


def test_initial_added_only_for_the_watched_namespace(k: Api, namespace: str, watches) -> None:
    other = "t-" + uuid.uuid4().hex[:10]
    k.create_namespace(other)
    try:
        k.create_pod(other, "elsewhere")
        k.create_pod(namespace, "here")
        w = watches(k.pods(namespace), {"watch": "true", "timeoutSeconds": "15"})
        assert summary(w.take(1)) == [("ADDED", "here")]
        k.create_pod(other, "elsewhere-2")
        k.create_pod(namespace, "sentinel")
        assert summary(w.until(is_added("sentinel"))) == [("ADDED", "sentinel")]
    finally:
        k.delete_namespace(other)


def test_no_rv_watch_opened_during_writes_misses_and_repeats_nothing(k: Api, namespace: str, watches) -> None:
    """The initial state and the live stream must join without a gap or an overlap, even while the
    object is being written to: its counter label must go up by exactly one per event."""
    k.create_pod(namespace, "ctr", {"n": "0"})
    stop = threading.Event()
    last = {"n": 0}

    def writer() -> None:
        s = requests.Session()
        while not stop.is_set():
            n = last["n"] + 1
            r = s.patch(f"{k.pods(namespace)}/ctr", data=json.dumps({"metadata": {"labels": {"n": str(n)}}}),
                        headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
            assert r.status_code == 200, r.text
            last["n"] = n

    t = threading.Thread(target=writer)
    t.start()
    try:
        opened = []
        for _ in range(8):
            w = watches(k.pods(namespace), {"watch": "true", "timeoutSeconds": "20"})
            first = w.take(1)  # its synthetic ADDED: this watch is now established
            assert summary(first) == [("ADDED", "ctr")]
            opened.append((w, first))
    finally:
        stop.set()
        t.join(10)
    k.create_pod(namespace, "sentinel")
    assert last["n"] > 0
    for w, first in opened:
        events = first + w.until(is_added("sentinel"), timeout=15)[:-1]
        values = [int(e["object"]["metadata"]["labels"]["n"]) for e in events if name_of(e) == "ctr"]
        assert values == list(range(values[0], values[0] + len(values))), values
        assert values[-1] == last["n"], (values[-1], last["n"])


def test_watch_in_missing_namespace_is_an_empty_stream(k: Api, watches) -> None:
    w = watches(k.pods("nons-" + uuid.uuid4().hex[:8]), {"watch": "true", "timeoutSeconds": "1"})
    assert w.status() == 200
    assert w.rest(timeout=10) == []
    assert w.ended_cleanly


def test_namespace_deletion_as_seen_by_watches(k: Api, watches) -> None:
    ns = "t-" + uuid.uuid4().hex[:10]
    k.create_namespace(ns)
    k.create_pod(ns, "a")
    k.create_pod(ns, "b")
    rv = k.list_rv(ns)
    pod_w = watches(k.pods(ns), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "15"})
    ns_w = watches(f"{k.url}/api/v1/namespaces", {"watch": "true", "resourceVersion": rv,
                                                   "fieldSelector": f"metadata.name={ns}", "timeoutSeconds": "15"})
    r = requests.delete(f"{k.url}/api/v1/namespaces/{ns}", timeout=10)
    assert r.status_code == 200, r.text
    assert sorted(summary(pod_w.take(2))) == [("DELETED", "a"), ("DELETED", "b")]
    ns_events = ns_w.until(lambda ev: ev["type"] == "DELETED")
    assert ns_events[0]["type"] == "MODIFIED"
    assert ns_events[0]["object"]["status"]["phase"] == "Terminating"
    assert ns_events[0]["object"]["metadata"]["deletionTimestamp"]
    assert name_of(ns_events[-1]) == ns


def test_send_initial_events_requires_not_older_than(k: Api, namespace: str) -> None:
    r = requests.get(k.pods(namespace), params={"watch": "true", "sendInitialEvents": "true",
                                                "allowWatchBookmarks": "true", "timeoutSeconds": "1"}, timeout=10)
    assert r.status_code == 422
    body = r.json()
    assert body["reason"] == "Invalid"
    assert body["message"] == ('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
                               "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")


def test_resource_version_match_on_watch_requires_send_initial_events(k: Api, namespace: str) -> None:
    r = requests.get(k.pods(namespace), params={"watch": "true", "resourceVersionMatch": "NotOlderThan",
                                                "resourceVersion": "1", "timeoutSeconds": "1"}, timeout=10)
    assert r.status_code == 422
    body = r.json()
    assert body["reason"] == "Invalid"
    assert "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided" in body["message"]


# -- legacy /watch/ paths ---------------------------------------------------------------------------

def test_legacy_namespaced_watch_path(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "a")
    w = watches(f"{k.url}/api/v1/watch/namespaces/{namespace}/pods", {"timeoutSeconds": "15"})
    assert w.status() == 200
    assert summary(w.take(1)) == [("ADDED", "a")]
    k.label(namespace, "a", z="1")
    assert summary(w.take(1)) == [("MODIFIED", "a")]


def test_legacy_all_namespaces_watch_path(k: Api, namespace: str, watches) -> None:
    other = "t-" + uuid.uuid4().hex[:10]
    k.create_namespace(other)
    try:
        rv = k.list_rv(namespace)
        tag = uuid.uuid4().hex[:8]
        w = watches(f"{k.url}/api/v1/watch/pods", {"resourceVersion": rv, "labelSelector": f"run={tag}",
                                                    "timeoutSeconds": "15"})
        k.create_pod(namespace, "p1", {"run": tag})
        k.create_pod(other, "p2", {"run": tag})
        events = w.take(2)
        assert [(e["type"], e["object"]["metadata"]["namespace"], name_of(e)) for e in events] == [
            ("ADDED", namespace, "p1"), ("ADDED", other, "p2")]
    finally:
        k.delete_namespace(other)


def test_all_namespaces_watch_without_rv_lists_existing_pods_everywhere(k: Api, namespace: str, watches) -> None:
    tag = uuid.uuid4().hex[:8]
    k.create_pod(namespace, "p1", {"run": tag})
    w = watches(f"{k.url}/api/v1/pods", {"watch": "true", "labelSelector": f"run={tag}", "timeoutSeconds": "15"})
    ev = w.next()
    assert ev is not None and (ev["type"], name_of(ev), ev["object"]["metadata"]["namespace"]) == \
        ("ADDED", "p1", namespace)


def test_cluster_scoped_watches(k: Api, watches) -> None:
    w = watches(f"{k.url}/api/v1/watch/nodes/node-2", {"timeoutSeconds": "15"})
    ev = w.next()
    assert ev is not None and (ev["type"], name_of(ev)) == ("ADDED", "node-2")
    assert ev["object"]["kind"] == "Node"
    ns = "t-" + uuid.uuid4().hex[:10]
    w2 = watches(f"{k.url}/api/v1/watch/namespaces/{ns}", {"timeoutSeconds": "15"})
    k.create_namespace(ns)
    try:
        ev = w2.next()
        assert ev is not None and (ev["type"], name_of(ev)) == ("ADDED", ns)
        assert ev["object"]["status"]["phase"] == "Active"
    finally:
        k.delete_namespace(ns)


# -- single-object watches --------------------------------------------------------------------------

def test_single_object_watch_by_field_selector(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "x")
    k.create_pod(namespace, "y")
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "fieldSelector": "metadata.name=x",
                                    "resourceVersion": rv, "timeoutSeconds": "15"})
    k.label(namespace, "y", a="1")
    k.label(namespace, "x", a="1")
    k.delete_pod(namespace, "y")
    k.delete_pod(namespace, "x")
    events = w.take(2)
    assert summary(events) == [("MODIFIED", "x"), ("DELETED", "x")]
    k.create_pod(namespace, "y2")
    k.create_pod(namespace, "x")  # recreated under the same name: seen again
    assert summary(w.take(1)) == [("ADDED", "x")]


def test_single_object_watch_by_field_selector_without_rv(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "x")
    k.create_pod(namespace, "y")
    w = watches(k.pods(namespace), {"watch": "1", "fieldSelector": "metadata.name=x", "timeoutSeconds": "15"})
    assert summary(w.take(1)) == [("ADDED", "x")]
    k.label(namespace, "y", a="1")
    k.label(namespace, "x", a="1")
    assert summary(w.take(1)) == [("MODIFIED", "x")]


def test_legacy_single_object_watch_path(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "x")
    k.create_pod(namespace, "y")
    w = watches(f"{k.url}/api/v1/watch/namespaces/{namespace}/pods/x", {"timeoutSeconds": "15"})
    assert w.status() == 200
    assert summary(w.take(1)) == [("ADDED", "x")]
    k.label(namespace, "y", a="1")
    k.delete_pod(namespace, "y")
    k.label(namespace, "x", a="1")
    k.delete_pod(namespace, "x")
    events = w.take(2)
    assert summary(events) == [("MODIFIED", "x"), ("DELETED", "x")]
    assert events[1]["object"]["metadata"]["labels"] == {"a": "1"}


def test_legacy_single_object_watch_from_rv_of_missing_object(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(f"{k.url}/api/v1/watch/namespaces/{namespace}/pods/later",
                {"resourceVersion": rv, "timeoutSeconds": "15"})
    k.create_pod(namespace, "other")
    k.create_pod(namespace, "later")
    assert summary(w.take(1)) == [("ADDED", "later")]


# -- label selectors on watch -------------------------------------------------------------------------

def test_label_selector_watch_enter_and_leave(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "labelSelector": "app=web", "resourceVersion": rv,
                                    "timeoutSeconds": "15"})
    k.create_pod(namespace, "a", {"app": "web"})       # ADDED a
    k.create_pod(namespace, "b", {"app": "db"})        # (not matching)
    k.label(namespace, "b", app="web")                 # ADDED b (starts matching)
    k.label(namespace, "a", v="2")                     # MODIFIED a
    k.label(namespace, "a", app="db")                  # DELETED a (stops matching)
    k.label(namespace, "a", v="3")                     # (still not matching)
    k.label(namespace, "a", app=None)                  # (label removed, not matching)
    k.delete_pod(namespace, "b")                       # DELETED b
    k.create_pod(namespace, "sentinel", {"app": "web"})
    events = w.until(is_added("sentinel"))
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "a"),
                               ("DELETED", "b"), ("ADDED", "sentinel")]
    rvs = [rv_of(e) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)
    # the ADDED for an object that starts matching carries its new state
    assert events[1]["object"]["metadata"]["labels"] == {"app": "web"}


def test_label_selector_watch_set_based_and_without_rv(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "a", {"tier": "front"})
    k.create_pod(namespace, "b", {"tier": "back"})
    k.create_pod(namespace, "c")
    w = watches(k.pods(namespace), {"watch": "true", "labelSelector": "tier in (front,cache),!legacy",
                                    "timeoutSeconds": "15"})
    assert summary(w.take(1)) == [("ADDED", "a")]
    k.label(namespace, "c", tier="cache")   # ADDED c
    k.label(namespace, "a", legacy="y")     # DELETED a
    k.label(namespace, "b", tier="front")   # ADDED b
    k.create_pod(namespace, "sentinel", {"tier": "front"})
    events = w.until(is_added("sentinel"))
    assert summary(events) == [("ADDED", "c"), ("DELETED", "a"), ("ADDED", "b"), ("ADDED", "sentinel")]


def test_label_selector_watch_deleted_on_leave_carries_previous_state(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "labelSelector": "app=web", "resourceVersion": rv,
                                    "timeoutSeconds": "15"})
    k.create_pod(namespace, "a", {"app": "web"})
    left = k.label(namespace, "a", app="db")
    events = w.take(2)
    assert summary(events) == [("ADDED", "a"), ("DELETED", "a")]
    gone = events[1]["object"]
    # cacher/etcd3 watcher: "return a delete event with the previous object content, but with the
    # event's resource version" - so the object still satisfies the watcher's selector.
    assert gone["metadata"]["resourceVersion"] == left["metadata"]["resourceVersion"]
    assert gone["metadata"]["labels"] == {"app": "web"}


def test_field_selector_watch_on_pod_field(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "fieldSelector": "status.phase=Pending",
                                    "resourceVersion": rv, "timeoutSeconds": "15"})
    k.create_pod(namespace, "pending")
    ev = w.next()
    assert ev is not None and (ev["type"], name_of(ev)) == ("ADDED", "pending")
    assert ev["object"]["status"]["phase"] == "Pending"


def test_unsupported_field_selector_on_watch_is_400(k: Api, namespace: str) -> None:
    r = requests.get(k.pods(namespace), params={"watch": "true", "fieldSelector": "spec.bogus=x",
                                                "timeoutSeconds": "1"}, timeout=10)
    assert r.status_code == 400
    body = r.json()
    assert body["kind"] == "Status" and body["reason"] == "BadRequest"
    assert 'field label not supported: spec.bogus' in body["message"]


# -- timeoutSeconds --------------------------------------------------------------------------------------

def test_timeout_seconds_ends_the_stream_cleanly(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "a")
    started = time.monotonic()
    w = watches(k.pods(namespace), {"watch": "true", "timeoutSeconds": "1"})
    assert summary(w.take(1)) == [("ADDED", "a")]
    assert w.rest(timeout=10) == []
    elapsed = time.monotonic() - started
    assert w.ended_cleanly  # a complete chunked body, not a reset connection
    assert 0.9 <= elapsed < 5, elapsed


def test_timeout_seconds_with_no_events(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    started = time.monotonic()
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "1"})
    assert w.rest(timeout=10) == []
    assert w.ended_cleanly
    assert w.status() == 200
    assert 0.9 <= time.monotonic() - started < 5


# -- ordering -----------------------------------------------------------------------------------------------

def test_resource_versions_strictly_increase_and_match_writes(k: Api, namespace: str, watches) -> None:
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "20"})
    written: list[tuple[str, str, int]] = []
    for i in range(4):
        written.append(("ADDED", f"p{i}", rv_of(k.create_pod(namespace, f"p{i}"))))
    for rnd in range(3):
        for i in range(4):
            written.append(("MODIFIED", f"p{i}", rv_of(k.label(namespace, f"p{i}", r=str(rnd)))))
    for i in range(4):
        k.delete_pod(namespace, f"p{i}")
        written.append(("DELETED", f"p{i}", 0))
    events = w.take(len(written), timeout=15)
    assert summary(events) == [(t, n) for t, n, _ in written]
    rvs = [rv_of(e) for e in events]
    assert all(a < b for a, b in zip(rvs, rvs[1:])), rvs
    for ev, (_t, _n, expected) in zip(events, written):
        if expected:
            assert rv_of(ev) == expected


# -- DELETED carries the final object ---------------------------------------------------------------------

def test_finalizer_deletion_mark_then_deleted_with_final_object(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "fin", {"app": "x"}, finalizers=["example.com/hold"])
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "15"})
    marked = k.delete_pod(namespace, "fin")
    assert marked["metadata"].get("deletionTimestamp")
    k.merge_patch(namespace, "fin", {"metadata": {"finalizers": None}})
    first = w.take(1)
    assert summary(first) == [("MODIFIED", "fin")]
    assert first[0]["object"]["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    events = w.until(lambda ev: ev["type"] == "DELETED")
    final = events[-1]["object"]
    assert final["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    assert final["metadata"]["labels"] == {"app": "x"}
    assert final["metadata"]["uid"] == marked["metadata"]["uid"]
    assert rv_of(first[0]) < rv_of(events[-1])
    r = requests.get(f"{k.pods(namespace)}/fin", timeout=10)
    assert r.status_code == 404


def test_removing_last_finalizer_emits_only_deleted(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "fin", finalizers=["example.com/hold"])
    k.delete_pod(namespace, "fin")
    rv = k.list_rv(namespace)
    w = watches(k.pods(namespace), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "15"})
    k.merge_patch(namespace, "fin", {"metadata": {"finalizers": None}})
    k.create_pod(namespace, "sentinel")
    assert summary(w.until(is_added("sentinel"))) == [("DELETED", "fin"), ("ADDED", "sentinel")]


# -- bookmarks -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast_bookmarks() -> Iterator[LiveServer]:
    server = LiveServer(env={"MOCKAPI_BOOKMARK_INTERVAL": "0.5"})
    yield server
    server.stop()


def test_bookmarks_when_allowed(fast_bookmarks: LiveServer, watches) -> None:
    k = Api(fast_bookmarks.url)
    rv = k.list_rv("default")
    w = watches(k.pods("default"), {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": rv,
                                    "timeoutSeconds": "10"})
    first = w.until(lambda ev: ev["type"] == "BOOKMARK", timeout=5)
    assert len(first) == 1
    bm = first[0]["object"]
    assert bm["kind"] == "Pod" and bm["apiVersion"] == "v1"
    assert int(bm["metadata"]["resourceVersion"]) >= int(rv)
    assert INITIAL_EVENTS_END not in (bm["metadata"].get("annotations") or {})

    created = k.create_pod("default", "bm-" + uuid.uuid4().hex[:6])
    events = w.until(lambda ev: ev["type"] == "ADDED", timeout=5)
    assert {e["type"] for e in events[:-1]} <= {"BOOKMARK"}
    assert rv_of(events[-1]) == rv_of(created)
    # bookmarks keep coming, and one sent after the event covers it: "you have seen everything up
    # to here" - never a resourceVersion below what was already delivered
    after = w.until(lambda ev: ev["type"] == "BOOKMARK", timeout=5)
    assert [e["type"] for e in after] == ["BOOKMARK"]
    assert rv_of(after[0]) >= rv_of(created)
    bookmark_rvs = [rv_of(e) for e in first + events[:-1] + after]
    assert bookmark_rvs == sorted(bookmark_rvs)
    k.delete_pod("default", created["metadata"]["name"])


def test_bookmark_advances_past_events_of_other_watchers(fast_bookmarks: LiveServer, watches) -> None:
    k = Api(fast_bookmarks.url)
    name = "bm-" + uuid.uuid4().hex[:6]
    k.create_pod("default", name)
    rv = k.list_rv("default")
    w = watches(k.pods("default"), {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": rv,
                                    "fieldSelector": "metadata.name=nothing-here", "timeoutSeconds": "10"})
    last = rv_of(k.label("default", name, a="1"))
    events = w.until(lambda ev: ev["type"] == "BOOKMARK" and rv_of(ev) >= last, timeout=5)
    assert {e["type"] for e in events} == {"BOOKMARK"}
    k.delete_pod("default", name)


def test_no_bookmarks_unless_asked(fast_bookmarks: LiveServer, watches) -> None:
    k = Api(fast_bookmarks.url)
    rv = k.list_rv("default")
    w = watches(k.pods("default"), {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "1"})
    assert w.rest(timeout=10) == []
    assert w.ended_cleanly


def test_send_initial_events_then_end_bookmark(k: Api, namespace: str, watches) -> None:
    pods = [k.create_pod(namespace, n) for n in ("a", "b", "c")]
    w = watches(k.pods(namespace), {"watch": "true", "sendInitialEvents": "true",
                                    "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true",
                                    "timeoutSeconds": "15"})
    events = w.take(4)
    assert sorted(summary(events[:3])) == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]
    bm = events[3]
    assert bm["type"] == "BOOKMARK"
    assert bm["object"]["kind"] == "Pod" and bm["object"]["apiVersion"] == "v1"
    assert bm["object"]["metadata"]["annotations"] == {INITIAL_EVENTS_END: "true"}
    assert rv_of(bm) >= max(rv_of(p) for p in pods)
    # then live events
    k.create_pod(namespace, "d")
    assert summary(w.take(1)) == [("ADDED", "d")]


def test_send_initial_events_from_a_resource_version(k: Api, namespace: str, watches) -> None:
    k.create_pod(namespace, "a")
    rv = k.list_rv(namespace)
    k.create_pod(namespace, "b")
    w = watches(k.pods(namespace), {"watch": "true", "sendInitialEvents": "true", "resourceVersion": rv,
                                    "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true",
                                    "timeoutSeconds": "15"})
    events = w.until(lambda ev: ev["type"] == "BOOKMARK")
    assert sorted(summary(events[:-1])) == [("ADDED", "a"), ("ADDED", "b")]
    assert events[-1]["object"]["metadata"]["annotations"] == {INITIAL_EVENTS_END: "true"}
    assert rv_of(events[-1]) > int(rv)


# -- 410 Expired ----------------------------------------------------------------------------------------------

def test_watch_from_compacted_revision_is_an_expired_error_event(watches) -> None:
    server = LiveServer(env={"MOCKAPI_HISTORY_WINDOW": "5"})
    try:
        k = Api(server.url)
        first = k.create_pod("default", "churn")
        old_rv = first["metadata"]["resourceVersion"]
        for i in range(600):  # the registry compacts every 500 writes
            k.label("default", "churn", n=str(i))
        w = watches(k.pods("default"), {"watch": "true", "resourceVersion": old_rv, "timeoutSeconds": "15"})
        assert w.status() == 200
        events = w.rest(timeout=10)
        assert len(events) == 1, summary(events)
        assert events[0]["type"] == "ERROR"
        status = events[0]["object"]
        assert status["kind"] == "Status" and status["apiVersion"] == "v1"
        assert status["status"] == "Failure"
        assert status["code"] == 410 and status["reason"] == "Expired"
        assert status["message"].startswith(f"too old resource version: {old_rv} (")
        assert w.ended_cleanly

        # a recent revision still works
        recent = k.list_rv("default")
        w2 = watches(k.pods("default"), {"watch": "true", "resourceVersion": recent, "timeoutSeconds": "10"})
        k.label("default", "churn", n="last")
        ev = w2.next()
        assert ev is not None and (ev["type"], name_of(ev)) == ("MODIFIED", "churn")
    finally:
        server.stop()


# -- many concurrent watches ------------------------------------------------------------------------------

class RawWatch:
    """A watch on a raw socket: cheap enough to hold a hundred open at once."""

    def __init__(self, url: str, path: str, params: dict[str, str]) -> None:
        u = urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=10)
        req = (f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
               "Accept: application/json\r\n\r\n")
        self.sock.sendall(req.encode())
        self.buf = b""

    def wait_for(self, needle: bytes, deadline: float) -> bool:
        while needle not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            if not data:
                return needle in self.buf
            self.buf += data
        return True

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _open_watches(url: str, ns: str, n: int, seen: bytes, wait: float = 15) -> list[RawWatch]:
    """Open ``n`` watches that each first receive the ADDED for an existing pod (proving the server
    is serving all of them at once)."""
    opened: list[RawWatch] = []
    try:
        for _ in range(n):
            opened.append(RawWatch(url, f"/api/v1/namespaces/{ns}/pods",
                                   {"watch": "true", "timeoutSeconds": "40"}))
        deadline = time.monotonic() + wait
        served = sum(1 for w in opened if w.wait_for(seen, deadline))
        assert served == n, f"only {served} of {n} concurrent watches were served"
        return opened
    except BaseException:
        for w in opened:
            w.close()
        raise


def _timed_get_and_post(url: str, ns: str) -> tuple[float, float]:
    t0 = time.monotonic()
    r = requests.get(f"{url}/api/v1/namespaces/{ns}/pods", timeout=10)
    t_get = time.monotonic() - t0
    assert r.status_code == 200, r.text
    t0 = time.monotonic()
    r = requests.post(f"{url}/api/v1/namespaces/{ns}/pods", json=pod_body("x-" + uuid.uuid4().hex[:8]),
                      timeout=10)
    t_post = time.monotonic() - t0
    assert r.status_code == 201, r.text
    return t_get, t_post


def test_hundred_open_watches_do_not_block_other_requests(k: Api, namespace: str) -> None:
    k.create_pod(namespace, "seed")
    opened = _open_watches(k.url, namespace, 100, b'"name":"seed"')
    try:
        t_get, t_post = _timed_get_and_post(k.url, namespace)
        assert t_get < 2 and t_post < 2, (t_get, t_post)
        # all hundred are live: each of them sees the pod just created
        deadline = time.monotonic() + 10
        live = sum(1 for w in opened if w.wait_for(b'"name":"x-', deadline))
        assert live == 100
    finally:
        for w in opened:
            w.close()


def test_closed_watches_free_server_threads() -> None:
    """With capacity for 110 concurrent requests, closing 100 idle watches must make room for 100
    new ones: kube-apiserver ends a watch as soon as its client goes away."""
    server = LiveServer(env={"MOCKAPI_THREADS": "110"})
    try:
        k = Api(server.url)
        k.create_pod("default", "seed")
        first = _open_watches(server.url, "default", 100, b'"name":"seed"')
        for w in first:
            w.close()
        second = _open_watches(server.url, "default", 100, b'"name":"seed"', wait=6)
        try:
            t_get, t_post = _timed_get_and_post(server.url, "default")
            assert t_get < 2 and t_post < 2, (t_get, t_post)
        finally:
            for w in second:
                w.close()
    finally:
        server.stop()


def test_closed_selective_watches_free_server_threads_under_traffic(tmp_path) -> None:
    """kubectl wait/delete watch one object by fieldSelector; after Ctrl-C on a busy cluster their
    server side must still go away. The pod traffic comes through a second server process on the
    same database (so it cannot be starved by the watches under test); the first one sees it via its
    watch hub and hands it to every pod watcher."""
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    server = LiveServer(db=db, env={"MOCKAPI_THREADS": "110"})
    writer = None
    stop = threading.Event()
    churn = None
    try:
        writer = LiveServer(db=db)
        k, kw = Api(server.url), Api(writer.url)
        k.create_pod("default", "seed")
        kw.create_pod("kube-public", "busy")
        errors: list[str] = []

        def traffic() -> None:
            s = requests.Session()
            i = 0
            while not stop.wait(0.05):
                i += 1
                r = s.patch(f"{kw.pods('kube-public')}/busy", data=json.dumps({"metadata": {"labels": {"i": str(i)}}}),
                            headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
                if r.status_code != 200:
                    errors.append(r.text)

        first = [RawWatch(server.url, "/api/v1/pods", {"watch": "true", "fieldSelector": "metadata.name=gone",
                                                       "timeoutSeconds": "60"}) for _ in range(100)]
        try:
            deadline = time.monotonic() + 10
            established = sum(1 for w in first if w.wait_for(b"\r\n\r\n", deadline))  # headers flushed
            assert established == 100
            churn = threading.Thread(target=traffic)
            churn.start()
        finally:
            for w in first:
                w.close()
        second = _open_watches(server.url, "default", 100, b'"name":"seed"', wait=4)
        for w in second:
            w.close()
        assert not errors, errors[:3]
    finally:
        stop.set()
        if churn is not None:
            churn.join(10)
        if writer is not None:
            writer.stop()
        server.stop()
