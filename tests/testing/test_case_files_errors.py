"""Test-case file errors: hostile YAML, every problem at once, clear messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.errors import TestCaseError
from dac.testing.case_yaml import MAX_CASE_NESTING
from dac.testing.cases import CaseFileError, load_case_file, parse_case_file

RULE = Path(__file__).parents[1] / "bad_input" / "valid_rule.toml"

CASE = """\
  - name: {name}
    events:
      - process.name: cmd.exe
    expect:
      alert: {alert}
"""
VALID = "cases:\n" + CASE.format(name="hit", alert="true")


def error_for(text: str) -> CaseFileError:
    with pytest.raises(CaseFileError) as info:
        parse_case_file(text, "bad.tests.yaml")
    return info.value


def _laughs(levels: int) -> str:
    """Return a billion-laughs document: each level repeats the one before 10 times."""
    lines = [
        'defaults:\n  process.args: [&l0 ["x","x","x","x","x","x","x","x","x","x"]'
    ]
    for level in range(1, levels):
        lines.append(f", &l{level} [" + ",".join([f"*l{level - 1}"] * 10) + "]")
    return "".join(lines) + "]\n" + VALID


def test_alias_bomb_rejected_before_expansion():
    text = _laughs(9)
    assert len(text) < 1024
    error = error_for(text)
    assert "anchors and aliases" in error.message
    # The first anchor is reported, so no alias was ever expanded.
    assert (error.problems[0].line, error.problems[0].column) == (2, 18)


@pytest.mark.parametrize(
    "text",
    [
        "x: &a 1\n" + VALID,
        "cases:\n  - &c {name: a, events: [], expect: {alert: true}}\n  - *c\n",
        "base: {alert: true}\ncases:\n  - name: a\n    events: []\n"
        "    expect: {<<: *base}\n",
    ],
    ids=["anchor", "alias", "merge-key"],
)
def test_anchors_and_aliases_rejected(text):
    error = error_for(text)
    assert "anchors and aliases" in error.message


@pytest.mark.parametrize("depth", [MAX_CASE_NESTING + 1, 500, 100_000])
def test_deep_nesting_is_an_error(depth):
    error = error_for("cases: " + "[" * depth + "]" * depth + "\n")
    assert "nested deeper than" in error.message


def test_deep_mapping_nesting_is_an_error():
    depth = 1000
    error = error_for("cases: " + "{a: " * depth + "1" + "}" * depth + "\n")
    assert "nested deeper than" in error.message


def test_all_problems_reported_at_once():
    text = (
        "cases:\n"
        "  - name: a\n    events: []\n    expect: {alert: yes-please}\n"
        "  - name: b\n    events: [{}]\n    expect: {alert: true, count: 0}\n"
        "  - name: b\n    events: [{}]\n    expect: {alert: true}\n"
        "  - name: d\n    events: [{}]\n    expect: {alert: true, events: [7]}\n"
    )
    error = error_for(text)
    messages = [problem.message for problem in error.problems]
    assert len(messages) == 4
    assert "is not of type 'boolean'" in messages[0]
    assert "expect.count is 0" in messages[1]
    assert "duplicate case name" in messages[2]
    assert "names event 7" in messages[3]
    assert [problem.line for problem in error.problems] == [4, 5, 8, 11]
    assert error.message.startswith("4 problems:\n")


def test_misspelled_key_named_before_required():
    error = error_for("cases:\n  - name: a\n    events: []\n    expct: {alert: true}\n")
    first, second = error.problems
    assert "unknown key 'expct'" in first.message
    assert "did you mean 'expect'?" in first.message
    assert (first.line, first.column) == (4, 5)
    assert "'expect' is a required property" in second.message


def test_misspelled_top_level_key():
    error = error_for("case:\n" + CASE.format(name="a", alert="true"))
    assert "unknown key 'case'" in error.problems[0].message
    assert "did you mean 'cases'?" in error.problems[0].message


def test_long_value_truncated_in_message():
    error = error_for("cases: " + "x" * 5000 + "\n")
    assert len(error.message) < 200
    assert "is not of type 'array'" in error.message


def test_yaml_error_has_line_and_column():
    error = error_for("cases:\n  - name: x\n    events: [ {process.name: cmd.exe\n")
    problem = error.problems[0]
    assert problem.line == 4
    assert f"line {problem.line}, column {problem.column}" in error.message


def test_single_problem_str_names_position():
    error = error_for("cases:\n  - name: a\n    events: []\n")
    assert str(error).startswith("bad.tests.yaml:2:5: case 'a': ")


def test_bom_file_loads(tmp_path):
    path = tmp_path / "r.tests.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert [case.name for case in load_case_file(path).cases] == ["hit"]


def _rule_dir(tmp_path: Path, cases_text: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RULE, rules / "r.toml")
    (rules / "r.tests.yaml").write_text(cases_text, encoding="utf-8")
    return rules


def test_validate_places_yaml_error_at_its_line(tmp_path):
    rules = _rule_dir(tmp_path, "cases:\n  - name: x\n    events: [ {a: b\n")
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(rules)])
    document = json.loads(result.output)
    (diagnostic,) = [d for d in document["diagnostics"] if d["code"] == "DAC602"]
    assert diagnostic["line"] == 4
    assert f"line {diagnostic['line']}, column" in diagnostic["message"]


def test_validate_lists_every_case_problem(tmp_path):
    text = (
        "cases:\n  - name: a\n    events: []\n    expct: {alert: true}\n"
        "  - name: a\n    events: []\n    expect: {alert: true, count: 0}\n"
    )
    rules = _rule_dir(tmp_path, text)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(rules)])
    document = json.loads(result.output)
    found = [
        (d["line"], d["message"])
        for d in document["diagnostics"]
        if d["code"] == "DAC602"
    ]
    assert [line for line, _ in found] == [2, 4, 5, 5]
    assert "'expect' is a required property" in found[0][1]
    assert "unknown key 'expct'" in found[1][1]
    assert {"duplicate case name" in message for _, message in found[2:]} == {
        True,
        False,
    }


def test_validate_lists_every_invalid_event(tmp_path):
    text = (
        "cases:\n"
        "  - name: a\n    events: [{process.name: cmd.exe, at: yesterday}]\n"
        "    expect: {alert: true}\n"
        "  - name: b\n    events: [{process.nme: cmd.exe}]\n"
        "    expect: {alert: false}\n"
    )
    rules = _rule_dir(tmp_path, text)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(rules)])
    document = json.loads(result.output)
    found = [d for d in document["diagnostics"] if d["code"] == "DAC602"]
    assert len(found) == 2
    assert found[0]["message"].startswith("case 'a': ")
    assert found[1]["message"].startswith("case 'b': ")
    assert [d["line"] for d in found] == [2, 5]


def test_test_command_exits_2_on_alias(tmp_path):
    rules = _rule_dir(tmp_path, _laughs(9))
    result = CliRunner().invoke(cli, ["test", str(rules)])
    assert result.exit_code == 2
    assert "anchors and aliases" in result.output


def test_case_file_error_is_a_test_case_error():
    assert issubclass(CaseFileError, TestCaseError)
