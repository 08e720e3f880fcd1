"""dac review on unusual inputs: links out of the repository, a wrong --rules-dir."""

from __future__ import annotations

import os

from click.testing import CliRunner
from dac.cli import cli
from dac.review.pr import build_review

from review.helpers import ID_ALPHA, ID_BRAVO, GitRepo, cases_text, rule_text


def commit_alpha(repo: GitRepo) -> None:
    repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    repo.commit("base")


def add_link(repo: GitRepo, relative: str, target: str) -> None:
    link = repo.root / relative
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def test_review_absolute_link_is_load_error(git_repo: GitRepo):
    commit_alpha(git_repo)
    add_link(git_repo, "detections/windows/evil.toml", "/etc/hostname")
    git_repo.commit("add a link to an absolute path")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.change == "added"
    assert change.load_error is not None
    assert "detections/windows/evil.toml" in change.load_error
    assert "outside the repository" in change.load_error
    assert review.ok is False


def test_review_relative_link_outside_is_load_error(git_repo: GitRepo):
    commit_alpha(git_repo)
    add_link(git_repo, "detections/windows/up.toml", "../../../../outside.toml")
    git_repo.commit("add a link that climbs out of the repository")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.load_error is not None
    assert "outside the repository" in change.load_error


def test_cli_link_outside_exits_1(git_repo: GitRepo):
    commit_alpha(git_repo)
    add_link(git_repo, "detections/windows/evil.toml", "/etc/hostname")
    git_repo.commit("add a link to an absolute path")

    result = CliRunner().invoke(
        cli, ["review", "--repo", str(git_repo.root), "--base", "HEAD~1"]
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "evil.toml" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_missing_rules_dir_exits_2(git_repo: GitRepo):
    commit_alpha(git_repo)
    git_repo.write("README.md", "change\n")
    git_repo.commit("second commit")

    result = CliRunner().invoke(
        cli,
        [
            "review",
            "--repo",
            str(git_repo.root),
            "--base",
            "HEAD~1",
            "--rules-dir",
            "nonexist",
        ],
    )

    assert result.exit_code == 2
    assert "'nonexist' not found at either revision" in result.output


def test_cli_missing_rules_dir_worktree_exits_2(git_repo: GitRepo):
    commit_alpha(git_repo)

    result = CliRunner().invoke(
        cli,
        [
            "review",
            "--repo",
            str(git_repo.root),
            "--base",
            "HEAD",
            "--worktree",
            "--rules-dir",
            "nonexist",
        ],
    )

    assert result.exit_code == 2
    assert "not found at either revision" in result.output


def test_review_rules_dir_only_at_head(git_repo: GitRepo):
    git_repo.write("README.md", "start\n")
    git_repo.commit("empty base")
    commit_alpha(git_repo)

    review = build_review(git_repo.root, "HEAD~1", "HEAD")

    assert [change.change for change in review.changes] == ["added"]


def test_cli_markdown_escapes_control_characters(git_repo: GitRepo):
    commit_alpha(git_repo)
    name = "Evil\\u001b[2J\\u0007"
    git_repo.write_rule("bravo", rule_text(ID_BRAVO, name, "bravo.exe"), None)
    git_repo.commit("add a rule whose name holds control characters")

    result = CliRunner().invoke(
        cli, ["review", "--repo", str(git_repo.root), "--base", "HEAD~1"]
    )

    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "Evil\\x1b[2J\\x07" in result.output
