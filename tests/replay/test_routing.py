"""Documents that no rule's index patterns match: counts, warnings, --index."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.errors import DacError
from dac.replay import assign_index, index_name_error, replay
from dac.rules import load_rule
from testing.rulefiles import write_rule

QUERY = 'process where process.name : "cmd.exe"'
INDEXES = '["logs-endpoint.events.process-*"]'
STREAM = {"type": "logs", "dataset": "endpoint.events.process", "namespace": "default"}


def bare(name, second=0, **extra):
    """Return an ECS process document without _index or data_stream.*."""
    when = f"2025-01-15T10:00:{second:02d}.000Z"
    return {
        "@timestamp": when,
        "event": {"category": ["process"], "type": ["start"], "ingested": when},
        "process": {"name": name},
        **extra,
    }


def write_ndjson(path, documents):
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n", "utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, ["replay", *map(str, args)])


@pytest.fixture
def rules(tmp_path):
    write_rule(tmp_path / "rules", query=QUERY, index=INDEXES)
    return tmp_path / "rules"


def test_replay_counts_unseen_documents(rules):
    rule = load_rule(rules / "rule.toml")
    documents = [
        bare("cmd.exe", 1),
        bare("cmd.exe", 2, data_stream=STREAM),
        bare("cmd.exe", 3, _index="logs-system.security-default"),
        bare("cmd.exe", 4, _index="logs-system.security-default"),
    ]
    result = replay([rule], iter(documents))
    assert result.events == 4
    assert len(result.alerts) == 1
    assert result.unseen == 3
    assert result.unseen_without_index == 1
    assert result.unseen_indexes == {"logs-system.security-default": 2}


def test_rule_without_patterns_reads_all(tmp_path):
    path = write_rule(tmp_path / "rules", query=QUERY, index="[]")
    result = replay([load_rule(path)], iter([bare("cmd.exe")]))
    assert result.unseen == 0
    assert len(result.alerts) == 1


def test_unseen_index_names_are_bounded(rules):
    from dac.replay.runner import MAX_UNSEEN_INDEXES

    rule = load_rule(rules / "rule.toml")
    count = MAX_UNSEEN_INDEXES + 5
    documents = [bare("a.exe", n, _index=f"other-{n}") for n in range(count)]
    result = replay([rule], iter(documents))
    assert result.unseen == count
    assert len(result.unseen_indexes) == MAX_UNSEEN_INDEXES


def test_cli_warns_about_documents_without_index(tmp_path, rules):
    log = write_ndjson(tmp_path / "log.ndjson", [bare("cmd.exe", n) for n in range(3)])
    result = invoke(log, "--rules", rules)
    assert result.exit_code == 0
    assert "3 events, 1 rules, 0 alerts" in result.stdout
    assert "warning: 3 of 3 documents have no index" in result.stderr
    assert "--index NAME" in result.stderr
    assert "docs/replay.md" in result.stderr


def test_cli_warns_about_unmatched_indexes(tmp_path, rules):
    documents = [bare("cmd.exe", 1, _index="logs-system.security-default")]
    log = write_ndjson(tmp_path / "log.ndjson", documents)
    result = invoke(log, "--rules", rules)
    assert result.exit_code == 0
    assert "warning: 1 of 1 documents are in indexes" in result.stderr
    assert "logs-system.security-default (1)" in result.stderr


def test_cli_no_warning_when_all_seen(tmp_path, rules):
    log = write_ndjson(tmp_path / "log.ndjson", [bare("a.exe", data_stream=STREAM)])
    result = invoke(log, "--rules", rules)
    assert result.exit_code == 0
    assert "warning" not in result.stderr


def test_cli_baseline_nothing_checked_exits_two(tmp_path, rules):
    log = write_ndjson(tmp_path / "log.ndjson", [bare("a.exe", n) for n in range(3)])
    result = invoke(log, "--rules", rules, "--baseline")
    assert result.exit_code == 2
    assert "error: nothing was checked" in result.stderr


def test_cli_baseline_empty_file_exits_two(tmp_path, rules):
    log = tmp_path / "empty.ndjson"
    log.write_text("", "utf-8")
    result = invoke(log, "--rules", rules, "--baseline")
    assert result.exit_code == 2
    assert "the files contain no documents" in result.stderr


def test_cli_baseline_partly_seen_passes(tmp_path, rules):
    documents = [bare("a.exe", 1), bare("a.exe", 2, data_stream=STREAM)]
    log = write_ndjson(tmp_path / "log.ndjson", documents)
    result = invoke(log, "--rules", rules, "--baseline")
    assert result.exit_code == 0
    assert "warning: 1 of 2 documents have no index" in result.stderr


def test_cli_index_option_routes_documents(tmp_path, rules):
    documents = [
        bare("cmd.exe", 1),
        bare("cmd.exe", 2, _index="logs-system.security-default"),
    ]
    log = write_ndjson(tmp_path / "log.ndjson", documents)
    index = "logs-endpoint.events.process-default"
    result = invoke(log, "--rules", rules, "--index", index, "--format", "json")
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["summary"]["alerts"] == 1
    assert output["summary"]["unseen"] == 1
    assert output["summary"]["unseen_without_index"] == 0
    assert output["alerts"][0]["events"][0]["_index"] == index


def test_cli_index_option_baseline_checks(tmp_path, rules):
    log = write_ndjson(tmp_path / "log.ndjson", [bare("cmd.exe")])
    index = "logs-endpoint.events.process-default"
    result = invoke(log, "--rules", rules, "--index", index, "--baseline")
    assert result.exit_code == 1
    assert "noisy rule on baseline: Rule rule" in result.stderr


@pytest.mark.parametrize(
    "name", ["", ".", "..", "Logs", "logs endpoint", "logs*", "a,b", "-logs", "_x"]
)
def test_cli_index_option_rejects_invalid(tmp_path, rules, name):
    log = write_ndjson(tmp_path / "log.ndjson", [bare("cmd.exe")])
    result = invoke(log, "--rules", rules, "--index", name)
    assert result.exit_code == 2
    assert "Invalid value for '--index'" in result.stderr
    assert "Traceback" not in result.output


def test_index_name_error_accepts_data_stream():
    assert index_name_error("logs-endpoint.events.process-default") is None
    assert index_name_error("x" * 256) is not None
    assert index_name_error("é" * 128) is not None


def test_assign_index_keeps_own_index():
    documents = [
        bare("a.exe"),
        bare("b.exe", _index="mine"),
        bare("c.exe", data_stream=STREAM),
    ]
    routed = list(assign_index(iter(documents), "logs-x-default"))
    assert routed[0]["_index"] == "logs-x-default"
    assert routed[1]["_index"] == "mine"
    assert "_index" not in routed[2]


def test_assign_index_rejects_at_once():
    with pytest.raises(DacError, match="invalid index name"):
        assign_index(iter([]), "Bad Name")
