"""Whole-state management behind the /mock admin endpoints: reset to the initial state, snapshot
export and restore, manifests loaded at start (``--load``) and seeded randomness (``--seed``).
No Flask here; everything runs through the registry's transactions and the Store."""
