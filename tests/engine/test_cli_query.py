"""``dac query`` end to end through click."""

from __future__ import annotations

import json

from click.testing import CliRunner
from dac.cli import cli

EVENTS = [
    {"@timestamp": "2023-01-01T00:00:02Z", "event": {"category": ["process"]}, "n": 2},
    {
        "_id": "first",
        "@timestamp": "2023-01-01T00:00:01Z",
        "event": {"category": ["process"]},
        "n": 1,
    },
]


def _run(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(cli, ["query", *args], input=stdin)


def test_query_ndjson_file(tmp_path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n", encoding="utf-8")
    result = _run(["process where n > 0", str(path), "--schema", "none"])
    assert result.exit_code == 0
    ids = [e["_id"] for e in json.loads(result.output)["hits"]["events"]]
    assert ids == ["first", "0"]


def test_query_json_array_stdin_and_size() -> None:
    result = _run(
        ["process where n > 0", "-", "--schema", "none", "--size", "1"],
        json.dumps(EVENTS),
    )
    assert result.exit_code == 0
    assert len(json.loads(result.output)["hits"]["events"]) == 1


def test_query_positions_count_across_files(tmp_path) -> None:
    first = tmp_path / "a.ndjson"
    second = tmp_path / "b.json"
    first.write_text(json.dumps(EVENTS[0]) + "\n", encoding="utf-8")
    second.write_text(
        json.dumps([{"@timestamp": 5, "event": {"category": ["process"]}, "n": 3}]),
        encoding="utf-8",
    )
    result = _run(["process where n == 3", str(first), str(second), "--schema", "none"])
    assert json.loads(result.output)["hits"]["events"][0]["_id"] == "1"


def test_query_bad_line_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(EVENTS[0]) + "\n{oops\n", encoding="utf-8")
    result = _run(["any where true", str(path), "--schema", "none"])
    assert result.exit_code == 2
    assert f"{path}:2:" in result.output
    assert "Traceback" not in result.output


def test_query_syntax_error_exit_2() -> None:
    result = _run(["process where n ==", "-", "--schema", "none"], "")
    assert result.exit_code == 2
    assert result.output.startswith("query:1:")


def test_query_unmapped_field_is_error() -> None:
    result = _run(
        ['process where nosuch == "x"', "-", "--schema", "none"], json.dumps(EVENTS)
    )
    assert result.exit_code == 2
    assert "nosuch" in result.output


def test_query_optional_unmapped_field_is_null() -> None:
    result = _run(
        ["process where ?nosuch == null", "-", "--schema", "none"], json.dumps(EVENTS)
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["hits"]["total"]["value"] == 2


def test_query_sequence_with_timestamp_override() -> None:
    events = [
        {"@timestamp": 1, "event": {"category": ["process"], "ingested": 9}, "n": 2},
        {"@timestamp": 2, "event": {"category": ["process"], "ingested": 1}, "n": 1},
    ]
    query = "sequence [process where n == 1] [process where n == 2]"
    result = _run(
        [query, "-", "--schema", "none", "--timestamp-field", "event.ingested"],
        json.dumps(events),
    )
    assert result.exit_code == 0
    sequences = json.loads(result.output)["hits"]["sequences"]
    assert [e["_id"] for e in sequences[0]["events"]] == ["1", "0"]


def test_query_deep_ndjson_is_input_error(tmp_path) -> None:
    path = tmp_path / "deep.ndjson"
    depth = 100_000
    path.write_text('{"a":' * depth + "1" + "}" * depth + "\n", encoding="utf-8")
    result = _run(["any where true", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1: nesting too deep" in result.output
    assert "Traceback" not in result.output


def test_query_deep_array_element_names_line(tmp_path) -> None:
    path = tmp_path / "deep.json"
    depth = 100_000
    path.write_text('[\n{"a": 1},\n' + "[" * depth + "]" * depth + "\n]", "utf-8")
    result = _run(["any where true", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: nesting too deep" in result.output


def test_query_array_errors_name_line(tmp_path) -> None:
    cases = {
        '[\n{"a": 1}\n{"b": 2}]': ":3: invalid JSON array: expected ',' or ']'",
        '[{"a": 1}] x': ":1: invalid JSON array: extra data after ']'",
        '[\n{"a": 1},\n5]': ":3: element 1 of the array is not a JSON object",
        '[{"a": 1},]': ":1:11: invalid JSON array: Expecting value",
    }
    for text, expected in cases.items():
        path = tmp_path / "events.json"
        path.write_text(text, encoding="utf-8")
        result = _run(["any where true", str(path), "--schema", "none"])
        assert result.exit_code == 2, text
        assert f"{path}{expected}" in result.output, result.output


def test_query_empty_array_has_no_hits(tmp_path) -> None:
    path = tmp_path / "events.json"
    path.write_text(" [ ]\n", encoding="utf-8")
    result = _run(["any where true", str(path), "--schema", "none"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hits"]["total"]["value"] == 0


def test_query_infinite_timestamp_names_line(tmp_path) -> None:
    path = tmp_path / "events.ndjson"
    good = json.dumps(EVENTS[0])
    path.write_text(f'{good}\n\n{{"@timestamp": 1e400, "n": 3}}\n', "utf-8")
    result = _run(["any where true", str(path), "--schema", "none"])
    assert result.exit_code == 2
    assert f"{path}:3: invalid @timestamp Infinity: the number is not finite" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_query_out_of_range_timestamps(tmp_path) -> None:
    values = ["9223372036854775808", '"99999999999999999999"', "-1e300"]
    for value in values:
        path = tmp_path / "events.ndjson"
        path.write_text(f'{{"event": {{"ingested": {value}}}}}\n', "utf-8")
        result = _run(
            ["any where true", str(path), "--timestamp-field", "event.ingested"]
        )
        assert result.exit_code == 2, value
        assert f"{path}:1: invalid event.ingested" in result.output, value
        assert "outside the range of a 64-bit integer" in result.output, value


def test_query_non_date_timestamps(tmp_path) -> None:
    cases = {
        '"garbage"': 'invalid @timestamp "garbage": not an ISO-8601 date',
        "true": "invalid @timestamp true: a boolean is not a date",
    }
    for value, expected in cases.items():
        path = tmp_path / "events.ndjson"
        good = json.dumps(EVENTS[0])
        path.write_text(f'{good}\n{{"@timestamp": {value}, "n": 3}}\n', "utf-8")
        result = _run(["any where true", str(path), "--schema", "none"])
        assert result.exit_code == 2, value
        assert f"{path}:2: {expected}" in result.output, result.output
        assert "Traceback" not in result.output


def test_query_terminal_stdin_is_usage_error() -> None:
    import os
    import subprocess
    import sys

    primary, secondary = os.openpty()
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "dac.cli", "query", "any where true"],
            stdin=secondary,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert completed.returncode == 2
    assert "no input: pass FILE... or - to read stdin" in completed.stderr


def test_query_backticked_name_with_schema(tmp_path) -> None:
    events = [
        {
            "_id": "nested",
            "@timestamp": 1,
            "event": {"category": "process"},
            "process": {"name": "cat"},
        },
        {
            "_id": "dotted",
            "@timestamp": 2,
            "event.category": "process",
            "process.name": "cat",
        },
        {
            "_id": "other",
            "@timestamp": 3,
            "event": {"category": "process"},
            "process": {"name": "dog"},
        },
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    result = _run(['process where `process.name` == "cat"', str(path)])
    assert result.exit_code == 0, result.output
    ids = [e["_id"] for e in json.loads(result.output)["hits"]["events"]]
    assert ids == ["nested", "dotted"]
