"""resource.Quantity as the apiserver decodes and re-encodes it (k8s.io/apimachinery/pkg/api/resource):
``parse`` accepts what ParseQuantity accepts, ``canonical`` is CanonicalizeBytes (``0.5`` -> ``500m``,
``1000m`` -> ``1``, ``2048Mi`` -> ``2Gi``, ``1000`` -> ``1k``), and ``normalize`` rewrites the quantity
fields of a Pod or Node in place. Pure functions; raises ValueError with upstream's message."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_ERROR = "unable to parse quantity's suffix"
_SHAPE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)", re.DOTALL)
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {e: s for s, e in _DECIMAL.items()}
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
_NANO = Fraction(1, 10**9)


def parse(value: Any) -> tuple[Fraction, str]:
    """(amount, format) with format ``BinarySI``, ``DecimalSI`` or ``DecimalExponent``."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(FORMAT_ERROR)
    text = (repr(value) if isinstance(value, float) else str(value)).strip()
    m = _SHAPE.fullmatch(text)
    if not text or m is None or not (m.group(2) or m.group(3)):
        raise ValueError(FORMAT_ERROR)
    sign, whole, frac, suffix = m.group(1), m.group(2) or "0", m.group(3) or "", m.group(4)
    if not re.fullmatch(r"[eEinumkKMGTP]*[-+]?[0-9]*", suffix):
        raise ValueError(FORMAT_ERROR)
    amount = Fraction(int(whole + frac), 10 ** len(frac))
    if suffix in _BINARY:
        amount, fmt = amount * 2 ** _BINARY[suffix], "BinarySI"
    elif suffix in _DECIMAL:
        amount, fmt = amount * Fraction(10) ** _DECIMAL[suffix], "DecimalSI"
    elif (e := _EXPONENT.fullmatch(suffix)) is not None and abs(int(e.group(1))) < 1000:
        amount, fmt = amount * Fraction(10) ** int(e.group(1)), "DecimalExponent"
    else:
        raise ValueError(SUFFIX_ERROR)
    return (-amount if sign == "-" else amount), fmt


def _round_up_nano(amount: Fraction) -> Fraction:
    """Quantities keep nano precision: anything finer rounds away from zero (RoundUp(Nano))."""
    scaled = amount / _NANO
    if scaled.denominator == 1:
        return amount
    whole = -(-scaled.numerator // scaled.denominator) if amount > 0 else scaled.numerator // scaled.denominator
    return Fraction(whole) * _NANO


def canonical(amount: Fraction, fmt: str) -> str:
    """CanonicalizeBytes: the largest suffix (power of 1024, or of 1000 for decimal formats) that keeps
    the number an integer; |value| < 1024 and fractional byte counts are shown as DecimalSI."""
    amount = _round_up_nano(amount)
    if amount == 0:
        return "0"
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    if fmt == "BinarySI" and amount >= 1024 and amount.denominator == 1:
        number, shift = amount.numerator, 0
        while shift < 60 and number % 1024 == 0:
            number, shift = number // 1024, shift + 10
        return f"{sign}{number}{next((s for s, b in _BINARY.items() if b == shift), '')}"
    nanos = int(amount / _NANO)
    exponent = -9
    while nanos % 1000 == 0 and (exponent < 18 or fmt == "DecimalExponent"):
        nanos, exponent = nanos // 1000, exponent + 3
    if fmt == "DecimalExponent":
        return f"{sign}{nanos}" + (f"e{exponent}" if exponent else "")
    return f"{sign}{nanos}{_DECIMAL_SUFFIX[exponent]}"


def canonicalize(value: Any) -> str:
    return canonical(*parse(value))


# -- where quantities live in the kinds we serve -------------------------------------------------

def _fix_map(holder: Any, key: str, errors: list[str]) -> None:
    values = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(values, dict):
        return
    for name, raw in list(values.items()):
        if raw is None:
            continue
        try:
            values[name] = canonicalize(raw)
        except ValueError as exc:
            errors.append(str(exc))


def _fix_one(holder: Any, key: str, errors: list[str]) -> None:
    if isinstance(holder, dict) and holder.get(key) is not None:
        try:
            holder[key] = canonicalize(holder[key])
        except ValueError as exc:
            errors.append(str(exc))


def pod_spec_quantities(spec: Any, errors: list[str]) -> None:
    """Canonical quantities in a PodSpec (containers' resources, overhead, emptyDir sizeLimit)."""
    if not isinstance(spec, dict):
        return
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(group) or []:
            resources = c.get("resources") if isinstance(c, dict) else None
            _fix_map(resources, "limits", errors)
            _fix_map(resources, "requests", errors)
    _fix_map(spec, "overhead", errors)
    _fix_map(spec.get("resources"), "limits", errors)
    _fix_map(spec.get("resources"), "requests", errors)
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            _fix_one(volume.get("emptyDir"), "sizeLimit", errors)


def pod_quantities(obj: dict[str, Any], errors: list[str]) -> None:
    pod_spec_quantities(obj.get("spec"), errors)


def node_quantities(obj: dict[str, Any], errors: list[str]) -> None:
    status = obj.get("status")
    _fix_map(status, "capacity", errors)
    _fix_map(status, "allocatable", errors)
