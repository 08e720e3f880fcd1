"""Fixtures for the backend unit tests: loopback doubles, a rule and events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dac.elasticsearch import ElasticsearchClient, ElasticsearchConfig
from dac.rules import Rule, parse_rule

from backends.double import ElasticsearchDouble, KibanaDouble

FIXTURES = Path(__file__).parent / "fixtures"
TEST_PASSWORD = "double-test-password"

RULE_TOML = """[metadata]
creation_date = "2026/12/04"
maturity = "production"

[rule]
rule_id = "0b3f0c2e-1111-4c59-9a43-3c1b1f2d7a10"
name = "Command shell started by rundll32"
description = "rundll32.exe starting cmd.exe"
risk_score = 47
severity = "medium"
type = "eql"
language = "eql"
index = ["logs-endpoint.events.process-*"]
timestamp_override = "event.ingested"
query = \'\'\'
process where event.type == "start" and process.parent.name == "rundll32.exe"
\'\'\'
"""


def load_fixture(name: str, replacements: dict[str, str]) -> dict[str, Any]:
    """Read a recorded-shape response and fill its ``__PLACEHOLDER__`` values."""
    text = (FIXTURES / name).read_text()
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def process_event(name: str, parent: str, second: int) -> dict[str, Any]:
    """Return a minimal process event routed to the Defend process data stream."""
    return {
        "@timestamp": f"2026-12-04T16:00:0{second}.000Z",
        "event": {"category": ["process"], "type": ["start"]},
        "process": {"name": name, "parent": {"name": parent}},
        "data_stream": {
            "type": "logs",
            "dataset": "endpoint.events.process",
            "namespace": "default",
        },
    }


def process_templates() -> dict[str, dict[str, Any]]:
    """Return one index template covering the Defend process data streams."""
    return {
        "logs-endpoint.events.process": {
            "index_patterns": ["logs-endpoint.events.process-*"],
            "data_stream": {},
            "priority": 200,
            "template": {
                "mappings": {
                    "dynamic": False,
                    "properties": {
                        "process": {"properties": {"name": {"type": "keyword"}}}
                    },
                }
            },
        }
    }


@pytest.fixture
def rule() -> Rule:
    return parse_rule(RULE_TOML, "detections/windows/rundll32_cmd.toml")


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return [
        process_event("rundll32.exe", "explorer.exe", 0),
        process_event("cmd.exe", "rundll32.exe", 1),
        process_event("whoami.exe", "rundll32.exe", 2),
    ]


@pytest.fixture
def es_double() -> Iterator[ElasticsearchDouble]:
    double = ElasticsearchDouble()
    double.start()
    yield double
    double.stop()


@pytest.fixture
def kibana_double() -> Iterator[KibanaDouble]:
    double = KibanaDouble()
    double.start()
    yield double
    double.stop()


@pytest.fixture
def es_client(es_double: ElasticsearchDouble) -> Iterator[ElasticsearchClient]:
    config = ElasticsearchConfig(
        url=es_double.url, username="elastic", password=TEST_PASSWORD, timeout=5
    )
    client = ElasticsearchClient(config)
    yield client
    client.close()
