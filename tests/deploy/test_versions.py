"""The version lock, `dac version bump` and the validation check."""

from __future__ import annotations

import json

from click.testing import CliRunner
from dac.cli import cli
from dac.deploy.versions import VersionLock, bump_versions
from dac.rules import load_rule
from dac.validation import version_lock

from deploy.conftest import rule_toml


def write_rule(tmp_path, query="process where true", extra=""):
    path = tmp_path / "detections" / "rule.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        rule_toml("r-1", "Rule", query=query, extra=extra), encoding="utf-8"
    )
    return path


def codes(path):
    return [d.code for d in version_lock.check(load_rule(path), None)]


def test_no_lock_no_findings(tmp_path):
    assert codes(write_rule(tmp_path)) == []


def test_rule_missing_from_lock_warns(tmp_path):
    (tmp_path / "version.lock.json").write_text("{}", encoding="utf-8")
    path = write_rule(tmp_path)
    [diagnostic] = version_lock.check(load_rule(path), None)
    assert diagnostic.code == "DAC902"
    assert diagnostic.severity == "warning"
    assert "dac version bump" in diagnostic.message


def test_bump_creates_lock_then_clean(tmp_path):
    path = write_rule(tmp_path)
    lock = VersionLock.load(tmp_path / "version.lock.json")
    [bump] = bump_versions([load_rule(path)], lock)
    assert (bump.old_version, bump.new_version) == (None, 1)
    data = json.loads((tmp_path / "version.lock.json").read_text(encoding="utf-8"))
    assert data["r-1"]["version"] == 1
    assert len(data["r-1"]["sha256"]) == 64
    assert codes(path) == []


def test_changed_content_without_bump_is_error(tmp_path):
    path = write_rule(tmp_path)
    bump_versions([load_rule(path)], VersionLock.load(tmp_path / "version.lock.json"))
    write_rule(tmp_path, query='process where process.name == "a.exe"')
    [diagnostic] = version_lock.check(load_rule(path), None)
    assert diagnostic.code == "DAC901"
    assert diagnostic.severity == "error"
    assert "content changed since version 1" in diagnostic.message


def test_bump_raises_version_and_rewrites_only_that_line(tmp_path):
    path = write_rule(tmp_path, extra="version = 2  # bumped by hand")
    bump_versions([load_rule(path)], VersionLock.load(tmp_path / "version.lock.json"))
    write_rule(
        tmp_path, query="process where 1 == 1", extra="version = 2  # bumped by hand"
    )
    before = path.read_text(encoding="utf-8")
    lock = VersionLock.load(tmp_path / "version.lock.json")
    [bump] = bump_versions([load_rule(path)], lock)
    assert (bump.old_version, bump.new_version, bump.file_changed) == (2, 3, True)
    after = path.read_text(encoding="utf-8")
    expected = before.replace("version = 2  # bumped", "version = 3  # bumped")
    assert after == expected
    assert codes(path) == []


def test_lower_version_than_lock_is_error(tmp_path):
    (tmp_path / "version.lock.json").write_text(
        '{"r-1": {"version": 5, "sha256": "0"}}', encoding="utf-8"
    )
    path = write_rule(tmp_path, extra="version = 2")
    assert codes(path) == ["DAC903"]


def test_unchanged_rule_not_bumped(tmp_path):
    path = write_rule(tmp_path)
    lock = VersionLock.load(tmp_path / "version.lock.json")
    bump_versions([load_rule(path)], lock)
    assert bump_versions([load_rule(path)], lock) == []


def test_corrupt_lock_reported(tmp_path):
    (tmp_path / "version.lock.json").write_text("{not json", encoding="utf-8")
    [diagnostic] = version_lock.check(load_rule(write_rule(tmp_path)), None)
    assert diagnostic.code == "DAC901"
    assert "cannot read the version lock" in diagnostic.message


def test_version_bump_cli(tmp_path, monkeypatch):
    path = write_rule(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["version", "bump", str(path)])
    assert result.exit_code == 0, result.output
    assert "r-1 new 1" in result.output
    assert (tmp_path / "version.lock.json").is_file()


def test_validate_reports_unbumped_change(tmp_path, monkeypatch):
    path = write_rule(tmp_path)
    bump_versions([load_rule(path)], VersionLock.load(tmp_path / "version.lock.json"))
    write_rule(tmp_path, query="process where process.pid == 4")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert "DAC901" in result.output
    assert result.exit_code == 1


def test_rule_outside_locked_paths_not_checked(tmp_path):
    (tmp_path / "version.lock.json").write_text("{}", encoding="utf-8")
    fixture = tmp_path / "tests" / "rule.toml"
    fixture.parent.mkdir()
    fixture.write_text(rule_toml("r-9", "Fixture"), encoding="utf-8")
    assert codes(fixture) == []
    assert codes(write_rule(tmp_path)) == ["DAC902"]


def test_locked_paths_come_from_dac_toml(tmp_path):
    (tmp_path / "version.lock.json").write_text("{}", encoding="utf-8")
    (tmp_path / "dac.toml").write_text(
        '[environments.a.rules]\npaths = ["rules"]\n', encoding="utf-8"
    )
    inside = tmp_path / "rules" / "rule.toml"
    inside.parent.mkdir()
    inside.write_text(rule_toml("r-8", "Inside"), encoding="utf-8")
    assert codes(inside) == ["DAC902"]
    assert codes(write_rule(tmp_path)) == []


def test_corrupt_lock_fix_in_message_works(tmp_path, monkeypatch):
    path = write_rule(tmp_path, extra="version = 4")
    lock = tmp_path / "badlock.json"
    lock.write_text('{"r-1": {"version": "four"}}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["version", "bump", str(path), "--lock", str(lock)]

    failed = CliRunner().invoke(cli, args)

    message = str(failed.exception)
    assert failed.exit_code != 0
    assert "run dac version bump to rebuild it" not in message
    assert "restore badlock.json from git, or delete it" in message
    assert f"dac version bump --lock {lock}" in message

    lock.unlink()
    rebuilt = CliRunner().invoke(cli, args)

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "r-1 new 4" in rebuilt.output
    assert VersionLock.load(lock).version_of("r-1") == 4


def test_bump_records_higher_toml_version(tmp_path):
    path = write_rule(tmp_path)
    lock = VersionLock.load(tmp_path / "version.lock.json")
    bump_versions([load_rule(path)], lock)
    write_rule(tmp_path, extra="version = 8")

    [bump] = bump_versions([load_rule(path)], lock)

    assert (bump.old_version, bump.new_version) == (1, 8)
    assert bump.file_changed is False
    assert VersionLock.load(lock.path).version_of("r-1") == 8
    assert codes(path) == []


def test_edit_after_recorded_version_is_error(tmp_path):
    path = write_rule(tmp_path)
    lock = VersionLock.load(tmp_path / "version.lock.json")
    bump_versions([load_rule(path)], lock)
    write_rule(tmp_path, extra="version = 8")
    bump_versions([load_rule(path)], lock)
    write_rule(tmp_path, query="process where process.pid == 4", extra="version = 8")

    [diagnostic] = version_lock.check(load_rule(path), None)

    assert diagnostic.code == "DAC901"
    assert diagnostic.severity == "error"
    assert "content changed since version 8" in diagnostic.message


def test_version_above_lock_warns(tmp_path):
    path = write_rule(tmp_path)
    bump_versions([load_rule(path)], VersionLock.load(tmp_path / "version.lock.json"))
    write_rule(tmp_path, query="process where process.pid == 4", extra="version = 8")

    [diagnostic] = version_lock.check(load_rule(path), None)

    assert diagnostic.code == "DAC906"
    assert diagnostic.severity == "warning"
    assert "higher than the locked version 1" in diagnostic.message
    assert f"dac version bump {path}" in diagnostic.message


def test_bump_goes_past_higher_toml_version(tmp_path):
    path = write_rule(tmp_path)
    lock = VersionLock.load(tmp_path / "version.lock.json")
    bump_versions([load_rule(path)], lock)
    write_rule(tmp_path, query="process where process.pid == 4", extra="version = 8")

    [bump] = bump_versions([load_rule(path)], lock)

    assert (bump.old_version, bump.new_version) == (1, 9)
    assert bump.file_changed is True
    assert "version = 9" in path.read_text(encoding="utf-8")
    assert codes(path) == []


def test_version_bump_cli_records_toml_version(tmp_path, monkeypatch):
    path = write_rule(tmp_path)
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(cli, ["version", "bump", str(path)])
    write_rule(tmp_path, extra="version = 8")

    result = CliRunner().invoke(cli, ["version", "bump", str(path)])

    assert result.exit_code == 0, result.output
    assert "r-1 1 -> 8" in result.output
    assert "1 rules bumped" in result.output


def test_bump_rejects_duplicate_rule_ids(tmp_path) -> None:
    import shutil
    from pathlib import Path

    from click.testing import CliRunner
    from dac.cli import cli

    root = Path(__file__).resolve().parents[2]
    rule = root / "detections/windows/execution/command_shell_started_via_rundll32.toml"
    (tmp_path / "rules").mkdir()
    shutil.copy(rule, tmp_path / "rules" / "a.toml")
    shutil.copy(rule, tmp_path / "rules" / "b.toml")
    lock = tmp_path / "lock.json"
    result = CliRunner().invoke(
        cli, ["version", "bump", str(tmp_path / "rules"), "--lock", str(lock)]
    )
    assert result.exit_code != 0
    message = str(result.exception)
    assert "duplicate rule_ids" in message
    assert "a.toml" in message
    assert "b.toml" in message
    assert not lock.exists()
