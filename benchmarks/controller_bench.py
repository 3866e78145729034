"""Controller convergence benchmark (issue 4, item 6): the time for one pod create and one pod label
change to converge (the write plus the kubelet, Endpoints and EndpointSlice controllers in its
transaction) with 1k vs 10k unrelated pods and 100 vs 1000 unrelated Services. Must not grow.

    python benchmarks/controller_bench.py            # both sizes
    python benchmarks/controller_bench.py --quick    # 1k/100 and 3k/300 (CI smoke)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockapi.config import load_config
from mockapi.registry import RESOURCES_BY_KIND
from mockapi.runtime import Runtime

PODS, SERVICES, NAMESPACES = (RESOURCES_BY_KIND[k] for k in ("Pod", "Service", "Namespace"))
SPREAD = 10  # unrelated objects live in the target namespace and in SPREAD-1 others


def pod(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "ports": [{"name": "web", "containerPort": 8080}]}]}}


def service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"selector": selector, "ports": [{"name": "http", "port": 80,
                                                                               "targetPort": "web"}]}}


def populate(rt: Runtime, pods: int, services: int) -> None:
    reg = rt.registry
    reg.controllers_enabled = False  # the unrelated background is stored as written (fast)
    for n in range(1, SPREAD):
        reg.create(NAMESPACES, "", {"metadata": {"name": f"bg-{n}"}})
    for i in range(services):
        ns = "default" if i % SPREAD == 0 else f"bg-{i % SPREAD}"
        reg.create(SERVICES, ns, service(f"svc-{i}", {"app": f"app-{i}", "tier": "bg"}))
    for i in range(pods):
        ns = "default" if i % SPREAD == 0 else f"bg-{i % SPREAD}"
        reg.create(PODS, ns, pod(f"pod-{i}", {"app": f"other-{i % 500}", "tier": "bg"}))
    reg.controllers_enabled = True
    reg.create(SERVICES, "default", service("target", {"app": "target"}))
    for i in range(20):  # the target Service has a few pods already
        reg.create(PODS, "default", pod(f"target-{i}", {"app": "target"}))


def measure(rt: Runtime, rounds: int) -> tuple[float, float]:
    reg = rt.registry
    creates, relabels = [], []
    for i in range(rounds):
        t0 = time.perf_counter()
        reg.create(PODS, "default", pod(f"new-{i}", {"app": "target"}))
        creates.append(time.perf_counter() - t0)
        def relabel(obj: dict[str, Any], i: int = i) -> dict[str, Any]:
            obj["metadata"]["labels"] = {"app": "target" if i % 2 else "elsewhere"}
            return obj
        t0 = time.perf_counter()
        reg.patch(PODS, "default", f"target-{i % 20}", relabel)
        relabels.append(time.perf_counter() - t0)
    slices = reg.get(RESOURCES_BY_KIND["Endpoints"], "default", "target")  # converged: readable now
    assert slices is not None
    return statistics.median(creates) * 1000, statistics.median(relabels) * 1000


def run(pods: int, services: int, rounds: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config({"db": f"sqlite:///{tmp}/bench.db", "nodes": 3, "kubelet": "on"}, environ={})
        rt = Runtime(config)
        try:
            t0 = time.perf_counter()
            populate(rt, pods, services)
            setup = time.perf_counter() - t0
            create_ms, relabel_ms = measure(rt, rounds)
        finally:
            rt.close()
    return setup, create_ms, relabel_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    sizes = [(1000, 100), (3000, 300)] if args.quick else [(1000, 100), (10000, 1000)]
    print(f"{'unrelated pods':>14} {'services':>9} {'setup s':>8} {'pod create ms':>14} {'label change ms':>16}")
    for pods, services in sizes:
        setup, create_ms, relabel_ms = run(pods, services, args.rounds)
        print(f"{pods:>14} {services:>9} {setup:>8.1f} {create_ms:>14.2f} {relabel_ms:>16.2f}")
    print("(medians; each write converges in its own transaction: kubelet, Endpoints, EndpointSlices)")


if __name__ == "__main__":
    main()
