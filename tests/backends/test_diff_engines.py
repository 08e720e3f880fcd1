"""``dac diff-engines`` on the Elasticsearch double with a scripted search result."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from dac.cli import cli

from backends.conftest import RULE_TOML, load_fixture

CASES = """cases:
  - name: cmd.exe under rundll32
    events:
      - process.name: cmd.exe
        process.parent.name: rundll32.exe
    expect:
      alert: true
  - name: two unrelated processes
    events:
      - process.name: notepad.exe
        process.parent.name: explorer.exe
      - process.name: calc.exe
        process.parent.name: explorer.exe
    expect:
      alert: false
"""


def first_event_of_single_event_case(ids):
    """Return the scripted Elasticsearch response: a hit for a one-event case only."""
    if len(ids) != 1:
        response = load_fixture("eql_events_response.json", {})
        response["hits"] = {"total": {"value": 0, "relation": "eq"}, "events": []}
        return response
    return load_fixture("eql_events_response.json", {"__ID1__": ids[0], "__NS__": "x"})


@pytest.fixture
def rule_dir(tmp_path):
    (tmp_path / "rundll32_cmd.toml").write_text(RULE_TOML)
    (tmp_path / "rundll32_cmd.tests.yaml").write_text(CASES)
    return tmp_path


@pytest.fixture
def es_env(es_double, monkeypatch):
    monkeypatch.setenv("DAC_ES_URL", es_double.url)
    monkeypatch.setenv("DAC_ES_PASSWORD", "pw")
    return es_double


def test_agreement_exits_zero(rule_dir, es_env):
    es_env.eql_response = first_event_of_single_event_case

    result = CliRunner().invoke(cli, ["diff-engines", str(rule_dir)])

    assert result.exit_code == 0, result.output
    assert "2 cases compared, 0 disagreements" in result.output


def test_disagreement_listed(rule_dir, es_env):
    result = CliRunner().invoke(cli, ["diff-engines", str(rule_dir)])

    assert result.exit_code == 1, result.output
    assert "case 'cmd.exe under rundll32'" in result.output
    assert "embedded:      1 alert: [0]" in result.output
    assert "elasticsearch: 0 alerts" in result.output
    assert 'process.parent.name == "rundll32.exe"' in result.output
    assert "process.name: cmd.exe" in result.output
    assert "2 cases compared, 1 disagreements" in result.output


def test_json_lists_full_events(rule_dir, es_env):
    result = CliRunner().invoke(
        cli, ["diff-engines", "--format", "json", str(rule_dir)]
    )

    document = json.loads(result.output)
    assert result.exit_code == 1
    assert document["summary"] == {"cases": 2, "disagreements": 1}
    item = document["disagreements"][0]
    assert item["embedded"] == {"alerts": [[0]], "error": None}
    assert item["elasticsearch"] == {"alerts": [], "error": None}
    assert item["events"][0]["process"]["parent"]["name"] == "rundll32.exe"
    assert item["rule_id"] == "0b3f0c2e-1111-4c59-9a43-3c1b1f2d7a10"


def test_search_error_is_disagreement(rule_dir, es_env):
    def rejected(ids):
        return {"took": 1}

    es_env.eql_response = rejected

    result = CliRunner().invoke(cli, ["diff-engines", str(rule_dir)])

    assert result.exit_code == 1
    assert "elasticsearch: error: unexpected _eql/search response" in result.output


def test_unreachable_cluster_exits_two(rule_dir, monkeypatch):
    monkeypatch.setenv("DAC_ES_PASSWORD", "pw")

    result = CliRunner().invoke(
        cli, ["diff-engines", "--es-url", "http://127.0.0.1:9", str(rule_dir)]
    )

    assert result.exit_code == 2
    assert "Elasticsearch is not reachable" in result.output
    assert "Connection refused" in result.output


def test_missing_path_is_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["diff-engines", str(tmp_path / "nope")])

    assert result.exit_code == 2
    assert "path not found" in result.output
