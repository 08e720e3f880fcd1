"""Event factory: complete Defend documents from compact events."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from dac.errors import TestCaseError
from dac.events import CATEGORIES, EventFactory, parse_offset, parse_time
from dac.events.fields import get_path, iter_leaves
from dac.events.processes import split_command_line
from dac.schemas import resolve_indexes

BASE = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)


def build(*events, **kwargs):
    factory = EventFactory(seed=7, base_time=BASE)
    return factory.build_case(list(events), case="case", path="x.tests.yaml", **kwargs)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_is_schema_valid(category):
    (document,) = build({"category": category})
    spec = CATEGORIES[category]
    stream = f"logs-{spec.dataset}-default"
    table = resolve_indexes([stream]).table
    unknown = [name for name, _ in iter_leaves(document) if not table.has_field(name)]
    assert unknown == []
    assert document["data_stream"] == {
        "dataset": spec.dataset,
        "namespace": "default",
        "type": "logs",
    }
    assert document["event"]["dataset"] == spec.dataset
    assert document["event"]["category"] == list(spec.event_category)
    assert document["event"]["type"] == list(spec.event_type)
    assert document["event"]["kind"] == "event"
    assert document["event"]["module"] == "endpoint"
    assert document["ecs"]["version"]
    assert document["agent"]["type"] == "endpoint"
    assert document["host"]["os"]["type"] == "windows"


@pytest.mark.parametrize(
    ("category", "field", "value"),
    [
        ("process", "event.action", "start"),
        ("file", "event.action", "creation"),
        ("network", "event.action", "connection_attempted"),
        ("dns", "event.action", "lookup_result"),
        ("registry", "event.action", "modification"),
        ("library", "event.action", "load"),
        ("authentication", "event.action", "log_on"),
        ("dns", "dns.question.name", "www.example.com"),
        ("library", "dll.name", "version.dll"),
        ("authentication", "event.outcome", "success"),
    ],
)
def test_category_defaults(category, field, value):
    (document,) = build({"category": category})
    assert get_path(document, field) == value


def test_category_from_event_category_field():
    (document,) = build({"event.category": "registry"})
    assert document["data_stream"]["dataset"] == "endpoint.events.registry"


def test_network_event_with_dns_fields_is_dns():
    (document,) = build({"event.category": "network", "dns.question.name": "a.test"})
    assert document["event"]["type"] == ["protocol", "info"]
    assert document["dns"]["question"]["name"] == "a.test"


def test_process_event_defaults_are_consistent():
    (document,) = build({"process.name": "cmd.exe"})
    process = document["process"]
    assert process["executable"] == "C:\\Windows\\System32\\cmd.exe"
    assert process["args"] == [process["executable"]]
    assert process["args_count"] == 1
    assert process["parent"]["name"] == "Explorer.EXE"
    assert process["Ext"]["ancestry"] == [process["parent"]["entity_id"]]
    assert document["event"]["type"] == ["start"]
    assert document["event"]["action"] == "start"


def test_entity_id_is_base64_of_agent_pid_start():
    (document,) = build({"process.name": "cmd.exe", "process.pid": 4242})
    decoded = base64.b64decode(document["process"]["entity_id"]).decode()
    agent_id, _, rest = decoded.rpartition("-4242-")
    assert agent_id == document["agent"]["id"]
    assert rest.isdigit()


def test_name_derived_from_executable():
    (document,) = build({"process.executable": "C:\\Tools\\x64\\procdump64.exe"})
    assert document["process"]["name"] == "procdump64.exe"


def test_args_derived_from_command_line():
    (document,) = build({"process.command_line": '"C:\\a b\\c.exe" /x "y z"'})
    assert document["process"]["args"] == ["C:\\a b\\c.exe", "/x", "y z"]
    assert document["process"]["args_count"] == 3


def test_arrays_are_kept_and_scalars_become_arrays():
    (document,) = build(
        {
            "event.type": "end",
            "process.args": ["cmd.exe", "/c", "dir"],
            "event.category": ["process"],
        }
    )
    assert document["event"]["type"] == ["end"]
    assert document["event"]["action"] == "end"
    assert document["process"]["args"] == ["cmd.exe", "/c", "dir"]
    assert document["process"]["args_count"] == 3
    assert document["process"]["exit_code"] == 0


def test_event_type_override_keeps_category():
    (document,) = build({"category": "file", "event.type": ["deletion"]})
    assert document["event"]["type"] == ["deletion"]
    assert document["event"]["action"] == "deletion"


def test_null_removes_a_default_field():
    (document,) = build(
        {"process.parent.name": "rundll32.exe", "process.parent.command_line": None}
    )
    parent = document["process"]["parent"]
    assert "command_line" not in parent
    assert "args" not in parent
    assert "args_count" not in parent
    assert parent["name"] == "rundll32.exe"


def test_nested_and_dotted_keys_merge():
    (document,) = build({"process": {"name": "a.exe"}, "process.pid": 10})
    assert document["process"]["name"] == "a.exe"
    assert document["process"]["pid"] == 10


def test_unknown_field_names_case_and_suggests():
    with pytest.raises(TestCaseError) as info:
        build({"process.parnt.name": "rundll32.exe"})
    message = str(info.value)
    assert "x.tests.yaml" in message
    assert "case 'case'" in message
    assert "event 0" in message
    assert "'process.parnt.name'" in message
    assert "did you mean 'process.parent.name'?" in message


def test_unknown_field_without_close_match():
    with pytest.raises(TestCaseError) as info:
        build({"zzzz.qqqq": 1})
    assert "'zzzz.qqqq'" in str(info.value)
    assert "did you mean" not in str(info.value)


def test_field_valid_for_one_stream_only():
    with pytest.raises(TestCaseError) as info:
        build({"category": "process", "dns.question.name": "a.test"})
    assert "logs-endpoint.events.process-default" in str(info.value)


def test_relative_times():
    first, second, third, fourth = build(
        {},
        {"at": "+3s"},
        {"at": "+500ms"},
        {"at": "+2m"},
    )
    assert first["@timestamp"] == "2025-03-01T08:00:00.000Z"
    assert second["@timestamp"] == "2025-03-01T08:00:03.000Z"
    assert third["@timestamp"] == "2025-03-01T08:00:00.500Z"
    assert fourth["@timestamp"] == "2025-03-01T08:02:00.000Z"
    assert fourth["event"]["ingested"] == "2025-03-01T08:02:02.000Z"


def test_timestamp_key_accepts_offset():
    (document,) = build({"@timestamp": "+5s"})
    assert document["@timestamp"] == "2025-03-01T08:00:05.000Z"


def test_events_without_time_step_one_second():
    first, second = build({}, {})
    assert first["@timestamp"] == "2025-03-01T08:00:00.000Z"
    assert second["@timestamp"] == "2025-03-01T08:00:01.000Z"


def test_invalid_time_is_an_error():
    with pytest.raises(TestCaseError) as info:
        build({"at": "soon"})
    assert "invalid time 'soon'" in str(info.value)


def test_unknown_category_is_an_error():
    with pytest.raises(TestCaseError) as info:
        build({"category": "kernel"})
    assert "unknown event category 'kernel'" in str(info.value)


def test_unknown_os_type_is_an_error():
    with pytest.raises(TestCaseError) as info:
        build({"host.os.type": "plan9"})
    assert "plan9" in str(info.value)


def test_same_seed_same_documents():
    assert build({"process.name": "a.exe"}) == build({"process.name": "a.exe"})


def test_other_seed_other_ids():
    other = EventFactory(seed=8, base_time=BASE).build_case([{}], "case")
    assert other[0]["agent"]["id"] != build({})[0]["agent"]["id"]


def test_events_of_a_case_share_host_and_process():
    first, second = build(
        {"process.pid": 500}, {"process.pid": 500, "category": "file"}
    )
    assert first["host"]["id"] == second["host"]["id"]
    assert first["process"]["entity_id"] == second["process"]["entity_id"]


def test_linux_host_profile():
    (document,) = build({"host.os.type": "linux"})
    assert document["host"]["os"]["type"] == "linux"
    assert document["process"]["executable"].startswith("/")
    assert "domain" not in document["user"]


def test_now_base_time_for_real_backends():
    before = datetime.now(UTC)
    (document,) = EventFactory(base_time=None).build_case([{}], "case")
    stamp = parse_time(document["@timestamp"], before)
    assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)


def test_defaults_apply_under_event_fields():
    (document,) = build(
        {"process.name": "b.exe"},
        defaults={"process.name": "a.exe", "process.parent.name": "p.exe"},
    )
    assert document["process"]["name"] == "b.exe"
    assert document["process"]["parent"]["name"] == "p.exe"


def test_event_must_be_a_mapping():
    with pytest.raises(TestCaseError) as info:
        build(["process.name"])
    assert "mapping" in str(info.value)


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("+3s", 3000),
        ("+500ms", 500),
        ("+2m", 120000),
        ("-1h", -3600000),
        ("+1d", 86400000),
    ],
)
def test_parse_offset(text, millis):
    assert parse_offset(text) == timedelta(milliseconds=millis)


@pytest.mark.parametrize("text", ["3s", "+3", "+s", "+3 s", "+3w", ""])
def test_parse_offset_rejects(text):
    assert parse_offset(text) is None


def test_split_command_line_quotes():
    assert split_command_line('a "b c" d') == ["a", "b c", "d"]
    assert split_command_line('""') == [""]
    assert split_command_line("  ") == []


def test_null_in_event_overrides_defaults():
    (document,) = build(
        {"process.parent.command_line": None},
        defaults={"process.parent.name": "rundll32.exe"},
    )
    assert "command_line" not in document["process"]["parent"]
    assert "args_count" not in document["process"]["parent"]


def test_windows_image_facts():
    (document,) = build({"process.executable": "C:\\Windows\\System32\\cmd.exe"})
    process = document["process"]
    assert process["pe"]["original_file_name"] == "cmd.exe"
    assert len(process["hash"]["sha256"]) == 64
    assert process["code_signature"]["trusted"] is True
    assert process["code_signature"]["subject_name"] == "Microsoft Windows"


def test_unsigned_image_outside_windows_folder():
    (document,) = build({"process.executable": "C:\\Users\\jdoe\\Downloads\\x.exe"})
    assert document["process"]["code_signature"] == {"exists": False}


def test_same_executable_same_hash():
    first, second = build(
        {"process.executable": "C:\\Tools\\a.exe"},
        {"process.executable": "C:\\TOOLS\\A.EXE"},
    )
    assert first["process"]["hash"] == second["process"]["hash"]
