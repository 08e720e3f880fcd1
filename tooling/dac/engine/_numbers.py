"""Arithmetic with Java's rules, as Elasticsearch's EQL scripts compute it.

Integers are 32-bit when both operands are ``integer`` literals and 64-bit
(``long``) otherwise; a result outside that range is an error, as with
Java's ``Math.addExact``. Integer division truncates toward zero and the
remainder takes the sign of the dividend. A ``double`` operand makes the
whole operation floating point, and floating division by zero gives an
infinity or NaN instead of an error.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from dac.engine._errors import EqlRuntimeError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

# Value kinds tracked at compile time for numeric expressions.
INTEGER, LONG, DOUBLE = "integer", "long", "double"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def result_kind(left: str | None, right: str | None) -> str:
    if DOUBLE in (left, right):
        return DOUBLE
    if left == INTEGER and right == INTEGER:
        return INTEGER
    return LONG


def _checked(value: int, kind: str, op: str) -> int:
    low, high = (INT_MIN, INT_MAX) if kind == INTEGER else (LONG_MIN, LONG_MAX)
    if value < low or value > high:
        raise EqlRuntimeError(
            f"{kind} overflow in [{op}]: result {value} is out of range"
        )
    return value


def _truncating_div(left: int, right: int) -> int:
    quotient = abs(left) // abs(right)
    return quotient if (left < 0) == (right < 0) else -quotient


def arithmetic(op: str, left: Any, right: Any, kind: str) -> Any:
    """Apply ``op`` (+ - * / %) to two numbers; None when either is not a number."""
    if not is_number(left) or not is_number(right):
        return None
    if kind == DOUBLE or isinstance(left, float) or isinstance(right, float):
        return _float_arithmetic(op, float(left), float(right))
    if op == "+":
        return _checked(left + right, kind, op)
    if op == "-":
        return _checked(left - right, kind, op)
    if op == "*":
        return _checked(left * right, kind, op)
    if right == 0:
        raise EqlRuntimeError(f"division by zero in [{op}]")
    if op == "/":
        return _checked(_truncating_div(left, right), kind, op)
    remainder = abs(left) % abs(right)
    return -remainder if left < 0 else remainder


def _float_arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0.0:
        if op == "%" or left == 0.0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    if op == "/":
        return left / right
    return math.fmod(left, right)


def negate(value: Any, kind: str) -> Any:
    """Return ``-value`` with the overflow rule of ``kind``."""
    if not is_number(value):
        return None
    if isinstance(value, float):
        return -value
    return _checked(-value, kind, "-")


def java_string(value: Any) -> str:
    """Render a value as Java's ``String.valueOf`` does for EQL's string()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value) and abs(value) < 1e7:
            return f"{int(value)}.0"
        if 1e-3 <= abs(value) < 1e7:
            return repr(value)
        # Java switches to computerized scientific notation: "1.0E10".
        sign, digits, exponent = Decimal(repr(value)).as_tuple()
        text = "".join(str(d) for d in digits).rstrip("0") or "0"
        power = len(digits) + int(exponent) - 1
        mantissa = text[0] + "." + (text[1:] or "0")
        return f"{'-' if sign else ''}{mantissa}E{power}"
    return str(value)
