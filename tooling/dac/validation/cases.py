"""Check that each rule carries test cases: one that alerts and one near miss.

Codes:
  DAC601  the rule has no ``<rule>.tests.yaml`` beside it
  DAC602  the test-case file is malformed (YAML, schema, an invalid event)
  DAC603  no case expects an alert
  DAC604  no case expects no alert (a near miss)
"""

from __future__ import annotations

from collections.abc import Iterator

from dac.diagnostics import Diagnostic
from dac.errors import TestCaseError
from dac.events import EventFactory
from dac.rules import Rule
from dac.testing.cases import CaseFileError, case_file_for, load_case_file
from dac.validation.context import ValidationContext


def check(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Report a missing or malformed test-case file and missing kinds of case."""
    path = case_file_for(rule.path)
    if not path.exists():
        yield _error(
            rule,
            str(rule.path),
            "DAC601",
            f"rule has no test cases; add {path.name} beside it with a case "
            "that alerts and a near miss that does not",
        )
        return
    try:
        case_file = load_case_file(path)
    except CaseFileError as exc:
        for problem in exc.problems:
            yield _error(
                rule,
                str(path),
                "DAC602",
                _without_path(problem.message, problem.case),
                problem.line,
                problem.column,
            )
        return
    except TestCaseError as exc:
        yield _error(rule, str(path), "DAC602", _without_path(exc.message, exc.case))
        return
    # Each case's events are built on their own, so every invalid case is listed.
    factory = EventFactory(seed=rule.rule_id or rule.path.name)
    invalid = False
    for case in case_file.cases:
        try:
            factory.build_case(case.events, case.name, str(path), case_file.defaults)
        except TestCaseError as exc:
            invalid = True
            message = _without_path(exc.message, exc.case or case.name)
            yield _error(rule, str(path), "DAC602", message, case.line)
    if invalid:
        return

    if not any(case.expect.alert for case in case_file.cases):
        yield _error(
            rule,
            str(path),
            "DAC603",
            "no case expects an alert; add one whose events the rule must detect",
        )
    if not any(not case.expect.alert for case in case_file.cases):
        yield _error(
            rule,
            str(path),
            "DAC604",
            "no near-miss case; add one with alert: false whose events come "
            "close to the rule's conditions but must not alert",
        )


def _without_path(message: str, case: str) -> str:
    if case:
        return f"case {case!r}: {message}"
    return message


def _error(
    rule: Rule, path: str, code: str, message: str, line: int = 1, column: int = 1
) -> Diagnostic:
    return Diagnostic(
        path=path,
        line=line,
        column=column,
        severity="error",
        code=code,
        message=message,
        rule_id=rule.rule_id,
    )
