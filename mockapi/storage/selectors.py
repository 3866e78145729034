"""Owns label and field selectors as apimachinery v1.31 parses, matches and words errors for them, plus
label-selector pushdown to SQL (EXISTS on ``labels``). Must not import Flask, open sessions or run queries:
it only builds SQLAlchemy Core clauses and raises StatusError via bad_request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false

from mockapi.errors import bad_request
from mockapi.storage.tables import labels as labels_table
from mockapi.storage.tables import objects as objects_table

# ---- k8s.io/apimachinery/pkg/util/validation wording (v1.31) ----
_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', "
              "and must start and end with an alphanumeric character")
_VALUE_FMT = "(" + _QNAME_FMT + ")?"
_VALUE_MSG = "a valid label must be an empty string or " + _QNAME_MSG.replace("must ", "", 1)
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUB_FMT = _DNS_LABEL + "(\\." + _DNS_LABEL + ")*"
_DNS_SUB_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character")
_QNAME_RE, _VALUE_RE, _DNS_SUB_RE = (re.compile(f) for f in (_QNAME_FMT, _VALUE_FMT, _DNS_SUB_FMT))
_INT64_RE = re.compile("[+-]?[0-9]+")  # strconv.ParseInt(s, 10, 64): no spaces, no underscores


def _too_long(s: str, limit: int) -> bool:  # Go's len() counts UTF-8 bytes
    return len(s.encode("utf-8", "surrogatepass")) > limit


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    examples_text = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {examples_text}regex used for validation is '{fmt}')"


def _label_key_errors(value: str) -> list[str]:
    """validation.IsQualifiedName."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            if _too_long(parts[0], 253):
                errs.append("prefix part must be no more than 253 characters")
            if not _DNS_SUB_RE.fullmatch(parts[0]):
                errs.append("prefix part " + _regex_error(_DNS_SUB_MSG, _DNS_SUB_FMT, "example.com"))
    if not name:
        errs.append("name part must be non-empty")
    elif _too_long(name, 63):
        errs.append("name part must be no more than 63 characters")
    if not _QNAME_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def _label_value_errors(value: str) -> list[str]:
    """validation.IsValidLabelValue."""
    errs = ["must be no more than 63 characters"] if _too_long(value, 63) else []
    if not _VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


_GO_ESC = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
           "\t": "\\t", "\v": "\\v"}


def _go_quote(s: str) -> str:
    """Go's %q (strconv.Quote)."""
    def esc(ch: str, o: int) -> str:
        if ch in _GO_ESC or ch.isprintable():
            return _GO_ESC.get(ch, ch)
        return f"\\x{o:02x}" if o < 0x20 or o == 0x7F else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"
    return '"' + "".join(esc(ch, ord(ch)) for ch in s) + '"'


def _is_int64(v: str) -> bool:
    return bool(_INT64_RE.fullmatch(v)) and -(2**63) <= int(v) < 2**63


class _ParseError(Exception):
    """An upstream error string; public entry points turn it into bad_request(message)."""


# ---- label selectors (k8s.io/apimachinery/pkg/labels/selector.go) ----
_SET_OPS, _EXACT_OPS, _CMP_OPS, _UNARY_OPS = ("in", "notin"), ("=", "==", "!="), ("gt", "lt"), ("exists", "!")


@dataclass(frozen=True)
class Requirement:
    """One label requirement; op is one of =, ==, !=, in, notin, exists, ! (does not exist), gt, lt."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        if self.op in ("in", "=", "=="):
            return has and labels[self.key] in self.values
        if self.op in ("notin", "!="):  # like upstream: objects WITHOUT the key match
            return not has or labels[self.key] not in self.values
        if self.op in _UNARY_OPS:
            return has == (self.op == "exists")
        if self.op in _CMP_OPS and has and len(self.values) == 1:
            got, want = labels[self.key], self.values[0]
            if _is_int64(got) and _is_int64(want):
                return int(got) > int(want) if self.op == "gt" else int(got) < int(want)
        return False

    def __str__(self) -> str:
        if self.op in _UNARY_OPS:
            return ("!" if self.op == "!" else "") + self.key
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if self.op in _SET_OPS:
            return f"{self.key} {self.op} ({vals})"
        return self.key + {"gt": ">", "lt": "<"}.get(self.op, self.op) + vals

    def sql(self, object_id: ColumnElement[Any]) -> ColumnElement[bool]:
        """[NOT] EXISTS on an alias of `labels`; gt/lt only require the key (see needs_python_filter)."""
        lab = labels_table.alias()
        conds = [lab.c.object_id == object_id, lab.c.key == self.key]
        if self.op in _SET_OPS or self.op in _EXACT_OPS:
            vals = list(self.values)
            conds.append(lab.c.value == vals[0] if len(vals) == 1 else lab.c.value.in_(vals))
        clause = exists().where(*conds).correlate_except(lab)
        return ~clause if self.op in ("notin", "!=", "!") else clause


def _new_requirement(key: str, op: str, vals: list[str] | None) -> Requirement:
    """labels.NewRequirement with a nil field path; raises _ParseError with the aggregated error text."""
    errs, n = [], len(vals or [])
    bad_vals = "values: Invalid value: " + ("[]string(nil)" if vals is None else
                                            "[]string{" + ", ".join(map(_go_quote, vals)) + "}") + ": "
    if key_errs := _label_key_errors(key):
        errs.append(f"key: Invalid value: {_go_quote(key)}: " + "; ".join(key_errs))
    if op in _SET_OPS and n == 0:
        errs.append(bad_vals + "for 'in', 'notin' operators, values set can't be empty")
    elif op in _EXACT_OPS and n != 1:
        errs.append(bad_vals + "exact-match compatibility requires one single value")
    elif op in _UNARY_OPS and n != 0:
        errs.append(bad_vals + "values set must be empty for exists and does not exist")
    elif op in _CMP_OPS:
        if n != 1:
            errs.append(bad_vals + "for 'Gt', 'Lt' operators, exactly one value is required")
        errs += [f"values[{i}]: Invalid value: {_go_quote(v)}: "
                 "for 'Gt', 'Lt' operators, the value must be an integer"
                 for i, v in enumerate(vals or []) if not _is_int64(v)]
    errs += [f"values[{i}][{key}]: Invalid value: {_go_quote(v)}: " + "; ".join(_label_value_errors(v))
             for i, v in enumerate(vals or []) if _label_value_errors(v)]
    if errs:  # field.ErrorList.ToAggregate(): de-duplicated, bracketed when more than one
        errs = list(dict.fromkeys(errs))
        raise _ParseError(errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")
    return Requirement(key, op, tuple(vals or ()))


@dataclass(frozen=True, eq=True)
class LabelSelector:
    """An AND of requirements (sorted by key, like upstream). LabelSelector.nothing() matches no object."""

    requirements: tuple[Requirement, ...] = ()
    match_nothing: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements", tuple(sorted(self.requirements, key=lambda r: r.key)))

    @classmethod
    def nothing(cls) -> LabelSelector:
        return cls(match_nothing=True)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (labels.Selector.Empty)."""
        return not self.match_nothing and not self.requirements

    @property
    def needs_python_filter(self) -> bool:
        """True when sql_filter() is only a superset (gt/lt present): re-check the rows with matches()."""
        return any(r.op in _CMP_OPS for r in self.requirements)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.match_nothing and all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """RequiresExactMatch: the value that the first requirement on key pins (=, ==, one-value in)."""
        r = next((r for r in self.requirements if r.key == key), None)
        return r.values[0] if r and r.op in ("=", "==", "in") and len(r.values) == 1 else None

    def sql_filter(self, object_id_column: ColumnElement[Any] | None = None) -> ColumnElement[bool] | None:
        """EXISTS / NOT EXISTS on `labels` correlated to object_id_column, equivalent to matches().

        None when empty; false() for nothing(). gt/lt compile to "key exists" only (integer comparison is
        not portable), so when needs_python_filter the caller must post-filter the rows with matches().
        """
        if self.match_nothing:
            return false()
        if object_id_column is None:
            object_id_column = objects_table.c.id
        return and_(*(r.sql(object_id_column) for r in self.requirements)) if self.requirements else None

    def __str__(self) -> str:
        return ",".join(map(str, self.requirements))


# Lexer (Lexer.Lex): a token is the operator literal itself ("in"/"notin" included), "ID" or "EOS". Operators
# are "!=", "==" or one of =!(),><; identifiers run up to whitespace or an operator character. As in Go, NUL
# ends the input at a token start and is swallowed right after a token.
_OP_TOKENS = frozenset({")", ",", "!", "==", "=", ">", "<", "!=", "(", "in", "notin"})
_WS_RE, _TOK_RE = re.compile(r"[ \t\r\n]*"), re.compile(r"!=|==|[=!(),><]|[^=!(),>< \t\r\n\0]+")
_BINARY = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}


def _lex(s: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    pos = 0
    while True:
        pos = _WS_RE.match(s, pos).end()  # type: ignore[union-attr]
        if pos >= len(s) or s[pos] == "\0":
            return items + [("EOS", "")]
        lit = _TOK_RE.match(s, pos).group()  # type: ignore[union-attr]
        pos += len(lit) + s.startswith("\0", pos + len(lit))
        items.append((lit if lit in _OP_TOKENS else "ID", lit))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items, self.pos = _lex(text), 0

    def peek(self, values: bool = True) -> tuple[str, str]:  # in "values" context in/notin are identifiers
        tok, lit = self.items[self.pos]
        return ("ID" if values and tok in ("in", "notin") else tok), lit

    def take(self, values: bool = True) -> tuple[str, str]:
        item = self.peek(values)
        self.pos = min(self.pos + 1, len(self.items) - 1)
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while (tok := self.peek())[0] != "EOS":
            if tok[0] not in ("ID", "!"):
                raise _ParseError(f"found '{tok[1]}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except _ParseError as e:
                raise _ParseError(f"unable to parse requirement: {e}") from None
            tok = self.take()
            if tok[0] == "EOS":
                break
            if tok[0] != ",":
                raise _ParseError(f"found '{tok[1]}', expected: ',' or 'end of string'")
            if (tok := self.peek())[0] not in ("ID", "!"):
                raise _ParseError(f"found '{tok[1]}', expected: identifier after ','")
        return reqs

    def requirement(self) -> Requirement:
        tok, key = self.take()
        op = "!" if tok == "!" else ""
        if op:
            tok, key = self.take()
        if tok != "ID":
            raise _ParseError(f"found '{key}', expected: identifier")
        if errs := _label_key_errors(key):
            raise _ParseError(f"<nil>: Invalid value: {_go_quote(key)}: " + "; ".join(errs))
        if not op and self.peek()[0] in ("EOS", ","):
            op = "exists"
        if op:
            return _new_requirement(key, op, [])
        tok, lit = self.take(values=False)
        if tok not in _BINARY:
            raise _ParseError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY[tok]
        return _new_requirement(key, op, sorted(self.set_values() if op in _SET_OPS else self.exact_value()))

    def set_values(self) -> set[str]:
        if (opening := self.take())[0] != "(":
            raise _ParseError(f"found '{opening[1]}' expected: '('")
        tok, lit = self.peek()
        if tok not in ("ID", ",", ")"):
            raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")
        vals: set[str] = set() if tok != ")" else {""}
        while tok != ")":  # parseIdentifiersList
            tok, lit = self.take()
            nxt, nlit = self.peek()
            if tok == "ID":
                vals.add(lit)
                if nxt not in (",", ")"):
                    raise _ParseError(f"found '{nlit}', expected: ',' or ')'")
            elif tok == ",":
                if not vals or nxt in (",", ")"):
                    vals.add("")
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")
            tok = nxt if nxt == ")" else tok
        self.take()
        return vals

    def exact_value(self) -> set[str]:
        if self.peek()[0] in ("EOS", ","):
            return {""}
        tok, lit = self.take()
        if tok != "ID":
            raise _ParseError(f"found '{lit}', expected: identifier")
        return {lit}


def parse_label_selector(text: str) -> LabelSelector:
    """labels.Parse; invalid input raises bad_request (400) with upstream's message."""
    try:
        return LabelSelector(tuple(_Parser(text).parse()))
    except _ParseError as e:
        raise bad_request(str(e)) from None


def selector_from_match_labels(match_labels: Mapping[str, str] | None) -> LabelSelector:
    """labels.SelectorFromSet (e.g. a Service's spec.selector): equality on every pair, not validated."""
    return LabelSelector(tuple(Requirement(k, "=", (v,)) for k, v in (match_labels or {}).items()))


def selector_from_label_selector(obj: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector: None selects nothing, {} everything; errors raise bad_request."""
    if obj is None:
        return LabelSelector.nothing()
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    try:
        reqs = [_new_requirement(k, "=", [v]) for k, v in (obj.get("matchLabels") or {}).items()]
        for expr in obj.get("matchExpressions") or []:
            op, vals = expr.get("operator") or "", expr.get("values")
            if op not in ops:
                raise _ParseError(f"{_go_quote(op)} is not a valid label selector operator")
            reqs.append(_new_requirement(expr.get("key") or "", ops[op], list(vals) if vals else None))
    except _ParseError as e:
        raise bad_request(str(e)) from None
    return LabelSelector(tuple(reqs))


# ---- field selectors (k8s.io/apimachinery/pkg/fields/selector.go) ----
def _unescape(value: str) -> str:
    out, in_slash = [], False
    for c in value:
        if in_slash and c not in "\\,=":
            raise bad_request(f"invalid field selector: invalid escape sequence: \\{c}")
        if not in_slash and c in ",=":
            raise bad_request(f"invalid field selector: unescaped character in value: {ord(c)}")
        in_slash = not in_slash and c == "\\"
        out.append("" if in_slash else c)
    if in_slash:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:  # split on commas not escaped by a backslash
    terms, start, in_slash = [], 0, False
    for i, c in enumerate(text):
        if not in_slash and c == ",":
            terms.append(text[start:i])
            start = i + 1
        in_slash = not in_slash and c == "\\"
    return terms + [text[start:]] if text else []


@dataclass(frozen=True)
class FieldSelector:
    """An AND of (field, op, value) terms in upstream's (sorted) order; op is "=" (also for "==") or "!="."""

    terms: tuple[tuple[str, str, str], ...] = ()

    @property
    def requirements(self) -> list[tuple[str, str, str]]:
        return list(self.terms)

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, fields: Mapping[str, str]) -> bool:
        """fields: the object's selectable field values; a missing field reads as ""."""
        return all((fields.get(f, "") == v) == (op == "=") for f, op, v in self.terms)

    def get(self, field: str) -> str | None:
        """RequiresExactMatch: the value of the first `field=value` term, else None."""
        return next((v for f, op, v in self.terms if f == field and op == "="), None)

    def unsupported(self, supported: Iterable[str]) -> str | None:
        """The first field not in ``supported`` (sorted order, as Transform does), or None. The 400 and
        its per-kind wording belong to the caller (errors.field_label_not_supported)."""
        allowed = set(supported)
        return next((f for f, _, _ in self.terms if f not in allowed), None)

    def __str__(self) -> str:
        esc = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\="})
        return ",".join(f"{f}{op}{v.translate(esc)}" for f, op, v in self.terms)


def parse_field_selector(text: str) -> FieldSelector:
    """fields.ParseSelector; invalid input raises bad_request (400) with upstream's message."""
    terms = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        # splitTerm: the first operator occurrence splits; no escaping on the left-hand side
        hit = next(((i, op) for i in range(len(part)) for op in ("!=", "==", "=") if part.startswith(op, i)),
                   None)
        if hit is None:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        i, op = hit
        terms.append((part[:i], "!=" if op == "!=" else "=", _unescape(part[i + len(op):])))
    return FieldSelector(tuple(terms))
