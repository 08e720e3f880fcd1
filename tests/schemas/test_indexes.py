"""Resolving index patterns to field tables."""

from __future__ import annotations

import fnmatch

import pytest
from dac.errors import SchemaError
from dac.schemas import CATALOG, load_table, match_pattern, resolve_indexes
from hypothesis import given
from hypothesis import strategies as st


def test_process_pattern_resolves_stream():
    schema = resolve_indexes(["logs-endpoint.events.process-*"])
    assert schema.table is not None
    assert schema.table.name == "defend-process"
    assert schema.unknown == ()
    assert schema.categories == frozenset({"process"})
    assert not schema.table.has_field("registry.path")


def test_events_wildcard_covers_defend():
    schema = resolve_indexes(["logs-endpoint.events.*"])
    assert schema.table is not None
    assert schema.unknown == ()
    assert schema.table.has_field("registry.path")
    assert schema.table.has_field("dns.question.name")
    assert schema.table.has_field("process.command_line.caseless")
    assert {"process", "file", "network", "registry"} <= schema.categories
    assert len(schema.streams) == len(load_table("defend").index_patterns)


def test_events_wildcard_is_wider_than_process():
    process = resolve_indexes(["logs-endpoint.events.process-*"]).table
    events = resolve_indexes(["logs-endpoint.events.*"]).table
    assert process is not None and events is not None
    assert set(process.fields) < set(events.fields)


def test_unknown_pattern_has_no_table():
    schema = resolve_indexes(["my-custom-logs-*"])
    assert schema.table is None
    assert schema.unknown == ("my-custom-logs-*",)
    assert schema.categories == frozenset()


def test_stream_without_schema_is_unknown():
    schema = resolve_indexes(["logs-windows.powershell*"])
    assert schema.table is None
    assert schema.unknown == ("logs-windows.powershell*",)


def test_mixed_patterns_split_known_unknown():
    schema = resolve_indexes(
        ["logs-endpoint.events.process-*", "logs-system.security*", "winlogbeat-*"]
    )
    assert schema.table is not None
    assert schema.streams == ("defend-process", "winlogbeat")
    assert schema.unknown == ("logs-system.security*",)
    assert schema.table.has_field("winlog.event_data.TargetUserName")
    assert schema.table.has_field("process.Ext.ancestry")
    # An unknown index can carry any event category.
    assert schema.categories == frozenset()


def test_broad_pattern_is_partly_unknown():
    schema = resolve_indexes(["logs-*"])
    assert schema.table is not None
    assert "defend-process" in schema.streams
    assert "sysmon" in schema.streams
    assert schema.unknown == ("logs-*",)


def test_exclusion_removes_streams():
    schema = resolve_indexes(
        ["logs-endpoint.events.*", "-logs-endpoint.events.process-*"]
    )
    assert "defend-process" not in schema.streams
    assert "defend-file" in schema.streams


def test_comma_separated_entry_is_split():
    schema = resolve_indexes(["logs-endpoint.events.process-*, winlogbeat-*"])
    assert schema.streams == ("defend-process", "winlogbeat")


def test_plain_string_is_one_pattern():
    schema = resolve_indexes("logs-windows.sysmon_operational-*")
    assert schema.streams == ("sysmon",)


def test_remote_cluster_pattern_is_unknown():
    schema = resolve_indexes(["remote:logs-endpoint.events.process-*"])
    assert schema.table is None
    assert schema.unknown == ("remote:logs-endpoint.events.process-*",)


def test_overlong_pattern_is_rejected():
    with pytest.raises(SchemaError) as caught:
        resolve_indexes(["logs-" + "*a" * 200])
    assert "at most 255" in str(caught.value)


def test_empty_patterns_resolve_to_nothing():
    schema = resolve_indexes([])
    assert schema.table is None
    assert schema.unknown == ()


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("logs-*", "logs-endpoint.events.process-default", True),
        (
            "logs-endpoint.events.process-*",
            "logs-endpoint.events.process-default",
            True,
        ),
        ("logs-endpoint.events.process-*", "logs-endpoint.events.file-default", False),
        ("*process*", "logs-endpoint.events.process-default", True),
        ("*", "", True),
        ("a*a", "a", False),
        ("a*a", "aa", True),
        ("a**b", "ab", True),
        ("exact", "exact", True),
        ("exact", "exactly", False),
        ("logs-?", "logs-a", False),
        ("*-default", "winlogbeat-9.0.0", False),
    ],
)
def test_match_pattern_cases(pattern, name, expected):
    assert match_pattern(pattern, name) is expected


def test_match_pattern_never_backtracks():
    # A backtracking matcher would try a huge number of splits on this shape.
    pattern = "a*" * 100 + "b"
    assert match_pattern(pattern, "a" * 5000) is False


@given(st.text(alphabet="ab.-*", max_size=12), st.text(alphabet="ab.-", max_size=12))
def test_match_pattern_agrees_with_fnmatch(pattern, name):
    assert match_pattern(pattern, name) is fnmatch.fnmatchcase(name, pattern)


def test_other_namespace_resolves():
    schema = resolve_indexes(["logs-endpoint.events.process-prod"])
    assert schema.streams == ("defend-process",)
    assert schema.unknown == ()


def test_namespace_prefix_pattern_resolves():
    schema = resolve_indexes(["logs-endpoint.events.process-prod*"])
    assert schema.streams == ("defend-process",)


def test_other_beats_version_resolves():
    schema = resolve_indexes(["winlogbeat-8.17.0"])
    assert schema.streams == ("winlogbeat",)


def test_catalog_tables_exist():
    for name, table_name in CATALOG.items():
        if table_name is not None:
            assert load_table(table_name).index_patterns, name
