"""Fixtures: throwaway git repositories of rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.helpers import (
    ID_ALPHA,
    ID_BRAVO,
    ID_CHARLIE,
    ID_DELTA,
    GitRepo,
    cases_text,
    rule_text,
)


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """Return an empty git repository in a temporary directory."""
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def change_repo(git_repo: GitRepo) -> GitRepo:
    """Return a repository whose last commit adds, changes and removes rules.

    Base: alpha (T1059, v1), bravo (T1218, v1), charlie (T1112).
    Head: alpha moves to T1204, bumps to v2 and reads process.parent.name.
    Bravo changes its description without a version bump. Charlie is gone,
    and delta (T1112) is new.
    """
    repo = git_repo
    repo.write_rule(
        "alpha", rule_text(ID_ALPHA, "Alpha", "alpha.exe"), cases_text("alpha.exe")
    )
    repo.write_rule(
        "bravo",
        rule_text(ID_BRAVO, "Bravo", "bravo.exe", technique="T1218"),
        cases_text("bravo.exe"),
    )
    repo.write_rule(
        "charlie",
        rule_text(ID_CHARLIE, "Charlie", "charlie.exe", technique="T1112"),
        cases_text("charlie.exe"),
    )
    repo.commit("base rules")

    repo.write_rule(
        "alpha",
        rule_text(
            ID_ALPHA,
            "Alpha",
            "alpha.exe",
            version=2,
            technique="T1204",
            parent_name="explorer.exe",
        ),
        cases_text("alpha.exe", parent_name="explorer.exe"),
    )
    repo.write_rule(
        "bravo",
        rule_text(
            ID_BRAVO,
            "Bravo",
            "bravo.exe",
            technique="T1218",
            description="Detects bravo.exe starting.",
        ),
        None,
    )
    repo.remove("detections/windows/charlie.toml")
    repo.remove("detections/windows/charlie.tests.yaml")
    repo.write_rule(
        "delta",
        rule_text(ID_DELTA, "Delta", "delta.exe", technique="T1112"),
        cases_text("delta.exe"),
    )
    repo.commit("change rules")
    return repo
