"""dac review on a real git repository built in each test."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.review.gitrev import GitError
from dac.review.pr import build_review

from review.helpers import (
    ID_ALPHA,
    ID_BRAVO,
    ID_CHARLIE,
    ID_DELTA,
    GitRepo,
    cases_text,
    rule_text,
)


def by_id(review) -> dict:
    return {change.rule_id: change for change in review.changes}


def test_review_classifies_changes(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)

    assert sorted(changes) == [ID_ALPHA, ID_BRAVO, ID_CHARLIE, ID_DELTA]
    assert changes[ID_ALPHA].change == "changed"
    assert changes[ID_BRAVO].change == "changed"
    assert changes[ID_CHARLIE].change == "removed"
    assert changes[ID_DELTA].change == "added"
    assert review.unchanged == 0


def test_review_version_bump(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)

    assert changes[ID_ALPHA].version_base == 1
    assert changes[ID_ALPHA].version_head == 2
    assert changes[ID_ALPHA].version_bumped is True
    assert changes[ID_BRAVO].version_bumped is False
    assert changes[ID_DELTA].version_bumped is None
    assert review.summary()["version_not_bumped"] == [ID_BRAVO]


def test_review_techniques_gained_and_lost(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)

    assert changes[ID_ALPHA].techniques_gained == ["T1204"]
    assert changes[ID_ALPHA].techniques_lost == ["T1059"]
    assert changes[ID_CHARLIE].techniques_lost == ["T1112"]
    assert changes[ID_DELTA].techniques_gained == ["T1112"]
    # T1112 stays covered (delta replaces charlie), so the repository
    # gains only T1204 and loses only T1059.
    assert review.coverage_gained == ["T1204"]
    assert review.coverage_lost == ["T1059"]


def test_review_new_query_field(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)

    assert changes[ID_ALPHA].fields_added == ["process.parent.name"]
    assert changes[ID_ALPHA].fields_removed == []
    assert changes[ID_BRAVO].fields_added == []
    assert "process.name" in changes[ID_DELTA].fields_added


def test_review_diffs(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)
    alpha = changes[ID_ALPHA]

    assert "-rule.version = 1" in alpha.metadata_diff
    assert "+rule.version = 2" in alpha.metadata_diff
    assert 'process.parent.name : "explorer.exe"' in alpha.query_diff
    assert changes[ID_BRAVO].query_diff == ""
    assert "rule.description" in changes[ID_BRAVO].metadata_diff
    assert alpha.tests_changed is True
    assert changes[ID_BRAVO].tests_changed is False


def test_review_runs_cases_at_head_and_base(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD~1", "HEAD")
    changes = by_id(review)
    alpha = changes[ID_ALPHA]

    assert alpha.tests_head is not None
    assert alpha.tests_head.passed == 2
    assert alpha.tests_head.failed == 0
    assert alpha.tests_base is not None
    assert alpha.tests_base.passed == 2
    assert changes[ID_DELTA].tests_base is None
    assert changes[ID_CHARLIE].tests_head is None
    assert review.ok is True


def test_review_failing_case_fails(git_repo: GitRepo):
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    git_repo.commit("base")
    # The query now looks for another process, so the alerting case fails.
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "other.exe", version=2), None
    )
    git_repo.commit("break alpha")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    alpha = by_id(review)[ID_ALPHA]

    assert alpha.tests_head.failed == 1
    assert alpha.tests_base.failed == 0
    assert alpha.ok is False
    assert review.ok is False


def test_review_validation_error_fails(git_repo: GitRepo):
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    git_repo.commit("base")
    broken = rule_text(ID_ALPHA, "Alpha", "alpha.exe", version=2).replace(
        "risk_score = 21", "risk_score = 99"
    )
    git_repo.write_rule("alpha", broken, None)
    git_repo.commit("risk score outside the severity band")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    alpha = by_id(review)[ID_ALPHA]

    assert alpha.error_count >= 1
    assert alpha.diagnostics[0].path == "detections/windows/alpha.toml"
    assert review.ok is False


def test_review_unloadable_rule_fails(git_repo: GitRepo):
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    git_repo.commit("base")
    git_repo.write("detections/windows/broken.toml", "[rule\nname = 1\n")
    git_repo.commit("add a file that is not TOML")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [change] = review.changes

    assert change.change == "added"
    assert change.load_error is not None
    assert "broken.toml" in change.load_error
    assert review.ok is False


def test_review_worktree(change_repo: GitRepo):
    change_repo.write_rule(
        "delta",
        rule_text(ID_DELTA, "Delta", "delta.exe", technique="T1112", version=3),
        None,
    )

    review = build_review(change_repo.root, "HEAD", None)
    [change] = review.changes

    assert review.head == "worktree"
    assert change.rule_id == ID_DELTA
    assert change.version_base == 1
    assert change.version_head == 3


def test_review_no_changes(change_repo: GitRepo):
    review = build_review(change_repo.root, "HEAD", "HEAD")

    assert review.changes == []
    assert review.unchanged == 3
    assert review.ok is True


def test_review_rejects_option_like_ref(change_repo: GitRepo):
    with pytest.raises(GitError, match="invalid git revision"):
        build_review(change_repo.root, "--output=/tmp/x", "HEAD")


def test_cli_json_shape(change_repo: GitRepo):
    result = CliRunner().invoke(
        cli,
        [
            "review",
            "--repo",
            str(change_repo.root),
            "--base",
            "HEAD~1",
            "--format",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {"rules", "summary"}
    for rule in document["rules"]:
        assert {"rule_id", "name", "change"} <= set(rule)
        assert rule["change"] in ("added", "changed", "removed")
    summary = document["summary"]
    assert summary["added"] == 1
    assert summary["changed"] == 2
    assert summary["removed"] == 1
    assert summary["coverage"] == {"gained": ["T1204"], "lost": ["T1059"]}
    assert summary["ok"] is True


def test_cli_markdown(change_repo: GitRepo):
    result = CliRunner().invoke(
        cli, ["review", "--repo", str(change_repo.root), "--base", "HEAD~1"]
    )

    assert result.exit_code == 0, result.output
    assert "| Rule | Change |" in result.output
    assert result.output.count("<details>") == 4
    assert "1 → 2" in result.output
    assert "techniques gained: T1204 User Execution;" in result.output
    assert "techniques lost: T1059 Command and Scripting Interpreter." in result.output
    assert "(not bumped)" in result.output


def test_cli_exit_1_on_failing_case(git_repo: GitRepo):
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    git_repo.commit("base")
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "other.exe", version=2), None
    )
    git_repo.commit("break alpha")

    result = CliRunner().invoke(
        cli, ["review", "--repo", str(git_repo.root), "--base", "HEAD~1"]
    )

    assert result.exit_code == 1
    assert "FAIL 1/2" in result.output


def test_cli_bad_ref(change_repo: GitRepo):
    result = CliRunner().invoke(
        cli, ["review", "--repo", str(change_repo.root), "--base", "no-such-branch"]
    )

    assert result.exit_code == 2
    assert "git revision 'no-such-branch' not found" in result.output
    assert "Traceback" not in result.output


def lock_text(version: int) -> str:
    entry = {"version": version, "sha256": "0" * 64}
    return json.dumps({ID_ALPHA: entry})


def test_review_version_from_lock(git_repo: GitRepo):
    # Rules without [rule] version take it from version.lock.json.
    unversioned = rule_text(ID_ALPHA, "Alpha", "alpha.exe").replace("version = 1\n", "")
    git_repo.write_rule("alpha", unversioned, cases_text("alpha.exe"))
    git_repo.write("version.lock.json", lock_text(3))
    git_repo.commit("base")
    git_repo.write_rule("alpha", unversioned.replace("Detects", "Finds"), None)
    git_repo.write("version.lock.json", lock_text(4))
    git_repo.commit("bump through the lock")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    alpha = by_id(review)[ID_ALPHA]

    assert alpha.version_base == 3
    assert alpha.version_head == 4
    assert alpha.version_bumped is True


def test_review_lock_message_names_repository_path(git_repo: GitRepo):
    git_repo.write_rule("alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), None)
    git_repo.write("version.lock.json", lock_text(1))
    git_repo.commit("base")
    changed = rule_text(ID_ALPHA, "Alpha", "alpha.exe", description="Finds alpha.")
    git_repo.write_rule("alpha", changed, None)
    git_repo.commit("change without a bump")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    [finding] = [d for d in by_id(review)[ID_ALPHA].diagnostics if d.code == "DAC901"]

    assert finding.path == "detections/windows/alpha.toml"
    assert "dac version bump detections/windows/alpha.toml" in finding.message
    assert "dac-review-" not in finding.message


def test_review_case_error_names_repository_path(git_repo: GitRepo):
    git_repo.write_rule("alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), None)
    git_repo.commit("base")
    git_repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe", version=2), "cases: ["
    )
    git_repo.commit("break the case file")

    review = build_review(git_repo.root, "HEAD~1", "HEAD")
    error = by_id(review)[ID_ALPHA].tests_head.error

    assert "detections/windows/alpha.tests.yaml" in error
    assert "dac-review-" not in error
