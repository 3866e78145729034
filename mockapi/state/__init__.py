"""Whole-state management: the initial state a server starts with (``bootstrap``), reset to the initial state, snapshot
export and restore, manifests loaded at start (``--load``) and seeded randomness (``--seed``).
No Flask here; everything runs through the registry's transactions and the Store."""
