"""Run validation and test cases for a review or a nightly run.

Both steps call the toolkit's own components (``dac.validation`` and
``dac.testing``). This module groups their results per rule. It also turns a
toolkit error on one rule into a failed result for that rule, so that one
broken test file cannot hide the results of the others.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dac.diagnostics import Diagnostic
from dac.errors import DacError
from dac.rules import Rule

log = logging.getLogger(__name__)

Validator = Callable[[list[Rule]], list[Diagnostic]]
CaseRunner = Callable[[list[Rule], Any], list[Any]]


@dataclass(frozen=True)
class CaseOutcome:
    """The result of one test case of one rule."""

    case: str
    passed: bool
    message: str = ""
    expect_alert: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used in review and history files."""
        return dataclasses.asdict(self)


@dataclass
class TestSummary:
    """The case results of one rule on one backend, or the error that stopped them."""

    __test__ = False  # not a pytest test class

    cases: list[CaseOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> int:
        """Count the cases that passed."""
        return sum(1 for case in self.cases if case.passed)

    @property
    def failed(self) -> int:
        """Count the failed cases; an error that stopped the run counts as one."""
        failures = sum(1 for case in self.cases if not case.passed)
        return failures + (1 if self.error else 0)

    @property
    def ok(self) -> bool:
        """Tell whether every case passed and nothing stopped the run."""
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used in review and history files."""
        return {
            "passed": self.passed,
            "failed": self.failed,
            "error": self.error,
            "cases": [case.to_dict() for case in self.cases],
        }


def default_validator() -> Validator:
    """Return ``dac.validation.validate_rules``."""
    from dac.validation import validate_rules

    return validate_rules


def default_runner() -> CaseRunner:
    """Return ``dac.testing.run_cases``."""
    from dac.testing import run_cases

    return run_cases


def get_backend(name: str) -> Any:
    """Return the test backend called ``name`` (``embedded``, ``elasticsearch``...)."""
    from dac.testing.backend import get_backend as get_testing_backend

    return get_testing_backend(name)


def strip_root(text: str, root: Path | None) -> str:
    """Remove the ``root`` directory prefix from every path in ``text``.

    A review extracts each revision into a temporary directory, and findings
    and errors name files there. Removing the prefix leaves the
    repository-relative path, which the reader can pass to ``dac`` commands.
    """
    if root is None:
        return text
    return text.replace(f"{root}{os.sep}", "")


def validate(
    rules: list[Rule],
    relative_paths: dict[str, str],
    validator: Validator,
    root: Path | None = None,
) -> dict[str, list[Diagnostic]]:
    """Validate ``rules`` together and group the findings by relative rule path.

    ``relative_paths`` maps ``str(rule.path)`` to the repository-relative
    path, which replaces the temporary path in each diagnostic. Paths under
    ``root`` inside a message, such as the file that ``dac version bump``
    needs, become relative too.
    """
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in validator(rules):
        relative = relative_paths.get(diagnostic.path, diagnostic.path)
        message = strip_root(diagnostic.message, root)
        grouped.setdefault(relative, []).append(
            dataclasses.replace(diagnostic, path=relative, message=message)
        )
    return grouped


def run_rule_cases(
    rules: Iterable[Rule],
    backend: Any,
    runner: CaseRunner,
    root: Path | None = None,
) -> dict[str, TestSummary]:
    """Run each rule's cases on ``backend``, keyed by ``str(rule.path)``.

    A toolkit error raised while running one rule (a malformed case file, an
    unreachable backend) becomes that rule's ``error`` and counts as a failure.
    Paths under ``root`` in that error and in case messages become relative.
    """
    summaries: dict[str, TestSummary] = {}
    for rule in rules:
        summary = TestSummary()
        try:
            results = runner([rule], backend)
        except DacError as exc:
            log.warning("test cases of %s could not run: %s", rule.path, exc)
            summary.error = strip_root(str(exc), root)
        else:
            summary.cases = [_outcome(result, root) for result in results]
        summaries[str(rule.path)] = summary
    return summaries


def _outcome(result: Any, root: Path | None) -> CaseOutcome:
    expect_alert = getattr(result, "expect_alert", None)
    return CaseOutcome(
        case=str(getattr(result, "case", "")),
        passed=bool(getattr(result, "passed", False)),
        message=strip_root(str(getattr(result, "message", "") or ""), root),
        expect_alert=expect_alert if isinstance(expect_alert, bool) else None,
    )
