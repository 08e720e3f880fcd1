"""Choosing and installing index templates for test data streams."""

from __future__ import annotations

import pytest
from dac.elasticsearch.templates import install_templates, templates_for_streams
from dac.elasticsearch.testrun import schema_templates
from dac.errors import SchemaError

from backends.conftest import process_templates


def test_template_chosen_by_pattern():
    chosen = templates_for_streams(
        ["logs-endpoint.events.process-dactest01"], process_templates()
    )

    assert list(chosen) == ["logs-endpoint.events.process"]


def test_highest_priority_template_wins():
    templates = process_templates()
    templates["broad"] = {
        **templates["logs-endpoint.events.process"],
        "priority": 150,
        "index_patterns": ["logs-endpoint.*"],
    }

    chosen = templates_for_streams(["logs-endpoint.events.process-x"], templates)

    assert list(chosen) == ["logs-endpoint.events.process"]


def test_uncovered_stream_rejected():
    with pytest.raises(SchemaError) as caught:
        templates_for_streams(["logs-system.security-dactest01"], process_templates())

    assert "logs-system.security-dactest01" in str(caught.value)
    assert "logs-endpoint.events.process" in str(caught.value)


def test_install_prefixes_names(es_client, es_double):
    templates = process_templates()
    templates["dac-sysmon"] = {**templates["logs-endpoint.events.process"]}

    names = install_templates(es_client, templates)

    assert names == ["dac-sysmon", "dac-logs-endpoint.events.process"]
    assert es_double.templates["dac-logs-endpoint.events.process"]["priority"] == 200


def test_schema_templates_cover_defend_and_sysmon():
    templates = schema_templates()

    for stream in (
        "logs-endpoint.events.process-dactest01",
        "logs-endpoint.events.file-dactest01",
        "logs-endpoint.events.network-dactest01",
        "logs-endpoint.events.registry-dactest01",
        "logs-endpoint.events.library-dactest01",
        "logs-windows.sysmon_operational-dactest01",
    ):
        chosen = templates_for_streams([stream], templates)
        template = next(iter(chosen.values()))
        assert template["data_stream"] == {}, stream
        assert template["template"]["mappings"]["dynamic"] is False, stream
