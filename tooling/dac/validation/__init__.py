"""Rule validation: every check, the registry that runs them, and the public API.

A check is a function ``check(rule, context) -> Iterable[Diagnostic]``.
Per-rule checks are listed in :data:`CHECKS`; checks over the whole set of
rules (uniqueness) in :data:`REPOSITORY_CHECKS`. To add a check, write it in
its own module and add one line to the tuple. Codes are documented in
docs/validation.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dac.diagnostics import Diagnostic, count_errors
from dac.rules import Rule
from dac.validation import (
    attack,
    cases,
    lints,
    lucene_regex,
    metadata,
    query,
    uniqueness,
    version_lock,
)
from dac.validation.context import ValidationContext
from dac.validation.files import discover, load

log = logging.getLogger(__name__)

Check = Callable[[Rule, ValidationContext], Iterable[Diagnostic]]
RepositoryCheck = Callable[[Sequence[Rule]], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    metadata.check_schema,
    metadata.check_risk_band,
    metadata.check_index_source,
    metadata.check_dates,
    attack.check,
    query.check_language,
    query.check_syntax,
    query.check_fields,
    lucene_regex.check_syntax,
    lints.check_case_sensitive,
    lints.check_windows_guard,
    lints.check_maxspan,
    lints.check_leading_wildcard,
    lucene_regex.check_anchors,
    cases.check,
    version_lock.check,
)

REPOSITORY_CHECKS: tuple[RepositoryCheck, ...] = (
    uniqueness.check_unique_rule_ids,
    uniqueness.check_unique_names,
)


@dataclass
class ValidationReport:
    """The outcome of validating a set of paths."""

    rules: list[Rule] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    # Data that failed to load (ATT&CK table, index schemas, EQL parser),
    # keyed by name; the checks that need it were skipped.
    load_errors: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Count the error diagnostics."""
        return count_errors(self.diagnostics)

    @property
    def warnings(self) -> int:
        """Count the warning diagnostics."""
        return len(self.diagnostics) - self.errors

    def counts_by_code(self) -> dict[str, int]:
        """Count diagnostics per code, sorted by code."""
        return dict(sorted(Counter(d.code for d in self.diagnostics).items()))


def validate_rules(
    rules: Sequence[Rule], context: ValidationContext | None = None
) -> list[Diagnostic]:
    """Run every per-rule and repository check; return diagnostics sorted by place."""
    context = context or ValidationContext()
    diagnostics: list[Diagnostic] = []
    for rule in rules:
        for check in CHECKS:
            diagnostics.extend(check(rule, context))
    for repository_check in REPOSITORY_CHECKS:
        diagnostics.extend(repository_check(rules))
    return sorted(diagnostics, key=_place)


def validate_paths(
    paths: Iterable[str | Path], context: ValidationContext | None = None
) -> ValidationReport:
    """Load every rule file under ``paths`` and validate the rules.

    A file that cannot be loaded becomes a DAC1xx diagnostic and the others
    are still validated. Raises ``FileNotFoundError`` for a path that does
    not exist.
    """
    context = context or ValidationContext()
    report = ValidationReport()
    load_diagnostics: list[Diagnostic] = []
    for file in discover(paths):
        report.files += 1
        loaded = load(file)
        if isinstance(loaded, Diagnostic):
            load_diagnostics.append(loaded)
        else:
            report.rules.append(loaded)
    log.info("loaded %d rules from %d files", len(report.rules), report.files)
    diagnostics = validate_rules(report.rules, context) + load_diagnostics
    report.diagnostics = sorted(diagnostics, key=_place)
    report.load_errors = dict(context.load_errors)
    log.info(
        "validated %d rules: %d errors, %d warnings",
        len(report.rules),
        report.errors,
        report.warnings,
    )
    return report


def _place(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    return (
        diagnostic.path,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
        diagnostic.message,
    )


__all__ = [
    "CHECKS",
    "REPOSITORY_CHECKS",
    "ValidationContext",
    "ValidationReport",
    "validate_paths",
    "validate_rules",
]
