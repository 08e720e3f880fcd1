"""File errors in ``dac test`` reports: JSON lists them, JUnit keeps them."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.errors import RuleLoadError, TestCaseError
from dac.testing.report import render_json, render_junit

RULE = Path(__file__).parents[1] / "bad_input" / "valid_rule.toml"


def _rules_with_bad_yaml(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RULE, rules / "r.toml")
    (rules / "r.tests.yaml").write_text("cases:\n  - name: [x\n", encoding="utf-8")
    return rules


def test_json_lists_case_file_error(tmp_path):
    rules = _rules_with_bad_yaml(tmp_path)
    result = CliRunner().invoke(cli, ["test", "--format", "json", str(rules)])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    (error,) = document["errors"]
    assert error["path"] == str(rules / "r.tests.yaml")
    assert "invalid YAML at line" in error["message"]
    assert document["results"] == []


@pytest.mark.skipif(os.name != "posix", reason="symlinks need a POSIX file system")
def test_json_lists_unreadable_rule(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "gone.toml").symlink_to(tmp_path / "missing.toml")
    result = CliRunner().invoke(cli, ["test", "--format", "json", str(rules)])
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error["path"] == str(rules / "gone.toml")
    assert "broken symlink" in error["message"]
    assert error["line"] == 1


def test_json_without_errors_has_empty_list():
    document = json.loads(render_json([]))
    assert document["errors"] == []
    assert document["summary"] == {"cases": 0, "passed": 0, "failed": 0}


def test_json_error_fields():
    errors = [
        TestCaseError("bad expect", "a.tests.yaml", "case one"),
        RuleLoadError("invalid TOML: x", "b.toml", 3, 7),
    ]
    first, second = json.loads(render_json([], errors))["errors"]
    assert first == {
        "path": "a.tests.yaml",
        "message": "bad expect",
        "case": "case one",
    }
    assert second == {
        "path": "b.toml",
        "message": "invalid TOML: x",
        "line": 3,
        "column": 7,
    }


def test_junit_accepts_rule_load_error():
    root = ET.fromstring(render_junit([], [RuleLoadError("broken symlink", "b.toml")]))
    assert root.get("errors") == "1"
    (element,) = root.iter("error")
    assert element.get("message") == "broken symlink"
