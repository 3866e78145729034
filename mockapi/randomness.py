"""The random sources behind generated values: uids and generateName suffixes (``names``) and the
dynamic ClusterIP/NodePort scan (``alloc``). One set per server runtime, found through a context
variable that the registry sets around each write transaction, so several servers in one process
(``mockapi.Cluster`` objects, test apps) keep separate, separately seeded sequences. Code running
outside any transaction draws from a process-wide default set."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


class Sources:
    def __init__(self) -> None:
        self.names = random.Random()
        self.alloc = random.Random()

    def _all(self) -> tuple[random.Random, ...]:
        return self.names, self.alloc

    def seed(self, seed: int | None) -> None:
        """Reproducible from now on with ``seed``; from the OS with None."""
        if seed is None:
            self.reseed_from_os()
        else:
            for rng in self._all():
                rng.seed(seed)

    def reseed_from_os(self) -> None:
        """Fresh, independent sequences (a forked worker must not repeat its siblings' uids)."""
        for rng in self._all():
            rng.seed(int.from_bytes(os.urandom(16), "big"))

    def capture(self) -> tuple[Any, ...]:
        return tuple(rng.getstate() for rng in self._all())

    def restore(self, state: tuple[Any, ...]) -> None:
        for rng, saved in zip(self._all(), state):
            rng.setstate(saved)


DEFAULT = Sources()
_CURRENT: ContextVar[Sources] = ContextVar("mockapi_random_sources", default=DEFAULT)


def current() -> Sources:
    return _CURRENT.get()


@contextlib.contextmanager
def using(sources: Sources) -> Iterator[Sources]:
    token = _CURRENT.set(sources)
    try:
        yield sources
    finally:
        _CURRENT.reset(token)
