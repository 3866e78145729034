"""mockapi benchmark: start-up time, and throughput/latency of pod create/get/list against a Flask
no-op endpoint served with the very same gunicorn configuration (the ceiling).

    python benchmarks/api_bench.py [--quick] [--workers 2] [--duration S] [--connections N]

Everything runs against live servers on free 127.0.0.1 ports; every process started here is
stopped before exit (also on Ctrl-C). Prints a table and, last, one JSON line.

Measured:
  1. Popen -> first 200 on /readyz, for ``--db sqlite://`` and for a fresh SQLite file (median).
  2. req/s, p50, p99 for: pod create (unique names, namespace default), pod get (one pod), pod list
     of a namespace holding exactly 100 pods and one holding exactly 1000 pods; /readyz of mockapi
     as a framework-only reference.
  3. The same for ``GET /noop`` -> {"ok": true} (benchmarks/noop_app.py, mockapi.server.Server's
     gunicorn settings and worker class), and the ratios get/noop and create/noop.

The load generator is several client *processes* (fork), each with a few threads, each thread one
keep-alive http.client connection; every run is bounded by a request count and by time. The
server's and the clients' CPU use during each run is reported (cores), so that a saturated client
is visible: with --workers 1 the server can use at most about one core (one Python process).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGETS = {"startup_s": 0.5, "get_over_noop": 0.50, "create_over_noop": 0.25}

POD_TEMPLATE = ('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"bench"}},'
                '"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}')
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


# --------------------------------------------------------------------------------------------
# processes under test
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _listening_inode(port: int) -> str | None:
    want = f"{socket.inet_aton(HOST)[::-1].hex().upper()}:{port:04X}"
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[1] == want and parts[3] == "0A":  # LISTEN
                    return parts[9]
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return out


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields_ = f.read().rsplit(")", 1)[1].split()
        return (int(fields_[11]) + int(fields_[12])) / CLK_TCK  # utime + stime
    except OSError:
        return 0.0


LIVE: list["Served"] = []


class StartError(RuntimeError):
    pass


class Served:
    """One server process (gunicorn master in its own session, so its workers share its group)."""

    def __init__(self, argv: list[str], port: int, label: str) -> None:
        self.port = port
        self.label = label
        self.log = tempfile.TemporaryFile(mode="w+")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        LIVE.append(self)

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from Popen to the first 200 on /readyz (polled every ~2 ms)."""
        deadline = self.t0 + timeout
        while True:
            now = time.monotonic()
            if self.proc.poll() is not None:
                raise StartError(f"{self.label} exited with {self.proc.returncode}: {self.log_tail()}")
            if now > deadline:
                raise StartError(f"{self.label} not ready after {timeout}s: {self.log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", "/readyz")
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    elapsed = time.monotonic() - self.t0
                    self._check_owner()
                    return elapsed
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.002)

    def _check_owner(self) -> None:
        """Make sure the answer came from our process, not from someone else's server on the port."""
        inode = _listening_inode(self.port)
        if inode is None:
            return  # no /proc/net/tcp: cannot check
        try:
            fds = os.listdir(f"/proc/{self.proc.pid}/fd")
        except OSError:
            return
        for fd in fds:
            try:
                if os.readlink(f"/proc/{self.proc.pid}/fd/{fd}") == f"socket:[{inode}]":
                    return
            except OSError:
                continue
        raise StartError(f"port {self.port} is served by another process, not by {self.label}")

    def cpu_seconds(self) -> float:
        pid = self.proc.pid
        return _cpu_seconds(pid) + sum(_cpu_seconds(c) for c in _children(pid))

    def log_tail(self, n: int = 1500) -> str:
        try:
            self.log.seek(0)
            return self.log.read()[-n:]
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        if self in LIVE:
            LIVE.remove(self)
        pid = self.proc.pid
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        # the master is gone (or stuck): make sure none of its workers outlive it
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.log.close()


def stop_all() -> None:
    for s in list(LIVE):
        s.stop()


def start_mockapi(db: str, workers: int | None = None, tries: int = 3) -> tuple[Served, float]:
    last: Exception | None = None
    for _ in range(tries):
        port = free_port()
        argv = [sys.executable, "-m", "mockapi", "serve", "--port", str(port), "--db", db]
        if workers is not None:
            argv += ["--workers", str(workers)]
        s = Served(argv, port, f"mockapi({db}, workers={workers or 1})")
        try:
            return s, s.wait_ready()
        except StartError as exc:
            last = exc
            s.stop()
    raise SystemExit(f"could not start mockapi: {last}")


def start_noop(workers: int, tries: int = 3) -> Served:
    last: Exception | None = None
    for _ in range(tries):
        port = free_port()
        argv = [sys.executable, os.path.join(HERE, "noop_app.py"), "--port", str(port), "--workers", str(workers)]
        s = Served(argv, port, f"noop(workers={workers})")
        try:
            s.wait_ready()
            return s
        except StartError as exc:
            last = exc
            s.stop()
    raise SystemExit(f"could not start the no-op server: {last}")


# --------------------------------------------------------------------------------------------
# load generator
# --------------------------------------------------------------------------------------------

@dataclass
class Spec:
    name: str
    method: str
    path: str
    post_names: str | None = None  # POST body = POD_TEMPLATE % f"{post_names}-{p}-{t}-{i}"
    max_requests: int = 1_000_000  # total over all connections
    duration: float = 3.0
    warmup: int = 3  # requests per connection before the clock starts (not for count-exact runs)


@dataclass
class Result:
    name: str
    count: int = 0
    errors: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def rps(self) -> float:
        return self.count / self.wall if self.wall > 0 else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, max(0, math.ceil(q * len(lat)) - 1))]

    def summary(self) -> dict[str, Any]:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.pct(0.50) * 1e3, 2),
                "p99_ms": round(self.pct(0.99) * 1e3, 2), "requests": self.count, "errors": self.errors,
                "wall_s": round(self.wall, 3), "server_cpu_cores": round(self.server_cpu, 2),
                "client_cpu_cores": round(self.client_cpu, 2),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}


def _one(conn: http.client.HTTPConnection, spec: Spec, name: str | None) -> int:
    if name is None:
        conn.request(spec.method, spec.path, headers=JSON_HEADERS)
    else:
        conn.request(spec.method, spec.path, body=(POD_TEMPLATE % name).encode(), headers=JSON_HEADERS)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _client_thread(port: int, spec: Spec, p: int, t: int, budget: int, barrier: Any,
                   out: list[Any]) -> None:
    lat: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    seq = 0

    def next_name() -> str | None:
        nonlocal seq
        if spec.post_names is None:
            return None
        seq += 1
        return f"{spec.post_names}-{p}-{t}-{seq}"

    try:
        for _ in range(spec.warmup):
            try:
                _one(conn, spec, next_name())
            except (OSError, http.client.HTTPException):
                conn.close()
    finally:
        barrier.wait()
    start = time.monotonic()
    deadline = start + spec.duration
    n = 0
    mono = time.monotonic
    while n < budget and mono() < deadline:
        t0 = mono()
        try:
            status = _one(conn, spec, next_name())
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()  # http.client reconnects on the next request
            n += 1
            continue
        lat.append(mono() - t0)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 400:
            errors += 1
        n += 1
    end = mono()
    conn.close()
    out.append((lat, statuses, errors, end))


def _client_process(port: int, spec: Spec, p: int, budgets: list[int], barrier: Any, queue: Any) -> None:
    out: list[Any] = []
    cpu0 = time.process_time()
    threads = [threading.Thread(target=_client_thread, args=(port, spec, p, t, b, barrier, out))
               for t, b in enumerate(budgets)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    queue.put((out, time.process_time() - cpu0))


def run_load(server: Served, spec: Spec, connections: int, processes: int) -> Result:
    ctx = mp.get_context("fork")
    processes = max(1, min(processes, connections))
    per_proc = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    per_conn = [spec.max_requests // connections + (1 if i < spec.max_requests % connections else 0)
                for i in range(connections)]
    barrier = ctx.Barrier(connections + 1)
    queue = ctx.Queue()
    procs = []
    k = 0
    for p, n in enumerate(per_proc):
        procs.append(ctx.Process(target=_client_process, daemon=True,
                                 args=(server.port, spec, p, per_conn[k:k + n], barrier, queue)))
        k += n
    for pr in procs:
        pr.start()
    res = Result(spec.name)
    try:
        barrier.wait(timeout=60)
        start = time.monotonic()
        cpu0 = server.cpu_seconds()
        ends = []
        client_cpu = 0.0
        for _ in procs:
            out, cpu = queue.get(timeout=spec.duration + 120)
            client_cpu += cpu
            for lat, statuses, errors, end in out:
                res.latencies.extend(lat)
                res.count += len(lat)
                res.errors += errors
                for k2, v in statuses.items():
                    res.statuses[k2] = res.statuses.get(k2, 0) + v
                ends.append(end)
        res.wall = max(ends) - start
        res.server_cpu = (server.cpu_seconds() - cpu0) / res.wall if res.wall > 0 else 0.0
        res.client_cpu = client_cpu / res.wall if res.wall > 0 else 0.0  # includes warm-up: upper bound
    finally:
        for pr in procs:
            pr.join(timeout=10)
            if pr.is_alive():
                pr.kill()
                pr.join()
    return res


# --------------------------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=JSON_HEADERS)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if data[:1] in (b"{", b"[") else data)
    finally:
        conn.close()


def populate(server: Served, ns: str, n: int, args: argparse.Namespace) -> Result:
    body = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}).encode()
    status, _ = request(server.port, "POST", "/api/v1/namespaces", body)
    if status not in (200, 201):
        raise SystemExit(f"could not create namespace {ns}: {status}")
    spec = Spec(f"populate-{ns}", "POST", f"/api/v1/namespaces/{ns}/pods", post_names=f"pod-{ns}",
                max_requests=n, duration=120.0, warmup=0)
    res = run_load(server, spec, args.connections, args.client_procs)
    status, body_ = request(server.port, "GET", f"/api/v1/namespaces/{ns}/pods")
    have = len(body_.get("items", [])) if isinstance(body_, dict) else -1
    if res.errors or have != n:
        raise SystemExit(f"populating {ns}: {res.errors} errors, namespace holds {have} pods, wanted {n}")
    return res


def bench_noop(workers: int, args: argparse.Namespace) -> Result:
    s = start_noop(workers)
    try:
        return run_load(s, Spec("noop", "GET", "/noop", duration=args.duration), args.connections, args.client_procs)
    finally:
        s.stop()


def bench_mockapi(db: str, workers: int | None, args: argparse.Namespace, log: Any) -> dict[str, Result]:
    s, _ = start_mockapi(db, workers)
    out: dict[str, Result] = {}
    c, cp, d = args.connections, args.client_procs, args.duration
    try:
        out["readyz"] = run_load(s, Spec("readyz", "GET", "/readyz", duration=d), c, cp)
        log(".")
        out["create"] = run_load(s, Spec("create", "POST", "/api/v1/namespaces/default/pods",
                                         post_names="bench", max_requests=args.max_creates, duration=d), c, cp)
        log(".")
        status, _ = request(s.port, "POST", "/api/v1/namespaces/default/pods", (POD_TEMPLATE % "bench-get").encode())
        if status not in (200, 201):
            raise SystemExit(f"could not create the pod to get: {status}")
        out["get"] = run_load(s, Spec("get", "GET", "/api/v1/namespaces/default/pods/bench-get", duration=d), c, cp)
        log(".")
        for n in (100, 1000):
            ns = f"bench-list-{n}"
            t0 = time.monotonic()
            pop = populate(s, ns, n, args)
            out[f"populate{n}"] = pop
            log(f"({n} pods in {time.monotonic() - t0:.1f}s)")
            out[f"list{n}"] = run_load(s, Spec(f"list{n}", "GET", f"/api/v1/namespaces/{ns}/pods", duration=d), c, cp)
            log(".")
    finally:
        s.stop()
    return out


def bench_startup(db_kind: str, n: int, tmp: str) -> list[float]:
    samples = []
    for i in range(n):
        db = "sqlite://" if db_kind == "memory" else f"sqlite:///{tmp}/startup-{db_kind}-{i}-{os.getpid()}.db"
        s, elapsed = start_mockapi(db)
        s.stop()
        samples.append(elapsed)
    return samples


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

ROWS = [("noop", "GET /noop (Flask no-op, ceiling)"), ("readyz", "GET /readyz (mockapi, no storage)"),
        ("create", "POST pod (unique names)"), ("get", "GET one pod"),
        ("list100", "GET pod list, 100 pods"), ("list1000", "GET pod list, 1000 pods"),
        ("populate1000", "  (POST pod into ns filling to 1000)")]


def print_table(title: str, results: dict[str, Result]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':40s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'reqs':>7s} {'errs':>5s} "
          f"{'srv cpu':>7s} {'cli cpu':>7s}")
    for key, label in ROWS:
        r = results.get(key)
        if r is None:
            continue
        print(f"  {label:40s} {r.rps:9.1f} {r.pct(.5) * 1e3:8.2f} {r.pct(.99) * 1e3:8.2f} {r.count:7d} "
              f"{r.errors:5d} {r.server_cpu:7.2f} {r.client_cpu:7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description="mockapi start-up and request benchmarks")
    ap.add_argument("--quick", action="store_true", help="short runs (~30 s total)")
    ap.add_argument("--workers", type=int, default=1,
                    help="also benchmark this many gunicorn workers with a file DB (default: only 1)")
    ap.add_argument("--duration", type=float, default=None, help="seconds per measured run (3, quick 1)")
    ap.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    ap.add_argument("--client-procs", type=int, default=4, help="client processes sharing the connections")
    ap.add_argument("--starts", type=int, default=None, help="start-ups per DB kind (5, quick 3)")
    ap.add_argument("--max-creates", type=int, default=20000, help="cap on pods created by the create run")
    args = ap.parse_args()
    if args.duration is None:
        args.duration = 1.0 if args.quick else 3.0
    if args.starts is None:
        args.starts = 3 if args.quick else 5

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)

    def log(msg: str) -> None:
        print(msg, end="", file=sys.stderr, flush=True)

    t_all = time.monotonic()
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                              "settings": {"quick": args.quick, "duration_s": args.duration,
                                           "connections": args.connections, "client_procs": args.client_procs},
                              "targets": TARGETS}
    try:
        with tempfile.TemporaryDirectory(prefix="mockapi-bench-") as tmp:
            log("start-up ")
            startup = {kind: bench_startup(kind, args.starts, tmp) for kind in ("memory", "file")}
            log("done\n")
            configs: list[tuple[str, str, int | None]] = []
            if not args.quick:
                configs.append(("workers=1, db=sqlite:// (memory)", "sqlite://", None))
            configs.append(("workers=1, db=sqlite file", f"sqlite:///{tmp}/bench-w1.db", None))
            if args.workers > 1:
                configs.append((f"workers={args.workers}, db=sqlite file", f"sqlite:///{tmp}/bench-w{args.workers}.db",
                                args.workers))
            noop: dict[int, Result] = {}
            runs: dict[str, dict[str, Result]] = {}
            for title, db, workers in configs:
                w = workers or 1
                log(f"{title} ")
                if w not in noop:
                    noop[w] = bench_noop(w, args)
                    log(".")
                results = {"noop": noop[w], **bench_mockapi(db, workers, args, log)}
                runs[title] = results
                log(" done\n")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130)
    finally:
        stop_all()

    print("\nStart-up: Popen -> first 200 on /readyz (target < %.1f s)" % TARGETS["startup_s"])
    report["startup"] = {}
    for kind, samples in startup.items():
        med = statistics.median(samples)
        label = "--db sqlite://" if kind == "memory" else "--db sqlite:///<fresh file>"
        print(f"  {label:30s} median {med:6.3f} s   min {min(samples):.3f}  max {max(samples):.3f}  "
              f"(n={len(samples)})  {'OK' if med < TARGETS['startup_s'] else 'MISSES TARGET'}")
        report["startup"][kind] = {"median_s": round(med, 3), "samples_s": [round(x, 3) for x in samples]}

    report["runs"] = {}
    report["ratios"] = {}
    print(f"\nThroughput: {args.connections} keep-alive connections from {args.client_procs} client processes, "
          f"{args.duration:g} s per run; cpu = cores used during the run (client cpu includes warm-up)")
    for title, results in runs.items():
        print_table(title, results)
        noop_rps = results["noop"].rps
        ratios = {"get_over_noop": results["get"].rps / noop_rps if noop_rps else 0.0,
                  "create_over_noop": results["create"].rps / noop_rps if noop_rps else 0.0}
        for key, value in ratios.items():
            target = TARGETS[key]
            print(f"  {key.replace('_over_', ' / '):18s} {value * 100:6.1f}%   target >= {target * 100:.0f}%  "
                  f"{'OK' if value >= target else 'MISSES TARGET'}")
        report["runs"][title] = {k: r.summary() for k, r in results.items()}
        report["ratios"][title] = {k: round(v, 3) for k, v in ratios.items()}
    report["total_s"] = round(time.monotonic() - t_all, 1)
    print(f"\ntotal {report['total_s']} s")
    print(json.dumps(report, separators=(",", ":")))


if __name__ == "__main__":
    main()
