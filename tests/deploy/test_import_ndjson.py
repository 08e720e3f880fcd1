"""`dac import ndjson` on hostile export files: wrong types, blank lines, nesting."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.deploy.convert import comparable, content_hash, recorded_hash
from dac.errors import RuleLoadError
from dac.importers.kibana_ndjson import import_ndjson, read_ndjson_lines


def kibana_rule(identifier: str, **fields) -> dict:
    body = {
        "rule_id": identifier,
        "name": f"Rule {identifier}",
        "type": "eql",
        "language": "eql",
        "query": 'process where process.name == "cmd.exe"',
        "description": "d",
        "risk_score": 21,
        "severity": "low",
        "tags": ["managed-by:dac", "OS: Windows"],
    }
    body.update(fields)
    return body


def write_lines(path: Path, *lines: object) -> Path:
    """Write each item as one line: a dict as JSON, a string as it is."""
    text = "".join(
        (json.dumps(line) if isinstance(line, dict) else line) + "\n" for line in lines
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (5, "tags must be a list of strings, got a number"),
        ("managed-by:dac", "tags must be a list of strings, got a string"),
        (["ok", 7], "tags must be a list of strings, but item 1 is a number"),
    ],
)
def test_wrong_typed_tags_skip_line(tmp_path, tags, problem):
    export = write_lines(
        tmp_path / "export.ndjson",
        kibana_rule("rule-a"),
        kibana_rule("rule-b", tags=tags),
        kibana_rule("rule-c"),
    )

    report = import_ndjson(export, tmp_path / "out")

    assert report.skipped == [f"line 2: rule 'rule-b': {problem}"]
    written = sorted(p.name for p in report.written)
    assert written == ["rule_rule_a.toml", "rule_rule_c.toml"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"rule_id": 12345}, "rule_id must be a string, got a number"),
        ({"name": ["a", "b"]}, "name must be a string, got a list"),
        ({"risk_score": "21"}, "risk_score must be an integer, got a string"),
        ({"version": True}, "version must be an integer, got a boolean"),
        ({"index": {"a": 1}}, "index must be a list of strings, got an object"),
        ({"required_fields": ["x"]}, "but item 0 is a string"),
    ],
)
def test_other_wrong_types_named(tmp_path, fields, problem):
    export = write_lines(tmp_path / "e.ndjson", kibana_rule("rule-a", **fields))

    report = import_ndjson(export, tmp_path / "out")

    assert report.written == []
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("line 1: rule ")
    assert problem in report.skipped[0]


def test_cli_wrong_tags_exit_1_no_traceback(tmp_path):
    export = write_lines(
        tmp_path / "e.ndjson", kibana_rule("rule-a"), kibana_rule("rule-b", tags=5)
    )

    result = CliRunner().invoke(
        cli, ["import", "ndjson", str(export), "--out", str(tmp_path / "out")]
    )

    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "skipped line 2: rule 'rule-b': tags must be a list" in result.output
    assert "1 rules written, 1 skipped." in result.output


def test_line_numbers_count_blank_lines(tmp_path):
    export = write_lines(
        tmp_path / "e.ndjson",
        kibana_rule("rule-a"),
        "",
        "   ",
        {"list_id": "x", "type": "detection"},
        {"exported_count": 1},
    )

    report = import_ndjson(export, tmp_path / "out")

    assert report.skipped == ["line 4: exception list or item, not a rule"]


def test_line_separator_in_value_keeps_numbers(tmp_path):
    export = tmp_path / "e.ndjson"
    rule = kibana_rule("rule-a", description="a\u2028b")
    first = json.dumps(rule, ensure_ascii=False)
    export.write_text(first + "\n" + '{"list_id": "x"}\n', encoding="utf-8")

    pairs = read_ndjson_lines(export)

    assert [number for number, _ in pairs] == [1, 2]
    assert pairs[0][1]["description"] == "a\u2028b"


def test_deeply_nested_line_named(tmp_path):
    export = tmp_path / "deep.ndjson"
    export.write_text(
        json.dumps(kibana_rule("rule-a")) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n",
        encoding="utf-8",
    )

    with pytest.raises(RuleLoadError) as caught:
        read_ndjson_lines(export)

    assert "deep.ndjson:2" in str(caught.value)
    assert "nested too deeply" in str(caught.value)


@pytest.mark.parametrize("tags", [5, "managed-by:dac", None, [1, "x"]])
def test_comparable_accepts_odd_tags(tags):
    rule = kibana_rule("rule-a", tags=tags, required_fields=["x"], actions=[3])

    view = comparable(rule)

    assert view.get("tags") == (tags if tags else None)
    assert view["required_fields"] == ["x"]
    assert view["actions"] == [3]
    assert len(content_hash(rule)) == 64
    assert recorded_hash(rule) is None


SAME_NAME_IDS = ["corp-detection-001", "corp-detection-002", "corp-detection-003"]


@pytest.mark.parametrize("extra", [[], ["--overwrite"]])
def test_cli_same_name_writes_each_rule(tmp_path, extra):
    rules = [kibana_rule(r, name="Suspicious PowerShell") for r in SAME_NAME_IDS]
    export = write_lines(tmp_path / "e.ndjson", *rules)
    out = tmp_path / "out"

    result = CliRunner().invoke(
        cli, ["import", "ndjson", str(export), "--out", str(out), *extra]
    )

    assert result.exit_code == 0, result.output
    assert "3 rules written, 0 skipped." in result.output
    written = sorted(path.name for path in out.glob("*.toml"))
    assert len(written) == 3
    assert "suspicious_powershell.toml" in written
    contents = "".join(path.read_text(encoding="utf-8") for path in out.glob("*"))
    for rule_id in SAME_NAME_IDS:
        assert f'rule_id = "{rule_id}"' in contents


def test_same_name_reimport_overwrites_own_files(tmp_path):
    rules = [kibana_rule(r, name="Suspicious PowerShell") for r in SAME_NAME_IDS]
    export = write_lines(tmp_path / "e.ndjson", *rules)
    first = import_ndjson(export, tmp_path / "out")
    rules = [kibana_rule(r, name="Suspicious PowerShell") for r in SAME_NAME_IDS]
    reordered = write_lines(tmp_path / "r.ndjson", *reversed(rules))

    second = import_ndjson(reordered, tmp_path / "out", overwrite=True)

    assert second.skipped == []
    assert sorted(second.written) == sorted(first.written)
    assert len(list((tmp_path / "out").glob("*.toml"))) == 3


def test_repeated_rule_id_skips_later_line(tmp_path):
    export = write_lines(
        tmp_path / "e.ndjson",
        kibana_rule("rule-a", description="first"),
        kibana_rule("rule-a", description="second"),
    )

    report = import_ndjson(export, tmp_path / "out", overwrite=True)

    assert len(report.written) == 1
    assert report.skipped == [
        "line 2: rule 'rule-a' repeats line 1; only the first is written"
    ]
    assert "first" in report.written[0].read_text(encoding="utf-8")


def test_export_same_name_keeps_every_rule(repo, kibana):
    for rule_id in SAME_NAME_IDS:
        kibana.seed(kibana_rule(rule_id, name="Suspicious PowerShell"))
    out = repo.root / "out"
    args = ["export", "--env", "test", "--config", str(repo.config_path)]

    first = CliRunner().invoke(cli, [*args, "--out", str(out), "--overwrite"])
    second = CliRunner().invoke(cli, [*args, "--out", str(out), "--overwrite"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    paths = list(out.glob("*.toml"))
    assert len(paths) == 3
    rule_ids = sorted(
        tomllib.loads(path.read_text(encoding="utf-8"))["rule"]["rule_id"]
        for path in paths
    )
    assert rule_ids == SAME_NAME_IDS
