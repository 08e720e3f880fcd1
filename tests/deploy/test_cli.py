"""The plan, deploy, export, import and version verbs through the click CLI."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner
from dac.cli import cli

from deploy.conftest import API_KEY


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_plan_text_lists_changes(repo):
    result = run("plan", "--env", "test", "--config", str(repo.config_path))
    assert result.exit_code == 0, result.output
    assert "+ create    aaaaaaaa-0000-4000-8000-00000000000a  Rule A" in result.output
    assert (
        "Plan: 3 to create, 0 to update, 0 to disable, 0 to delete, 0 unchanged."
        in result.output
    )


def test_plan_json_and_markdown(repo):
    result = run(
        "plan", "--env", "test", "--config", str(repo.config_path), "--format", "json"
    )
    document = json.loads(result.output)
    assert document["counts"]["create"] == 3
    assert [r["rule_id"] for r in document["rules"]] == [
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "cccccccc-0000-4000-8000-00000000000c",
    ]
    result = run(
        "plan",
        "--env",
        "test",
        "--config",
        str(repo.config_path),
        "--format",
        "markdown",
    )
    assert (
        "| create | `aaaaaaaa-0000-4000-8000-00000000000a` | Rule A |" in result.output
    )


def test_plan_detailed_exitcode(repo):
    args = ["plan", "--env", "test", "--config", str(repo.config_path)]
    assert run(*args, "--detailed-exitcode").exit_code == 1
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    assert run(*args, "--detailed-exitcode").exit_code == 0


def test_deploy_without_tty_applies_nothing(repo, kibana):
    result = run("deploy", "--env", "test", "--config", str(repo.config_path))
    assert result.exit_code == 2
    assert "rerun with --yes" in result.output
    assert kibana.rules() == {}


def test_deploy_yes_applies_and_converges(repo, kibana):
    args = ["deploy", "--env", "test", "--config", str(repo.config_path), "--yes"]
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "Apply: 3 done, 0 skipped, 0 failed." in first.output
    assert set(kibana.rules()) == {
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "cccccccc-0000-4000-8000-00000000000c",
    }
    second = run(*args)
    assert second.exit_code == 0
    assert "Nothing to apply." in second.output


def test_deploy_json_is_one_document(repo):
    result = run(
        "deploy",
        "--env",
        "test",
        "--config",
        str(repo.config_path),
        "--yes",
        "--format",
        "json",
    )
    document = json.loads(result.output)
    assert document["failed"] == 0
    assert len(document["results"]) == 3


def test_failing_deploy_exit_1_and_keeps_secret(repo, kibana, caplog):
    caplog.set_level(logging.DEBUG)
    kibana.add_fault(
        method="POST",
        path="/rules",
        status=400,
        body_contains="bbbbbbbb-0000-4000-8000-00000000000b",
    )
    kibana.add_fault(
        method="POST",
        path="/rules",
        status=503,
        times=5,
        body_contains="cccccccc-0000-4000-8000-00000000000c",
    )
    result = run(
        "-vv", "deploy", "--env", "test", "--config", str(repo.config_path), "--yes"
    )
    assert result.exit_code == 1
    assert "failed   create  bbbbbbbb-0000-4000-8000-00000000000b" in result.output
    assert "HTTP 400" in result.output
    assert "Apply: 1 done, 0 skipped, 2 failed." in result.output
    everything = result.output + caplog.text
    assert "POST /api/detection_engine/rules" in caplog.text
    assert API_KEY not in everything


def test_wrong_key_is_clean_error(repo, monkeypatch):
    monkeypatch.setenv("DAC_TEST_KIBANA_API_KEY", "not-the-key")
    result = CliRunner().invoke(
        cli, ["plan", "--env", "test", "--config", str(repo.config_path)]
    )
    assert result.exit_code != 0
    assert "HTTP 401" in str(result.exception)
    assert "not-the-key" not in result.output + str(result.exception)


def test_export_then_plan_shows_no_change(repo, kibana, tmp_path):
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    kibana.edit_in_ui(
        "aaaaaaaa-0000-4000-8000-00000000000a", note="Look at the parent process first."
    )
    out = repo.root / "exported"
    result = run(
        "export", "--env", "test", "--config", str(repo.config_path), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.toml"))) == 3
    for path in repo.rules_dir.iterdir():
        path.unlink()
    for path in out.iterdir():
        path.rename(repo.rules_dir / path.name)
    plan = run(
        "plan", "--env", "test", "--config", str(repo.config_path), "--format", "json"
    )
    counts = json.loads(plan.output)["counts"]
    assert counts == {
        "create": 0,
        "replace": 0,
        "update": 0,
        "disable": 0,
        "delete": 0,
        "unchanged": 3,
        "excluded": 0,
    }


def test_export_keeps_existing_files(repo, kibana):
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    args = ["export", "--env", "test", "--config", str(repo.config_path)]
    run(*args, "--out", str(repo.root / "out"))
    again = run(*args, "--out", str(repo.root / "out"))
    assert again.exit_code == 1
    assert "pass --overwrite" in again.output
    assert run(*args, "--out", str(repo.root / "out"), "--overwrite").exit_code == 0


def test_import_ndjson_round_trip(repo, kibana, client):
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    export = repo.root / "rules_export.ndjson"
    lines = [json.dumps(item) for item in client.export_rules()]
    lines.insert(1, json.dumps({"list_id": "endpoint_list", "type": "endpoint"}))
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = repo.root / "imported"
    result = run("import", "ndjson", str(export), "--out", str(out))
    assert result.exit_code == 1, "the exception list line is reported as skipped"
    assert "3 rules written, 1 skipped." in result.output
    names = sorted(p.name for p in out.glob("*.toml"))
    assert names == ["rule_a.toml", "rule_b.toml", "rule_c.toml"]
    repo.write_config()
    for path in repo.rules_dir.iterdir():
        path.unlink()
    for path in out.iterdir():
        path.rename(repo.rules_dir / path.name)
    plan = run("plan", "--env", "test", "--config", str(repo.config_path))
    counts = "0 to create, 0 to update, 0 to disable, 0 to delete, 3 unchanged"
    assert counts in plan.output
    # The imported files have no test cases beside them, which validation
    # reports as an error, so the plan lists them as blocked.
    assert "3 blocked by validation errors" in plan.output


def test_import_bad_ndjson_names_line(tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"rule_id": "a"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["import", "ndjson", str(bad), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0
    assert "bad.ndjson:2:1: line is not JSON" in str(result.exception)


def test_entry_point_error_is_one_line(repo, monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setenv("DAC_TEST_KIBANA_API_KEY", "wrong-secret-value")
    dac = Path(sys.executable).with_name("dac")
    completed = subprocess.run(
        [str(dac), "plan", "--env", "test", "--config", str(repo.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: GET /api/detection_engine/rules/_find")
    assert "HTTP 401" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "wrong-secret-value" not in completed.stdout + completed.stderr


def test_deploy_confirmation_on_terminal(repo, kibana, monkeypatch):
    monkeypatch.setattr("dac.cli.deploy._stdin_is_terminal", lambda: True)
    args = ["deploy", "--env", "test", "--config", str(repo.config_path)]
    declined = CliRunner().invoke(cli, args, input="n\n")
    assert declined.exit_code == 2
    assert "Apply this plan to test?" in declined.output
    assert kibana.rules() == {}
    accepted = CliRunner().invoke(cli, args, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(kibana.rules()) == 3


def test_plan_text_explains_drift(repo, kibana):
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    kibana.edit_in_ui("bbbbbbbb-0000-4000-8000-00000000000b", severity="high")
    result = run("plan", "--env", "test", "--config", str(repo.config_path))
    rule_b = "bbbbbbbb-0000-4000-8000-00000000000b"
    assert f"~ update    {rule_b}  Rule B  (drift: edited in Kibana" in result.output
    assert "deploy reverts the Kibana edit" in result.output
    assert '      severity: "high" -> "low"' in result.output
    assert "1 edited in Kibana since the last deploy." in result.output


def test_plan_text_flags_unraised_version(repo, kibana):
    run("deploy", "--env", "test", "--config", str(repo.config_path), "--yes")
    repo.add_rule(
        "cccccccc-0000-4000-8000-00000000000c", "Rule C", query="process where true"
    )
    result = run("plan", "--env", "test", "--config", str(repo.config_path))
    assert "version 1 is already deployed with other content" in result.output


def test_basic_auth_secret_absent_from_output(tmp_path, caplog, monkeypatch):
    import base64

    from kibana.double import KibanaDouble

    from deploy.conftest import Repo

    password = "pa55-w0rd-for-deploy-tests"
    token = base64.b64encode(f"deployer:{password}".encode()).decode()
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DAC_TEST_PASSWORD", password)
    with KibanaDouble(api_keys=(), users={"deployer": password}) as double:
        repo = Repo(tmp_path, double.url)
        repo.add_rule("aaaaaaaa-0000-4000-8000-00000000000a", "Rule A")
        text = repo.config_path.read_text(encoding="utf-8").replace(
            'api_key_env = "DAC_TEST_KIBANA_API_KEY"',
            'username = "deployer"\npassword_env = "DAC_TEST_PASSWORD"',
        )
        repo.config_path.write_text(text, encoding="utf-8")
        double.add_fault(method="POST", path="/rules", status=400)
        result = run(
            "-vv", "deploy", "--env", "test", "--config", str(repo.config_path), "--yes"
        )
    assert result.exit_code == 1
    everything = result.output + caplog.text
    assert "HTTP 400" in everything
    assert password not in everything
    assert token not in everything
