"""The table generators, run on small synthetic sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from dac.schemas.generate.cli import cli
from dac.schemas.tables import DATA_DIR

ECS_FLAT = {
    "@timestamp": {"flat_name": "@timestamp", "type": "date", "normalize": []},
    "process.args": {
        "flat_name": "process.args",
        "type": "keyword",
        "ignore_above": 1024,
        "normalize": ["array"],
        "description": "dropped by the generator",
    },
    "process.command_line": {
        "flat_name": "process.command_line",
        "type": "wildcard",
        "normalize": [],
        "multi_fields": [
            {
                "flat_name": "process.command_line.text",
                "name": "text",
                "type": "match_only_text",
            }
        ],
    },
    "process.name": {
        "flat_name": "process.name",
        "type": "keyword",
        "ignore_above": 1024,
        "normalize": [],
        "multi_fields": [
            {
                "flat_name": "process.name.text",
                "name": "text",
                "type": "match_only_text",
            }
        ],
    },
    "process.pid": {"flat_name": "process.pid", "type": "long", "normalize": []},
    "event.original": {
        "flat_name": "event.original",
        "type": "keyword",
        "index": False,
        "doc_values": False,
        "normalize": [],
    },
    "host.cpu.usage": {
        "flat_name": "host.cpu.usage",
        "type": "scaled_float",
        "scaling_factor": 1000,
        "normalize": [],
    },
}

DEFEND_PROCESS_FIELDS = [
    {"name": "@timestamp", "type": "date"},
    {
        "name": "process",
        "type": "group",
        "fields": [
            {
                "name": "command_line",
                "type": "wildcard",
                "multi_fields": [
                    {
                        "name": "caseless",
                        "type": "keyword",
                        "normalizer": "lowercase",
                        "ignore_above": 1024,
                    },
                    {"name": "text", "type": "text", "norms": False},
                ],
            },
            {"name": "pid", "type": "long"},
            {"name": "ppid", "type": "long"},
            {"name": "Ext.ancestry", "type": "keyword", "ignore_above": 1024},
        ],
    },
]


def write_yaml(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def ecs_table(tmp_path: Path) -> Path:
    source = tmp_path / "ecs"
    write_yaml(source / "generated/ecs/ecs_flat.yml", ECS_FLAT)
    out = tmp_path / "out"
    result = run(
        "ecs", "--source", str(source), "--version", "0.0.1",
        "--commit", "abc123", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out / "ecs-0.0.1.json"


def committed(kind: str) -> dict:
    [path] = sorted(DATA_DIR.glob(f"{kind}-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def test_ecs_generator_output(ecs_table: Path):
    table = json.loads(ecs_table.read_text(encoding="utf-8"))
    assert table["fields"]["process.command_line"] == "wildcard"
    assert table["fields"]["process.command_line.text"] == "match_only_text"
    assert table["fields"]["process.name.text"] == "match_only_text"
    assert table["arrays"] == ["process.args"]
    assert table["params"]["event.original"] == {"index": False, "doc_values": False}
    assert table["params"]["host.cpu.usage"] == {"scaling_factor": 1000}
    assert "process.args" not in table["params"]
    assert "dropped by the generator" not in ecs_table.read_text(encoding="utf-8")
    meta = table["_meta"]
    assert meta["source"] == "elastic/ecs"
    assert meta["version"] == "0.0.1"
    assert meta["commit"] == "abc123"
    assert meta["generator"] == "dac.schemas.generate"
    assert meta["generated"]


def test_ecs_matches_committed_shape(ecs_table: Path):
    table = json.loads(ecs_table.read_text(encoding="utf-8"))
    shipped = committed("ecs")
    assert set(table) == set(shipped)
    assert set(table["_meta"]) == set(shipped["_meta"])
    for name, field_type in table["fields"].items():
        if name in shipped["fields"]:
            assert isinstance(shipped["fields"][name], str)
            assert isinstance(field_type, str)


def test_defend_splits_overlay(tmp_path: Path, ecs_table: Path):
    source = tmp_path / "endpoint-package"
    package = source / "package/endpoint"
    write_yaml(package / "manifest.yml", {"name": "endpoint", "version": "1.2.3"})
    stream = package / "data_stream/process"
    write_yaml(
        stream / "manifest.yml",
        {
            "type": "logs",
            "dataset": "endpoint.events.process",
            "elasticsearch": {"index_template": {"mappings": {"dynamic": False}}},
        },
    )
    write_yaml(stream / "fields/fields.yml", DEFEND_PROCESS_FIELDS)
    write_yaml(
        package / "data_stream/metadata/manifest.yml",
        {"type": "metrics", "dataset": "endpoint.metadata"},
    )
    out = tmp_path / "out"
    result = run(
        "defend", "--source", str(source), "--ecs-table", str(ecs_table),
        "--commit", "def456", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    table = json.loads((out / "defend-1.2.3.json").read_text(encoding="utf-8"))
    assert list(table["streams"]) == ["process"]
    process = table["streams"]["process"]
    assert process["index_pattern"] == "logs-endpoint.events.process-*"
    assert process["dynamic"] is False
    assert process["ecs"] == ["@timestamp", "process.command_line", "process.pid"]
    assert process["fields"] == {
        "process.Ext.ancestry": "keyword",
        "process.command_line.caseless": "keyword",
        "process.command_line.text": "text",
        "process.ppid": "long",
    }
    assert process["params"]["process.command_line.caseless"] == {
        "normalizer": "lowercase"
    }
    assert table["_meta"]["ecs_base"] == "0.0.1"
    shipped = committed("defend")
    assert set(table) == set(shipped)
    assert set(process) == set(shipped["streams"]["process"])


def test_windows_resolves_external(tmp_path: Path, ecs_table: Path):
    integration = tmp_path / "windows"
    fields_dir = integration / "data_stream/sysmon_operational/fields"
    write_yaml(
        fields_dir / "ecs.yml",
        [
            {"name": "process.command_line", "external": "ecs"},
            {
                "name": "process.name",
                "external": "ecs",
                "multi_fields": [
                    {
                        "name": "caseless",
                        "type": "keyword",
                        "normalizer": "lowercase",
                        "ignore_above": 1024,
                    },
                    {"name": "text", "type": "match_only_text"},
                ],
            },
        ],
    )
    write_yaml(
        fields_dir / "winlog.yml",
        [
            {
                "name": "winlog",
                "type": "group",
                "fields": [
                    {"name": "event_data", "type": "object", "object_type": "keyword"},
                    {"name": "event_id", "type": "keyword"},
                ],
            }
        ],
    )
    beats = tmp_path / "beats"
    write_yaml(
        beats / "winlogbeat/_meta/fields.common.yml",
        [{"key": "winlog", "fields": [{"name": "winlog.api"}]}],
    )
    out = tmp_path / "out"
    result = run(
        "windows", "--integration", str(integration), "--beats", str(beats),
        "--ecs-table", str(ecs_table), "--version", "2.0.0",
        "--winlogbeat-version", "9.0.0", "--commit", "i1",
        "--beats-commit", "b1", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    tables = json.loads((out / "windows-2.0.0.json").read_text())["tables"]
    sysmon = tables["sysmon"]
    assert "process.command_line" in sysmon["ecs"]
    assert "process.name.text" in sysmon["ecs"]
    assert sysmon["fields"]["process.name.caseless"] == "keyword"
    assert sysmon["params"]["winlog.event_data"] == {"object_type": "keyword"}
    winlogbeat = tables["winlogbeat"]
    assert winlogbeat["fields"]["winlog.api"] == "keyword"
    assert "process.pid" in winlogbeat["ecs"]
    assert winlogbeat["version"] == "9.0.0"


def test_windows_rejects_unknown_external(tmp_path: Path, ecs_table: Path):
    integration = tmp_path / "windows"
    write_yaml(
        integration / "data_stream/sysmon_operational/fields/ecs.yml",
        [{"name": "process.no_such_field", "external": "ecs"}],
    )
    beats = tmp_path / "beats"
    write_yaml(beats / "winlogbeat/_meta/fields.common.yml", [])
    result = CliRunner().invoke(
        cli,
        [
            "windows",
            "--integration",
            str(integration),
            "--beats",
            str(beats),
            "--ecs-table",
            str(ecs_table),
            "--version",
            "2.0.0",
            "--winlogbeat-version",
            "9",
            "--commit",
            "i",
            "--beats-commit",
            "b",
            "--out",
            str(tmp_path / "out"),
        ],  # fmt: skip
    )
    assert result.exit_code != 0
    assert "process.no_such_field" in str(result.exception)


def test_attack_generator_reads_bundle(tmp_path: Path):
    bundle = {
        "type": "bundle",
        "objects": [
            {
                "type": "x-mitre-tactic",
                "name": "Execution",
                "x_mitre_shortname": "execution",
                "external_references": [
                    {"source_name": "mitre-attack", "external_id": "TA0002"}
                ],
            },
            {
                "type": "attack-pattern",
                "name": "Command and Scripting Interpreter",
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": "execution"}
                ],
                "external_references": [
                    {"source_name": "mitre-attack", "external_id": "T1059"}
                ],
            },
            {
                "type": "attack-pattern",
                "name": "PowerShell",
                "x_mitre_deprecated": False,
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": "execution"}
                ],
                "external_references": [
                    {"source_name": "mitre-attack", "external_id": "T1059.001"}
                ],
            },
            {
                "type": "attack-pattern",
                "name": "Old",
                "revoked": True,
                "external_references": [
                    {"source_name": "mitre-attack", "external_id": "T1000"}
                ],
            },
            {"type": "relationship", "relationship_type": "uses"},
        ],
    }
    path = tmp_path / "enterprise-attack.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    out = tmp_path / "out"
    result = run(
        "attack", "--source", str(path), "--version", "1.0",
        "--commit", "c1", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    table = json.loads((out / "attack-1.0.json").read_text(encoding="utf-8"))
    assert table["tactics"] == {
        "TA0002": {"name": "Execution", "shortname": "execution"}
    }
    assert table["techniques"]["T1059.001"]["parent"] == "T1059"
    assert table["techniques"]["T1059.001"]["tactics"] == ["TA0002"]
    assert table["techniques"]["T1059"]["parent"] is None
    assert table["techniques"]["T1000"]["revoked"] is True
    shipped = committed("attack")
    assert set(table) == set(shipped)
    assert set(table["techniques"]["T1059"]) == set(shipped["techniques"]["T1059"])


def test_missing_source_file_fails(tmp_path: Path):
    source = tmp_path / "empty"
    source.mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "ecs",
            "--source",
            str(source),
            "--version",
            "1",
            "--commit",
            "x",
            "--out",
            str(tmp_path / "out"),
        ],  # fmt: skip
    )
    assert result.exit_code != 0
    assert "ecs_flat.yml" in str(result.exception)
