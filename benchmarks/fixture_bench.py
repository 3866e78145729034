"""Test-fixture benchmark (issue 7): how long the things a test suite does with mockapi take.

* ``mockapi.Cluster`` start to ready and stop, in-process and as a subprocess (target: well under 1 s);
* ``POST /mock/reset`` with N user objects in the cluster (the per-test isolation of ``mockapi_reset``);
* ``GET /mock/snapshot`` and ``POST /mock/snapshot`` of that state;
* a fresh namespace per test (``mockapi_namespace``): create + delete.

    python benchmarks/fixture_bench.py            # N = 100 and 1000 pods (+ a Service per 10 pods)
    python benchmarks/fixture_bench.py --quick    # N = 100, fewer rounds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mockapi  # noqa: E402


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """(median, max) seconds over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), max(times)


def populate(cluster: mockapi.Cluster, pods: int) -> None:
    docs: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}]
    for i in range(pods // 10):
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}", "namespace": "bench"},
                     "spec": {"selector": {"grp": str(i)}, "ports": [{"port": 80}]}})
    for i in range(pods):
        docs.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": f"p{i}", "namespace": "bench", "labels": {"grp": str(i // 10)}},
                     "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    cluster.apply(docs)


def start_stop(mode: str, rounds: int) -> None:
    def once() -> None:
        mockapi.Cluster(nodes=3, mode=mode).start().stop()

    once()  # imports and first-time caches
    med, worst = timed(once, rounds)
    print(f"Cluster start+stop ({mode}): median {med * 1000:.0f} ms, max {worst * 1000:.0f} ms")


def state_ops(pods: int, rounds: int) -> None:
    with mockapi.Cluster(nodes=3) as cluster:
        session = cluster.session
        began = time.perf_counter()
        populate(cluster, pods)
        objects = len(cluster.list("pods", namespace="bench"))
        print(f"-- {objects} pods, {pods // 10} Services (+ Endpoints, slices), applied in "
              f"{time.perf_counter() - began:.2f} s")
        exported = session.get(f"{cluster.url}/mock/snapshot").content
        med, _ = timed(lambda: session.get(f"{cluster.url}/mock/snapshot").raise_for_status(), rounds)
        print(f"GET /mock/snapshot: median {med * 1000:.0f} ms ({len(exported) / 1e6:.1f} MB)")

        def restore() -> None:
            r = session.post(f"{cluster.url}/mock/snapshot", data=exported,
                             headers={"Content-Type": "application/json"})
            r.raise_for_status()

        med, _ = timed(restore, rounds)
        print(f"POST /mock/snapshot (restore): median {med * 1000:.0f} ms")

        def reset() -> None:
            restore()
            began = time.perf_counter()
            session.post(f"{cluster.url}/mock/reset").raise_for_status()
            reset.last = time.perf_counter() - began  # type: ignore[attr-defined]

        times = []
        for _ in range(rounds):
            reset()
            times.append(reset.last)  # type: ignore[attr-defined]
        print(f"POST /mock/reset from that state: median {statistics.median(times) * 1000:.0f} ms")
        session.post(f"{cluster.url}/mock/reset").raise_for_status()
        med, _ = timed(lambda: session.post(f"{cluster.url}/mock/reset").raise_for_status(), rounds)
        print(f"POST /mock/reset of a fresh cluster: median {med * 1000:.0f} ms")

        counter = iter(range(10**6))

        def namespace() -> None:
            name = f"t-{next(counter)}"
            session.post(f"{cluster.url}/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
            session.delete(f"{cluster.url}/api/v1/namespaces/{name}").raise_for_status()

        med, _ = timed(namespace, rounds * 5)
        print(f"fresh namespace (create + delete): median {med * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 only, fewer rounds")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    start_stop("inprocess", rounds)
    start_stop("subprocess", max(2, rounds // 2))
    for pods in ([100] if args.quick else [100, 1000]):
        state_ops(pods, rounds)


if __name__ == "__main__":
    main()
