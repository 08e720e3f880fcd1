"""Check a case's field values against the Elasticsearch type of their field.

Elasticsearch rejects a document whose value cannot be indexed as the mapped
type (a ``mapper_parsing_exception``), so a case carrying such a value could
never reach a real rule. The rules follow Elasticsearch's defaults, with
``coerce`` on: numeric strings are accepted for numbers, and numbers and
booleans are accepted for keyword fields.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from dac.engine import parse_timestamp, timestamp_error

_INTEGER_TYPES = {"long", "integer", "short", "byte", "unsigned_long"}
_FLOAT_TYPES = {"double", "float", "half_float", "scaled_float"}
_STRING_TYPES = {
    "keyword",
    "constant_keyword",
    "wildcard",
    "text",
    "match_only_text",
    "flattened",
}


def value_problem(field_type: str | None, value: Any) -> str | None:
    """Return why Elasticsearch would reject ``value`` for ``field_type``, or None.

    A list is checked element by element; None (an explicit null) is valid
    for every type.
    """
    if isinstance(value, list):
        for item in value:
            problem = value_problem(field_type, item)
            if problem is not None:
                return problem
        return None
    if value is None or field_type is None:
        return None
    if isinstance(value, dict):
        if field_type in ("object", "nested", "flattened"):
            return None
        return f"an object cannot be indexed into a {field_type} field"
    if field_type in _INTEGER_TYPES or field_type in _FLOAT_TYPES:
        return _number_problem(field_type, value)
    if field_type == "boolean":
        if isinstance(value, bool) or value in ("true", "false", ""):
            return None
        return f"{value!r} is not a boolean (use true or false)"
    if field_type == "ip":
        try:
            ipaddress.ip_address(str(value))
        except ValueError:
            return f"{value!r} is not an IPv4 or IPv6 address"
        return None
    if field_type == "date":
        if isinstance(value, bool):
            return f"{value!r} is not a date"
        problem = timestamp_error(value)
        if problem is None and parse_timestamp(value) is None:
            problem = f"{value!r} is not an ISO-8601 date or epoch milliseconds"
        return problem
    return None


def _number_problem(field_type: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    number: float
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return f"{value!r} is not a number"
    else:
        return f"{value!r} is not a number"
    if not math.isfinite(number):
        return f"{value!r} is not a finite number"
    if field_type == "unsigned_long" and number < 0:
        return f"{value!r} is negative, but the field is unsigned_long"
    return None
