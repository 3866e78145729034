"""ServiceAccount controller (pkg/controller/serviceaccount): every Active namespace has a ``default``
ServiceAccount, created in the same transaction as the namespace and recreated when deleted; none is
created in a Terminating namespace. Work is per affected namespace; ``resync`` covers them all."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import StatusError, is_already_exists, is_forbidden, is_not_found
from ..registry import RESOURCES_BY_KIND
from ..registry.rest import Change, Txn
from ..storage import store

NAME = "service-account-controller"
ACCOUNTS = ("default",)  # ServiceAccountsControllerOptions.ServiceAccounts
NAMESPACES = RESOURCES_BY_KIND["Namespace"]
SERVICE_ACCOUNTS = RESOURCES_BY_KIND["ServiceAccount"]


def keys_for(changes: Sequence[Change]) -> set[str]:
    """Namespaces added or updated (serviceAccountAdded/namespaceUpdated), and the namespaces of
    deleted managed accounts (serviceAccountDeleted)."""
    keys: set[str] = set()
    for ch in changes:
        if ch.rt is NAMESPACES and ch.new is not None:
            keys.add(ch.new["metadata"]["name"])
        elif ch.rt is SERVICE_ACCOUNTS and ch.new is None and ch.old is not None \
                and ch.old["metadata"].get("name") in ACCOUNTS:
            keys.add(ch.old["metadata"].get("namespace", ""))
    return keys


def reconcile(txn: Txn, namespace: str) -> int:
    """syncNamespace: create the missing accounts of an Active namespace; returns how many."""
    ns = txn.get(NAMESPACES, "", namespace)
    if ns is None or ns["metadata"].get("deletionTimestamp") or (ns.get("status") or {}).get("phase") != "Active":
        return 0
    created = 0
    for name in ACCOUNTS:
        if txn.get(SERVICE_ACCOUNTS, namespace, name) is not None:
            continue
        try:
            txn.apply_create(SERVICE_ACCOUNTS, namespace, {"metadata": {"name": name}}, manager=NAME)
            created += 1
        except StatusError as err:  # (AlreadyExists or a namespace going away: nothing to do)
            if not (is_already_exists(err) or is_forbidden(err) or is_not_found(err)):
                raise
    return created


def resync(txn: Txn) -> dict[str, int]:
    """Every namespace (start-up, POST /mock/reconcile)."""
    return {"created": sum(reconcile(txn, row.name) for row in store.list_rows(txn.conn, NAMESPACES.key, ""))}


class ServiceAccountController:
    """Per write: the namespaces a change touches; resync: every namespace."""

    name = NAME

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[str]:
        return keys_for(changes)

    def reconcile(self, txn: Txn, key: str) -> None:
        reconcile(txn, key)

    def resync(self, txn: Txn) -> dict[str, int]:
        return resync(txn)
