"""Field validators with Kubernetes' wording (k8s.io/apimachinery/pkg/util/validation).

Each returns a list of detail strings (empty when valid); callers turn them into ``Cause`` objects
with the right field path. Pure functions only.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Cause

DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = DNS1123_LABEL + r"(\." + DNS1123_LABEL + ")*"
DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

_dns1123_label = re.compile(f"^{DNS1123_LABEL}$")
_dns1123_subdomain = re.compile(f"^{DNS1123_SUBDOMAIN}$")
_dns1035_label = re.compile(f"^{DNS1035_LABEL}$")
_qualified_name = re.compile(f"^{QUALIFIED_NAME}$")
_label_value = re.compile(f"^{LABEL_VALUE}$")
_iana_svc_name = re.compile("^[-a-z0-9]+$")
_has_letter = re.compile("[a-z]")


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len(63))
    if not _dns1123_label.match(value):
        errs.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
            "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
            f"validation is '{DNS1123_LABEL}')"
        )
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(_max_len(253))
    if not _dns1123_subdomain.match(value):
        errs.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
            f"validation is '{DNS1123_SUBDOMAIN}')"
        )
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len(63))
    if not _dns1035_label.match(value):
        errs.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
            "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
            f"regex used for validation is '{DNS1035_LABEL}')"
        )
    return errs


def qualified_name(value: str) -> list[str]:
    """A label/annotation key: optional DNS-1123 subdomain prefix, '/', and a name part."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + e for e in dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            f"validation is '{QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. "
            "'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + _max_len(63))
    if name and not _qualified_name.match(name):
        errs.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
            f"is '{QUALIFIED_NAME}')"
        )
    return errs


def label_value(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len(63))
    if not _label_value.match(value):
        errs.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
            f"regex used for validation is '{LABEL_VALUE}')"
        )
    return errs


def iana_svc_name(value: str) -> list[str]:
    errs = []
    if len(value) > 15:
        errs.append(_max_len(15))
    if not _iana_svc_name.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if not _has_letter.search(value):
        errs.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def path_segment_name(value: str) -> list[str]:
    """path.ValidatePathSegmentName: all a core/v1 Event name must be (it is a URL segment)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{ch}'" for ch in ("/", "%") if ch in value]


def port_number(value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return ["must be between 1 and 65535, inclusive"]
    return []


def causes(field: str, value: Any, details: list[str]) -> list[Cause]:
    return [Cause.invalid(field, value, d) for d in details]


def immutable(field: str, new: Any, old: Any) -> list[Cause]:
    if new != old:
        return [Cause.invalid(field, new, "field is immutable")]
    return []


def labels_map(field: str, value: Any) -> list[Cause]:
    out: list[Cause] = []
    if not value:
        return out
    for k, v in value.items():
        out.extend(causes(field, k, qualified_name(k)))
        out.extend(causes(field, v, label_value(v)))
    return out


def annotations_map(field: str, value: Any) -> list[Cause]:
    out: list[Cause] = []
    if not value:
        return out
    total = 0
    for k, v in value.items():
        out.extend(causes(field, k, [d for d in qualified_name(k.lower())]))
        total += len(k) + len(v)
    if total > 256 * 1024:
        out.append(Cause.too_long(field, "", 256 * 1024))
    return out
