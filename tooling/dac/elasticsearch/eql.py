"""Build ``_eql/search`` requests from a rule and parse their responses.

The request mirrors what Kibana's EQL rule executor sends (Kibana 9.x). It
runs the rule's query over its index patterns with the rule's
``timestamp_field``, ``tiebreaker_field`` and ``event_category_override``.
Its range filter is on ``timestamp_override``, with a fallback to
``@timestamp`` for documents without that field. Responses are read in
the documented shape ``{"hits": {"events": [...]}}`` for event queries and
``{"hits": {"sequences": [{"join_keys": [...], "events": [...]}]}}`` for
sequences and samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dac.errors import ElasticsearchError, RuleLoadError
from dac.rules import Rule

# Largest number of events or sequences one search returns. It equals the
# default index.max_result_window, the ceiling Elasticsearch puts on ``size``.
DEFAULT_SIZE = 10_000


@dataclass(frozen=True)
class EqlRequest:
    """A ready ``_eql/search`` call: the index patterns and the JSON body."""

    indexes: tuple[str, ...]
    body: dict[str, Any]


@dataclass(frozen=True)
class EqlMatch:
    """One event hit or one sequence from an EQL response.

    ``ids`` contains each matched document's ``_id`` in order, with None where a
    sequence has a missing event (a ``![...]`` step). ``kind`` is ``event`` or
    ``sequence`` (samples are returned as sequences by Elasticsearch).
    """

    kind: str
    ids: tuple[str | None, ...]
    join_keys: tuple[Any, ...] = ()


def build_eql_request(
    rule: Rule,
    *,
    extra_filters: Sequence[Mapping[str, Any]] = (),
    size: int = DEFAULT_SIZE,
    window_start: str = "now-1d",
    window_end: str = "now+1h",
) -> EqlRequest:
    """Build the ``_eql/search`` request for ``rule``.

    ``window_start``/``window_end`` are Elasticsearch date math for the range
    filter on the rule's timestamp field, as a rule's ``from``/``to``.
    ``extra_filters`` are added to the filter, for example to restrict the
    search to the documents one test run indexed.
    Raises :class:`RuleLoadError` when the rule has no query or no index.
    """
    query = rule.query
    if not query or not query.strip():
        raise RuleLoadError(
            "the rule has no query", str(rule.path), rule.line_of("rule")
        )
    if not rule.index:
        raise RuleLoadError(
            "the rule has no index patterns: set rule.index, as the Elasticsearch "
            "and Kibana backends search only the rule's indexes",
            str(rule.path),
            rule.line_of("rule"),
        )

    # NOTE: the rule's ``filters`` (Kibana query DSL filters) and exception
    # lists are not applied here; Kibana's executor adds both to the filter.
    filters: list[Mapping[str, Any]] = [_time_filter(rule, window_start, window_end)]
    filters.extend(extra_filters)
    body: dict[str, Any] = {
        "query": query,
        "size": size,
        "filter": {"bool": {"filter": filters}},
        "timestamp_field": _rule_string(rule, "timestamp_field") or "@timestamp",
    }
    tiebreaker = _rule_string(rule, "tiebreaker_field")
    if tiebreaker:
        body["tiebreaker_field"] = tiebreaker
    category_field = _rule_string(rule, "event_category_override")
    if category_field:
        body["event_category_field"] = category_field
    return EqlRequest(indexes=tuple(rule.index), body=body)


def parse_eql_response(response: Mapping[str, Any]) -> list[EqlMatch]:
    """Turn an ``_eql/search`` response into matches, in response order.

    Raises :class:`ElasticsearchError` on a partial or timed-out result, as
    comparing incomplete results would report false disagreements.
    """
    if response.get("is_partial") or response.get("timed_out"):
        raise ElasticsearchError(
            "the EQL search returned partial results (is_partial or timed_out); "
            "check the cluster's health and retry"
        )
    hits = response.get("hits")
    if not isinstance(hits, Mapping):
        raise ElasticsearchError(
            f"unexpected _eql/search response without 'hits': keys {sorted(response)}"
        )

    matches: list[EqlMatch] = []
    for event in hits.get("events") or []:
        matches.append(EqlMatch(kind="event", ids=(_document_id(event),)))
    for sequence in hits.get("sequences") or []:
        events = sequence.get("events") or []
        ids = tuple(_document_id(event) for event in events)
        join_keys = tuple(sequence.get("join_keys") or ())
        matches.append(EqlMatch(kind="sequence", ids=ids, join_keys=join_keys))
    return matches


def _time_filter(rule: Rule, start: str, end: str) -> dict[str, Any]:
    """Return the range filter a Kibana rule applies to each run's window.

    With ``timestamp_override`` set, a document is in the window when its
    override field is, or, unless ``timestamp_override_fallback_disabled`` is
    true, when it lacks that field and its ``@timestamp`` is.
    """
    override = rule.timestamp_override
    if not override or override == "@timestamp":
        return _range("@timestamp", start, end)
    if rule.rule.get("timestamp_override_fallback_disabled") is True:
        return _range(override, start, end)
    fallback = {
        "bool": {
            "filter": [_range("@timestamp", start, end)],
            "must_not": [{"exists": {"field": override}}],
        }
    }
    return {
        "bool": {
            "should": [_range(override, start, end), fallback],
            "minimum_should_match": 1,
        }
    }


def _range(field: str, start: str, end: str) -> dict[str, Any]:
    return {
        "range": {
            field: {"gte": start, "lte": end, "format": "strict_date_optional_time"}
        }
    }


def _rule_string(rule: Rule, key: str) -> str | None:
    value = rule.rule.get(key)
    return value if isinstance(value, str) and value else None


def _document_id(event: Mapping[str, Any]) -> str | None:
    if event.get("missing") is True:
        return None
    doc_id = event.get("_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ElasticsearchError(
            f"unexpected _eql/search event without an _id: keys {sorted(event)}"
        )
    return doc_id
