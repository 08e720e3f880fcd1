"""The engine's public API: run, stream, Hit, explain and errors."""

from __future__ import annotations

import pytest
from dac.engine import EqlRuntimeError, compile_query, explain, explain_step, search
from dac.engine._regex import MAX_PATTERN_LENGTH, Regex, RegexSyntaxError
from dac.errors import EqlSemanticError, SchemaError

RUNDLL = {
    "@timestamp": "2025-06-10T14:22:31.5120371Z",
    "event": {"category": ["process"], "type": ["start"]},
    "process": {"name": "cmd.exe", "parent": {"name": "RunDLL32.EXE"}},
}


def test_run_returns_hits_with_positions() -> None:
    documents = [
        {"@timestamp": 2, "event": {"category": ["process"]}, "x": 1},
        {"@timestamp": 1, "event": {"category": ["process"]}, "x": 1},
    ]
    hits = list(compile_query("process where x == 1").run(documents))
    assert [h.positions for h in hits] == [(1,), (0,)]
    assert hits[0].kind == "event"
    assert hits[0].events[0] is documents[1]


def test_sequence_hit_has_placeholder_and_keys() -> None:
    documents = [
        {"@timestamp": 1, "event": {"category": ["process"]}, "k": "a", "s": 1},
        {"@timestamp": 2, "event": {"category": ["process"]}, "k": "a", "s": 2},
    ]
    query = (
        "sequence by k with maxspan=1h [process where s == 1] "
        "![process where s == 9] [process where s == 2]"
    )
    (hit,) = compile_query(query).run(documents)
    assert hit.kind == "sequence"
    assert hit.events[1] is None
    assert hit.positions == (0, None, 1)
    assert hit.join_keys == ("a",)


def test_stream_keeps_state_bounded_by_maxspan() -> None:
    query = compile_query(
        "sequence by k with maxspan=10ms [process where s == 1] [process where s == 2]"
    )

    def events():
        for i in range(5000):
            yield {"@timestamp": i, "event": {"category": ["process"]}, "k": i, "s": 1}

    assert list(query.stream(events())) == []
    assert query.last_matcher.state_size() <= 25


def test_stream_matches_run_on_sorted_input() -> None:
    documents = [
        {"@timestamp": i, "event": {"category": ["process"]}, "k": i % 7, "s": i % 3}
        for i in range(300)
    ]
    query = (
        "sequence by k with maxspan=50ms [process where s == 0] [process where s == 1]"
    )
    compiled = compile_query(query)
    ran = sorted(h.positions for h in compiled.run(documents))
    streamed = sorted(h.positions for h in compiled.stream(documents))
    assert ran == streamed
    assert ran


def test_explain_names_value_of_false_leaf() -> None:
    query = (
        'process where process.parent.name == "rundll32.exe" '
        'and process.name : "cmd.exe"'
    )
    reasons = explain(query, RUNDLL)
    assert reasons == [
        'process.parent.name == "rundll32.exe" was false: '
        'process.parent.name is "RunDLL32.EXE"'
    ]


def test_explain_reports_missing_field() -> None:
    query = 'process where process.parent.command_line : "*x*"'
    reasons = explain(query, RUNDLL)
    assert reasons == [
        'process.parent.command_line : "*x*" was false: '
        "process.parent.command_line is missing"
    ]


def test_explain_reports_category_and_not() -> None:
    query = 'network where not process.name == "cmd.exe"'
    reasons = explain(query, RUNDLL)
    assert len(reasons) == 2
    assert reasons[0].startswith('event category "network" did not match')
    assert reasons[1] == 'process.name == "cmd.exe" was true: process.name is "cmd.exe"'


def test_explain_empty_when_event_matches() -> None:
    assert explain('process where process.name == "cmd.exe"', RUNDLL) == []


def test_explain_reads_backticked_dotted_name() -> None:
    query = 'process where `process.parent.name` == "rundll32.exe"'
    reasons = explain(query, RUNDLL)
    assert reasons == [
        '`process.parent.name` == "rundll32.exe" was false: '
        'process.parent.name is "RunDLL32.EXE"'
    ]


def test_explain_step_of_sequence() -> None:
    query = 'sequence [process where true] [file where file.name == "a"]'
    reasons = explain_step(query, RUNDLL, 1)
    assert reasons[0].startswith('event category "file" did not match')
    assert reasons[1] == 'file.name == "a" was false: file.name is missing'


def test_unmapped_field_error_has_position() -> None:
    with pytest.raises(EqlSemanticError) as caught:
        compile_query('process where\n  nosuch == "x"', field_types={"a": "keyword"})
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert "?nosuch" in caught.value.message


def test_integer_overflow_raises() -> None:
    documents = [{"@timestamp": 1, "event": {"category": ["process"]}, "n": 2**62}]
    with pytest.raises(EqlRuntimeError):
        list(compile_query("process where n * 4 == 1").run(documents))


def test_integer_division_by_zero_raises() -> None:
    documents = [{"@timestamp": 1, "event": {"category": ["process"]}, "n": 0}]
    with pytest.raises(EqlRuntimeError):
        list(compile_query("process where 1 / n == 1").run(documents))


def test_search_response_shape() -> None:
    documents = [{"_id": "x", "_index": "logs", **RUNDLL}]
    response = search(
        'process where process.name == "cmd.exe"', documents, schema="none"
    )
    event = response["hits"]["events"][0]
    assert response["hits"]["total"] == {"value": 1, "relation": "eq"}
    assert event["_id"] == "x"
    assert event["_index"] == "logs"
    assert "_id" not in event["_source"]


def test_search_unknown_schema() -> None:
    with pytest.raises(SchemaError):
        search("any where true", [], schema="nosuch")


def test_search_defend_schema_rejects_unmapped() -> None:
    with pytest.raises(EqlSemanticError):
        search('process where process.nme == "x"', [RUNDLL], schema="defend")


def test_regex_pattern_size_capped() -> None:
    with pytest.raises(RegexSyntaxError):
        Regex("a" * (MAX_PATTERN_LENGTH + 1))


def test_regex_linear_on_pathological_pattern() -> None:
    # (a|aa)*b backtracks exponentially in re; the derivative DFA does not.
    assert not Regex("(a|aa)*b").fullmatch("a" * 50_000)
    assert Regex("(a|aa)*b").fullmatch("a" * 50_000 + "b")
