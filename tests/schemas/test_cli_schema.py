"""The ``dac schema`` verb."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from dac.cli import cli


def test_show_prints_type_per_table():
    result = CliRunner().invoke(cli, ["schema", "show", "process.name.caseless"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split()[-1] for line in result.output.splitlines()}
    assert lines["defend-process"] == "keyword"
    assert lines["sysmon"] == "keyword"
    assert lines["ecs"] == "-"


def test_show_unknown_field_suggests_and_exits_1():
    result = CliRunner().invoke(cli, ["schema", "show", "process.comand_line"])
    assert result.exit_code == 1
    assert "not mapped in any table" in result.output
    assert "process.command_line" in result.output


def test_templates_writes_one_file_per_stream(tmp_path: Path):
    out = tmp_path / "templates"
    result = CliRunner().invoke(cli, ["schema", "templates", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in out.iterdir())
    assert "dac-defend-process.json" in written
    assert "dac-sysmon.json" in written
    template = json.loads((out / "dac-defend-process.json").read_text())
    assert template["template"]["mappings"]["dynamic"] is False
