"""pytest plugin: each case of each ``*.tests.yaml`` becomes a test item.

``pytest detections/`` then runs every rule's cases on the embedded engine,
named ``<file>::<rule name>::<case name>``, and a failure shows the same
explanation as ``dac test``. Registered through the ``pytest11`` entry
point, so installing the package enables it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dac.errors import DacError, RuleLoadError, TestCaseError
from dac.testing.cases import SUFFIX, Case, CaseFile, load_case_file, rule_file_for


class CaseFailedError(Exception):
    """A case's alerts differ from its expectation."""


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> Any:
    """Collect ``*.tests.yaml`` files; leave every other file to pytest."""
    if file_path.name.endswith(SUFFIX):
        return RuleCasesFile.from_parent(parent, path=file_path)
    return None


class RuleCasesFile(pytest.File):
    """A test-case file; its items are the cases, run against the rule beside it."""

    def collect(self) -> Iterator[pytest.Item]:
        from dac.rules import load_rule

        try:
            rule = load_rule(rule_file_for(self.path))
            case_file = load_case_file(self.path)
        except (RuleLoadError, TestCaseError) as exc:
            raise self.CollectError(str(exc)) from exc
        for case in case_file.cases:
            yield RuleCaseItem.from_parent(
                self,
                name=f"{rule.display_name}::{case.name}",
                rule=rule,
                case=case,
                case_file=case_file,
            )


class RuleCaseItem(pytest.Item):
    """One case of one rule, run on the embedded backend."""

    def __init__(self, *, rule: Any, case: Case, case_file: CaseFile, **kwargs: Any):
        super().__init__(**kwargs)
        self.rule = rule
        self.case = case
        self.case_file = case_file

    def runtest(self) -> None:
        from dac.testing.runner import run_case

        result = run_case(self.rule, self.case, _backend(self.config), self.case_file)
        if not result.passed:
            raise CaseFailedError(result.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        """Show the runner's explanation instead of a traceback for known failures."""
        if isinstance(excinfo.value, CaseFailedError | DacError):
            return f"{self.case_file.path}: case {self.case.name!r}\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.rule.display_name}: {self.case.name}"


def _backend(config: pytest.Config) -> Any:
    """Return the session's embedded backend, so each rule compiles once."""
    backend = getattr(config, "_dac_backend", None)
    if backend is None:
        from dac.testing.backend import EmbeddedBackend

        backend = EmbeddedBackend()
        config._dac_backend = backend  # type: ignore[attr-defined]
    return backend
