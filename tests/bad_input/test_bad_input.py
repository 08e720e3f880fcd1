"""Run ``dac validate`` on each file of the bad-input corpus.

cases.csv lists, per file or directory, the code expected, the file line it
must point at, a fragment of its message and the exit code. An empty code
means the input must validate clean. Test-case presence (DAC6xx) is ignored:
the corpus is about rule files, not their test cases.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli

HERE = Path(__file__).parent
IGNORE = ["--ignore", "DAC6"]
# The console script installed next to the interpreter running the tests.
DAC = str(Path(sys.executable).with_name("dac"))


def _rows() -> list[dict[str, str]]:
    with open(HERE / "cases.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()


def _run(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", *IGNORE, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    return result.exit_code, json.loads(result.output)


def test_corpus_has_thirty_inputs():
    assert len(ROWS) >= 30


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_bad_input_row(row):
    target = HERE / row["path"]
    exit_code, output = _run(str(target))
    diagnostics = output["diagnostics"]
    assert exit_code == int(row["exit"]), diagnostics

    errors = {d["code"] for d in diagnostics if d["severity"] == "error"}
    if not row["code"]:
        assert diagnostics == []
        return
    matching = [d for d in diagnostics if d["code"] == row["code"]]
    assert matching, f"expected {row['code']}, got {diagnostics}"
    first = matching[0]
    assert first["line"] == int(row["line"]), first
    assert row["fragment"] in first["message"], first
    assert first["path"].startswith(str(target)), first
    if row["exit"] == "1":
        assert errors == {row["code"]}, diagnostics
    else:
        assert errors == set(), diagnostics


def test_huge_file_is_a_diagnostic(tmp_path):
    huge = tmp_path / "huge.toml"
    with open(huge, "w", encoding="utf-8") as handle:
        line = "# " + "x" * 1021 + "\n"
        for _ in range(10 * 1024):
            handle.write(line)
    exit_code, output = _run(str(huge))
    codes = [d["code"] for d in output["diagnostics"]]
    assert exit_code == 1
    assert codes == ["DAC104"]
    assert "byte limit" in output["diagnostics"][0]["message"]


def test_directory_named_toml_is_a_diagnostic(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    exit_code, output = _run(str(tmp_path))
    diagnostics = output["diagnostics"]
    assert exit_code == 1
    assert [d["code"] for d in diagnostics] == ["DAC100"]
    assert "is a directory" in diagnostics[0]["message"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks need a POSIX file system")
def test_symlink_loop_is_a_diagnostic(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    exit_code, output = _run(str(tmp_path))
    diagnostics = output["diagnostics"]
    assert exit_code == 1
    assert [d["code"] for d in diagnostics] == ["DAC100"]
    assert "symlink loop" in diagnostics[0]["message"]


def test_bad_file_does_not_stop_others(tmp_path):
    (tmp_path / "a_bad.toml").write_bytes(b"\xff\xfe not utf-8")
    good = (HERE / "valid_rule.toml").read_text(encoding="utf-8")
    (tmp_path / "b_good.toml").write_text(good, encoding="utf-8")
    exit_code, output = _run(str(tmp_path))
    assert exit_code == 1
    assert output["rules"] == 1
    assert [d["code"] for d in output["diagnostics"]] == ["DAC101"]


def test_missing_path_exits_two(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "path not found" in result.output


def test_text_output_ends_with_summary():
    result = CliRunner().invoke(
        cli, ["validate", *IGNORE, str(HERE / "risk_severity_mismatch.toml")]
    )
    lines = result.output.splitlines()
    assert result.exit_code == 1
    path = HERE / "risk_severity_mismatch.toml"
    assert lines[0].startswith(f"{path}:14:1: error DAC210 ")
    assert lines[-1] == "1 rules checked, 1 errors, 0 warnings"


def test_subprocess_prints_no_traceback(tmp_path):
    """Run the installed CLI on the whole corpus plus generated bad files."""
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    result = subprocess.run(
        [DAC, "validate", str(HERE), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert "rules checked" in result.stdout.splitlines()[-1]


def test_missing_attack_table_exits_two(monkeypatch):
    import dac.schemas
    from dac.errors import SchemaError

    def fail():
        raise SchemaError("no attack table in data/")

    monkeypatch.setattr(dac.schemas, "load_attack", fail)
    result = CliRunner().invoke(cli, ["validate", str(HERE / "valid_rule.toml")])
    assert result.exit_code == 2
    assert "cannot load the attack data" in result.output
