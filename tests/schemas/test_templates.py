"""Index templates generated from the field tables."""

from __future__ import annotations

from typing import Any

import pytest
from dac.errors import SchemaError
from dac.schemas import FieldTable, load_table
from dac.schemas.templates import (
    CONTAINER_TYPES,
    all_index_templates,
    build_properties,
    index_template,
    template_streams,
)


def mapping_of(template: dict[str, Any]) -> dict[str, Any]:
    return template["template"]["mappings"]


def node(properties: dict[str, Any], dotted: str) -> dict[str, Any]:
    parts = dotted.split(".")
    current = properties[parts[0]]
    for part in parts[1:]:
        current = current["properties"][part]
    return current


def flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Turn a mapping back into dotted name -> type, multi-fields included."""
    flat: dict[str, str] = {}
    for name, spec in properties.items():
        dotted = f"{prefix}{name}"
        if "properties" in spec:
            flat[dotted] = spec.get("type", "object")
            flat.update(flatten(spec["properties"], f"{dotted}."))
            continue
        flat[dotted] = spec["type"]
        for sub, sub_spec in spec.get("fields", {}).items():
            flat[f"{dotted}.{sub}"] = sub_spec["type"]
    return flat


def test_process_template_basics():
    template = index_template("defend-process")
    assert template["index_patterns"] == ["logs-endpoint.events.process-*"]
    assert template["data_stream"] == {}
    assert template["priority"] > 100
    mappings = mapping_of(template)
    assert mappings["dynamic"] is False
    assert mappings["date_detection"] is False
    settings = template["template"]["settings"]
    assert settings["index.mode"] == "standard"
    assert settings["index.mapping.total_fields.limit"] >= 2000


def test_command_line_is_wildcard_with_caseless():
    properties = mapping_of(index_template("defend-process"))["properties"]
    command_line = node(properties, "process.command_line")
    assert command_line["type"] == "wildcard"
    caseless = command_line["fields"]["caseless"]
    assert caseless == {
        "type": "keyword",
        "normalizer": "lowercase",
        "ignore_above": 1024,
    }
    assert command_line["fields"]["text"]["type"] == "text"


def test_keyword_ignore_above_default():
    properties = mapping_of(index_template("defend-process"))["properties"]
    assert node(properties, "process.entity_id") == {
        "type": "keyword",
        "ignore_above": 1024,
    }
    assert node(properties, "process.pid") == {"type": "long"}


def test_nested_properties_shape():
    properties = mapping_of(index_template("defend-process"))["properties"]
    signature = node(properties, "process.Ext.code_signature")
    assert signature["type"] == "nested"
    assert signature["properties"]["subject_name"]["type"] == "keyword"
    assert "type" not in node(properties, "process.parent")
    assert "properties" in node(properties, "process.parent")


def test_sysmon_template_caseless_event_data():
    template = index_template("sysmon")
    assert template["index_patterns"] == ["logs-windows.sysmon_operational-*"]
    mappings = mapping_of(template)
    name = node(mappings["properties"], "process.name")
    assert name["fields"]["caseless"]["normalizer"] == "lowercase"
    assert name["fields"]["text"]["type"] == "match_only_text"
    event_data = node(mappings["properties"], "winlog.event_data")
    assert event_data["dynamic"] is True
    paths = [
        next(iter(entry.values()))["path_match"]
        for entry in mappings["dynamic_templates"]
    ]
    assert "winlog.event_data.*" in paths


def check_tree(properties: dict[str, Any], path: str = "") -> None:
    for name, spec in properties.items():
        dotted = f"{path}{name}"
        if "properties" in spec:
            assert spec.get("type", "object") in ("object", "nested"), dotted
            assert "fields" not in spec, dotted
            check_tree(spec["properties"], f"{dotted}.")
        else:
            assert spec.get("type") not in (None, "nested"), dotted
            for sub in spec.get("fields", {}).values():
                assert "properties" not in sub, dotted
                assert "fields" not in sub, dotted


@pytest.mark.parametrize("stream", template_streams())
def test_tree_has_no_leaf_object_conflict(stream):
    check_tree(mapping_of(index_template(stream))["properties"])


@pytest.mark.parametrize("stream", template_streams())
def test_template_maps_exactly_the_table(stream):
    table = load_table(stream)
    flat = flatten(mapping_of(index_template(stream))["properties"])
    leaves = {k: v for k, v in table.fields.items() if v not in CONTAINER_TYPES}
    mapped_leaves = {k: v for k, v in flat.items() if v not in CONTAINER_TYPES}
    assert mapped_leaves == leaves


def test_all_index_templates_names():
    templates = all_index_templates()
    assert "dac-defend-process" in templates
    assert "dac-sysmon" in templates
    patterns = [p for t in templates.values() for p in t["index_patterns"]]
    assert len(patterns) == len(set(patterns))


def test_unknown_stream_is_rejected():
    with pytest.raises(SchemaError) as caught:
        index_template("ecs")
    assert "defend-process" in str(caught.value)


def test_leaf_object_conflict_raises():
    table = FieldTable("bad", "1", "test", {"a.b": "keyword", "a.b.c.d": "long"})
    with pytest.raises(SchemaError) as caught:
        build_properties(table)
    assert "a.b" in str(caught.value)
