"""mockapi benchmark: the cost of one Service create with allocation (ClusterIP; NodePort, which
allocates a clusterIP and a nodePort) with 100, 1,000 and 10,000 Services already stored. It must
stay flat: an allocation probes a few primary keys near a random start, never scans the pool.

    python benchmarks/alloc_bench.py [--levels 100,1000,10000] [--samples 300] [--keep]

In-process: create_app on a SQLite file in a temporary directory (WAL, as served), a /12 service
CIDR and node ports 30000-60000 so that 10,000 Services fit. Each level is reached by creating
Services (half NodePort) through the registry's write path; then ``--samples`` creates of each type
are timed through the Flask test client (full request path: decode, default, validate, allocate,
store, commit) and deleted again, so every level is measured at its own size. Prints a table of
median and p95 per create, plus the time of the startup repair pass at the largest level, and last
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockapi.app import create_app
from mockapi.registry import RESOURCES_BY_KIND

SVC = RESOURCES_BY_KIND["Service"]
PORTS = [{"name": "http", "port": 80, "targetPort": 8080}]


def body(name: str, node_port: bool) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"type": "NodePort" if node_port else "ClusterIP",
                                                 "selector": {"app": name}, "ports": PORTS}}


def fill(registry: Any, namespace: str, start: int, stop: int) -> None:
    for i in range(start, stop):
        registry.create(SVC, namespace, body(f"fill-{i}", node_port=i % 2 == 1))


def timed_creates(client: Any, namespace: str, level: int, node_port: bool, samples: int) -> list[float]:
    url = f"/api/v1/namespaces/{namespace}/services"
    out = []
    names = [f"m{level}-{'np' if node_port else 'cip'}-{i}" for i in range(samples)]
    for name in names:
        t0 = time.perf_counter()
        r = client.post(url, json=body(name, node_port))
        out.append(time.perf_counter() - t0)
        if r.status_code != 201:
            raise SystemExit(f"create failed: {r.status_code} {r.get_data(as_text=True)}")
    for name in names:
        client.delete(f"{url}/{name}")
    return out


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="100,1000,10000")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database file (its path is printed)")
    args = parser.parse_args()
    levels = sorted(int(x) for x in args.levels.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="alloc-bench-"))
    db = f"sqlite:///{tmp / 'bench.db'}"
    config = {"db": db, "service_cidr": "10.96.0.0/12", "node_port_range": "30000-60000", "nodes": 0}
    app = create_app(config)
    runtime = app.extensions["mockapi"]
    client = app.test_client()
    ns = "bench"
    client.post("/api/v1/namespaces", json={"metadata": {"name": ns}})
    results: dict[str, Any] = {}
    stored = 1  # the kubernetes Service
    print(f"{'existing Services':>18} {'type':>10} {'median ms':>10} {'p95 ms':>8} {'fill s':>8}")
    for level in levels:
        t0 = time.perf_counter()
        fill(runtime.registry, ns, stored - 1, level - 1)
        fill_s = time.perf_counter() - t0
        stored = level
        for node_port in (False, True):
            timed_creates(client, ns, level, node_port, 20)  # warm-up
            samples = timed_creates(client, ns, level, node_port, args.samples)
            kind = "NodePort" if node_port else "ClusterIP"
            results[f"{level}/{kind}"] = {"median_ms": round(1000 * statistics.median(samples), 3),
                                          "p95_ms": round(ms(samples, 0.95), 3)}
            print(f"{level:>18,} {kind:>10} {1000 * statistics.median(samples):>10.3f} "
                  f"{ms(samples, 0.95):>8.3f} {fill_s:>8.1f}")
    t0 = time.perf_counter()
    report = runtime.repair()
    repair_s = time.perf_counter() - t0
    print(f"startup repair pass over {report.services:,} Services: {repair_s * 1000:.0f} ms "
          f"(fixed anything: {report.fixed})")
    first, last = levels[0], levels[-1]
    for kind in ("ClusterIP", "NodePort"):
        ratio = results[f"{last}/{kind}"]["median_ms"] / results[f"{first}/{kind}"]["median_ms"]
        results[f"ratio_{last}_vs_{first}/{kind}"] = round(ratio, 2)
        print(f"{kind}: median at {last:,} / median at {first:,} = {ratio:.2f}")
    results["repair_ms"] = round(repair_s * 1000, 1)
    runtime.close()
    if args.keep:
        print(f"database kept at {tmp / 'bench.db'}")
    else:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
