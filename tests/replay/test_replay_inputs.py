"""``dac replay``: hostile inputs, rule paths and the order of alerts."""

from __future__ import annotations

import json

from click.testing import CliRunner
from dac.cli import cli
from dac.replay.runner import ReplayAlert
from testing.rulefiles import write_rule

from .test_replay import INDEXES, SHELL_QUERY, ecs, write_ndjson


def invoke(*args):
    return CliRunner().invoke(cli, ["replay", *map(str, args)])


def test_deep_ndjson_names_line(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = tmp_path / "deep.ndjson"
    depth = 100_000
    log.write_text('{"a": 1}\n' + '{"a":' * depth + "1" + "}" * depth + "\n")
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    assert f"{log}:2: nesting too deep" in result.output
    assert "Traceback" not in result.output


def test_deep_json_array_names_line(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = tmp_path / "deep.json"
    depth = 100_000
    log.write_text('[\n{"a": 1},\n' + "[" * depth + "]" * depth + "\n]")
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    assert f"{log}:3: nesting too deep" in result.output


def test_infinite_timestamp_names_line(tmp_path):
    # The rule's timestamp field is event.ingested (timestamp_override).
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    bad = ecs("cmd.exe", "rundll32.exe")
    bad["event"]["ingested"] = "PLACEHOLDER"
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe"), bad])
    log.write_text(log.read_text().replace('"PLACEHOLDER"', "1e400"))
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    assert f"{log}:2: invalid event.ingested Infinity" in result.output
    assert "Traceback" not in result.output
    assert "OverflowError" not in result.output


def test_non_date_timestamp_names_line(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    cases = {
        '"garbage"': 'invalid event.ingested "garbage": not an ISO-8601 date',
        "true": "invalid event.ingested true: a boolean is not a date",
    }
    for value, expected in cases.items():
        bad = ecs("cmd.exe", "rundll32.exe")
        bad["event"]["ingested"] = "PLACEHOLDER"
        log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe"), bad])
        log.write_text(log.read_text().replace('"PLACEHOLDER"', value))
        result = invoke(log, "--rules", tmp_path / "rules")
        assert result.exit_code == 2, value
        assert f"{log}:2: {expected}" in result.output, result.output
        assert "Traceback" not in result.output


def test_query_error_names_rule_file(tmp_path):
    rule = write_rule(tmp_path / "rules", query="process wher true", index=INDEXES)
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe")])
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    line = rule.read_text().splitlines().index("process wher true") + 1
    assert f"{rule}:{line}:9: rule 'Rule rule': " in result.output


def test_rules_path_without_rules(tmp_path):
    (tmp_path / "rules").mkdir()
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe")])
    result = invoke(log, "--rules", tmp_path / "rules", "--baseline")
    assert result.exit_code == 2
    assert f"no rules found in {tmp_path / 'rules'}" in result.output


def test_input_that_is_not_a_file(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    (tmp_path / "logs").mkdir()
    cases = {
        tmp_path / "logs": "is a directory",
        "/dev/null": "not a regular file",
        tmp_path / "none.ndjson": "file not found",
    }
    for path, expected in cases.items():
        result = invoke(path, "--rules", tmp_path / "rules")
        assert result.exit_code == 2, path
        assert f"{path}: {expected}" in result.output, path


def test_text_output_sorts_lines_as_numbers(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES, severity="low")
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")] * 12)
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(str(log))]
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == list(range(1, 13))
    assert "12 events, 1 rules, 12 alerts" in result.output


def test_json_output_sorts_lines_as_numbers(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")] * 11)
    result = invoke(log, "--rules", tmp_path / "rules", "--format", "json")
    sources = [alert["source"] for alert in json.loads(result.output)["alerts"]]
    assert sources == [f"{log}:{number}" for number in range(1, 12)]


def test_alert_sort_key_reads_evtx_records():
    def alert(source):
        return ReplayAlert(None, "r", None, source, [])

    sources = ["b.evtx#10", "a.ndjson:10", "b.evtx#9", "a.ndjson:9", "odd"]
    ordered = sorted((alert(s) for s in sources), key=ReplayAlert.sort_key)
    assert [a.source for a in ordered] == [
        "a.ndjson:9",
        "a.ndjson:10",
        "b.evtx#9",
        "b.evtx#10",
        "odd",
    ]


def test_text_output_escapes_rule_name(tmp_path):
    rule = write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    text = rule.read_text("utf-8")
    rule.write_text(
        text.replace('name = "Rule rule"', 'name = "Evil\\u001b[2J\\u0007"'), "utf-8"
    )
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")])
    result = invoke(log, "--rules", tmp_path / "rules", "--baseline")
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "Evil\\x1b[2J\\x07 (medium, 1 event)" in result.output
    assert "noisy rule on baseline: Evil\\x1b[2J\\x07" in result.output
