"""WatchHub: fans the change history out to every open watch in this process.

One reader per process follows the history (woken at once by local commits, polling the revision
counter for commits made by other processes) and hands each new row to the subscribers of its
resource. Cost per write is proportional to the watchers of that resource, not to all watchers.
"""

from __future__ import annotations

import collections
import threading
from typing import Callable

from . import store
from .engine import Database


class Subscription:
    """A watcher's queue of history rows; ``get`` blocks up to a timeout."""

    def __init__(self, hub: "WatchHub", resource: str | None) -> None:
        self.hub = hub
        self.resource = resource
        self._rows: collections.deque[store.Row] = collections.deque()
        self._cond = threading.Condition()
        self.closed = False

    def push(self, rows: list[store.Row]) -> None:
        with self._cond:
            self._rows.extend(rows)
            self._cond.notify()

    def get(self, timeout: float) -> list[store.Row]:
        with self._cond:
            if not self._rows and not self.closed:
                self._cond.wait(timeout)
            rows = list(self._rows)
            self._rows.clear()
            return rows

    def drain(self) -> tuple[list[store.Row], int]:
        """Every queued row plus the hub's position, atomically: once these rows are handled the
        watcher has seen everything up to that revision (safe to send as a bookmark)."""
        with self.hub._lock:
            with self._cond:
                rows = list(self._rows)
                self._rows.clear()
            return rows, self.hub.last

    def close(self) -> None:
        self.hub.unsubscribe(self)
        with self._cond:
            self.closed = True
            self._cond.notify()


class WatchHub:
    def __init__(self, db: Database, poll_interval: float = 0.25) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._subs: dict[str | None, set[Subscription]] = collections.defaultdict(set)
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.last = 0  # highest revision dispatched
        self._count = 0  # open subscriptions; with none, the hub does no work at all
        self.on_error: Callable[[BaseException], None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        with self.db.read() as conn:
            self.last = store.current_revision(conn)
        self._thread = threading.Thread(target=self._run, name="mockapi-watch-hub", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        with self._lock:
            subs = [s for group in self._subs.values() for s in group]
        for sub in subs:
            sub.close()

    def notify(self) -> None:
        """Called after a local commit: dispatch without waiting for the next poll."""
        if self._count:
            self._wake.set()

    # -- subscribers -------------------------------------------------------------------------
    def subscribe(self, resource: str | None) -> tuple[Subscription, int]:
        """Register a watcher; returns it and the revision up to which history was already
        dispatched (the watcher reads anything before that from the database itself)."""
        sub = Subscription(self, resource)
        with self._lock:
            if not self._count:  # nobody was listening: the hub did not follow the history
                with self.db.read() as conn:
                    self.last = max(self.last, store.current_revision(conn))
            self._subs[resource].add(sub)
            self._count += 1
            return sub, self.last

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            group = self._subs.get(sub.resource, set())
            if sub in group:
                group.discard(sub)
                self._count -= 1

    @property
    def watchers(self) -> int:
        return self._count

    # -- the reader --------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stopped:
                return
            try:
                self.pump()
            except Exception as exc:  # a transient database error must not kill every watch
                if self.on_error:
                    self.on_error(exc)

    def pump(self) -> None:
        """Dispatch every history row after ``last``."""
        while self._count:
            with self.db.read() as conn:
                head = store.current_revision(conn)
                if head <= self.last:
                    return
                try:
                    rows = store.events_since(conn, self.last, limit=1000)
                except store.Compacted:
                    rows = []
            with self._lock:
                if rows:
                    by_res: dict[str, list[store.Row]] = collections.defaultdict(list)
                    for r in rows:
                        by_res[r.resource].append(r)
                    for res, res_rows in by_res.items():
                        for sub in self._subs.get(res, ()):
                            sub.push(res_rows)
                    for sub in self._subs.get(None, ()):
                        sub.push(rows)
                    self.last = max(self.last, rows[-1].rev)
                else:
                    self.last = max(self.last, head)
            if not rows or rows[-1].rev >= head:
                return
