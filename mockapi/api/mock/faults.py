"""Fault-injection rules: validation (422 with field causes), matching a request (method, path,
resource, verb, namespace, name), use counting (``times``: N uses, or null until removed) and the
Kubernetes Status an injected error answers. Thread-safe; no Flask."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ...errors import Cause, StatusError, bad_request, conflict, forbidden, not_found, path_not_found
from .journal import path_matches, resource_matches
from .requestinfo import VERBS

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
MATCH_FIELDS = ("method", "path", "resource", "verb", "namespace", "name")
STATUS_FIELDS = ("status", "reason", "message", "retryAfterSeconds")
ACTION_FIELDS = ("status", "delayMs", "closeConnection", "endWatchAfterEvents")
READ_ONLY = ("id", "remaining", "hits")
FIELDS = (*MATCH_FIELDS, *STATUS_FIELDS, "delayMs", "closeConnection", "endWatchAfterEvents", "times")
MAX_DELAY_MS = 600_000
EXEMPT_PREFIX = "/mock/faults"  # faults never apply here, so they can always be removed


@dataclass
class Rule:
    """A validated rule: what it matches, what it does, and its use counts."""

    id: str
    spec: dict[str, Any]  # the fields as given (normalised), echoed back
    times: int | None
    remaining: int | None
    hits: int = 0
    needs_info: bool = field(init=False)

    def __post_init__(self) -> None:
        self.needs_info = any(k in self.spec for k in ("resource", "verb", "namespace", "name",
                                                         "endWatchAfterEvents"))

    @property
    def status(self) -> int | None:
        return self.spec.get("status")

    @property
    def delay_ms(self) -> int:
        return int(self.spec.get("delayMs") or 0)

    @property
    def close_connection(self) -> bool:
        return bool(self.spec.get("closeConnection"))

    @property
    def end_watch_after(self) -> int | None:
        return self.spec.get("endWatchAfterEvents")

    def matches(self, method: str, path: str, info: dict[str, Any] | None) -> bool:
        s = self.spec
        if "path" in s:
            if not path_matches(s["path"], path):
                return False
        elif path.startswith("/mock/"):
            return False  # /mock endpoints only fail when a rule names their path
        if "method" in s and s["method"] != method:
            return False
        if not self.needs_info:
            return True
        if info is None:
            return False
        if "resource" in s and not resource_matches(s["resource"], info):
            return False
        if "endWatchAfterEvents" in s and info["verb"] != "watch":
            return False
        return all(s[k] == info[k] for k in ("verb", "namespace", "name") if k in s)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec, "times": self.times, "remaining": self.remaining, "hits": self.hits}


def validate(body: Any) -> dict[str, Any]:
    """The rule's fields, normalised (method upper-case); 400 when not an object, 422 with causes."""
    if not isinstance(body, dict):
        raise bad_request("a fault rule must be a JSON object")
    causes: list[Cause] = []
    spec: dict[str, Any] = {}
    for key, value in body.items():
        if key in READ_ONLY:
            continue  # a listed rule can be posted back as it is
        if key not in FIELDS:
            causes.append(Cause(reason="FieldValueInvalid", message=f'unknown field "{key}"', field=key))
            continue
        cause = _check(key, value)
        if cause is not None:
            causes.append(cause)
        elif value is not None and value is not False:
            spec[key] = value.upper() if key == "method" else value
    actions = [k for k in ("status", "closeConnection", "endWatchAfterEvents") if k in spec]
    if not causes:
        if not actions and "delayMs" not in spec:
            causes.append(Cause.required("status", "a rule needs one of status, delayMs, closeConnection "
                                                   "or endWatchAfterEvents"))
        for extra in actions[1:]:
            causes.append(Cause.forbidden(extra, f"may not be combined with {actions[0]}"))
        if "status" not in spec:
            for key in ("reason", "message", "retryAfterSeconds"):
                if key in spec:
                    causes.append(Cause.forbidden(key, "only with status"))
        if "endWatchAfterEvents" in spec:
            if spec.get("verb", "watch") != "watch":
                causes.append(Cause.invalid("verb", spec["verb"], "endWatchAfterEvents applies to watch requests"))
            if spec.get("method", "GET") != "GET":
                causes.append(Cause.invalid("method", spec["method"], "endWatchAfterEvents applies to GET (watch)"))
        if "path" in spec and spec["path"].startswith(EXEMPT_PREFIX):
            causes.append(Cause.invalid("path", spec["path"], "faults never apply to /mock/faults"))
    if causes:
        described = [c.describe() for c in causes]
        summary = described[0] if len(described) == 1 else "[" + ", ".join(described) + "]"
        raise StatusError(422, f"fault rule is invalid: {summary}", reason="Invalid",
                          details={"kind": "FaultRule", "causes": [dict(c) for c in causes]})
    return spec


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(key: str, value: Any) -> Cause | None:
    if value is None and key in ("times", "reason", "message", "retryAfterSeconds", "delayMs",
                                 "endWatchAfterEvents", "closeConnection"):
        return None
    if key == "method":
        if not isinstance(value, str) or value.upper() not in METHODS:
            return Cause.not_supported(key, value, METHODS)
    elif key == "verb":
        if value not in VERBS:
            return Cause.not_supported(key, value, VERBS)
    elif key == "path":
        if not isinstance(value, str) or not value.startswith("/"):
            return Cause.invalid(key, value, 'must be a path starting with "/" (a trailing "*" matches a prefix)')
    elif key in ("resource", "namespace", "name", "reason", "message"):
        if not isinstance(value, str) or (not value and key != "namespace"):
            return Cause.invalid(key, value, "must be a non-empty string" if key != "namespace" else "must be a string")
    elif key == "status":
        if not _is_int(value) or not 400 <= value <= 599:
            return Cause.invalid(key, value, "must be an HTTP error code between 400 and 599")
    elif key == "closeConnection":
        if not isinstance(value, bool):
            return Cause.type_invalid(key, value, "must be a boolean")
    elif key == "delayMs":
        if not _is_int(value) or not 0 <= value <= MAX_DELAY_MS:
            return Cause.invalid(key, value, f"must be an integer between 0 and {MAX_DELAY_MS}")
    elif key in ("endWatchAfterEvents", "retryAfterSeconds"):
        if not _is_int(value) or value < 0:
            return Cause.invalid(key, value, "must be a non-negative integer")
    elif key == "times" and (not _is_int(value) or value < 1):
        return Cause.invalid(key, value, "must be a positive integer, or null for until removed")
    return None


class FaultSet:
    """The rules of one server process, in the order they were added; the first match wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, Rule] = {}
        self.active: list[Rule] = []  # rules with uses left; empty means the hot path skips faults
        self.needs_info = False
        self._ids = itertools.count(1)

    def add(self, body: Any) -> Rule:
        spec = validate(body)
        times = spec.pop("times", None)
        with self._lock:
            rule = Rule(f"fault-{next(self._ids)}", spec, times, times)
            self._rules[rule.id] = rule
            self._refresh()
        return rule

    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules.values())

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def delete(self, rule_id: str) -> Rule:
        with self._lock:
            rule = self._rules.pop(rule_id, None)
            if rule is None:
                raise StatusError(404, f'fault rule "{rule_id}" not found', details={"name": rule_id, "kind": "faults"})
            self._refresh()
        return rule

    def clear(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
            self._refresh()
        return n

    def _refresh(self) -> None:
        self.active = [r for r in self._rules.values() if r.remaining is None or r.remaining > 0]
        self.needs_info = any(r.needs_info for r in self.active)

    def pick(self, method: str, path: str, info: dict[str, Any] | None) -> Rule | None:
        """The first rule matching the request, with one of its uses consumed; None when none does."""
        if path.startswith(EXEMPT_PREFIX):
            return None
        with self._lock:
            for rule in self.active:
                if rule.matches(method, path, info):
                    rule.hits += 1
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._refresh()
                    return rule
        return None


def status_error(rule: Rule, info: dict[str, Any] | None) -> StatusError:
    """The Kubernetes Status an injected error answers, worded like the apiserver's for that code."""
    code: int = rule.spec["status"]
    resource = (info or {}).get("resource", "")
    name = (info or {}).get("name", "")
    group = (info or {}).get("apiGroup", "")
    if code == 404:
        err = not_found(resource, name, group) if name else path_not_found()
    elif code == 409:
        detail = "the object has been modified; please apply your changes to the latest version and try again"
        err = (conflict(resource, name, detail, group) if name
               else StatusError(409, f"Operation cannot be fulfilled: {detail}"))
    elif code == 403:
        err = forbidden(resource, name, "injected fault", group) if resource else StatusError(403, "forbidden: injected fault")
    elif code == 429:
        err = StatusError(429, "Too many requests, please try again later.", details={})
    elif code == 500:
        err = StatusError(500, "Internal error occurred: injected fault")
    elif code == 503:
        err = StatusError(503, "the server is currently unable to handle the request")
    elif code == 504:
        err = StatusError(504, "Timeout: request did not complete within requested timeout - context deadline exceeded")
    else:
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        err = StatusError(code, f"injected fault: {code} {phrase}")
    if "reason" in rule.spec:
        err.reason = rule.spec["reason"]
    if "message" in rule.spec:
        err.message = rule.spec["message"]
    retry = rule.spec.get("retryAfterSeconds", 1 if code == 429 else None)
    if err.details is None and info is not None and code not in (404, 409, 403):
        err.details = {k: v for k, v in (("name", name), ("group", group), ("kind", resource)) if v}
    if retry is not None:
        err.details = {**(err.details or {}), "retryAfterSeconds": retry}
    return err
