"""Case values must be indexable as their field's Elasticsearch type."""

from __future__ import annotations

import pytest
from dac.errors import TestCaseError
from dac.events import EventFactory
from dac.events.values import value_problem

ACCEPTED = [
    ("long", 4242),
    ("long", "4242"),
    ("long", 1.5),
    ("double", "0.25"),
    ("boolean", True),
    ("boolean", "false"),
    ("ip", "198.51.100.7"),
    ("ip", "2001:db8::1"),
    ("date", "2024-01-01T00:00:00.000Z"),
    ("date", 1704067200000),
    ("keyword", 12),
    ("keyword", "cmd.exe"),
    ("long", None),
    ("long", [1, "2"]),
]

REJECTED = [
    ("long", "notanumber", "not a number"),
    ("long", True, "not a number"),
    ("long", float("inf"), "not a finite number"),
    ("unsigned_long", -1, "negative"),
    ("boolean", "yes", "not a boolean"),
    ("ip", "999.1.1.1", "not an IPv4 or IPv6 address"),
    ("date", "yesterday", "not an ISO-8601 date"),
    ("keyword", {"a": 1}, "an object cannot be indexed"),
    ("long", [1, "x"], "not a number"),
]


@pytest.mark.parametrize(("field_type", "value"), ACCEPTED)
def test_value_accepted(field_type: str, value: object) -> None:
    assert value_problem(field_type, value) is None


@pytest.mark.parametrize(("field_type", "value", "message"), REJECTED)
def test_value_rejected(field_type: str, value: object, message: str) -> None:
    problem = value_problem(field_type, value)
    assert problem is not None
    assert message in problem


def test_factory_rejects_wrong_type_naming_field() -> None:
    factory = EventFactory()
    with pytest.raises(TestCaseError) as caught:
        factory.build({"process.pid": "notanumber"}, case="bad pid", path="x.yaml")
    message = str(caught.value)
    assert "process.pid" in message
    assert "long" in message
    assert "bad pid" in message


def test_factory_accepts_numeric_string_pid() -> None:
    document = EventFactory().build({"process.pid": "4242"})
    assert document["process"]["pid"] == "4242"
