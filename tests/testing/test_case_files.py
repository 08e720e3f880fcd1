"""Test-case files: parsing, schema errors and expectation checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from dac.errors import TestCaseError
from dac.testing.cases import (
    case_file_for,
    load_case_file,
    parse_case_file,
    rule_file_for,
)

VALID = """
defaults:
  process.parent.name: rundll32.exe
cases:
  - name: shell
    description: cmd from rundll32
    events:
      - process.name: cmd.exe
    expect:
      alert: true
      count: 1
      events: [0]
  - name: two alerts
    events:
      - process.name: cmd.exe
      - process.name: cmd.exe
    expect:
      alert: true
      events: [[0], [1]]
  - name: near miss
    events:
      - process.name: notepad.exe
    expect:
      alert: false
"""


def test_valid_file_parses():
    case_file = parse_case_file(VALID, "r.tests.yaml")
    assert [case.name for case in case_file.cases] == [
        "shell",
        "two alerts",
        "near miss",
    ]
    assert case_file.defaults == {"process.parent.name": "rundll32.exe"}
    shell = case_file.cases[0]
    assert shell.description == "cmd from rundll32"
    assert shell.expect.alert is True
    assert shell.expect.count == 1
    assert shell.expect.events == ((0,),)
    assert case_file.cases[1].expect.events == ((0,), (1,))
    assert case_file.cases[2].expect.alert is False
    assert case_file.cases[2].expect.events is None


def test_paths_between_rule_and_cases():
    rule = Path("detections/windows/x/rule_a.toml")
    assert case_file_for(rule) == Path("detections/windows/x/rule_a.tests.yaml")
    assert rule_file_for(case_file_for(rule)) == rule


def error_for(text: str) -> TestCaseError:
    with pytest.raises(TestCaseError) as info:
        parse_case_file(text, "bad.tests.yaml")
    return info.value


def test_invalid_yaml_names_line():
    error = error_for("cases:\n  - name: [unclosed\n")
    assert error.path == "bad.tests.yaml"
    assert "invalid YAML at line" in error.message


def test_yaml_tags_are_not_executed():
    error = error_for("cases: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in error.message


def test_missing_cases_key():
    error = error_for("tests: []\n")
    assert "'cases' is a required property" in error.message


def test_empty_file():
    error = error_for("")
    assert error.message == "file is empty: add a cases: list"


def test_comment_only_file_is_empty():
    error = error_for("# cases go here\n")
    assert error.message == "file is empty: add a cases: list"


def test_unknown_case_key_names_case_and_allowed_keys():
    error = error_for(
        "cases:\n  - name: a\n    events: []\n"
        "    expect: {alert: true}\n    expected: 1\n"
    )
    assert error.case == "a"
    assert "unknown key 'expected'" in error.message
    assert "allowed keys are description, events, expect, name" in error.message


def test_missing_expect():
    error = error_for("cases:\n  - name: a\n    events: []\n")
    assert error.case == "a"
    assert "'expect' is a required property" in error.message


def test_alert_must_be_boolean():
    error = error_for(
        "cases:\n  - name: a\n    events: []\n    expect: {alert: 'yes'}\n"
    )
    assert "cases.0.expect.alert" in error.message


def test_case_without_name_is_named_by_index():
    error = error_for("cases:\n  - events: []\n    expect: {alert: true}\n")
    assert error.case == "#0"


def test_event_must_be_mapping():
    error = error_for(
        "cases:\n  - name: a\n    events: [cmd.exe]\n    expect: {alert: true}\n"
    )
    assert "cases.0.events.0" in error.message


def test_bad_expect_events_shape():
    error = error_for(
        "cases:\n  - name: a\n    events: [{}]\n"
        "    expect: {alert: true, events: [a]}\n"
    )
    assert "list of event indexes" in error.message


def test_duplicate_case_names():
    error = error_for(
        "cases:\n"
        "  - {name: a, events: [], expect: {alert: true}}\n"
        "  - {name: a, events: [], expect: {alert: false}}\n"
    )
    assert error.case == "a"
    assert "duplicate case name" in error.message


def test_no_alert_with_count():
    error = error_for(
        "cases:\n  - {name: a, events: [{}], expect: {alert: false, count: 2}}\n"
    )
    assert "alert is false" in error.message


def test_alert_with_zero_count():
    error = error_for(
        "cases:\n  - {name: a, events: [{}], expect: {alert: true, count: 0}}\n"
    )
    assert "use alert: false" in error.message


def test_count_disagrees_with_events():
    error = error_for(
        "cases:\n  - {name: a, events: [{}], expect: {alert: true, count: 2, "
        "events: [0]}}\n"
    )
    assert "make them agree" in error.message


def test_event_index_out_of_range():
    error = error_for(
        "cases:\n  - {name: a, events: [{}], expect: {alert: true, events: [3]}}\n"
    )
    assert "names event 3" in error.message
    assert "has 1 events" in error.message


def test_load_missing_file(tmp_path):
    with pytest.raises(TestCaseError) as info:
        load_case_file(tmp_path / "none.tests.yaml")
    assert "cannot read file" in info.value.message


def test_load_non_utf8_file(tmp_path):
    path = tmp_path / "latin.tests.yaml"
    path.write_bytes(b"cases: [\xff]\n")
    with pytest.raises(TestCaseError) as info:
        load_case_file(path)
    assert "invalid UTF-8" in info.value.message


def test_load_valid_file(tmp_path):
    path = tmp_path / "ok.tests.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert len(load_case_file(path).cases) == 3


def test_null_index_for_missing_event_step():
    case_file = parse_case_file(
        "cases:\n  - {name: a, events: [{}, {}], "
        "expect: {alert: true, events: [[0, null, 1]]}}\n",
        "r.tests.yaml",
    )
    assert case_file.cases[0].expect.events == ((0, None, 1),)
