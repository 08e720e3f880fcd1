"""Type rules of Elasticsearch EQL, used to find what its verifier would reject.

Elasticsearch maps field types onto a few families before it checks a
query: string (keyword, constant_keyword, wildcard, text, match_only_text),
number, date, ip and boolean. Its verifier rejects an operator or function
whose argument is of the wrong family (``cidrMatch`` on a keyword, ``+`` on a
string, ``:`` on a number) and a comparison between incompatible families
(a keyword field against a number). Only those cases are errors here; a
query Elasticsearch accepts is never rejected.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import Literal

from dac.eql import ast

Family = Literal["string", "number", "date", "ip", "boolean", "null", "other"]

STRING_TYPES = frozenset(
    {"keyword", "constant_keyword", "wildcard", "text", "match_only_text"}
)
NUMBER_TYPES = frozenset(
    {
        "long",
        "integer",
        "short",
        "byte",
        "double",
        "float",
        "half_float",
        "scaled_float",
        "unsigned_long",
    }
)
DATE_TYPES = frozenset({"date", "date_nanos"})

LITERAL_FAMILIES: dict[str, Family] = {
    "string": "string",
    "integer": "number",
    "long": "number",
    "double": "number",
    "boolean": "boolean",
    "null": "null",
}

# Argument families of each function, in order; the last entry repeats for
# variadic functions. None accepts any family. Source: the Elasticsearch EQL
# function reference (elastic.co/docs/reference/query-languages/eql/eql-function-ref).
FUNCTION_ARGUMENTS: dict[str, tuple[Family | None, ...]] = {
    "add": ("number", "number"),
    "between": ("string", "string", "string", "boolean"),
    "cidrMatch": ("ip", "string"),
    "concat": (None,),
    "divide": ("number", "number"),
    "endsWith": ("string", "string"),
    "indexOf": ("string", "string", "number"),
    "length": ("string",),
    "modulo": ("number", "number"),
    "multiply": ("number", "number"),
    "number": ("string", "number"),
    "startsWith": ("string", "string"),
    "string": (None,),
    "stringContains": ("string", "string"),
    "substring": ("string", "number", "number"),
    "subtract": ("number", "number"),
}
VARIADIC_FUNCTIONS = frozenset({"cidrMatch", "concat", "endsWith", "startsWith"})

FUNCTION_RESULTS: dict[str, Family] = {
    "add": "number",
    "between": "string",
    "cidrMatch": "boolean",
    "concat": "string",
    "divide": "number",
    "endsWith": "boolean",
    "indexOf": "number",
    "length": "number",
    "modulo": "number",
    "multiply": "number",
    "number": "number",
    "startsWith": "boolean",
    "string": "string",
    "stringContains": "boolean",
    "substring": "string",
    "subtract": "number",
}


def family_of_type(es_type: str | None) -> Family | None:
    """Return the EQL family of an Elasticsearch field type (None if unknown)."""
    if es_type is None:
        return None
    if es_type in STRING_TYPES:
        return "string"
    if es_type in NUMBER_TYPES:
        return "number"
    if es_type in DATE_TYPES:
        return "date"
    if es_type == "ip":
        return "ip"
    if es_type == "boolean":
        return "boolean"
    return "other"


def compatible(left: Family | None, right: Family | None) -> bool:
    """Return whether Elasticsearch accepts comparing values of these families.

    Unknown families (None) and null are compatible with everything. Dates
    and IPs compare with string literals, which Elasticsearch converts.
    """
    # NOTE: the date/ip/number pairs below are accepted to avoid false errors;
    # they were not checked against a running Elasticsearch.
    if left is None or right is None or "null" in (left, right):
        return True
    if left == right:
        return True
    pair = {left, right}
    return pair in ({"date", "string"}, {"ip", "string"}, {"date", "number"})


def argument_family(name: str, position: int) -> Family | None:
    """Return the family a function expects at a 0-based argument position."""
    expected = FUNCTION_ARGUMENTS.get(name)
    if not expected:
        return None
    if position < len(expected):
        return expected[position]
    if name in VARIADIC_FUNCTIONS:
        return expected[-1]
    return None


def walk(node: object) -> Iterator[ast.Node]:
    """Yield ``node`` and every node below it, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Node):
            yield current
            names = _child_names(type(current))
            stack.extend(getattr(current, name) for name in reversed(names))
        elif isinstance(current, tuple | list):
            stack.extend(reversed(current))


@functools.cache
def _child_names(node_type: type) -> tuple[str, ...]:
    """Return the dataclass fields of a node type that can hold nodes."""
    return tuple(
        f.name for f in dataclasses.fields(node_type) if f.name not in _LEAF_FIELDS
    )


# Fields that hold plain values (names, flags, positions), never nodes.
_LEAF_FIELDS = frozenset(
    {
        "line",
        "column",
        "kind",
        "raw",
        "path",
        "optional",
        "op",
        "name",
        "case_insensitive",
        "negated",
        "category",
        "runs",
        "missing",
        "unit",
        "count",
    }
)
