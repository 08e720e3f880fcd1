"""Rule discovery and loading: every ``*.toml`` path is loaded or reported.

A path that is not a regular file (a broken symlink, a symlink loop, a
directory named ``x.toml``) must become a load error in every command, so a
rule whose file cannot be read never looks deleted to ``dac plan --prune``.
"""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.deploy import PlanError, apply_plan, build_plan, load_config
from dac.errors import RuleLoadError
from dac.rules import iter_rule_files, load_rule, load_rules, parse_rule
from dac.rules.loader import BOM_MESSAGE, MAX_RULE_NESTING
from dac.validation.files import discover, load
from kibana.double import KibanaDouble

VALID_RULE = Path(__file__).parents[1] / "bad_input" / "valid_rule.toml"
posix_only = pytest.mark.skipif(
    os.name != "posix", reason="symlinks need a POSIX file system"
)


def _tree(root: Path) -> Path:
    """Write one valid rule, a broken symlink, a symlink loop and a directory."""
    rules = root / "rules"
    rules.mkdir()
    (rules / "good.toml").write_bytes(VALID_RULE.read_bytes())
    (rules / "broken.toml").symlink_to(root / "missing.toml")
    (rules / "loop.toml").symlink_to(rules / "loop.toml")
    (rules / "folder.toml").mkdir()
    return rules


@posix_only
def test_iter_rule_files_keeps_unreadable_paths(tmp_path):
    rules = _tree(tmp_path)
    names = [path.name for path in iter_rule_files([rules])]
    assert names == ["broken.toml", "folder.toml", "good.toml", "loop.toml"]


@posix_only
def test_load_rules_reports_unreadable_paths(tmp_path):
    rules = _tree(tmp_path)
    loaded, errors = load_rules([rules])
    assert [rule.path.name for rule in loaded] == ["good.toml"]
    messages = {Path(error.path).name: error.message for error in errors}
    assert "broken symlink" in messages["broken.toml"]
    assert "symlink loop" in messages["loop.toml"]
    assert "is a directory" in messages["folder.toml"]


@posix_only
def test_discovery_matches_validate(tmp_path):
    rules = _tree(tmp_path)
    from_validate = [found.path for found in discover([rules])]
    assert from_validate == list(iter_rule_files([rules]))


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_device_is_not_a_rule():
    with pytest.raises(RuleLoadError, match="not a regular file"):
        load_rule("/dev/null")


def test_bom_message_same_in_loader_and_validate(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID_RULE.read_bytes())
    with pytest.raises(RuleLoadError) as caught:
        load_rule(path)
    assert caught.value.message == BOM_MESSAGE
    (found,) = discover([path])
    diagnostic = load(found)
    assert diagnostic.code == "DAC105"
    assert diagnostic.message == BOM_MESSAGE


@pytest.mark.parametrize("depth", [MAX_RULE_NESTING + 1, 500, 5000])
def test_deep_toml_is_a_load_error(depth):
    text = "[rule]\nx = " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(RuleLoadError, match="nested deeper than"):
        parse_rule(text, "deep.toml")


def test_deep_toml_leaves_other_files_checked(tmp_path):
    (tmp_path / "a.toml").write_bytes(VALID_RULE.read_bytes())
    (tmp_path / "z.toml").write_text("[rule]\nx = " + "[" * 500 + "]" * 500 + "\n")
    result = CliRunner().invoke(
        cli, ["validate", "--ignore", "DAC6", "--format", "json", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output
    assert "z.toml" in result.output
    assert "DAC102" in result.output
    assert "a.toml" not in result.output.replace("z.toml", "")


def test_nesting_at_limit_loads():
    value = "[" * (MAX_RULE_NESTING - 2) + "]" * (MAX_RULE_NESTING - 2)
    rule = parse_rule(f"[rule]\nname = 'x'\nx = {value}\n", "ok.toml")
    assert rule.data["rule"]["name"] == "x"


@posix_only
@pytest.mark.parametrize("command", [["test"], ["coverage", "--navigator", "N"]])
def test_cli_fails_on_broken_symlink(tmp_path, command):
    rules = _tree(tmp_path)
    args = [arg.replace("N", str(tmp_path / "layer.json")) for arg in command]
    result = CliRunner().invoke(cli, [*args, str(rules)])
    assert result.exit_code != 0, result.output
    assert "broken symlink" in result.output


@posix_only
def test_version_bump_stops_on_broken_symlink(tmp_path):
    rules = _tree(tmp_path)
    lock = tmp_path / "version.lock.json"
    result = CliRunner().invoke(
        cli, ["version", "bump", str(rules), "--lock", str(lock)]
    )
    assert result.exit_code != 0, result.output
    # The CLI entry point prints a DacError; the click runner keeps it raised.
    assert "broken symlink" in result.output + str(result.exception)
    assert not lock.exists()


API_KEY = "discovery-test-key-0123456789"
KEY_ENV = "DAC_TEST_DISCOVERY_API_KEY"


@posix_only
def test_prune_stops_on_broken_symlink(tmp_path, monkeypatch):
    rules = tmp_path / "detections"
    rules.mkdir()
    rule_path = rules / "rule.toml"
    rule_path.write_bytes(VALID_RULE.read_bytes())
    # Deploy validates the rule, and validation requires test cases.
    (rules / "rule.tests.yaml").write_text(
        dedent(
            """\
            defaults:
              host.os.type: windows
              event.type: start
            cases:
              - name: cmd started
                events:
                  - process.name: cmd.exe
                expect:
                  alert: true
              - name: other process
                events:
                  - process.name: notepad.exe
                expect:
                  alert: false
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv(KEY_ENV, API_KEY)
    with KibanaDouble(api_keys=(API_KEY,)) as kibana:
        config = tmp_path / "dac.toml"
        config.write_text(
            dedent(
                f"""\
                managed_tag = "managed-by:dac"

                [environments.test]
                kibana_url = "{kibana.url}"
                max_attempts = 1

                [environments.test.auth]
                api_key_env = "{KEY_ENV}"

                [environments.test.rules]
                paths = ["{rules}"]
                """
            ),
            encoding="utf-8",
        )
        environment = load_config(config).environment("test")
        with environment.client() as client:
            plan = build_plan(environment, client)
            apply_plan(plan, client, "managed-by:dac", prune=True)
            deployed = set(kibana.rules())
            assert deployed

            rule_path.unlink()
            rule_path.symlink_to(tmp_path / "moved-away.toml")
            with pytest.raises(PlanError, match="broken symlink"):
                build_plan(environment, client)
        assert set(kibana.rules()) == deployed
