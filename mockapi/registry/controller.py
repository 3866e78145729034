"""The one protocol every controller follows: which keys a batch of changes touches, how to reconcile
one key, and how to resync everything (start-up, POST /mock/reconcile).

``Registry.run_controllers`` calls ``keys_for`` once per batch and ``reconcile`` for each key in sorted
order; ``Registry.reconcile_all`` calls ``resync``. Keys are any sortable, hashable value a controller
chooses (a Service's (namespace, name), a node name, a tagged tuple); a controller whose work has
phases tags its keys so that sorting puts them in phase order. No Flask, no SQL.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .rest import Change, Txn

Key = Hashable


@runtime_checkable
class Controller(Protocol):
    """A controller: ``name`` (its field manager and its entry in the reconcile summary), ``keys_for``
    (pure: what a batch touches; old and new state both count), ``reconcile`` (diff one key against
    what is stored and write only real changes, through ``txn``), ``resync`` (every key once; a
    summary dict for POST /mock/reconcile, or None when there is nothing to report)."""

    name: str

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> Iterable[Key]: ...

    def reconcile(self, txn: Txn, key: Any) -> Any: ...

    def resync(self, txn: Txn) -> dict[str, Any] | None: ...
