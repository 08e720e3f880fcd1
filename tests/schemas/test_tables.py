"""Field tables: loading, lookups and merging."""

from __future__ import annotations

import dataclasses

import pytest
from dac.errors import SchemaError
from dac.schemas import FieldTable, load_table, table_names, union_tables


def test_every_table_name_loads():
    for name in table_names():
        table = load_table(name)
        assert table.name == name
        assert table.fields, name
        assert table.version, name
        assert table.source, name


def test_load_table_is_cached():
    assert load_table("defend-process") is load_table("defend-process")


def test_unknown_table_name_lists_known():
    with pytest.raises(SchemaError) as caught:
        load_table("defend-nosuchstream")
    assert "defend-process" in str(caught.value)
    assert "sysmon" in str(caught.value)


def test_defend_process_types():
    table = load_table("defend-process")
    assert table.type_of("process.command_line") == "wildcard"
    assert table.type_of("process.command_line.caseless") == "keyword"
    assert table.type_of("process.command_line.text") == "text"
    assert table.type_of("process.name") == "keyword"
    assert table.type_of("process.name.caseless") == "keyword"
    assert table.type_of("process.pid") == "long"
    assert table.type_of("process.ppid") == "long"
    assert table.type_of("process.pgid") == "long"
    assert table.type_of("process.Ext.ancestry") == "keyword"
    assert table.type_of("process.Ext.code_signature") == "nested"
    assert table.type_of("@timestamp") == "date"
    assert table.type_of("data_stream.dataset") == "constant_keyword"


def test_defend_process_lacks_other_streams():
    table = load_table("defend-process")
    assert not table.dynamic
    assert table.type_of("registry.path") is None
    assert table.type_of("dns.question.name") is None
    assert table.type_of("process.command_lines") is None


def test_defend_network_maps_dns():
    table = load_table("defend-network")
    assert table.type_of("dns.question.name") == "keyword"
    assert "network" in table.categories


def test_ecs_types_and_multi_fields():
    table = load_table("ecs")
    assert table.type_of("process.command_line") == "wildcard"
    assert table.type_of("process.command_line.text") == "match_only_text"
    assert table.type_of("process.name.caseless") is None
    assert table.type_of("source.ip") == "ip"
    assert table.type_of("process.pe.sections") == "nested"
    # ECS 9.0 removed process.pgid, which Elastic Defend still maps.
    assert table.type_of("process.pgid") is None
    assert table.is_array("process.args")
    assert not table.is_array("process.name")


def test_has_field_covers_object_parents():
    table = load_table("defend-process")
    assert table.has_field("process")
    assert table.has_field("process.parent")
    assert table.type_of("process") == "object"
    assert table.has_field("process.parent.name")
    assert not table.has_field("proc")
    assert not table.has_field("process.nam")


def test_is_searchable_honours_index_false():
    table = load_table("ecs")
    assert table.has_field("event.original")
    assert not table.is_searchable("event.original")
    assert table.is_searchable("process.name")
    assert not table.is_searchable("no.such.field")


def test_object_type_subfields_resolve():
    sysmon = load_table("sysmon")
    assert sysmon.type_of("winlog.event_data.TargetImage") == "keyword"
    assert sysmon.type_of("winlog.event_data") == "object"
    assert sysmon.type_of("winlog.other") is None
    assert load_table("ecs").type_of("labels.team") == "keyword"


def test_sysmon_caseless_on_name_executable():
    sysmon = load_table("sysmon")
    assert sysmon.type_of("process.name.caseless") == "keyword"
    assert sysmon.type_of("process.executable.caseless") == "keyword"
    assert sysmon.type_of("process.parent.name.caseless") is None
    assert sysmon.type_of("process.command_line") == "wildcard"
    assert sysmon.params["process.name.caseless"]["normalizer"] == "lowercase"


def test_defend_union_matches_streams():
    merged = load_table("defend")
    streams = [name for name in table_names() if name.startswith("defend-")]
    for name in streams:
        table = load_table(name)
        for field, field_type in table.fields.items():
            assert merged.type_of(field) == field_type, (name, field)
    assert "process" in merged.categories
    assert "registry" in merged.categories


def test_table_is_frozen():
    table = load_table("ecs")
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        table.fields["x"] = "keyword"  # type: ignore[index]


def test_union_keeps_first_type():
    first = FieldTable("a", "1", "s", {"x": "keyword"}, frozenset({"process"}))
    second = FieldTable("b", "1", "s", {"x": "long", "y.z": "ip"})
    merged = union_tables([first, second])
    assert merged.type_of("x") == "keyword"
    assert merged.type_of("y.z") == "ip"
    assert merged.has_field("y")
    assert merged.categories == frozenset()
    assert merged.name == "a+b"


def test_union_of_nothing_is_an_error():
    with pytest.raises(SchemaError):
        union_tables([])
