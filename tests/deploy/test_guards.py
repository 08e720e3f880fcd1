"""What plan and deploy show and reject: validation errors, retired rules,
version decreases, and the detail of each changed value."""

from __future__ import annotations

import json

from click.testing import CliRunner
from dac.cli import cli

RULE_A = "aaaaaaaa-0000-4000-8000-00000000000a"
RULE_B = "bbbbbbbb-0000-4000-8000-00000000000b"
RULE_C = "cccccccc-0000-4000-8000-00000000000c"
LONG_QUERY = (
    'process where host.os.type == "windows" and process.name : "cmd.exe" and '
    'process.parent.name : "explorer.exe" and user.name : "{user}"'
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def plan(repo, *extra: str):
    return run("plan", "--env", "test", "--config", str(repo.config_path), *extra)


def deploy(repo, *extra: str):
    args = ["deploy", "--env", "test", "--config", str(repo.config_path), "--yes"]
    return run(*args, *extra)


def test_syntax_error_blocks_deploy(repo, kibana):
    path = repo.add_rule(RULE_A, "Rule A", query="process where process.name ==")
    result = deploy(repo)
    assert result.exit_code == 1
    assert f"{path}:" in result.stderr
    assert ": error DAC4" in result.stderr
    assert "nothing applied: 1 rule(s) have validation errors" in result.stderr
    assert kibana.rules() == {}


def test_risk_band_mismatch_blocks_deploy(repo, kibana):
    deploy(repo)
    repo.add_rule(RULE_B, "Rule B", extra="version = 2").write_text(
        repo.rules_dir.joinpath(f"{RULE_B}.toml")
        .read_text(encoding="utf-8")
        .replace("risk_score = 21", "risk_score = 99"),
        encoding="utf-8",
    )
    result = deploy(repo)
    assert result.exit_code == 1
    assert "error DAC210 risk_score 99 does not match severity" in result.stderr
    assert kibana.rules()[RULE_B]["risk_score"] == 21


def test_unbumped_change_blocks_deploy(repo, kibana):
    lock = repo.root / "version.lock.json"
    bumped = run("version", "bump", str(repo.rules_dir), "--lock", str(lock))
    assert bumped.exit_code == 0, bumped.output
    assert deploy(repo).exit_code == 0
    repo.add_rule(RULE_C, "Rule C", query=LONG_QUERY.format(user="admin"))
    result = deploy(repo)
    assert result.exit_code == 1
    assert "error DAC901" in result.stderr
    assert kibana.rules()[RULE_C]["query"].strip().endswith('"cmd.exe"')


def test_plan_lists_errors_as_blocked(repo):
    repo.add_rule(RULE_A, "Rule A", query="process where process.name ==")
    text = plan(repo)
    assert text.exit_code == 0
    assert f"+ create    {RULE_A}  Rule A  (blocked: 1 validation error(s))" in (
        text.output
    )
    assert ": error DAC4" in text.output
    assert "1 blocked by validation errors, so deploy applies nothing." in text.output
    document = json.loads(plan(repo, "--format", "json").output)
    assert document["blocked"] == [RULE_A]
    [rule_a] = [r for r in document["rules"] if r["rule_id"] == RULE_A]
    assert rule_a["blocked"] is True
    assert rule_a["diagnostics"][0]["code"].startswith("DAC4")
    markdown = plan(repo, "--format", "markdown").output
    assert f"#### create `{RULE_A}` Rule A" in markdown
    assert ": error DAC4" in markdown


def test_warnings_do_not_block(repo, kibana):
    # '==' on process.name of a Windows rule is a DAC501 warning.
    query = 'process where host.os.type == "windows" and process.name == "cmd.exe"'
    repo.add_rule(RULE_A, "Rule A", query=query)
    result = deploy(repo)
    assert result.exit_code == 0, result.output
    assert "blocked" not in result.output
    assert RULE_A in kibana.rules()


def test_retired_rule_shown_and_disabled(repo, kibana):
    deploy(repo)
    repo.add_rule(RULE_C, "Rule C", maturity="development")
    repo.write_config(rules_table='maturity = ["production"]')
    text = plan(repo)
    assert f"x disable   {RULE_C}  Rule C  (excluded from this environment" in (
        text.output
    )
    assert "      enabled: true -> false" in text.output
    assert "1 to disable" in text.output
    result = deploy(repo)
    assert result.exit_code == 0, result.output
    assert f"disabled disable {RULE_C}" in result.output
    assert kibana.rules()[RULE_C]["enabled"] is False
    assert "kept disabled (excluded from this environment)" in plan(repo).output


def test_retired_rule_deleted_with_prune(repo, kibana):
    deploy(repo)
    repo.add_rule(RULE_C, "Rule C", maturity="deprecated")
    repo.write_config(rules_table='maturity = ["production"]')
    text = plan(repo, "--prune")
    assert f"- delete    {RULE_C}  Rule C  (excluded from this environment" in (
        text.output
    )
    assert deploy(repo, "--prune").exit_code == 0
    assert RULE_C not in kibana.rules()


def test_rule_absent_from_repository_kept(repo, kibana):
    deploy(repo)
    (repo.rules_dir / f"{RULE_C}.toml").unlink()
    assert deploy(repo).exit_code == 0
    assert kibana.rules()[RULE_C]["enabled"] is True


def test_version_decrease_flagged_and_blocked(repo, kibana):
    deploy(repo)
    kibana.edit_in_ui(RULE_B, version=7)
    text = plan(repo)
    message = "version would decrease from 7 to 1: bump the rule past 7"
    assert message in text.output
    assert "error DAC904" in text.output
    result = deploy(repo)
    assert result.exit_code == 1
    assert message in result.stderr
    assert kibana.rules()[RULE_B]["version"] == 7


def test_long_query_change_shows_difference(repo, kibana):
    repo.add_rule(RULE_A, "Rule A", query=LONG_QUERY.format(user="admin"))
    deploy(repo)
    repo.add_rule(
        RULE_A, "Rule A", query=LONG_QUERY.format(user="root"), extra="version = 2"
    )
    text = plan(repo).output
    # Cutting both values at a fixed width would hide the change at the end.
    assert '      query: ...e" and user.name : "[-admin-]{+root+}"\\n\n' in text
    markdown = plan(repo, "--format", "markdown").output
    assert "```diff" in markdown
    assert 'query: ...e" and user.name : "[-admin-]{+root+}"\\n' in markdown


def test_added_tag_shown_as_item(repo, kibana):
    deploy(repo)
    repo.add_rule(RULE_A, "Rule A", extra="version = 2").write_text(
        repo.rules_dir.joinpath(f"{RULE_A}.toml")
        .read_text(encoding="utf-8")
        .replace(
            'tags = ["OS: Windows"]', 'tags = ["OS: Windows", "analyst:reviewed"]'
        ),
        encoding="utf-8",
    )
    text = plan(repo).output
    assert "      tags: + analyst:reviewed" in text
    markdown = plan(repo, "--format", "markdown").output
    assert "+ analyst:reviewed" in markdown


def test_reused_version_blocks_deploy(repo, kibana):
    deploy(repo)
    path = repo.add_rule(RULE_B, "Rule B", query="process where process.pid == 4")

    text = plan(repo)
    result = deploy(repo)

    message = "version 1 is already deployed with other content: set version = 2"
    assert message in text.output
    assert "error DAC905" in text.output
    assert "with other content, see DAC905 below" in text.output
    assert result.exit_code == 1
    assert f"{path}:1:1: error DAC905 {message}" in result.stderr
    assert "process.pid" not in kibana.rules()[RULE_B]["query"]


def test_toml_version_then_edit_blocked(repo, kibana, monkeypatch):
    """Follow DAC904's advice, bump, deploy, then edit without a bump."""
    monkeypatch.chdir(repo.root)
    run("version", "bump", str(repo.rules_dir))
    deploy(repo)
    kibana.edit_in_ui(RULE_B, version=7)
    path = repo.add_rule(RULE_B, "Rule B", extra="version = 8")
    bumped = run("version", "bump", str(repo.rules_dir))
    assert "1 -> 8" in bumped.output
    assert deploy(repo).exit_code == 0
    assert kibana.rules()[RULE_B]["version"] == 8
    repo.add_rule(
        RULE_B, "Rule B", query="process where process.pid == 4", extra="version = 8"
    )

    validated = CliRunner().invoke(cli, ["validate", str(path)])
    result = deploy(repo)

    assert validated.exit_code == 1
    assert "DAC901" in validated.output
    assert result.exit_code == 1
    assert "error DAC905" in result.stderr
    assert "set version = 9" in result.stderr
    assert "process.pid" not in kibana.rules()[RULE_B]["query"]


UNMANAGED_RULE_A = {
    "rule_id": RULE_A,
    "name": "Hand-made rule",
    "description": "d",
    "risk_score": 1,
    "severity": "low",
    "type": "eql",
    "language": "eql",
    "query": "any where true",
}


def test_plan_shows_replace_of_unmanaged(repo, kibana):
    kibana.seed(UNMANAGED_RULE_A)

    text = plan(repo).output

    assert f"* replace   {RULE_A}  Rule A  (replaces the Kibana rule " in text
    assert "'Hand-made rule', which lacks the managed tag" in text
    assert "1 to replace (only with --adopt)" in text
    assert f"+ create    {RULE_A}" not in text


def test_deploy_rejects_replace_without_adopt(repo, kibana):
    kibana.seed(UNMANAGED_RULE_A)

    result = deploy(repo)

    assert result.exit_code == 1
    assert "without the managed tag" in result.stderr
    assert f"{RULE_A} ('Hand-made rule')" in result.stderr
    assert "Pass --adopt" in result.stderr
    assert kibana.rules()[RULE_A]["name"] == "Hand-made rule"
    assert list(kibana.rules()) == [RULE_A]


def test_deploy_adopt_replaces_unmanaged(repo, kibana):
    kibana.seed(UNMANAGED_RULE_A)

    result = deploy(repo, "--adopt")

    assert result.exit_code == 0, result.output
    assert f"replaced replace {RULE_A}" in result.output
    assert "replaced the unmanaged Kibana rule 'Hand-made rule'" in result.output
    assert kibana.rules()[RULE_A]["name"] == "Rule A"
    assert "managed-by:dac" in kibana.rules()[RULE_A]["tags"]
