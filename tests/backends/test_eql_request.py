"""Building _eql/search requests from rules and parsing recorded-shape responses."""

from __future__ import annotations

import pytest
from dac.elasticsearch.eql import build_eql_request, parse_eql_response
from dac.errors import ElasticsearchError, RuleLoadError
from dac.rules import parse_rule

from backends.conftest import RULE_TOML, load_fixture


def rule_with(extra: str = "", drop: str = ""):
    text = RULE_TOML
    if drop:
        text = "\n".join(
            line for line in text.splitlines() if not line.startswith(drop)
        )
    return parse_rule(text + extra, "rule.toml")


def test_request_uses_rule_query_and_indexes(rule):
    request = build_eql_request(rule)

    assert request.indexes == ("logs-endpoint.events.process-*",)
    assert request.body["query"] == rule.query
    assert request.body["size"] == 10_000
    assert request.body["timestamp_field"] == "@timestamp"
    assert "tiebreaker_field" not in request.body
    assert "event_category_field" not in request.body


def test_override_filter_falls_back_to_timestamp(rule):
    request = build_eql_request(rule, window_start="now-2d", window_end="now")

    time_filter = request.body["filter"]["bool"]["filter"][0]
    should = time_filter["bool"]["should"]
    assert should[0]["range"]["event.ingested"]["gte"] == "now-2d"
    assert should[0]["range"]["event.ingested"]["lte"] == "now"
    fallback = should[1]["bool"]
    assert fallback["filter"][0]["range"]["@timestamp"]["gte"] == "now-2d"
    assert fallback["must_not"] == [{"exists": {"field": "event.ingested"}}]
    assert time_filter["bool"]["minimum_should_match"] == 1


def test_override_without_fallback():
    rule = rule_with("timestamp_override_fallback_disabled = true\n")

    request = build_eql_request(rule)

    time_filter = request.body["filter"]["bool"]["filter"][0]
    assert list(time_filter) == ["range"]
    assert "event.ingested" in time_filter["range"]


def test_no_override_filters_on_timestamp():
    rule = rule_with(drop="timestamp_override")

    request = build_eql_request(rule)

    time_filter = request.body["filter"]["bool"]["filter"][0]
    assert list(time_filter["range"]) == ["@timestamp"]


def test_tiebreaker_and_category_fields_sent():
    rule = rule_with(
        'tiebreaker_field = "event.sequence"\n'
        'event_category_override = "event.type"\n'
        'timestamp_field = "event.created"\n'
    )

    body = build_eql_request(rule).body

    assert body["tiebreaker_field"] == "event.sequence"
    assert body["event_category_field"] == "event.type"
    assert body["timestamp_field"] == "event.created"


def test_extra_filters_appended(rule):
    clause = {"wildcard": {"_index": {"value": "*-dactestab-*"}}}

    body = build_eql_request(rule, extra_filters=[clause]).body

    assert body["filter"]["bool"]["filter"][1] == clause


def test_rule_without_index_rejected():
    rule = rule_with(drop="index")

    with pytest.raises(RuleLoadError, match="no index patterns"):
        build_eql_request(rule)


def test_parse_event_hits():
    response = load_fixture(
        "eql_events_response.json", {"__ID1__": "ns-1", "__NS__": "ns"}
    )

    matches = parse_eql_response(response)

    assert len(matches) == 1
    assert matches[0].kind == "event"
    assert matches[0].ids == ("ns-1",)


def test_parse_sequence_with_missing_event():
    response = load_fixture(
        "eql_sequence_response.json",
        {"__ID0__": "ns-0", "__ID1__": "ns-1", "__NS__": "ns"},
    )

    matches = parse_eql_response(response)

    assert len(matches) == 1
    assert matches[0].kind == "sequence"
    assert matches[0].ids == ("ns-0", None, "ns-1")
    assert matches[0].join_keys == ("host-a",)


def test_partial_response_rejected():
    response = load_fixture("eql_events_response.json", {})
    response["is_partial"] = True

    with pytest.raises(ElasticsearchError, match="partial results"):
        parse_eql_response(response)


def test_response_without_hits_rejected():
    with pytest.raises(ElasticsearchError, match="without 'hits'"):
        parse_eql_response({"took": 1})


def test_event_without_id_rejected():
    response = {"hits": {"events": [{"_index": "x", "_source": {}}]}}

    with pytest.raises(ElasticsearchError, match="without an _id"):
        parse_eql_response(response)
