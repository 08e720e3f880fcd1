"""Elasticsearch field types as the engine groups them."""

from __future__ import annotations

from typing import Any

from dac.engine._numbers import DOUBLE, LONG, java_string
from dac.engine._values import parse_timestamp

STRING_TYPES = frozenset(
    {"keyword", "constant_keyword", "wildcard", "text", "match_only_text", "version"}
)
INTEGER_TYPES = frozenset({"long", "integer", "short", "byte", "unsigned_long"})
FLOAT_TYPES = frozenset({"double", "float", "half_float", "scaled_float"})
NUMERIC_TYPES = INTEGER_TYPES | FLOAT_TYPES
DATE_TYPES = frozenset({"date", "date_nanos"})


def type_family(es_type: str | None) -> str | None:
    """Return "string", "number", "boolean", "date", "ip" or None (unknown)."""
    if es_type is None:
        return None
    if es_type in STRING_TYPES:
        return "string"
    if es_type in NUMERIC_TYPES:
        return "number"
    if es_type == "boolean":
        return "boolean"
    if es_type in DATE_TYPES:
        return "date"
    if es_type == "ip":
        return "ip"
    return es_type


def numeric_kind(es_type: str | None) -> str | None:
    if es_type in INTEGER_TYPES:
        return LONG
    if es_type in FLOAT_TYPES:
        return DOUBLE
    return None


def literal_family(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def compatible(field_family: str | None, literal: Any) -> bool:
    """Tell whether Elasticsearch accepts comparing such a field to ``literal``."""
    family = literal_family(literal)
    if field_family is None or family is None:
        return True
    if field_family in ("date", "ip"):
        return (
            family in ("string", "number")
            if field_family == "date"
            else family == "string"
        )
    return field_family == family


def indexed_value(value: Any, family: str | None) -> Any:
    """Convert a ``_source`` value to what the field's mapping indexes.

    A keyword field indexes ``123`` as ``"123"`` and ``true`` as ``"true"``;
    a date field indexes milliseconds; numeric fields parse numeric strings.
    Unknown families leave the value as it is.
    """
    if family == "string" and not isinstance(value, str):
        return java_string(value)
    if family == "date":
        return parse_timestamp(value)
    if family == "number" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    if family == "boolean" and isinstance(value, str):
        return {"true": True, "false": False}.get(value)
    return value
