"""ServiceAccount (core/v1, ``sa``): ValidateServiceAccount (ObjectMeta only), the strategy's
cleanSecretReferences, SECRETS in tables. Every namespace's ``default`` one is kept by the
ServiceAccount controller (controllers/serviceaccounts.py); no tokens are minted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields

from ..patch import schemas as patch_schemas
from ..schemas.core import ObjectReference
from . import printing as p
from .base import Obj, ResourceType, Strategy

DEFAULT = "default"


class _LocalObjectReference(Schema):
    class Meta:
        unknown = INCLUDE

    name = fields.String(allow_none=True)


class ServiceAccountWire(Schema):
    class Meta:
        unknown = INCLUDE

    secrets = fields.List(fields.Nested(ObjectReference), allow_none=True)
    imagePullSecrets = fields.List(fields.Nested(_LocalObjectReference), allow_none=True)
    automountServiceAccountToken = fields.Boolean(truthy={True}, falsy={False}, allow_none=True)


# ServiceAccount.secrets: patchStrategy merge, key name; imagePullSecrets is atomic.
PATCH_SCHEMA: patch_schemas.PatchSchema = {
    "metadata": patch_schemas.nested(patch_schemas.OBJECT_META),
    "secrets": patch_schemas.by_key("name"),
}


def _clean_secret_references(obj: Obj) -> None:
    """Only a secret reference's name is kept (strategy cleanSecretReferences, create and update)."""
    secrets = obj.get("secrets")
    if isinstance(secrets, list):
        obj["secrets"] = [{"name": s["name"]} if isinstance(s, dict) and s.get("name") else {}
                          for s in secrets]


class ServiceAccountStrategy(Strategy):
    has_status = False

    def default(self, obj: Obj) -> None:
        for key in ("secrets", "imagePullSecrets", "automountServiceAccountToken"):  # omitempty
            if key in obj and obj[key] in (None, []):
                del obj[key]

    def prepare_for_create(self, obj: Obj) -> None:
        _clean_secret_references(obj)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        _clean_secret_references(new)


def _service_account_row(obj: Obj, now: datetime) -> list[Any]:
    """printServiceAccount: the number of secrets (an integer cell in a string column)."""
    return [p.name_cell(obj), len(obj.get("secrets") or []), p.age_cell(obj, now)]


PRINTER = p.Printer((
    p.NAME,
    p.Column("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this "
                        "ServiceAccount are allowed to use. Pods are only limited to this list if this service "
                        "account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". This "
                        "field should not be used to find auto-generated service account token secrets for use "
                        "outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or "
                        "service account token secrets can be manually created. More info: "
                        "https://kubernetes.io/docs/concepts/configuration/secret"),
    p.AGE,
), _service_account_row)


SERVICE_ACCOUNTS = ResourceType(
    wire_schema=ServiceAccountWire(),
    printer=PRINTER,
    kind="ServiceAccount",
    plural="serviceaccounts",
    singular="serviceaccount",
    short_names=("sa",),
    strategy=ServiceAccountStrategy(),
    patch_schema=PATCH_SCHEMA,
)
