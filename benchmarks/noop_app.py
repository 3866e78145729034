"""A Flask no-op JSON endpoint served exactly like mockapi (the ceiling for benchmarks/api_bench.py).

    python benchmarks/noop_app.py --port P [--workers N] [--threads T]

The gunicorn settings come from mockapi.server.Server.load_config itself (same worker class
``mockapi.server.Worker``, workers, threads, worker_connections, timeout, graceful_timeout,
keepalive, loglevel, access log); only ``post_fork`` is replaced, because mockapi's hook starts
the mockapi runtime, which the no-op app does not have.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from flask import Flask

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mockapi.config import load_config
from mockapi.server import Server


def create_noop_app() -> Flask:
    app = Flask("noop")

    @app.get("/noop")
    def noop() -> Any:
        return {"ok": True}

    @app.get("/readyz")
    def readyz() -> Any:
        return "ok"

    return app


def _no_post_fork(_server: Any, _worker: Any) -> None:
    pass


class NoopServer(Server):
    """mockapi's gunicorn application with the no-op app in place of mockapi's."""

    def __init__(self, config: Any, app: Flask) -> None:
        self.noop_app = app
        super().__init__(config)

    def load_config(self) -> None:
        super().load_config()
        self.cfg.set("post_fork", _no_post_fork)

    def load(self) -> Any:
        return self.noop_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--print-options", action="store_true", help="print the gunicorn settings and exit")
    args = parser.parse_args(argv)
    # a file URL so that Server.load_config accepts --workers > 1; the no-op app never opens it
    config = load_config({"host": args.host, "port": args.port, "workers": args.workers,
                          "threads": args.threads, "db": "sqlite:///unused-by-noop.db"})
    server = NoopServer(config, create_noop_app())
    if args.print_options:
        keys = ("bind", "workers", "worker_class", "threads", "worker_connections", "timeout",
                "graceful_timeout", "keepalive", "loglevel", "accesslog", "post_fork")
        for key in keys:
            value = server.cfg.settings[key].get()
            print(f"{key}={getattr(value, '__qualname__', value)}")
        return
    server.run()


if __name__ == "__main__":
    main()
