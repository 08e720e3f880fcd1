"""Routing events to per-run data streams and checking _bulk responses."""

from __future__ import annotations

import json

import pytest
from dac.elasticsearch.bulk import (
    build_bulk_body,
    check_bulk_response,
    new_namespace,
    route_events,
)
from dac.errors import ElasticsearchError, TestCaseError

from backends.conftest import load_fixture, process_event


def test_namespace_is_valid_and_fresh():
    first, second = new_namespace(), new_namespace()

    assert first != second
    assert first.startswith("dactest")
    assert first == first.lower()
    assert "-" not in first


def test_route_uses_data_stream_fields():
    event = process_event("cmd.exe", "rundll32.exe", 1)

    routed = route_events([event], "dactest01")

    assert routed[0].data_stream == "logs-endpoint.events.process-dactest01"
    assert routed[0].doc_id == "dactest01-0"
    assert routed[0].source["data_stream"]["namespace"] == "default"


def test_route_reads_dotted_keys_and_drops_metadata():
    event = {
        "data_stream.type": "logs",
        "data_stream.dataset": "windows.sysmon_operational",
        "_index": "logs-windows.sysmon_operational-default",
        "process.name": "cmd.exe",
    }

    routed = route_events([event], "dactest02")

    assert routed[0].data_stream == "logs-windows.sysmon_operational-dactest02"
    assert "_index" not in routed[0].source
    assert routed[0].source["process.name"] == "cmd.exe"


def test_route_without_data_stream_rejected():
    with pytest.raises(TestCaseError, match="event 1 has no data_stream"):
        route_events([process_event("a", "b", 0), {"process": {"name": "x"}}], "ns")


def test_bulk_body_is_create_pairs():
    routed = route_events([process_event("cmd.exe", "rundll32.exe", 1)], "dactest03")

    body = build_bulk_body(routed)

    assert body.endswith("\n")
    action, source = (json.loads(line) for line in body.splitlines())
    assert action == {
        "create": {
            "_index": "logs-endpoint.events.process-dactest03",
            "_id": "dactest03-0",
        }
    }
    assert source["process"]["name"] == "cmd.exe"


def test_bulk_item_error_reported():
    events = [process_event("a", "b", 0), process_event("c", "d", 1)]
    routed = route_events(events, "dactest00000000")
    response = load_fixture("bulk_response_with_error.json", {})

    with pytest.raises(ElasticsearchError) as caught:
        check_bulk_response(response, routed)

    message = str(caught.value)
    assert "1 of 2 events were not indexed" in message
    assert "event 1 -> logs-endpoint.events.process-dactest00000000" in message
    assert "process.pid" in message


def test_bulk_item_count_mismatch_rejected():
    routed = route_events([process_event("a", "b", 0)], "ns")

    with pytest.raises(ElasticsearchError, match="expected 1 items, got 0"):
        check_bulk_response({"errors": False, "items": []}, routed)
