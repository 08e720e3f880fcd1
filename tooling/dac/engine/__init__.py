"""The embedded EQL engine: Elasticsearch's EQL semantics in-process.

Public API:

* :func:`compile_query` builds a :class:`CompiledQuery`; its ``run`` yields
  :class:`Hit` objects in Elasticsearch's order, and ``stream`` evaluates
  documents already sorted by timestamp with bounded sequence state.
* :func:`search` returns a response shaped like Elasticsearch's ``_eql/search``.
* :func:`explain` and :func:`explain_step` list the conditions an event
  failed, with the values it had.
* :func:`timestamp_error` returns why a value cannot be a ``date`` value.
* :func:`check_regex` returns why a ``regex`` pattern is not valid Lucene syntax.

Errors: EqlSyntaxError and EqlSemanticError at compile time,
EqlRuntimeError (overflow, division by zero, invalid ``number()`` input)
while evaluating, SchemaError for an unknown schema name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dac.engine._errors import EqlRuntimeError
from dac.engine._explain import Explainer, format_expr
from dac.engine._query import CompiledQuery, Hit, compile_query
from dac.engine._regex import RegexSyntaxError, shortest_match
from dac.engine._regex import parse as _parse_regex
from dac.engine._search import infer_field_types, search
from dac.engine._values import field_path, parse_timestamp, timestamp_error
from dac.engine._values import make_getter as field_getter
from dac.eql import ast

__all__ = [
    "CompiledQuery",
    "EqlRuntimeError",
    "Hit",
    "check_regex",
    "compile_query",
    "explain",
    "explain_step",
    "field_getter",
    "field_path",
    "format_expr",
    "infer_field_types",
    "search",
    "shortest_match",
    "timestamp_error",
    "parse_timestamp",
]


def check_regex(pattern: str) -> str | None:
    """Return why ``pattern`` is not a Lucene regular expression, or None if it is.

    The message names the problem and its 0-based position in the pattern.
    Besides syntax errors, the engine rejects patterns longer than 4096
    characters and repeat counts above 1000.
    """
    try:
        _parse_regex(pattern)
    except RegexSyntaxError as exc:
        return str(exc)
    except RecursionError:
        return "pattern nests groups too deeply"
    return None


def _steps(query: ast.Query) -> list[ast.EventFilter]:
    body = query.body
    if isinstance(body, ast.EventQuery):
        return [body.filter]
    filters = []
    for term in body.terms:
        filters.extend([term.filter] * (getattr(term, "runs", None) or 1))
    return filters


def explain_step(
    query: str | ast.Query,
    event: Mapping[str, Any],
    step: int,
    *,
    field_types: Mapping[str, str] | None = None,
    event_category_field: str = "event.category",
) -> list[str]:
    """List why ``event`` fails step ``step`` (0-based, after ``runs``) of a query.

    An empty list means the event matches that step. Raises the errors of
    :func:`compile_query` and IndexError for a step the query lacks.
    """
    compiled = compile_query(query, field_types=field_types)
    event_filter = _steps(compiled.query)[step]
    return Explainer(field_types).filter_reasons(
        event_filter, event, event_category_field
    )


def explain(
    query: str | ast.Query,
    event: Mapping[str, Any],
    *,
    field_types: Mapping[str, str] | None = None,
    event_category_field: str = "event.category",
) -> list[str]:
    """List the leaf conditions that were false for ``event``, with its values.

    For an event query this explains its filter; for a sequence or sample,
    the first step. Returns an empty list when the event matches.
    """
    return explain_step(
        query,
        event,
        0,
        field_types=field_types,
        event_category_field=event_category_field,
    )
