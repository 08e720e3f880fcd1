"""``dac test``: output formats and exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner
from dac.cli import cli

from .rulefiles import write_rule

PASSING = """
cases:
  - name: shell
    events: [{process.name: cmd.exe, process.parent.name: rundll32.exe}]
    expect: {alert: true}
  - name: quiet
    events: [{process.name: notepad.exe, process.parent.name: rundll32.exe}]
    expect: {alert: false}
"""

FAILING = """
cases:
  - name: "needs <escaping> & \\"quotes\\""
    events: [{process.name: notepad.exe, process.parent.name: rundll32.exe}]
    expect: {alert: true}
"""


def invoke(*args):
    return CliRunner().invoke(cli, ["test", *map(str, args)])


def test_all_pass_exit_zero(rule_folder):
    write_rule(rule_folder, cases=PASSING)
    result = invoke(rule_folder)
    assert result.exit_code == 0, result.output
    assert "2 cases: 2 passed, 0 failed" in result.output


def test_failure_exit_one_with_reason(rule_folder):
    write_rule(rule_folder, cases=FAILING)
    result = invoke(rule_folder)
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "expected an alert, got none" in result.output
    assert "notepad.exe" in result.output


def test_json_format(rule_folder):
    write_rule(rule_folder, "a", cases=PASSING)
    write_rule(
        rule_folder, "b", cases=FAILING, rule_id="00000000-0000-4000-8000-0000000000b0"
    )
    result = invoke(rule_folder, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["summary"] == {"cases": 3, "passed": 2, "failed": 1}
    first = document["results"][0]
    assert set(first) == {
        "rule_id",
        "rule_name",
        "path",
        "case",
        "expect_alert",
        "passed",
        "message",
    }
    failed = [r for r in document["results"] if not r["passed"]]
    assert failed[0]["rule_id"] == "00000000-0000-4000-8000-0000000000b0"
    assert failed[0]["path"].endswith("b.tests.yaml")


def test_junit_is_valid_and_escaped(rule_folder):
    write_rule(rule_folder, "a", cases=PASSING)
    write_rule(
        rule_folder, "b", cases=FAILING, rule_id="00000000-0000-4000-8000-0000000000b0"
    )
    result = invoke(rule_folder, "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.output.encode())
    assert root.tag == "testsuites"
    assert root.get("tests") == "3"
    assert root.get("failures") == "1"
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 3
    failing = [c for c in cases if c.find("failure") is not None]
    assert failing[0].get("name") == 'needs <escaping> & "quotes"'
    assert "expected an alert" in failing[0].find("failure").get("message")


def test_junit_lists_malformed_files_as_errors(rule_folder):
    write_rule(rule_folder, "a", cases=PASSING)
    write_rule(
        rule_folder,
        "b",
        cases="cases: [",
        rule_id="00000000-0000-4000-8000-0000000000b0",
    )
    result = invoke(rule_folder, "--format", "junit")
    assert result.exit_code == 2
    xml_text = result.output[: result.output.index("</testsuites>") + 13]
    root = ET.fromstring(xml_text.encode())
    assert root.get("errors") == "1"
    assert root.find("testsuite/testcase/error") is not None


def test_bad_yaml_exit_two_names_file(rule_folder):
    write_rule(rule_folder, cases="cases:\n  - name: [\n")
    result = invoke(rule_folder)
    assert result.exit_code == 2
    assert "rule.tests.yaml" in result.output
    assert "invalid YAML" in result.output


def test_unknown_field_exit_two_names_case(rule_folder):
    cases = """
cases:
  - name: typo case
    events: [{process.parent.nam: rundll32.exe}]
    expect: {alert: true}
"""
    write_rule(rule_folder, cases=cases)
    result = invoke(rule_folder)
    assert result.exit_code == 2
    assert "rule.tests.yaml: case 'typo case'" in result.output
    assert "did you mean 'process.parent.name'?" in result.output


def test_missing_case_file_exit_two(rule_folder):
    write_rule(rule_folder)
    result = invoke(rule_folder)
    assert result.exit_code == 2
    assert "no test cases for rule" in result.output


def test_missing_path_is_usage_error(tmp_path):
    result = invoke(tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "path not found" in result.output


def test_case_file_path_selects_its_rule(rule_folder):
    write_rule(rule_folder, "a", cases=PASSING)
    write_rule(
        rule_folder, "b", cases=FAILING, rule_id="00000000-0000-4000-8000-0000000000b0"
    )
    result = invoke(rule_folder / "a.tests.yaml")
    assert result.exit_code == 0
    assert "2 cases" in result.output


def test_unknown_backend_is_usage_error(rule_folder):
    write_rule(rule_folder, cases=PASSING)
    result = invoke(rule_folder, "--backend", "splunk")
    assert result.exit_code == 2


def test_shipped_rules_pass():
    result = invoke("detections")
    assert result.exit_code == 0, result.output


def test_unreachable_backend_exit_two(rule_folder, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again, so a connection is refused at once.
    monkeypatch.setenv("DAC_ES_URL", f"http://127.0.0.1:{port}")
    write_rule(rule_folder, cases=PASSING)
    result = invoke(rule_folder, "--backend", "elasticsearch")
    assert result.exit_code == 2
    assert "elasticsearch backend: cannot connect" in result.output
    assert f"127.0.0.1:{port}" in result.output


def test_invalid_query_reported_once_per_rule(rule_folder):
    rule = write_rule(rule_folder, query="process wher true", cases=PASSING)
    line = rule.read_text().splitlines().index("process wher true") + 1
    result = invoke(rule_folder)
    assert result.exit_code == 2
    assert result.output.count("invalid query") == 1
    assert f"{rule}:{line}:9: rule 'Rule rule': invalid query: " in result.output
    assert "FAIL" not in result.output
    assert "backend error" not in result.output


def test_invalid_query_is_junit_error(rule_folder):
    write_rule(rule_folder, query="process wher true", cases=PASSING)
    result = invoke(rule_folder, "--format", "junit")
    assert result.exit_code == 2
    xml_text = result.output[: result.output.index("</testsuites>") + 13]
    root = ET.fromstring(xml_text)
    assert root.get("errors") == "1"
    assert root.get("failures") == "0"


def test_invalid_query_leaves_other_rules_running(rule_folder):
    write_rule(rule_folder, stem="broken", query="process wher true", cases=PASSING)
    write_rule(
        rule_folder,
        stem="good",
        cases=PASSING,
        rule_id="00000000-0000-4000-8000-000000000002",
    )
    result = invoke(rule_folder)
    assert result.exit_code == 2
    assert "2 cases: 2 passed, 0 failed" in result.output
    assert "broken.toml" in result.output


def test_unreachable_backend_one_message(rule_folder, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DAC_ES_URL", f"http://127.0.0.1:{port}")
    write_rule(rule_folder, cases=PASSING)
    result = invoke(rule_folder, "--backend", "elasticsearch")
    assert result.exit_code == 2
    assert result.output.count("cannot connect") == 1
    assert "FAIL" not in result.output


CONTROL_CASE = """
cases:
  - name: "case \\x1b[2Jcleared"
    events: [{process.name: notepad.exe, process.parent.name: rundll32.exe}]
    expect: {alert: true}
"""


def test_fail_line_escapes_control_characters(rule_folder):
    path = write_rule(rule_folder, cases=CONTROL_CASE)
    text = path.read_text("utf-8")
    path.write_text(
        text.replace('name = "Rule rule"', 'name = "Evil\\u001b]0;title\\u0007"'),
        "utf-8",
    )
    result = invoke(rule_folder)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "Evil\\x1b]0;title\\x07: case \\x1b[2Jcleared" in result.output
