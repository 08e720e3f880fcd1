"""Case runner on the embedded backend: pass, fail and unexpected alert."""

from __future__ import annotations

import pytest
from dac.errors import DacError, TestCaseError
from dac.rules import load_rule
from dac.testing import get_backend, load_rule_cases, run_cases
from dac.testing.backend import EmbeddedBackend, sort_by_time
from dac.testing.indexes import data_stream_of, index_filter, timestamp_millis

from .rulefiles import SEQUENCE_QUERY, write_rule

SHELL_CASES = """
cases:
  - name: shell from rundll32
    events:
      - process.name: cmd.exe
        process.parent.name: rundll32.exe
    expect: {alert: true, count: 1, events: [0]}
  - name: notepad from rundll32
    events:
      - process.name: notepad.exe
        process.parent.name: rundll32.exe
    expect: {alert: false}
"""


def run(folder, **kwargs):
    rule = load_rule(write_rule(folder, **kwargs))
    return run_cases([rule], EmbeddedBackend())


def test_passing_cases(rule_folder):
    results = run(rule_folder, cases=SHELL_CASES)
    assert [r.passed for r in results] == [True, True]
    assert results[0].message == "1 alert, as expected"
    assert results[1].message == "no alert, as expected"
    assert results[0].rule_id == "00000000-0000-4000-8000-000000000001"
    assert results[0].rule_name == "Rule rule"
    assert results[0].expect_alert is True


def test_missing_alert_names_false_condition_and_value(rule_folder):
    cases = """
cases:
  - name: wrong parent
    events:
      - process.name: cmd.exe
        process.parent.name: explorer.exe
    expect: {alert: true}
"""
    (result,) = run(rule_folder, cases=cases)
    assert result.passed is False
    assert result.message.startswith("expected an alert, got none")
    assert "event 0:" in result.message
    assert 'process.parent.name : "rundll32.exe"' in result.message
    assert "explorer.exe" in result.message


def test_unexpected_alert_names_matched_events(rule_folder):
    cases = """
cases:
  - name: should be quiet
    events:
      - process.name: notepad.exe
        process.parent.name: rundll32.exe
      - process.name: CMD.exe
        process.parent.name: rundll32.exe
    expect: {alert: false}
"""
    (result,) = run(rule_folder, cases=cases)
    assert result.passed is False
    assert result.message.startswith("expected no alert, got 1 alert: events [1]")
    assert "process.name='CMD.exe'" in result.message


def test_wrong_count(rule_folder):
    cases = """
cases:
  - name: two shells
    events:
      - {process.name: cmd.exe, process.parent.name: rundll32.exe}
      - {process.name: cmd.exe, process.parent.name: rundll32.exe}
    expect: {alert: true, count: 1}
"""
    (result,) = run(rule_folder, cases=cases)
    assert result.passed is False
    assert result.message.startswith("expected 1 alerts, got 2 alerts")


def test_wrong_events(rule_folder):
    cases = """
cases:
  - name: second event
    events:
      - {process.name: cmd.exe, process.parent.name: rundll32.exe}
      - {process.name: notepad.exe, process.parent.name: rundll32.exe}
    expect: {alert: true, events: [1]}
"""
    (result,) = run(rule_folder, cases=cases)
    assert result.passed is False
    assert "expected alerts on events [[1]], got alerts on events [[0]]" in (
        result.message
    )


def test_sequence_alert_lists_events_in_order(rule_folder):
    cases = """
cases:
  - name: shell then connection
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +1s, category: file, process.pid: 700}
      - {at: +5s, category: network, process.pid: 700, destination.port: 4444}
    expect: {alert: true, events: [[0, 2]]}
  - name: connection from another process
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +5s, category: network, process.pid: 900, destination.port: 4444}
    expect: {alert: false}
  - name: connection too late
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +2m, category: network, process.pid: 700, destination.port: 4444}
    expect: {alert: false}
"""
    results = run(rule_folder, query=SEQUENCE_QUERY, cases=cases)
    assert [r.message for r in results if not r.passed] == []


def test_sequence_missing_alert_explains_steps(rule_folder):
    cases = """
cases:
  - name: wrong port
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +5s, category: network, process.pid: 700, destination.port: 443}
    expect: {alert: true}
"""
    (result,) = run(rule_folder, query=SEQUENCE_QUERY, cases=cases)
    assert result.passed is False
    assert "event 1: closest to step 2:" in result.message
    assert "destination.port == 4444" in result.message


def test_index_patterns_hide_other_streams(rule_folder):
    cases = """
cases:
  - name: shell from rundll32
    events:
      - {process.name: cmd.exe, process.parent.name: rundll32.exe}
    expect: {alert: true}
"""
    (result,) = run(
        rule_folder,
        cases=cases,
        query='process where process.parent.name : "rundll32.exe"',
        index='["logs-windows.sysmon_operational-*"]',
    )
    assert result.passed is False
    assert "index 'logs-endpoint.events.process-default' is not matched" in (
        result.message
    )


def test_timestamp_override_orders_events(rule_folder):
    # By @timestamp the connection came first, by event.ingested the shell
    # did. A rule with timestamp_override orders by event.ingested.
    cases = """
cases:
  - name: ingest order decides
    events:
      - at: +10s
        process.name: cmd.exe
        process.pid: 700
        event.ingested: "2025-01-15T10:00:01.000Z"
      - at: +0s
        category: network
        process.pid: 700
        destination.port: 4444
        event.ingested: "2025-01-15T10:00:05.000Z"
    expect: {alert: true}
"""
    (with_override,) = run(rule_folder, query=SEQUENCE_QUERY, cases=cases)
    assert with_override.passed, with_override.message
    (without,) = run(rule_folder / "b", query=SEQUENCE_QUERY, cases=cases, extra="")
    assert without.passed is False


def test_unknown_field_stops_the_case(rule_folder):
    cases = """
cases:
  - name: typo
    events:
      - {process.nme: cmd.exe}
    expect: {alert: true}
"""
    with pytest.raises(TestCaseError) as info:
        run(rule_folder, cases=cases)
    assert "did you mean 'process.name'?" in str(info.value)


def test_load_rule_cases_reports_missing_and_malformed(rule_folder):
    good = load_rule(write_rule(rule_folder, "good", cases=SHELL_CASES))
    missing = load_rule(write_rule(rule_folder, "missing"))
    bad = load_rule(write_rule(rule_folder, "bad", cases="cases: 3\n"))
    loaded, errors = load_rule_cases([good, missing, bad])
    assert [item.rule.path.stem for item in loaded] == ["good"]
    assert len(errors) == 2
    assert "no test cases for rule 'Rule missing'" in str(errors[0])
    assert "bad.tests.yaml" in str(errors[1])


def test_get_backend_names():
    assert isinstance(get_backend("embedded"), EmbeddedBackend)
    with pytest.raises(DacError) as info:
        get_backend("splunk")
    assert "unknown backend 'splunk'" in str(info.value)


def test_data_stream_of_documents():
    assert data_stream_of({"_index": ".ds-logs-a.b-default-2025.01.01-000001"}) == (
        "logs-a.b-default"
    )
    assert data_stream_of({"_index": "winlogbeat-8.0"}) == "winlogbeat-8.0"
    stream = {"type": "logs", "dataset": "x.y", "namespace": "prod"}
    assert data_stream_of({"data_stream": stream}) == "logs-x.y-prod"
    assert data_stream_of({}) is None


def test_index_filter_patterns():
    seen = index_filter(["logs-endpoint.events.*", "-logs-endpoint.events.file-*"])
    assert seen({"_index": "logs-endpoint.events.process-default"})
    assert not seen({"_index": "logs-endpoint.events.file-default"})
    assert not seen({"_index": "logs-windows.sysmon_operational-default"})
    assert not seen({})
    assert index_filter([])({})
    assert not index_filter(["remote:logs-*"])({"_index": "logs-a-b"})


def test_timestamps_sort_across_formats():
    events = [
        {"@timestamp": "2025-01-01T00:00:01Z"},
        {"@timestamp": "2025-01-01T00:00:00.5000000Z"},
        {},
        {"@timestamp": 1735689600000},
    ]
    ordered = sort_by_time(events, "@timestamp")
    assert ordered == [events[3], events[1], events[0], events[2]]
    assert timestamp_millis("not a date") is None
    assert timestamp_millis(True) is None


def test_missing_event_step_is_null(rule_folder):
    query = (
        "sequence by process.entity_id with maxspan=1m\n"
        '  [process where process.name : "cmd.exe"]\n'
        "  ![network where destination.port == 4444]\n"
        '  [file where file.extension == "dll"]'
    )
    cases = """
cases:
  - name: no connection between
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +5s, category: file, process.pid: 700, file.extension: dll}
    expect: {alert: true, events: [[0, null, 1]]}
  - name: connection between
    events:
      - {at: +0s, process.name: cmd.exe, process.pid: 700}
      - {at: +2s, category: network, process.pid: 700, destination.port: 4444}
      - {at: +5s, category: file, process.pid: 700, file.extension: dll}
    expect: {alert: false}
"""
    results = run(rule_folder, query=query, cases=cases)
    assert [r.message for r in results if not r.passed] == []


def test_query_error_maps_to_rule_file(rule_folder):
    from dac.testing.runner import query_error

    # A query on the key's line: the column shifts by the text before it.
    path = write_rule(rule_folder, query="x")
    block = "query = '''\nx\n'''"
    path.write_text(path.read_text().replace(block, 'query = "process where nope"'))
    rule = load_rule(path)
    error = query_error(rule, EmbeddedBackend())
    assert isinstance(error, TestCaseError)
    line = rule.source.splitlines().index('query = "process where nope"') + 1
    assert error.path == f"{rule.path}:{line}:24"
    assert "invalid query" in error.message


def test_query_error_none_for_valid_query(rule_folder):
    from dac.testing.runner import query_error

    rule = load_rule(write_rule(rule_folder))
    assert query_error(rule, EmbeddedBackend()) is None


def test_query_error_skips_remote_backends(rule_folder):
    from dac.testing.backend import Backend
    from dac.testing.runner import query_error

    class RemoteBackend(Backend):
        def run(self, rule, events):
            return []

    rule = load_rule(write_rule(rule_folder, query="process wher true"))
    assert query_error(rule, RemoteBackend()) is None


def test_environment_errors_by_status() -> None:
    from dac.errors import ElasticsearchError
    from dac.testing.runner import is_environment_error

    assert is_environment_error(ElasticsearchError("unauthorized", status=401))
    assert is_environment_error(ElasticsearchError("forbidden", status=403))
    assert is_environment_error(ElasticsearchError("server error", status=500))
    assert is_environment_error(ElasticsearchError("not implemented", status=501))
    assert not is_environment_error(ElasticsearchError("bad query", status=400))
    assert not is_environment_error(ElasticsearchError("no status"))
