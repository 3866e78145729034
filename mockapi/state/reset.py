"""POST /mock/reset: back to the state a fresh server with the same configuration has, through the
Store (every removed object leaves a DELETED event, resourceVersions only grow), in one transaction.
Also the phase runner the snapshot restore and ``--load`` share. No Flask here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..config import Config
from ..registry.rest import Registry, Txn
from ..storage import allocations, indexes, store
from .bootstrap import initial_state

Phase = Callable[[Txn], Any]


def run_phases(registry: Registry, phases: Sequence[Phase], *, dry_run: bool = False) -> list[Any]:
    """Run ``phases`` in ONE write transaction, each followed by the controllers over the changes it
    made (as if each were its own write, the way a fresh server builds its state), then commit; or
    roll everything back on an error or a dry run (the random sources are restored then too, so a
    dry run does not change what later requests generate)."""
    saved = registry.sources.capture() if dry_run else None

    def run(outer: Txn) -> list[Any]:
        results = []
        for phase in phases:
            txn = Txn(outer.conn, registry, dry_run=dry_run)
            results.append(phase(txn))
            if registry.controllers_enabled and not dry_run:
                registry.run_controllers(txn)
        return results

    try:
        return list(registry.write(run, dry_run=dry_run))
    finally:
        if saved is not None:
            registry.sources.restore(saved)


def wipe(txn: Txn) -> int:
    """Remove every live object (a tombstone each: watchers get DELETED, at new revisions) and empty
    the allocations and side-index tables. Not recorded as Changes: controllers do not cascade over a wipe.
    Dependents go before what they depend on (pods before nodes, everything before namespaces)."""
    order = {key: i for i, key in enumerate(txn.registry.resources)}
    rows = store.live_rows(txn.conn)
    rows.sort(key=lambda r: (-order.get(r.resource, len(order)), r.rev))
    for row in rows:
        store.delete_(txn.conn, row.resource, row.namespace, row.name, row.rev, row.obj())
    allocations.replace_allocations(txn.conn, [])
    indexes.clear(txn.conn)
    return len(rows)


def live_count(txn: Txn) -> int:
    return sum(store.count_rows(txn.conn, key) for key in txn.registry.resources)


def reset(registry: Registry, config: Config, sources: Sequence[Phase], seed: int | None, *,
          dry_run: bool = False) -> dict[str, Any]:
    """Wipe, re-seed (when a seed is set), build the initial state and re-apply the ``--load``
    sources (``sources``: one phase each, as at start). Returns a summary."""
    summary: dict[str, Any] = {}

    def start(txn: Txn) -> None:
        summary["deleted"] = wipe(txn)
        if seed is not None:  # after the wipe (it draws nothing): the same sequence as a fresh start
            registry.sources.seed(seed)
        initial_state(txn, config)

    def finish(txn: Txn) -> None:
        summary["created"] = live_count(txn)
        summary["revision"] = store.current_revision(txn.conn)

    run_phases(registry, [start, *sources, finish], dry_run=dry_run)
    return {"kind": "ResetResult", "apiVersion": "mockapi.dev/v1", "dryRun": dry_run, **summary,
            "seed": seed}
