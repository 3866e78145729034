"""Database engines: SQLite tuned for a single-writer server (WAL, busy timeout, BEGIN IMMEDIATE).

Owns engine creation, the transaction helpers the Store uses and the per-database write hooks
(derived index columns, write listeners) that layers above register. PostgreSQL URLs get a plain
engine; nothing here is needed for correctness there beyond SQLAlchemy defaults.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")

Derive = Callable[[dict[str, Any]], dict[str, Any]]
Listener = Callable[[Connection, str], None]


@dataclass
class WriteHooks:
    """What the Store does beside storing, per resource, for one database: ``derived`` computes the
    indexed columns of ``objects`` from a body (e.g. ``{"node_name": ...}``); ``listeners`` are told
    of every version written, with the connection and the namespace (process-local caches above the
    storage layer; they must not write). Filled once at start-up, read on every write."""

    derived: dict[str, Derive] = field(default_factory=dict)
    listeners: dict[str, list[Listener]] = field(default_factory=dict)

    def derive(self, resource: str, fn: Derive) -> None:
        self.derived[resource] = fn

    def listen(self, resource: str, fn: Listener) -> None:
        self.listeners.setdefault(resource, []).append(fn)


class Database:
    """An engine plus the locks that make SQLite behave: one writer per process at a time, and for
    an in-memory database (one shared connection) one user at a time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_memory = url in MEMORY_URLS or ":memory:" in url
        self.write_lock = threading.RLock()
        # SQLite reads in one process go one at a time: the sqlite3 module drops the GIL on every
        # row, so concurrent reads only thrash (measured: 1000-pod lists at half speed with 8
        # connections). An in-memory database has one connection, shared with the writer.
        self._read_lock: threading.RLock | None = (
            self.write_lock if self.is_memory else threading.RLock() if self.is_sqlite else None)
        self.engine = self._make_engine(url)
        self.hooks = WriteHooks()  # the Store finds them on every write connection (mockapi_hooks)

    def _make_engine(self, url: str) -> Engine:
        if not self.is_sqlite:
            return create_engine(url, pool_pre_ping=True)
        if self.is_memory:
            engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=200
            )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_connection.cursor()
            if not self.is_memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("mockapi_autocommit"):
                return
            if options.get("mockapi_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for everything read inside it."""
        lock = self._read_lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn
        finally:
            if lock is not None:
                lock.release()

    @contextlib.contextmanager
    def read_one(self) -> Iterator[Connection]:
        """For a single statement, which SQLite runs atomically anyway: no BEGIN/COMMIT round."""
        lock = self._read_lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                yield conn.execution_options(mockapi_autocommit=True)
        finally:
            if lock is not None:
                lock.release()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite); commits on success, rolls back on error."""
        with self.write_lock:
            with self.engine.connect() as conn:
                conn = conn.execution_options(mockapi_write=True, mockapi_hooks=self.hooks)
                with conn.begin():
                    yield conn

    def on_transaction_end(self, commit: Callable[[Connection], None],
                           rollback: Callable[[Connection], None]) -> None:
        """Call ``commit(conn)`` / ``rollback(conn)`` as each transaction of this database ends (caches
        above storage that keep per-transaction state)."""
        event.listen(self.engine, "commit", commit)
        event.listen(self.engine, "rollback", rollback)

    def dispose(self) -> None:
        self.engine.dispose()
