"""mockapi benchmark: start-up time, and throughput/latency of pod create/get/list against a Flask
no-op endpoint served with the very same gunicorn configuration (the ceiling).

    python benchmarks/api_bench.py [--quick] [--workers 2] [--rounds R] [--duration S]

Everything runs against live servers on free 127.0.0.1 ports (a server that answers from a port it
does not own is rejected and restarted elsewhere); every process started here is stopped before
exit, also on Ctrl-C / SIGTERM. Prints a table and, last, one JSON line.

Measured:
  1. Popen -> first 200 on /readyz, for ``--db sqlite://`` and for a fresh SQLite file (median).
  2. req/s, p50, p99 for: pod create (unique names, namespace default), pod get (one pod), pod list
     of a namespace holding exactly 100 pods and one holding exactly 1000 pods; /readyz of mockapi
     as a framework-only reference.
  3. The same for ``GET /noop`` -> {"ok": true} (benchmarks/noop_app.py: mockapi.server.Server's
     own gunicorn settings and worker class), and the ratios get/noop and create/noop.
  Workers: the server default (1) with an in-memory and a file DB (quick: file only); with
  ``--workers N`` (N > 1) also N workers on a file DB.

The no-op server and mockapi run side by side and the endpoints are measured in interleaved
rounds (readyz, get, noop, create, list100, list1000, then again), so that the ceiling and mockapi
see the same machine conditions; req/s is the median over rounds and the ratios are medians of
per-round ratios. The load generator is several client *processes* (fork), each with a few
threads, each thread one keep-alive http.client connection; every run is bounded by a request
count and by time. CPU use during each run is reported for the server, the load generator and
everything else on the machine (other sessions' work shows up there as noise).
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


LIVE: list[Served] = []


class StartError(RuntimeError):
    pass


class Served:
    """One server process (gunicorn master in its own session, so its workers share its group)."""

    def __init__(self, argv: list[str], port: int, label: str) -> None:
        self.port = port
        self.label = label
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop)
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
    while LIVE:
        LIVE[-1].stop()  # removes itself from LIVE


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


def _system_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


@dataclass
class Result:
    name: str
    count: int = 0
    errors: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_cpu: float = 0.0  # cores used by the server under test during the run
    client_cpu: float = 0.0  # cores used by the load generator
    other_cpu: float = 0.0  # cores used by everything else on the machine (noise)
    steal_cpu: float = 0.0  # cores stolen by the hypervisor
    round_rps: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        if self.round_rps:
            return statistics.median(self.round_rps)
        return self.count / self.wall if self.wall > 0 else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, max(0, math.ceil(q * len(lat)) - 1))]

    def summary(self) -> dict[str, Any]:
        out = {"rps": round(self.rps, 1), "p50_ms": round(self.pct(0.50) * 1e3, 2),
               "p99_ms": round(self.pct(0.99) * 1e3, 2), "requests": self.count, "errors": self.errors,
               "wall_s": round(self.wall, 3), "server_cpu_cores": round(self.server_cpu, 2),
               "client_cpu_cores": round(self.client_cpu, 2), "other_cpu_cores": round(self.other_cpu, 2),
               "steal_cpu_cores": round(self.steal_cpu, 2),
               "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}
        if self.round_rps:
            out["round_rps"] = [round(x, 1) for x in self.round_rps]
        return out


def merge(results: list[Result]) -> Result:
    """Rounds of one endpoint: req/s is the median of the rounds' req/s, latencies are pooled, CPU
    figures are wall-weighted means."""
    m = Result(results[0].name)
    for r in results:
        m.count += r.count
        m.errors += r.errors
        m.wall += r.wall
        m.latencies.extend(r.latencies)
        for k, v in r.statuses.items():
            m.statuses[k] = m.statuses.get(k, 0) + v
        m.round_rps.append(r.rps)
        for attr in ("server_cpu", "client_cpu", "other_cpu", "steal_cpu"):
            setattr(m, attr, getattr(m, attr) + getattr(r, attr) * r.wall)
    if m.wall > 0:
        for attr in ("server_cpu", "client_cpu", "other_cpu", "steal_cpu"):
            setattr(m, attr, getattr(m, attr) / m.wall)
    return m


def _one(conn: http.client.HTTPConnection, spec: Spec, name: str | None) -> int:
    if name is None:
        conn.request(spec.method, spec.path, headers=JSON_HEADERS)
    else:
        conn.request(spec.method, spec.path, body=(POD_TEMPLATE % name).encode(), headers=JSON_HEADERS)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _client_thread(port: int, spec: Spec, p: int, t: int, budget: int, barrier: Any,
                   out: list[Any], cpu_mark: list[float]) -> None:
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
    if t == 0:
        cpu_mark.append(time.process_time())
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
    cpu_mark: list[float] = []
    threads = [threading.Thread(target=_client_thread, args=(port, spec, p, t, b, barrier, out, cpu_mark))
               for t, b in enumerate(budgets)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    queue.put((out, time.process_time() - (cpu_mark[0] if cpu_mark else 0.0)))


def run_load(server: Served, spec: Spec, connections: int, processes: int) -> Result:
    """One measured run: ``connections`` keep-alive connections spread over ``processes`` forked
    client processes; ends after spec.duration seconds or spec.max_requests requests."""
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
        srv0 = server.cpu_seconds()
        sys0, steal0 = _system_cpu()
        me0 = time.process_time()
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
        sys1, steal1 = _system_cpu()
        srv = server.cpu_seconds() - srv0
        client_cpu += time.process_time() - me0  # this (coordinating) process
        if res.wall > 0:
            res.server_cpu = srv / res.wall
            res.client_cpu = client_cpu / res.wall
            res.other_cpu = max(0.0, (sys1 - sys0) - srv - client_cpu) / res.wall
            res.steal_cpu = (steal1 - steal0) / res.wall
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


# measurement order in each round: the ceiling sits right between get and create, the two it is compared with
ENDPOINTS = ("readyz", "get", "noop", "create", "list100", "list1000")


def bench_config(db: str, workers: int | None, args: argparse.Namespace, log: Any) -> dict[str, Result]:
    """Both servers up at once (an idle one costs nothing); then ``args.rounds`` rounds, each running
    every endpoint once, so that the no-op ceiling and mockapi see the same machine conditions."""
    w = workers or 1
    noop = start_noop(w)
    s, _ = start_mockapi(db, workers)
    c, cp, d = args.connections, args.client_procs, args.duration
    out: dict[str, Result] = {}
    per_round: dict[str, list[Result]] = {k: [] for k in ENDPOINTS}
    try:
        status, _ = request(s.port, "POST", "/api/v1/namespaces/default/pods", (POD_TEMPLATE % "bench-get").encode())
        if status not in (200, 201):
            raise SystemExit(f"could not create the pod to get: {status}")
        for n in (100, 1000):
            t0 = time.monotonic()
            out[f"populate{n}"] = populate(s, f"bench-list-{n}", n, args)
            log(f"({n} pods in {time.monotonic() - t0:.1f}s)")
        creates_left = args.max_creates
        for rnd in range(args.rounds):
            specs = {
                "noop": (noop, Spec("noop", "GET", "/noop", duration=d)),
                "readyz": (s, Spec("readyz", "GET", "/readyz", duration=d)),
                "create": (s, Spec("create", "POST", "/api/v1/namespaces/default/pods", post_names=f"bench-r{rnd}",
                                   max_requests=max(c, creates_left // (args.rounds - rnd)), duration=d)),
                "get": (s, Spec("get", "GET", "/api/v1/namespaces/default/pods/bench-get", duration=d)),
                "list100": (s, Spec("list100", "GET", "/api/v1/namespaces/bench-list-100/pods", duration=d)),
                "list1000": (s, Spec("list1000", "GET", "/api/v1/namespaces/bench-list-1000/pods", duration=d)),
            }
            for key in ENDPOINTS:
                server, spec = specs[key]
                r = run_load(server, spec, c, cp)
                per_round[key].append(r)
                if key == "create":
                    creates_left -= r.count
            log(".")
    finally:
        s.stop()
        noop.stop()
    for key in ENDPOINTS:
        out[key] = merge(per_round[key])
    out["_ratios"] = {  # type: ignore[assignment]
        "get_over_noop": statistics.median(g.rps / n.rps for g, n in zip(per_round["get"], per_round["noop"])),
        "create_over_noop": statistics.median(g.rps / n.rps for g, n in zip(per_round["create"], per_round["noop"])),
    }
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
        ("populate1000", "  (setup: POST 1000 pods, count-bound)")]


def print_table(title: str, results: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':40s} {'req/s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'reqs':>6s} {'errs':>4s} "
          f"{'srv':>5s} {'cli':>5s} {'other':>5s}  req/s per round")
    for key, label in ROWS:
        r = results.get(key)
        if r is None:
            continue
        rounds = " ".join(f"{x:.0f}" for x in r.round_rps)
        print(f"  {label:40s} {r.rps:8.1f} {r.pct(.5) * 1e3:7.2f} {r.pct(.99) * 1e3:7.2f} {r.count:6d} "
              f"{r.errors:4d} {r.server_cpu:5.2f} {r.client_cpu:5.2f} {r.other_cpu:5.2f}  {rounds}")


def source_version() -> dict[str, Any]:
    """The commit benchmarked, and whether mockapi/ had uncommitted edits (read-only git calls)."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", "--no-optional-locks", *argv], cwd=REPO, capture_output=True,
                                  text=True, timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "--short", "HEAD") or None,
            "mockapi_dirty": bool(git("status", "--porcelain", "--", "mockapi"))}


def main() -> None:
    ap = argparse.ArgumentParser(description="mockapi start-up and request benchmarks")
    ap.add_argument("--quick", action="store_true", help="short runs (~20 s total)")
    ap.add_argument("--workers", type=int, default=1,
                    help="also benchmark this many gunicorn workers with a file DB (default: only 1)")
    ap.add_argument("--duration", type=float, default=None, help="seconds per measured run (1.0, quick 0.6)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds per configuration (3, quick 2)")
    ap.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    ap.add_argument("--client-procs", type=int, default=4, help="client processes sharing the connections")
    ap.add_argument("--starts", type=int, default=None, help="start-ups per DB kind (5, quick 3)")
    ap.add_argument("--max-creates", type=int, default=20000, help="cap on pods created by the create runs")
    args = ap.parse_args()
    if args.duration is None:
        args.duration = 0.6 if args.quick else 1.0
    if args.rounds is None:
        args.rounds = 2 if args.quick else 3
    if args.starts is None:
        args.starts = 3 if args.quick else 5
    if min(args.duration, args.rounds, args.connections, args.client_procs, args.starts) <= 0:
        ap.error("--duration, --rounds, --connections, --client-procs and --starts must be positive")

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored

    def log(msg: str) -> None:
        print(msg, end="", file=sys.stderr, flush=True)

    t_all = time.monotonic()
    report: dict[str, Any] = {"source": source_version(),
                              "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                          "loadavg_at_start": round(os.getloadavg()[0], 2)},
                              "settings": {"quick": args.quick, "duration_s": args.duration,
                                           "rounds": args.rounds, "connections": args.connections,
                                           "client_procs": args.client_procs},
                              "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="mockapi-bench-") as tmp:
        try:
            log("start-up ")
            startup = {kind: bench_startup(kind, args.starts, tmp) for kind in ("memory", "file")}
            log("done\n")
            configs: list[tuple[str, str, int | None]] = []
            if not args.quick:
                configs.append(("workers=1, --db sqlite:// (memory)", "sqlite://", None))
            configs.append(("workers=1, --db sqlite:///<file>", f"sqlite:///{tmp}/bench-w1.db", None))
            if args.workers > 1:
                configs.append((f"workers={args.workers}, --db sqlite:///<file>",
                                f"sqlite:///{tmp}/bench-w{args.workers}.db", args.workers))
            runs: dict[str, dict[str, Any]] = {}
            for title, db, workers in configs:
                log(f"{title} ")
                runs[title] = bench_config(db, workers, args, log)
                log(" done\n")
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise SystemExit(130) from None
        finally:
            stop_all()  # before the temporary directory (their databases) goes

    src = report["source"]
    print(f"mockapi at {src['commit']}{' + uncommitted edits in mockapi/' if src['mockapi_dirty'] else ''}; "
          f"{os.cpu_count()} CPUs; load average at start {report['machine']['loadavg_at_start']:.2f}")
    print(f"\nStart-up: Popen -> first 200 on /readyz (target < {TARGETS['startup_s']} s)")
    report["startup"] = {}
    for kind, samples in startup.items():
        med = statistics.median(samples)
        label = "--db sqlite://" if kind == "memory" else "--db sqlite:///<fresh file>"
        print(f"  {label:30s} median {med:6.3f} s   min {min(samples):.3f}  max {max(samples):.3f}  "
              f"(n={len(samples)})  {'OK' if med < TARGETS['startup_s'] else 'MISSES TARGET'}")
        report["startup"][kind] = {"median_s": round(med, 3), "samples_s": [round(x, 3) for x in samples]}

    report["runs"] = {}
    report["ratios"] = {}
    print(f"\nThroughput: {args.connections} keep-alive http.client connections in {args.client_procs} "
          f"client processes; {args.rounds} interleaved rounds x {args.duration:g} s per endpoint.\n"
          f"req/s = median over rounds; p50/p99 over all requests; srv/cli/other = CPU cores used by the\n"
          f"server, by the load generator, and by anything else on the machine during the runs.")
    for title, results in runs.items():
        ratios = results.pop("_ratios")
        print_table(title, results)
        for key, value in ratios.items():
            target = TARGETS[key]
            print(f"  {key.replace('_over_', ' / '):18s} {value * 100:6.1f}%   "
                  f"target >= {target * 100:.0f}%  {'OK' if value >= target else 'MISSES TARGET'}   (median of per-round ratios)")
        report["runs"][title] = {k: r.summary() for k, r in results.items()}
        report["ratios"][title] = {k: round(v, 3) for k, v in ratios.items()}
    report["total_s"] = round(time.monotonic() - t_all, 1)
    print(f"\ntotal {report['total_s']} s")
    print(json.dumps(report, separators=(",", ":")))


if __name__ == "__main__":
    main()
