"""Replay inputs: every accepted shape, and bad input for each reader."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from dac.replay import ReplayInputError, iter_documents
from dac.replay.sources import SOURCE_KEY

from .evtx_writer import write_evtx

SYSMON_DATA = {
    "RuleName": "-",
    "UtcTime": "2025-01-15 10:00:00.250",
    "ProcessGuid": "{6c3e1b2a-0000-0000-0000-000000000001}",
    "ProcessId": "4242",
    "Image": "C:\\Windows\\System32\\cmd.exe",
    "CommandLine": 'cmd.exe /c "echo hi"',
    "CurrentDirectory": "C:\\Users\\jdoe\\",
    "User": "CORP\\jdoe",
    "Hashes": "SHA256=ABCDEF,IMPHASH=00000000000000000000000000000000",
    "ParentProcessGuid": "{6c3e1b2a-0000-0000-0000-000000000002}",
    "ParentProcessId": "1200",
    "ParentImage": "C:\\Windows\\System32\\rundll32.exe",
    "ParentCommandLine": "rundll32.exe C:\\Temp\\a.dll,Run",
}


def write_lines(path, items):
    path.write_text("\n".join(json.dumps(item) for item in items) + "\n", "utf-8")
    return path


def test_bare_ecs_documents(tmp_path):
    path = write_lines(
        tmp_path / "a.ndjson",
        [{"@timestamp": "2025-01-01T00:00:00Z", "process": {"name": "a.exe"}}],
    )
    (document,) = list(iter_documents(path))
    assert document["process"]["name"] == "a.exe"
    assert "_index" not in document
    assert document[SOURCE_KEY] == f"{path}:1"


def test_search_hits_keep_index(tmp_path):
    hit = {
        "_index": ".ds-logs-endpoint.events.process-default-2025.01.01-000001",
        "_id": "x",
        "_source": {"process": {"name": "b.exe"}},
    }
    path = write_lines(tmp_path / "hits.ndjson", [hit])
    (document,) = list(iter_documents(path))
    assert document["_index"] == hit["_index"]
    assert document["process"] == {"name": "b.exe"}


def test_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "gaps.ndjson"
    path.write_text('{"a": 1}\n\n   \n{"a": 2}\n', "utf-8")
    documents = list(iter_documents(path))
    assert [d["a"] for d in documents] == [1, 2]
    assert documents[1][SOURCE_KEY].endswith(":4")


def test_structured_windows_json(tmp_path):
    record = {
        "Event": {
            "#attributes": {
                "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"
            },
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": 1,
                "TimeCreated": {
                    "#attributes": {"SystemTime": "2025-01-15T10:00:00.2501234Z"}
                },
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Computer": "WS-01.corp.example",
                "Security": {"#attributes": {"UserID": "S-1-5-18"}},
            },
            "EventData": SYSMON_DATA,
        }
    }
    path = write_lines(tmp_path / "sysmon.jsonl", [record])
    (document,) = list(iter_documents(path))
    assert document["_index"] == "logs-windows.sysmon_operational-default"
    assert document["event"]["code"] == "1"
    assert document["event"]["category"] == ["process"]
    assert document["event"]["type"] == ["start"]
    assert document["event"]["action"] == "Process creation"
    assert document["@timestamp"] == "2025-01-15T10:00:00.250Z"
    process = document["process"]
    assert process["name"] == "cmd.exe"
    assert process["pid"] == 4242
    assert process["entity_id"] == SYSMON_DATA["ProcessGuid"]
    assert process["args"] == ["cmd.exe", "/c", "echo hi"]
    assert process["args_count"] == 3
    assert process["working_directory"] == "C:\\Users\\jdoe\\"
    assert process["hash"] == {"sha256": "abcdef"}
    assert "pe" not in process
    assert process["parent"]["name"] == "rundll32.exe"
    assert process["parent"]["pid"] == 1200
    assert process["parent"]["args_count"] == 2
    assert document["user"] == {"domain": "CORP", "name": "jdoe", "id": "S-1-5-18"}
    assert document["host"]["name"] == "WS-01.corp.example"
    assert document["host"]["os"]["type"] == "windows"
    assert "RuleName" not in document["winlog"]["event_data"]


def test_xmltodict_data_list(tmp_path):
    record = {
        "Event": {
            "System": {
                "EventID": {"#text": "4688", "@Qualifiers": "0"},
                "Channel": "Security",
                "TimeCreated": {"@SystemTime": "2025-01-15T10:00:00Z"},
            },
            "EventData": {
                "Data": [
                    {
                        "@Name": "NewProcessName",
                        "#text": "C:\\Windows\\System32\\whoami.exe",
                    },
                    {"@Name": "NewProcessId", "#text": "0x1a4"},
                ]
            },
        }
    }
    path = write_lines(tmp_path / "sec.jsonl", [record])
    (document,) = list(iter_documents(path))
    assert document["process"]["name"] == "whoami.exe"
    assert document["process"]["pid"] == 0x1A4
    assert document["@timestamp"] == "2025-01-15T10:00:00.000Z"
    assert document["event"]["code"] == "4688"


def test_flat_dataset_shape(tmp_path):
    record = {
        "@timestamp": "2020-10-20T01:21:43.000Z",
        "EventID": 1,
        "SourceName": "Microsoft-Windows-Sysmon",
        "Hostname": "WORKSTATION5.theshire.local",
        **SYSMON_DATA,
    }
    path = write_lines(tmp_path / "otrf.json", [record])
    (document,) = list(iter_documents(path))
    assert document["_index"] == "logs-windows.sysmon_operational-default"
    assert document["process"]["parent"]["command_line"] == (
        "rundll32.exe C:\\Temp\\a.dll,Run"
    )
    assert document["host"]["name"] == "WORKSTATION5.theshire.local"


def test_flat_security_4688(tmp_path):
    record = {
        "EventID": 4688,
        "Channel": "Security",
        "Hostname": "DC01",
        "TimeCreated": "2025-01-15T10:00:00.000Z",
        "NewProcessId": "0x1f40",
        "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
        "ProcessId": "0x2a0",
        "ParentProcessName": "C:\\Windows\\System32\\rundll32.exe",
        "CommandLine": 'cmd.exe /c "dir C:\\Program Files"',
        "SubjectUserSid": "S-1-5-21-1-2-3-1001",
        "SubjectUserName": "jdoe",
        "SubjectDomainName": "CORP",
        "TargetUserName": "-",
    }
    path = write_lines(tmp_path / "sec.json", [record])
    (document,) = list(iter_documents(path))
    assert document["_index"] == "logs-system.security-default"
    assert document["event"]["action"] == "created-process"
    process = document["process"]
    assert process["pid"] == 0x1F40
    assert process["parent"]["pid"] == 0x2A0
    assert process["parent"]["name"] == "rundll32.exe"
    assert process["args"] == ["cmd.exe", "/c", '"dir C:\\Program Files"']
    assert document["user"] == {
        "id": "S-1-5-21-1-2-3-1001",
        "name": "jdoe",
        "domain": "CORP",
    }


def test_json_array_streams_elements(tmp_path):
    items = [
        {
            "EventID": 1,
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Image": f"C:\\x{i}.exe",
        }
        for i in range(3)
    ]
    path = tmp_path / "array.json"
    path.write_text(json.dumps(items, indent=2), "utf-8")
    documents = list(iter_documents(path))
    assert [d["process"]["executable"] for d in documents] == [
        "C:\\x0.exe",
        "C:\\x1.exe",
        "C:\\x2.exe",
    ]
    assert documents[1][SOURCE_KEY] == f"{path}:7"


def test_json_array_larger_than_a_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr("dac.replay.sources._CHUNK", 64)
    items = [{"value": "é" * 50, "index": i} for i in range(20)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(items), "utf-8")
    assert [d["index"] for d in iter_documents(path)] == list(range(20))


def test_real_evtx_file(tmp_path):
    system = {
        "provider": "Microsoft-Windows-Sysmon",
        "event_id": "1",
        "time": "2025-01-15T10:00:00.250000Z",
        "channel": "Microsoft-Windows-Sysmon/Operational",
        "computer": "WS-01",
        "user_id": "S-1-5-18",
    }
    path = write_evtx(
        tmp_path / "sysmon.evtx",
        [(system, SYSMON_DATA), ({**system, "event_id": "5"}, {"Image": "C:\\a.exe"})],
        datetime(2025, 1, 15, tzinfo=UTC),
    )
    first, second = list(iter_documents(path))
    assert first["process"]["name"] == "cmd.exe"
    assert (
        first["process"]["parent"]["command_line"] == SYSMON_DATA["ParentCommandLine"]
    )
    assert first["user"]["id"] == "S-1-5-18"
    assert first[SOURCE_KEY] == f"{path}#1"
    assert second["event"]["type"] == ["end"]
    assert "process" not in second


# -- bad input ---------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(tmp_path / "none.ndjson"))
    assert "file not found" in str(info.value)


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.ndjson"
    path.write_text('{"a": 1}\n{"a": \n', "utf-8")
    documents = iter_documents(path)
    assert next(documents)["a"] == 1
    with pytest.raises(ReplayInputError) as info:
        next(documents)
    assert str(info.value).startswith(f"{path}:2: invalid JSON")


def test_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.ndjson"
    path.write_text("[1, 2]\n", "utf-8")
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert "expected a JSON object" in str(info.value)


def test_invalid_utf8_line(tmp_path):
    path = tmp_path / "latin.ndjson"
    path.write_bytes(b'{"a": "\xff"}\n')
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert f"{path}:1" in str(info.value)


def test_unclosed_json_array(tmp_path):
    path = tmp_path / "open.json"
    path.write_text('[{"a": 1},\n{"a": 2}', "utf-8")
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert "not closed" in str(info.value)


def test_broken_json_array_element(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"a": 1},\n{"a": tru}\n]', "utf-8")
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert "array element 1" in str(info.value)
    assert f"{path}:3" in str(info.value)


def test_evtx_without_signature(tmp_path):
    path = tmp_path / "fake.evtx"
    path.write_bytes(b"not an event log" * 8000)
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert str(info.value).startswith(str(path))
    assert "not an EVTX file" in str(info.value)


def test_truncated_evtx(tmp_path):
    system = {
        "provider": "Microsoft-Windows-Sysmon",
        "event_id": "1",
        "time": "2025-01-15T10:00:00Z",
        "channel": "Microsoft-Windows-Sysmon/Operational",
        "computer": "WS-01",
    }
    path = write_evtx(
        tmp_path / "whole.evtx",
        [(system, SYSMON_DATA)],
        datetime(2025, 1, 15, tzinfo=UTC),
    )
    data = bytearray(path.read_bytes())
    # Corrupt the first record's template instance token.
    data[0x1000 + 0x200 + 0x18 + 4] = 0x7F
    broken = tmp_path / "broken.evtx"
    broken.write_bytes(bytes(data))
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(broken))
    assert str(info.value).startswith(str(broken))
    assert "malformed EVTX file" in str(info.value)


def test_empty_evtx_file(tmp_path):
    path = tmp_path / "empty.evtx"
    path.write_bytes(b"")
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert str(path) in str(info.value)


def test_merge_by_time_interleaves_files(tmp_path):
    from dac.replay import merge_by_time

    first = write_lines(
        tmp_path / "a.ndjson",
        [
            {"@timestamp": "2025-01-01T00:00:01Z", "n": 1},
            {"@timestamp": "2025-01-01T00:00:03Z", "n": 3},
        ],
    )
    second = write_lines(
        tmp_path / "b.ndjson",
        [
            {"@timestamp": "2025-01-01T00:00:02Z", "n": 2},
            {"@timestamp": "2025-01-01T00:00:04Z", "n": 4},
        ],
    )
    merged = merge_by_time([iter_documents(first), iter_documents(second)])
    assert [d["n"] for d in merged] == [1, 2, 3, 4]


def test_merge_by_ingest_time(tmp_path):
    from dac.replay import merge_by_time

    first = write_lines(
        tmp_path / "a.ndjson",
        [
            {
                "@timestamp": "2025-01-01T00:00:09Z",
                "event": {"ingested": "2025-01-01T00:00:01Z"},
                "n": 1,
            }
        ],
    )
    second = write_lines(
        tmp_path / "b.ndjson", [{"event": {"ingested": "2025-01-01T00:00:02Z"}, "n": 2}]
    )
    merged = merge_by_time(
        [iter_documents(second), iter_documents(first)], "event.ingested"
    )
    assert [d["n"] for d in merged] == [1, 2]


def test_json_array_with_multibyte_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr("dac.replay.sources._CHUNK", 7)
    items = [{"name": "€𝄞" * 5, "index": i} for i in range(4)]
    path = tmp_path / "utf8.json"
    path.write_text(json.dumps(items, ensure_ascii=False), "utf-8")
    documents = list(iter_documents(path))
    assert [d["index"] for d in documents] == [0, 1, 2, 3]
    assert documents[0]["name"] == "€𝄞" * 5


def test_json_array_with_invalid_utf8(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'[{"a": "\xff"}]')
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert "invalid UTF-8" in str(info.value)


def test_long_line_without_newline(tmp_path, monkeypatch):
    monkeypatch.setattr("dac.replay.sources.MAX_LINE_BYTES", 100_000)
    path = tmp_path / "long.ndjson"
    path.write_bytes(b'{"a": "' + b"x" * 200_000 + b'"}')
    with pytest.raises(ReplayInputError) as info:
        list(iter_documents(path))
    assert "longer than 100000 bytes" in str(info.value)
    assert f"{path}:1" in str(info.value)


def test_line_longer_than_one_read_piece(tmp_path):
    path = tmp_path / "wide.ndjson"
    path.write_text(json.dumps({"a": "y" * 200_000}) + "\n" + '{"a": 2}\n', "utf-8")
    documents = list(iter_documents(path))
    assert len(documents[0]["a"]) == 200_000
    assert documents[1][SOURCE_KEY].endswith(":2")


def test_flat_shape_prefers_utc_timestamp(tmp_path):
    record = {
        "EventID": 4688,
        "Channel": "Security",
        "EventTime": "2020-10-19 21:21:41",
        "@timestamp": "2020-10-20T01:21:41.000Z",
        "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
    }
    path = write_lines(tmp_path / "nxlog.json", [record])
    (document,) = list(iter_documents(path))
    assert document["@timestamp"] == "2020-10-20T01:21:41.000Z"
