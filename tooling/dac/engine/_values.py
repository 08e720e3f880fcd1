"""Field values and timestamps as Elasticsearch indexes them from a document.

A document is the ``_source`` of an event: nested objects, dotted keys
(``{"process.name": "x"}``) or a mix of both. Arrays of values and arrays of
objects flatten into one list of leaf values, the way Elasticsearch indexes
them; ``null`` values and empty arrays index nothing, so such a field is
missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

Getter = Callable[[Mapping[str, Any]], Sequence[Any]]


def _collect(node: Any, parts: tuple[str, ...], start: int, out: list[Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, parts, start, out)
        return
    if start == len(parts):
        if node is not None and not isinstance(node, Mapping):
            out.append(node)
        return
    if not isinstance(node, Mapping):
        return
    # Try the nested form first, then longer dotted keys such as "a.b".
    for end in range(start + 1, len(parts) + 1):
        key = parts[start] if end == start + 1 else ".".join(parts[start:end])
        if key in node:
            _collect(node[key], parts, end, out)


def field_path(name: str) -> tuple[str, ...]:
    """Split a dotted field name into the parts a document lookup walks.

    Elasticsearch resolves a field by its full dotted name, so
    ``process.name`` written in backticks is the same field as
    ``process.name`` written bare: both split into ``("process", "name")``.
    The lookup still finds dotted keys (``{"process.name": ...}``), because
    :func:`field_values` also tries the joined parts as one key.
    """
    return tuple(name.split("."))


def field_values(document: Mapping[str, Any], path: tuple[str, ...]) -> list[Any]:
    """Return every leaf value of the field ``path`` in ``document``, flattened."""
    out: list[Any] = []
    _collect(document, path, 0, out)
    return out


def make_getter(path: tuple[str, ...]) -> Getter:
    """Build a fast function that returns the leaf values of ``path``.

    The fast path indexes nested dicts directly and returns a scalar as a
    one-element tuple or a list of scalars as it is. Anything else (a
    missing level, an array of objects, a dotted key) falls back to
    :func:`field_values`, so both paths return the same values.
    """
    scalars = _SCALARS

    def slow(document: Mapping[str, Any]) -> list[Any]:
        return field_values(document, path)

    def finish(document: Mapping[str, Any], node: Any) -> Any:
        kind = type(node)
        if kind in scalars:
            return (node,)
        if node is None:
            return ()
        if kind is list:
            if len(node) == 1 and type(node[0]) in scalars:
                return node
            for value in node:
                if type(value) not in scalars:
                    return slow(document)
            return node
        return slow(document)

    if len(path) == 1:
        (first,) = path

        def get(document: Mapping[str, Any]) -> Any:
            try:
                node = document[first]
            except (KeyError, TypeError):
                return slow(document)
            if type(node) in scalars:
                return (node,)
            return finish(document, node)

    elif len(path) == 2:
        first, second = path

        def get(document: Mapping[str, Any]) -> Any:
            try:
                node = document[first][second]
            except (KeyError, TypeError, IndexError):
                return slow(document)
            if type(node) in scalars:
                return (node,)
            return finish(document, node)

    elif len(path) == 3:
        first, second, third = path

        def get(document: Mapping[str, Any]) -> Any:
            try:
                node = document[first][second][third]
            except (KeyError, TypeError, IndexError):
                return slow(document)
            if type(node) in scalars:
                return (node,)
            return finish(document, node)

    else:

        def get(document: Mapping[str, Any]) -> Any:
            node: Any = document
            try:
                for part in path:
                    node = node[part]
            except (KeyError, TypeError, IndexError):
                return slow(document)
            return finish(document, node)

    return get


_ABSENT = object()
_SCALARS = frozenset({str, int, float, bool})


def doc_value(values: list[Any]) -> Any:
    """Return the value a script reads for a field: the first doc value.

    Elasticsearch stores doc values sorted (numbers ascending, strings in
    byte order, which is code point order), so a script that reads a
    multi-valued field reads its smallest value.
    """
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    try:
        return min(values)
    except TypeError:
        return values[0]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)


# A ``date`` field stores epoch milliseconds in a Java long, so Elasticsearch
# rejects a document whose timestamp falls outside this range.
MIN_MILLIS = -(2**63)
MAX_MILLIS = 2**63 - 1


def timestamp_error(value: Any) -> str | None:
    """Return why ``value`` cannot be a ``date``, or None.

    A boolean, a non-finite number, a number or digit string outside a
    signed 64-bit count of milliseconds, and a string that
    :func:`parse_timestamp` cannot read are errors, because Elasticsearch
    rejects such a document. None (an explicit null) is no timestamp and
    valid. Other types (objects, lists) are left to the caller.
    """
    if isinstance(value, bool):
        return "a boolean is not a date"
    if isinstance(value, float) and not math.isfinite(value):
        return "the number is not finite"
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            if parse_timestamp(text) is None:
                return "not an ISO-8601 date or epoch milliseconds"
            return None
        value = int(text)
    if isinstance(value, int | float) and not MIN_MILLIS <= value <= MAX_MILLIS:
        return "epoch milliseconds outside the range of a 64-bit integer"
    return None


def parse_timestamp(value: Any) -> int | None:
    """Convert a timestamp to epoch milliseconds, or None when it is not one.

    Accepts epoch milliseconds as a number or a string of digits, and
    ISO-8601 date-times. A date-time without an offset is UTC, as
    Elasticsearch's ``date`` type reads it. Precision finer than a
    millisecond is truncated, because a ``date`` field stores milliseconds.
    Infinity, NaN and numbers outside a signed 64-bit count of milliseconds
    are not timestamps either.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if MIN_MILLIS <= value <= MAX_MILLIS else None
    if isinstance(value, float):
        # NaN fails both comparisons, and infinity is out of range.
        return int(value) if MIN_MILLIS <= value <= MAX_MILLIS else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.lstrip("-").isdigit():
        millis = int(text)
        return millis if MIN_MILLIS <= millis <= MAX_MILLIS else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None and len(text) >= 10:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - _EPOCH) // _MILLISECOND
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    millis = int(moment.timestamp()) * 1000
    if fraction:
        millis += int((fraction + "00")[:3])
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        millis -= sign * minutes * 60_000
    return millis
