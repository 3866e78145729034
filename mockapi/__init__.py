"""mockapi: a Kubernetes-compatible control plane you can start in under a second, for testing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .testing.cluster import ApiError, Cluster

__all__ = ["ApiError", "Cluster", "create_app"]


def create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


def __getattr__(name: str) -> Any:
    """``mockapi.Cluster`` / ``mockapi.ApiError``, imported on first use (keeps ``import mockapi`` cheap)."""
    if name in ("Cluster", "ApiError"):
        from .testing import cluster

        return getattr(cluster, name)
    raise AttributeError(f"module 'mockapi' has no attribute {name!r}")
