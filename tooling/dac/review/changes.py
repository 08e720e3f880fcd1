"""The per-rule effect of a change between two revisions.

:func:`compare_rule` compares one rule's two versions (metadata, query,
version, fields, ATT&CK mapping). The checks that need the rule's files on
disk (validation, test cases) are filled in by :mod:`dac.review.pr`.

Rules are matched by rule_id. A rule whose file moved but whose rule text
and test-case texts are the same is ``moved``. A moved rule whose content
also differs is ``changed`` with a ``base_path`` that differs from ``path``.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from dac.deploy.convert import lock_hash
from dac.diagnostics import Diagnostic, count_errors
from dac.errors import DacError
from dac.review.checks import TestSummary
from dac.review.facts import (
    flatten_metadata,
    query_fields,
    rule_version,
    technique_ids,
)
from dac.review.ruleset import RuleEntry

log = logging.getLogger(__name__)

ChangeKind = Literal["added", "changed", "moved", "removed"]

# Sort order of the kinds in a review.
KIND_ORDER = {"added": 0, "changed": 1, "moved": 2, "removed": 3}


@dataclass
class RuleChange:
    """One rule that a change added, changed, moved or removed, with its review facts.

    ``bump_required`` is True when the content that deploy sends (the
    version-lock hash) differs between base and head, so the version must go
    up. A change to the test cases or a move alone needs no bump. It is
    False for added and removed rules, and True until compared.
    """

    rule_id: str
    name: str
    change: ChangeKind
    path: str
    base_path: str | None = None
    version_base: int | None = None
    version_head: int | None = None
    metadata_diff: str = ""
    query_diff: str = ""
    tests_changed: bool = False
    tests_moved: bool = False
    bump_required: bool = True
    load_error: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tests_head: TestSummary | None = None
    tests_base: TestSummary | None = None
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    techniques_gained: list[str] = field(default_factory=list)
    techniques_lost: list[str] = field(default_factory=list)

    @property
    def version_bumped(self) -> bool | None:
        """Tell whether a changed or moved rule's version went up (else None)."""
        if self.change not in ("changed", "moved"):
            return None
        if self.version_head is None:
            return False
        return self.version_base is None or self.version_head > self.version_base

    @property
    def version_not_bumped(self) -> bool:
        """Tell whether the deployed content changed but the version did not go up."""
        return self.bump_required and self.version_bumped is False

    @property
    def moved_from(self) -> str | None:
        """Return the base path when the rule file moved, else None."""
        if self.base_path is not None and self.base_path != self.path:
            return self.base_path
        return None

    @property
    def error_count(self) -> int:
        """Count validation errors, counting a file that does not load as one."""
        return count_errors(self.diagnostics) + (1 if self.load_error else 0)

    @property
    def failed_cases(self) -> int:
        """Count failing test cases at head."""
        return self.tests_head.failed if self.tests_head is not None else 0

    @property
    def ok(self) -> bool:
        """Tell whether the rule at head loads, validates and passes its cases."""
        if self.change == "removed":
            return True
        return self.error_count == 0 and self.failed_cases == 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of one rule in ``dac review --format json``."""
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "change": self.change,
            "path": self.path,
            "base_path": self.base_path,
            "ok": self.ok,
            "load_error": self.load_error,
            "version": {
                "base": self.version_base,
                "head": self.version_head,
                "bumped": self.version_bumped,
                "bump_required": self.bump_required,
            },
            "metadata_diff": self.metadata_diff,
            "query_diff": self.query_diff,
            "tests_changed": self.tests_changed,
            "tests_moved": self.tests_moved,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "tests": {
                "head": self.tests_head.to_dict() if self.tests_head else None,
                "base": self.tests_base.to_dict() if self.tests_base else None,
            },
            "fields_added": self.fields_added,
            "fields_removed": self.fields_removed,
            "techniques_gained": self.techniques_gained,
            "techniques_lost": self.techniques_lost,
        }


def unified(before: list[str], after: list[str], base: str, head: str) -> str:
    """Return a unified diff of two line lists (empty when they are equal)."""
    lines = difflib.unified_diff(before, after, base, head, lineterm="", n=2)
    return "\n".join(lines)


def _query_lines(entry: RuleEntry | None) -> list[str]:
    if entry is None or entry.rule is None or entry.rule.query is None:
        return []
    return entry.rule.query.strip("\n").splitlines()


def _metadata_lines(entry: RuleEntry | None) -> list[str]:
    if entry is None or entry.rule is None:
        return []
    return flatten_metadata(entry.rule)


def compare_rule(
    key: str, base: RuleEntry | None, head: RuleEntry | None
) -> RuleChange | None:
    """Compare one rule at base and head; return None when nothing changed.

    ``base`` is None for an added rule and ``head`` is None for a removed one.
    A change to the rule's test-case files alone counts as a change. A rule
    whose file moved with its texts unchanged is ``moved``.
    """
    if base is not None and head is not None:
        if base.fingerprint() == head.fingerprint() and (
            base.relative_path == head.relative_path
        ):
            return None
    current = head or base
    assert current is not None
    kind: ChangeKind = "changed"
    if base is None:
        kind = "added"
    elif head is None:
        kind = "removed"
    elif _same_texts(base, head):
        kind = "moved"
    rule_id = key.removeprefix("path:") if current.rule is None else key
    change = RuleChange(
        rule_id=rule_id,
        name=current.name,
        change=kind,
        path=current.relative_path,
        base_path=base.relative_path if base is not None else None,
    )
    if head is not None and head.error is not None:
        change.load_error = str(head.error)
    base_name = f"a/{base.relative_path}" if base else "/dev/null"
    head_name = f"b/{head.relative_path}" if head else "/dev/null"
    change.metadata_diff = unified(
        _metadata_lines(base), _metadata_lines(head), base_name, head_name
    )
    change.query_diff = unified(
        _query_lines(base), _query_lines(head), base_name, head_name
    )
    if base is not None and head is not None:
        change.tests_changed = base.companions_by_role() != head.companions_by_role()
        change.tests_moved = (
            not change.tests_changed
            and bool(head.companions)
            and base.relative_path != head.relative_path
        )
        change.bump_required = _deployed_content_differs(base, head)
    else:
        change.bump_required = False
    _compare_facts(change, base, head)
    return change


def _same_texts(base: RuleEntry, head: RuleEntry) -> bool:
    """Tell whether the rule text and its test-case texts are equal."""
    return (
        base.fingerprint()[0] == head.fingerprint()[0]
        and base.companions_by_role() == head.companions_by_role()
    )


def _deployed_content_differs(base: RuleEntry, head: RuleEntry) -> bool:
    """Compare the version-lock hashes, the content deploy sends without version.

    A rule that does not load, or cannot be converted, counts as differing,
    so the review still requires a bump rather than missing one.
    """
    if base.rule is None or head.rule is None:
        return True
    try:
        return lock_hash(base.rule) != lock_hash(head.rule)
    except DacError as exc:
        log.info("cannot hash %s for the version check: %s", head.relative_path, exc)
        return True


def _compare_facts(
    change: RuleChange, base: RuleEntry | None, head: RuleEntry | None
) -> None:
    base_rule = base.rule if base is not None else None
    head_rule = head.rule if head is not None else None
    if base is not None and base_rule is not None:
        change.version_base = base.version or rule_version(base_rule)
    if head is not None and head_rule is not None:
        change.version_head = head.version or rule_version(head_rule)

    base_fields = (query_fields(base_rule) if base_rule else None) or set()
    head_fields = (query_fields(head_rule) if head_rule else None) or set()
    change.fields_added = sorted(head_fields - base_fields)
    change.fields_removed = sorted(base_fields - head_fields)

    base_techniques = technique_ids(base_rule) if base_rule else set()
    head_techniques = technique_ids(head_rule) if head_rule else set()
    change.techniques_gained = sorted(head_techniques - base_techniques)
    change.techniques_lost = sorted(base_techniques - head_techniques)


def compare_rulesets(
    base: dict[str, RuleEntry], head: dict[str, RuleEntry]
) -> list[RuleChange]:
    """Compare two revisions' rules; return the changes, ordered by kind and path."""
    changes = []
    for key in sorted(set(base) | set(head)):
        change = compare_rule(key, base.get(key), head.get(key))
        if change is not None:
            changes.append(change)
    changes.sort(key=lambda c: (KIND_ORDER[c.change], c.path))
    return changes


def coverage_delta(
    base: dict[str, RuleEntry], head: dict[str, RuleEntry]
) -> tuple[list[str], list[str]]:
    """Return the techniques covered only at head, and those covered only at base."""
    base_covered = _covered(base)
    head_covered = _covered(head)
    return sorted(head_covered - base_covered), sorted(base_covered - head_covered)


def _covered(entries: dict[str, RuleEntry]) -> set[str]:
    covered: set[str] = set()
    for entry in entries.values():
        if entry.rule is not None:
            covered |= technique_ids(entry.rule)
    return covered
