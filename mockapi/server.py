"""Serving: gunicorn with threaded workers (watch streams hold a thread each, so hundreds of them
never block other requests), the app built once in the master, background threads per worker,
and prompt shutdown on SIGINT/SIGTERM (open watches are ended, not waited for)."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from .app import create_app, runtime_of
from .config import Config

_APP: Any = None


class Worker(ThreadWorker):
    """gthread worker that ends open watches as soon as it is asked to stop."""

    def _end_watches(self) -> None:
        if _APP is not None:
            runtime_of(_APP).hub.stop()

    def handle_exit(self, sig: int, frame: Any) -> None:
        self._end_watches()
        super().handle_exit(sig, frame)

    def handle_quit(self, sig: int, frame: Any) -> None:
        self._end_watches()
        super().handle_quit(sig, frame)


def _worker_exit(_server: Any, _worker: Any) -> None:
    if _APP is not None:
        runtime_of(_APP).stop_dns()


def _post_fork(_server: Any, _worker: Any) -> None:
    runtime = runtime_of(_APP)
    runtime.after_fork()
    runtime.start()


class Server(BaseApplication):
    def __init__(self, config: Config) -> None:
        self.config_ = config
        super().__init__()

    def load_config(self) -> None:
        c = self.config_
        if c.is_memory_db and c.workers > 1:
            raise SystemExit("an in-memory database (--db sqlite://) needs --workers 1")
        options = {
            "bind": f"[{c.host}]:{c.port}" if ":" in c.host else f"{c.host}:{c.port}",
            "workers": c.workers,
            "worker_class": "mockapi.server.Worker",
            "threads": c.threads,
            "worker_connections": max(1000, c.threads * 4),
            "timeout": 0 if c.workers == 1 else 60,
            "graceful_timeout": 3,
            "keepalive": 30,
            # Go's net/http takes request lines up to its 1 MB header limit; gunicorn's default (4094)
            # answers 414 in HTML to a long label selector or name list. 0: no limit of its own.
            "limit_request_line": 0,
            "loglevel": c.log_level,
            "accesslog": "-" if c.access_log else None,
            "post_fork": _post_fork,
            "worker_exit": _worker_exit,
            "proc_name": "mockapi",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return _APP


def serve(config: Config) -> None:
    global _APP
    logging.basicConfig(level=getattr(logging, config.log_level.upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _APP = create_app(config, start=False)
    Server(config).run()
