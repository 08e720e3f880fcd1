"""Build the review of a rule change between two git revisions.

The base revision's rule directory is extracted with ``git archive`` into a
temporary directory, so its test cases run against the base files exactly as
they were. The head is extracted the same way, or read from the working tree
when ``head`` is None.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dac.deploy.versions import LOCK_FILE, VersionLock, effective_version
from dac.review import gitrev
from dac.review.changes import RuleChange, compare_rulesets, coverage_delta
from dac.review.checks import (
    CaseRunner,
    Validator,
    default_runner,
    default_validator,
    get_backend,
    run_rule_cases,
    validate,
)
from dac.review.facts import threat_entries
from dac.review.ruleset import RuleEntry, load_ruleset

log = logging.getLogger(__name__)

WORKTREE = "worktree"


@dataclass
class Review:
    """The review of every rule that differs between two revisions."""

    base: str
    head: str
    base_commit: str
    head_commit: str
    changes: list[RuleChange] = field(default_factory=list)
    unchanged: int = 0
    coverage_gained: list[str] = field(default_factory=list)
    coverage_lost: list[str] = field(default_factory=list)
    # Technique id -> name, from the ATT&CK table, else from the rules.
    technique_names: dict[str, str] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        """Count the rules with change ``kind`` (added, changed, moved, removed)."""
        return sum(1 for change in self.changes if change.change == kind)

    @property
    def ok(self) -> bool:
        """Tell whether every added, changed or moved rule loads, validates, passes."""
        return all(change.ok for change in self.changes)

    def summary(self) -> dict[str, Any]:
        """Return the counts and coverage delta shown above the per-rule details."""
        return {
            "base": self.base,
            "head": self.head,
            "base_commit": self.base_commit,
            "head_commit": self.head_commit,
            "added": self.count("added"),
            "changed": self.count("changed"),
            "moved": self.count("moved"),
            "removed": self.count("removed"),
            "unchanged": self.unchanged,
            "validation_errors": sum(c.error_count for c in self.changes),
            "failing_cases": sum(c.failed_cases for c in self.changes),
            "version_not_bumped": sorted(
                c.rule_id for c in self.changes if c.version_not_bumped
            ),
            "coverage": {
                "gained": self.coverage_gained,
                "lost": self.coverage_lost,
            },
            "ok": self.ok,
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``dac review --format json``."""
        return {
            "rules": [change.to_dict() for change in self.changes],
            "summary": self.summary(),
        }


def build_review(
    repo: Path,
    base: str,
    head: str | None = "HEAD",
    rules_dir: str = "detections",
    validator: Validator | None = None,
    runner: CaseRunner | None = None,
    backend: Any = None,
) -> Review:
    """Compare the rules under ``rules_dir`` at ``base`` and ``head``.

    ``head=None`` compares against the working tree. ``validator``,
    ``runner`` and ``backend`` default to the toolkit's validation, test
    runner and embedded backend. Raises :class:`~dac.review.gitrev.GitError`
    when a revision does not exist.
    """
    repo = gitrev.repository_root(repo)
    base_commit = gitrev.resolve_revision(repo, base)
    head_commit = gitrev.resolve_revision(repo, head) if head else WORKTREE
    validator = validator or default_validator()
    runner = runner or default_runner()
    if backend is None:
        backend = get_backend("embedded")

    _require_rules_dir(repo, base_commit, head_commit, rules_dir)
    with tempfile.TemporaryDirectory(prefix="dac-review-") as temp:
        base_root = Path(temp) / "base"
        base_entries = _load_revision(repo, base_commit, rules_dir, base_root)
        if head is None:
            head_root = repo
            files = gitrev.list_worktree_files(repo, rules_dir)
            head_entries = _with_versions(load_ruleset(head_root, files), repo)
        else:
            head_root = Path(temp) / "head"
            head_entries = _load_revision(repo, head_commit, rules_dir, head_root)

        review = Review(base, head or WORKTREE, base_commit, head_commit)
        review.changes = compare_rulesets(base_entries, head_entries)
        touched = sum(review.count(kind) for kind in ("added", "changed", "moved"))
        review.unchanged = len(head_entries) - touched
        gained, lost = coverage_delta(base_entries, head_entries)
        review.coverage_gained, review.coverage_lost = gained, lost
        review.technique_names = _technique_names(
            [*base_entries.values(), *head_entries.values()]
        )
        log.info(
            "review %s..%s: %d added, %d changed, %d moved, %d removed",
            base,
            head or WORKTREE,
            review.count("added"),
            review.count("changed"),
            review.count("moved"),
            review.count("removed"),
        )
        _check_head(review.changes, head_entries, head_root, validator, runner, backend)
        _check_base(review.changes, base_entries, base_root, runner, backend)
    return review


def _require_rules_dir(
    repo: Path, base_commit: str, head_commit: str, rules_dir: str
) -> None:
    """Raise :class:`GitError` when ``rules_dir`` exists at neither revision.

    A directory missing at one side is a normal review (all rules added or
    removed), but missing at both is almost always a mistyped ``--rules-dir``.
    """
    if gitrev.path_exists(repo, base_commit, rules_dir):
        return
    if head_commit == WORKTREE:
        if (repo / rules_dir).is_dir():
            return
    elif gitrev.path_exists(repo, head_commit, rules_dir):
        return
    raise gitrev.GitError(
        f"rules directory {rules_dir!r} not found at either revision in {repo}; "
        "pass --rules-dir with a path relative to the repository root"
    )


def _technique_names(entries: list[RuleEntry]) -> dict[str, str]:
    """Name every technique the rules map to, preferring the ATT&CK table's name."""
    from dac.schemas import load_attack

    names: dict[str, str] = {}
    for entry in entries:
        if entry.rule is None:
            continue
        for threat in threat_entries(entry.rule):
            if threat.technique_name:
                names.setdefault(threat.technique_id, threat.technique_name)
    for technique_id, technique in load_attack().techniques.items():
        if technique_id in names:
            names[technique_id] = technique.name
    return names


def _load_revision(
    repo: Path, commit: str, rules_dir: str, root: Path
) -> dict[str, RuleEntry]:
    root.mkdir(parents=True)
    if gitrev.path_exists(repo, commit, LOCK_FILE):
        gitrev.materialize(repo, commit, LOCK_FILE, root)
    if not gitrev.path_exists(repo, commit, rules_dir):
        log.info("%s does not exist at %s", rules_dir, commit[:12])
        return {}
    rejected = gitrev.materialize(repo, commit, rules_dir, root)
    files = gitrev.list_files(repo, commit, rules_dir)
    return _with_versions(load_ruleset(root, files, rejected), root)


def _with_versions(entries: dict[str, RuleEntry], root: Path) -> dict[str, RuleEntry]:
    """Set each rule's deployed version from its TOML or the revision's lock file."""
    lock = VersionLock.load(root / LOCK_FILE)
    for entry in entries.values():
        if entry.rule is not None:
            entry.version = effective_version(entry.rule, lock)
    return entries


def _check_head(
    changes: list[RuleChange],
    entries: dict[str, RuleEntry],
    root: Path,
    validator: Validator,
    runner: CaseRunner,
    backend: Any,
) -> None:
    """Validate every head rule and run the cases of the added and changed ones."""
    rules = [entry.rule for entry in entries.values() if entry.rule is not None]
    relative = {
        str(entry.rule.path): entry.relative_path
        for entry in entries.values()
        if entry.rule is not None
    }
    findings = validate(rules, relative, validator, root)
    by_path = {
        entry.relative_path: entry.rule
        for entry in entries.values()
        if entry.rule is not None
    }
    touched = [
        change
        for change in changes
        if change.change != "removed" and change.path in by_path
    ]
    touched_rules = [by_path[change.path] for change in touched]
    results = run_rule_cases(touched_rules, backend, runner, root)
    for change in touched:
        change.diagnostics = sorted(findings.get(change.path, []))
        change.tests_head = results.get(str(by_path[change.path].path))


def _check_base(
    changes: list[RuleChange],
    entries: dict[str, RuleEntry],
    root: Path,
    runner: CaseRunner,
    backend: Any,
) -> None:
    """Run the base version's cases of every changed rule, for comparison."""
    by_path = {
        entry.relative_path: entry.rule
        for entry in entries.values()
        if entry.rule is not None
    }
    changed = [
        change
        for change in changes
        if change.change == "changed" and change.base_path in by_path
    ]
    rules = [by_path[change.base_path] for change in changed]
    results = run_rule_cases(rules, backend, runner, root)
    for change, rule in zip(changed, rules, strict=True):
        change.tests_base = results.get(str(rule.path))
