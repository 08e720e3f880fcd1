"""Replay runner and ``dac replay``: alerts, index patterns, baseline, formats."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.replay import replay
from dac.replay.runner import ReplayAlert
from dac.replay.windows import command_line_to_argv
from dac.rules import load_rule
from testing.rulefiles import SEQUENCE_QUERY, write_rule

SHELL_QUERY = (
    'process where event.type == "start" and process.name : "cmd.exe" and '
    'process.parent.name : "rundll32.exe"'
)
INDEXES = '["logs-endpoint.events.process-*", "logs-windows.sysmon_operational-*"]'


def ecs(name, parent, when="2025-01-15T10:00:00.000Z", index=None, **extra):
    document = {
        "@timestamp": when,
        "event": {"category": ["process"], "type": ["start"], "ingested": when},
        "host": {"os": {"type": "windows"}},
        "process": {"name": name, "parent": {"name": parent}},
        "data_stream": {
            "type": "logs",
            "dataset": "endpoint.events.process",
            "namespace": "default",
        },
        **extra,
    }
    if index:
        document["_index"] = index
    return document


@pytest.fixture
def shell_rule(tmp_path):
    return load_rule(write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES))


def test_replay_finds_matching_documents(shell_rule):
    documents = [
        ecs("cmd.exe", "explorer.exe"),
        ecs("CMD.EXE", "rundll32.exe"),
        ecs("cmd.exe", "rundll32.exe", index="logs-system.security-default"),
    ]
    result = replay([shell_rule], iter(documents), batch_size=2)
    assert result.events == 3
    assert len(result.alerts) == 1
    alert = result.alerts[0]
    assert isinstance(alert, ReplayAlert)
    assert alert.rule_name == "Rule rule"
    assert alert.events[0]["process"]["name"] == "CMD.EXE"


def test_replay_runs_sequences_across_batches(tmp_path):
    rule = load_rule(
        write_rule(
            tmp_path / "rules",
            query=SEQUENCE_QUERY,
            index='["logs-endpoint.events.*"]',
        )
    )
    start = ecs("cmd.exe", "x.exe", "2025-01-15T10:00:00.000Z")
    start["process"]["entity_id"] = "A"
    connection = {
        "@timestamp": "2025-01-15T10:00:05.000Z",
        "event": {"category": ["network"], "ingested": "2025-01-15T10:00:05.000Z"},
        "process": {"entity_id": "A"},
        "destination": {"port": 4444},
        "_index": "logs-endpoint.events.network-default",
    }
    filler = [ecs("a.exe", "b.exe", "2025-01-15T10:00:01.000Z") for _ in range(5)]
    result = replay([rule], iter([start, *filler, connection]), batch_size=2)
    assert len(result.alerts) == 1
    assert [e["event"]["category"] for e in result.alerts[0].events] == [
        ["process"],
        ["network"],
    ]


def test_many_rules_share_one_pass(tmp_path):
    rules = [
        load_rule(
            write_rule(
                tmp_path / "rules",
                stem=f"r{i}",
                query=SHELL_QUERY,
                index=INDEXES,
                rule_id=f"00000000-0000-4000-8000-00000000000{i}",
            )
        )
        for i in range(5)
    ]
    documents = (ecs("cmd.exe", "rundll32.exe") for _ in range(50))
    result = replay(rules, documents, batch_size=7)
    assert result.events == 50
    assert len(result.alerts) == 250


@pytest.mark.parametrize(
    ("command_line", "argv"),
    [
        ('"C:\\a b\\c.exe" /x', ["C:\\a b\\c.exe", "/x"]),
        ("a\\\\b c", ["a\\\\b", "c"]),
        ('a\\"b c', ['a"b', "c"]),
        ('a\\\\"b c" d', ["a\\b c", "d"]),
        # A doubled quote inside quotes is a literal quote and ends the quoting,
        # so the third quote opens a new quoted part.
        ('"a""b" c', ['a"b c']),
        ('""', [""]),
        ("  spaced   out ", ["spaced", "out"]),
        ("", []),
    ],
)
def test_command_line_to_argv(command_line, argv):
    assert command_line_to_argv(command_line) == argv


# -- dac replay ---------------------------------------------------------------


def write_ndjson(path, documents):
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n", "utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, ["replay", *map(str, args)])


def test_cli_json_output(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = write_ndjson(
        tmp_path / "log.ndjson",
        [ecs("cmd.exe", "rundll32.exe"), ecs("a.exe", "rundll32.exe")],
    )
    result = invoke(log, "--rules", tmp_path / "rules", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["summary"] == {
        "events": 2,
        "rules": 1,
        "alerts": 1,
        "unseen": 0,
        "unseen_without_index": 0,
    }
    alert = document["alerts"][0]
    assert set(alert) == {"rule_id", "rule_name", "source", "events"}
    assert alert["source"] == f"{log}:1"
    assert "_replay_source" not in alert["events"][0]


def test_cli_text_output(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")])
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 0
    assert f"{log}:1: Rule rule (medium, 1 event)" in result.output
    assert "1 events, 1 rules, 1 alerts" in result.output


def test_cli_baseline_fails_on_medium_rule(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")])
    result = invoke(log, "--rules", tmp_path / "rules", "--baseline")
    assert result.exit_code == 1
    assert "noisy rule on baseline: Rule rule" in result.output


def test_cli_baseline_tolerates_low_rule(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES, severity="low")
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("cmd.exe", "rundll32.exe")])
    result = invoke(log, "--rules", tmp_path / "rules", "--baseline")
    assert result.exit_code == 0


def test_cli_baseline_clean(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe")])
    result = invoke(log, "--rules", tmp_path / "rules", "--baseline")
    assert result.exit_code == 0
    assert "1 events, 1 rules, 0 alerts" in result.output


def test_cli_malformed_line_exit_two(tmp_path):
    write_rule(tmp_path / "rules", query=SHELL_QUERY, index=INDEXES)
    log = tmp_path / "bad.ndjson"
    log.write_text('{"a": 1}\nnot json\n', "utf-8")
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    assert f"{log}:2: invalid JSON" in result.output


def test_cli_missing_file_is_usage_error(tmp_path):
    result = invoke(tmp_path / "none.ndjson", "--rules", "detections")
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_cli_bad_rule_exit_two(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "broken.toml").write_text("[rule\n", "utf-8")
    log = write_ndjson(tmp_path / "log.ndjson", [ecs("a.exe", "b.exe")])
    result = invoke(log, "--rules", tmp_path / "rules")
    assert result.exit_code == 2
    assert "broken.toml" in result.output


def test_shipped_baseline_is_quiet():
    result = invoke(
        "detections/baseline/windows-endpoint-activity.ndjson",
        "detections/baseline/windows-sysmon-activity.json",
        "--rules",
        "detections",
        "--baseline",
    )
    assert result.exit_code == 0, result.output
    assert "460 events, 2 rules, 0 alerts" in result.output


def test_baseline_generator_is_deterministic(tmp_path):
    from dac.replay.baseline import write_baseline

    for path in write_baseline(tmp_path):
        shipped = f"detections/baseline/{path.name}"
        with open(shipped, encoding="utf-8") as stream:
            assert path.read_text(encoding="utf-8") == stream.read()


def test_cli_evtx_alerts_with_shipped_rule(tmp_path):
    from datetime import UTC, datetime

    from .evtx_writer import write_evtx

    system = {
        "provider": "Microsoft-Windows-Sysmon",
        "event_id": "1",
        "time": "2025-01-15T10:00:00.000000Z",
        "channel": "Microsoft-Windows-Sysmon/Operational",
        "computer": "WS-01",
    }
    attack = {
        "UtcTime": "2025-01-15 10:00:00.000",
        "Image": "C:\\Windows\\System32\\cmd.exe",
        "CommandLine": "cmd.exe /c whoami",
        "ParentImage": "C:\\Windows\\System32\\rundll32.exe",
        "ParentCommandLine": (
            'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication"'
        ),
    }
    benign = {
        **attack,
        "UtcTime": "2025-01-15 10:00:05.000",
        "ParentCommandLine": "rundll32.exe C:\\Windows\\System32\\shell32.dll,"
        "Control_RunDLL desk.cpl",
    }
    log = write_evtx(
        tmp_path / "sysmon.evtx",
        [(system, attack), ({**system, "time": "2025-01-15T10:00:05Z"}, benign)],
        datetime(2025, 1, 15, tzinfo=UTC),
    )
    rule = (
        "detections/windows/defense_evasion/"
        "suspicious_rundll32_parent_command_line.toml"
    )
    result = invoke(log, "--rules", rule, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["summary"] == {
        "events": 2,
        "rules": 1,
        "alerts": 1,
        "unseen": 0,
        "unseen_without_index": 0,
    }
    (alert,) = document["alerts"]
    assert alert["source"] == f"{log}#1"
    assert alert["events"][0]["_index"] == "logs-windows.sysmon_operational-default"
