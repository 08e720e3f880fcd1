"""Timestamps a ``date`` field cannot hold: infinity, NaN, out of range, text."""

from __future__ import annotations

import math

import pytest
from dac.engine import compile_query, timestamp_error
from dac.engine._values import MAX_MILLIS, MIN_MILLIS, parse_timestamp

INVALID = [
    math.inf,
    -math.inf,
    math.nan,
    MAX_MILLIS + 1,
    MIN_MILLIS - 1,
    1e300,
    str(MAX_MILLIS + 1),
]


@pytest.mark.parametrize("value", INVALID, ids=repr)
def test_invalid_timestamp_is_not_a_date(value):
    assert timestamp_error(value) is not None
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(
    "value, millis",
    [
        (MAX_MILLIS, MAX_MILLIS),
        (MIN_MILLIS, MIN_MILLIS),
        (1.5e12, 1_500_000_000_000),
        ("1700000000000", 1_700_000_000_000),
        ("2025-01-15T10:00:00Z", 1_736_935_200_000),
    ],
)
def test_valid_timestamp_parses(value, millis):
    assert timestamp_error(value) is None
    assert parse_timestamp(value) == millis


@pytest.mark.parametrize("value", ["garbage", "yesterday", "", "2025-13-45"])
def test_unparsable_string_is_not_a_date(value):
    assert parse_timestamp(value) is None
    assert timestamp_error(value) == "not an ISO-8601 date or epoch milliseconds"


@pytest.mark.parametrize("value", [True, False])
def test_boolean_is_not_a_date(value):
    assert timestamp_error(value) == "a boolean is not a date"


def test_null_and_containers_not_judged():
    for value in (None, [1], {"a": 1}):
        assert timestamp_error(value) is None


def test_sequence_survives_infinite_timestamp():
    compiled = compile_query(
        "sequence [process where n == 1] [process where n == 2]",
        field_types={"n": "long"},
    )
    events = [
        {"@timestamp": math.inf, "event": {"category": "process"}, "n": 1},
        {"@timestamp": 2, "event": {"category": "process"}, "n": 1},
        {"@timestamp": 3, "event": {"category": "process"}, "n": 2},
    ]
    hits = list(compiled.run(events))
    assert len(hits) == 1
    assert hits[0].positions == (1, 2)
