"""ServiceAccount strategy units (cleanSecretReferences, omitempty fields, the SECRETS column) and the
pod defaulting that ServiceAccount admission and the v1 conversion do (serviceAccountName/serviceAccount)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mockapi.registry.pods import PODS
from mockapi.registry.serviceaccounts import SERVICE_ACCOUNTS

S = SERVICE_ACCOUNTS.strategy


def test_only_the_names_of_secret_references_are_kept() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "sa"}, "secrets": [{"name": "a", "namespace": "x", "kind": "Secret",
                                                                    "uid": "u"}, {"kind": "Secret"}]}
    S.default(obj)
    S.prepare_for_create(obj)
    assert obj["secrets"] == [{"name": "a"}, {}]
    new = {"metadata": {"name": "sa"}, "secrets": [{"name": "b", "fieldPath": "f"}]}
    S.prepare_for_update(new, obj)
    assert new["secrets"] == [{"name": "b"}]
    assert S.validate(obj) == []


def test_empty_fields_are_omitted() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "sa"}, "secrets": [], "imagePullSecrets": None, "automountServiceAccountToken": False}
    S.default(obj)
    assert obj == {"metadata": {"name": "sa"}, "automountServiceAccountToken": False}


def test_table_row_counts_secrets() -> None:
    now = dt.datetime(2026, 1, 1, 0, 10, tzinfo=dt.UTC)
    obj = {"metadata": {"name": "sa", "creationTimestamp": "2026-01-01T00:00:00Z"}, "secrets": [{"name": "a"}]}
    assert [c.name for c in SERVICE_ACCOUNTS.printer.columns] == ["Name", "Secrets", "Age"]
    assert SERVICE_ACCOUNTS.printer.row(obj, now) == ["sa", 1, "10m"]
    assert SERVICE_ACCOUNTS.short_names == ("sa",)


def _pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"name": "c", "image": "i"}], **spec}}


def test_a_pod_without_an_account_runs_as_default() -> None:
    pod = _pod()
    PODS.strategy.default(pod)
    PODS.strategy.prepare_for_create(pod)
    assert (pod["spec"]["serviceAccountName"], pod["spec"]["serviceAccount"]) == ("default", "default")


def test_service_account_mirrors_service_account_name() -> None:
    named = _pod(serviceAccountName="bot")
    PODS.strategy.default(named)
    PODS.strategy.prepare_for_create(named)
    assert named["spec"]["serviceAccount"] == "bot"
    deprecated = _pod(serviceAccount="legacy")
    PODS.strategy.default(deprecated)
    assert deprecated["spec"]["serviceAccountName"] == "legacy"
