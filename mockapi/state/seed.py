"""Seeds as the API and the CLI take them. Seeding itself is ``mockapi.randomness.Sources`` (a runtime's
uids, generateName suffixes and ClusterIP/NodePort scan); pod and LoadBalancer IPs are lowest-free and
the scheduler breaks ties by node name, so they follow from those and the order of requests."""

from __future__ import annotations

from typing import Any


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
