"""dac review of renamed rule files: moves, and when a move needs a bump."""

from __future__ import annotations

import json

from click.testing import CliRunner
from dac.cli import cli
from dac.review.markdown import render_markdown
from dac.review.pr import build_review

from review.helpers import ID_ALPHA, GitRepo, cases_text, rule_text

OLD = "detections/windows/alpha.toml"
NEW = "detections/linux/alpha-renamed.toml"


def base_commit(repo: GitRepo) -> None:
    repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    repo.commit("base")


def move_rule(repo: GitRepo) -> None:
    (repo.root / "detections/linux").mkdir(parents=True, exist_ok=True)
    repo.git("mv", OLD, NEW)
    repo.git(
        "mv",
        "detections/windows/alpha.tests.yaml",
        "detections/linux/alpha-renamed.tests.yaml",
    )


def test_pure_rename_is_moved(git_repo: GitRepo):
    base_commit(git_repo)
    move_rule(git_repo)
    git_repo.commit("move alpha")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.change == "moved"
    assert change.path == NEW
    assert change.base_path == OLD
    assert change.bump_required is False
    assert change.tests_changed is False
    assert change.tests_moved is True
    assert change.ok is True
    assert review.summary()["moved"] == 1
    assert review.summary()["changed"] == 0
    assert review.summary()["version_not_bumped"] == []
    assert review.unchanged == 0


def test_pure_rename_markdown(git_repo: GitRepo):
    base_commit(git_repo)
    move_rule(git_repo)
    git_repo.commit("move alpha")

    text = render_markdown(build_review(git_repo.root, "HEAD~1", "HEAD"))

    assert f"moved (from <code>{OLD}</code>)" in text
    assert "1 moved" in text
    assert "keep their version" not in text
    assert "(not bumped)" not in text
    assert "test-case files moved with it" in text
    assert "test-case files changed" not in text


def test_move_with_deployed_change_needs_bump(git_repo: GitRepo):
    base_commit(git_repo)
    move_rule(git_repo)
    git_repo.write(
        NEW, rule_text(ID_ALPHA, "Alpha", "alpha.exe", description="Finds alpha.")
    )
    git_repo.commit("move and reword alpha")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.change == "changed"
    assert change.base_path == OLD
    assert change.bump_required is True
    assert change.version_bumped is False
    assert review.summary()["version_not_bumped"] == [ID_ALPHA]
    assert f"moved from <code>{OLD}</code>" in render_markdown(review)


def test_case_change_alone_needs_no_bump(git_repo: GitRepo):
    base_commit(git_repo)
    git_repo.write(
        "detections/windows/alpha.tests.yaml",
        cases_text("alpha.exe") + "# one more comment\n",
    )
    git_repo.commit("edit the cases only")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.change == "changed"
    assert change.tests_changed is True
    assert change.bump_required is False
    assert review.summary()["version_not_bumped"] == []


def test_cli_json_moved(git_repo: GitRepo):
    base_commit(git_repo)
    move_rule(git_repo)
    git_repo.commit("move alpha")

    result = CliRunner().invoke(
        cli,
        [
            "review",
            "--base",
            "HEAD~1",
            "--repo",
            str(git_repo.root),
            "--format",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    [rule] = json.loads(result.output)["rules"]
    assert rule["change"] == "moved"
    assert rule["base_path"] == OLD
    assert rule["version"]["bump_required"] is False
    assert rule["tests_moved"] is True
