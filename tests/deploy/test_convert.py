"""Conversion between repository rules and Kibana rule JSON, and content hashes."""

from __future__ import annotations

from pathlib import Path

from dac.deploy.config import AuthSource, Environment, RuleSelection
from dac.deploy.convert import (
    comparable,
    content_hash,
    diff_fields,
    lock_hash,
    recorded_hash,
    to_kibana,
)
from dac.importers.kibana_ndjson import rule_from_kibana
from dac.rules import parse_rule
from dac.rules.dump import dump_rule

from deploy.conftest import rule_toml

ENVIRONMENT = Environment(
    name="test",
    kibana_url="http://127.0.0.1:1",
    space="default",
    auth=AuthSource(api_key_env="X"),
    rules=RuleSelection(paths=(Path("detections"),)),
    managed_tag="managed-by:dac",
    enabled=False,
)


def sample_rule(**kwargs):
    return parse_rule(rule_toml("r-1", "Sample", **kwargs), "sample.toml")


def test_repository_only_fields_dropped():
    body = to_kibana(sample_rule(extra='custom_key = "x"'), ENVIRONMENT)
    assert "metadata" not in body
    assert "transform" not in body
    assert "custom_key" not in body
    assert body["rule_id"] == "r-1"


def test_environment_fields_set():
    body = to_kibana(sample_rule(), ENVIRONMENT)
    assert body["enabled"] is False
    assert body["tags"][:2] == ["OS: Windows", "managed-by:dac"]
    assert recorded_hash(body) == content_hash(body)[:16]


def test_kibana_defaults_explicit():
    body = to_kibana(sample_rule(), ENVIRONMENT)
    assert body["interval"] == "5m"
    assert body["from"] == "now-6m"
    assert body["max_signals"] == 100
    assert body["version"] == 1
    assert body["setup"] == ""


def test_investigation_fields_list_converted():
    rule = sample_rule(extra='investigation_fields = ["process.name"]')
    body = to_kibana(rule, ENVIRONMENT)
    assert body["investigation_fields"] == {"field_names": ["process.name"]}


def test_comparable_ignores_server_fields():
    body = to_kibana(sample_rule(), ENVIRONMENT)
    response = {
        **body,
        "id": "abc",
        "revision": 3,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-02T00:00:00Z",
        "execution_summary": {"last_execution": {"status": "succeeded"}},
        "immutable": False,
        "rule_source": {"type": "internal"},
        "license": "",
        "required_fields": [],
    }
    assert comparable(response) == comparable(body)
    assert diff_fields(body, response) == []
    assert content_hash(response) == content_hash(body)


def test_required_fields_ecs_flag_ignored():
    body = {"required_fields": [{"name": "process.name", "type": "keyword"}]}
    response = {
        "required_fields": [{"name": "process.name", "type": "keyword", "ecs": True}]
    }
    assert diff_fields(body, response) == []


def test_hash_changes_with_content_not_key_order():
    first = to_kibana(sample_rule(), ENVIRONMENT)
    reordered = dict(reversed(list(first.items())))
    assert content_hash(first) == content_hash(reordered)
    changed = to_kibana(sample_rule(query="process where true"), ENVIRONMENT)
    assert content_hash(changed) != content_hash(first)


def test_lock_hash_ignores_environment_and_version():
    plain = sample_rule()
    versioned = sample_rule(extra="version = 7")
    assert lock_hash(plain) == lock_hash(versioned)
    assert lock_hash(plain) != lock_hash(sample_rule(query="process where true"))


def test_kibana_json_round_trips_through_toml():
    body = to_kibana(sample_rule(extra="version = 3"), ENVIRONMENT)
    response = {
        **body,
        "id": "abc",
        "revision": 2,
        "created_at": "2026-03-04T05:06:07Z",
    }
    data = rule_from_kibana(response, "managed-by:dac")
    assert data["metadata"]["creation_date"] == "2026/03/04"
    assert "enabled" not in data["rule"]
    assert "managed-by:dac" not in data["rule"]["tags"]
    assert "interval" not in data["rule"], "defaults are left out of the TOML"
    reloaded = parse_rule(dump_rule(data), "exported.toml")
    assert diff_fields(to_kibana(reloaded, ENVIRONMENT), response) == []


def test_type_defaults_follow_kibana():
    query_rule = parse_rule(
        rule_toml("r-2", "KQL")
        .replace('type = "eql"', 'type = "query"')
        .replace('language = "eql"\n', ""),
        "kql.toml",
    )
    body = to_kibana(query_rule, ENVIRONMENT)
    assert body["language"] == "kuery"
    threshold = sample_rule(extra='threshold = { field = "host.name", value = 5 }')
    assert to_kibana(threshold, ENVIRONMENT)["threshold"]["field"] == ["host.name"]


def test_new_terms_table_translated():
    text = rule_toml("r-3", "New terms").replace('type = "eql"', 'type = "new_terms"')
    text = text.replace('language = "eql"', 'language = "kuery"')
    text += (
        '\n[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["host.id"]\n'
        "[[rule.new_terms.history_window_start]]\n"
        'field = "history_window_start"\nvalue = "now-14d"\n'
    )
    body = to_kibana(parse_rule(text, "nt.toml"), ENVIRONMENT)
    assert body["new_terms_fields"] == ["host.id"]
    assert body["history_window_start"] == "now-14d"
    assert "new_terms" not in body
