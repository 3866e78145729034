"""Determinism: a runtime's random sources (``mockapi.randomness``: uids and generateName suffixes, the
dynamic ClusterIP/NodePort scan) seeded together, reseeded from the OS in each forked worker, and
captured/restored around dry runs. Pod and LoadBalancer IPs are lowest-free and the scheduler breaks
ties by node name, so they follow from these and the order of requests."""

from __future__ import annotations

from typing import Any

from ..randomness import Sources


def apply(sources: Sources, seed: int | None) -> None:
    """Seed every source with ``seed`` (reproducible from now on), or from the OS with None."""
    sources.seed(seed)


def reseed_from_os(sources: Sources) -> None:
    """Fresh, independent sequences (a forked worker must not repeat its siblings' uids)."""
    sources.reseed_from_os()


def capture(sources: Sources) -> tuple[Any, ...]:
    return sources.capture()


def restore(sources: Sources, state: tuple[Any, ...]) -> None:
    sources.restore(state)


def parse(value: Any) -> int | None:
    """A seed as the API and the CLI take it: an integer (0 .. 2**63-1), or None / "none" / null."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "null", "")):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"a seed must be an integer or null, got {value!r}")
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"a seed must be an integer or null, got {value!r}") from None
    if not 0 <= n < 2**63:
        raise ValueError(f"a seed must be between 0 and 2^63-1, got {n}")
    return n
