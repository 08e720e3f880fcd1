"""Run rules' test cases on a backend and compare alerts with expectations."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dac.errors import DacError, EqlError, TestCaseError
from dac.events import DEFAULT_BASE_TIME, EventFactory
from dac.rules import Rule
from dac.testing.backend import Alert, Backend
from dac.testing.cases import Case, CaseFile, case_file_for, load_case_file
from dac.testing.explain import describe_alerts, explain_missing_alert

log = logging.getLogger(__name__)


@dataclass
class CaseResult:
    """The outcome of one case: passed or not, and why, in one message."""

    rule_id: str | None
    rule_name: str
    path: str
    case: str
    expect_alert: bool
    passed: bool
    message: str
    alerts: list[Alert] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``dac test --format json``."""
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "path": self.path,
            "case": self.case,
            "expect_alert": self.expect_alert,
            "passed": self.passed,
            "message": self.message,
        }


@dataclass
class RuleCases:
    """A rule together with its parsed test-case file."""

    rule: Rule
    case_file: CaseFile


def load_rule_cases(
    rules: Iterable[Rule],
) -> tuple[list[RuleCases], list[TestCaseError]]:
    """Load the test-case file beside each rule.

    Returns the rules with cases and the errors of malformed or missing
    files, so one bad file does not hide the results of the others.
    """
    loaded: list[RuleCases] = []
    errors: list[TestCaseError] = []
    for rule in rules:
        path = case_file_for(rule.path)
        if not path.exists():
            errors.append(
                TestCaseError(
                    f"no test cases for rule {rule.display_name!r}; add {path.name} "
                    "with an alerting case and a near miss",
                    str(path),
                )
            )
            continue
        try:
            loaded.append(RuleCases(rule, load_case_file(path)))
        except TestCaseError as exc:
            errors.append(exc)
    return loaded, errors


def query_error(rule: Rule, backend: Backend) -> TestCaseError | None:
    """Compile the rule's query once where the backend can, and return its error.

    Only backends with a local ``compile`` (the embedded one) are checked,
    because Elasticsearch is the judge of its own grammar. The error names
    the rule file with the query's line and column mapped onto it, so an
    invalid query is reported once per rule instead of once per case.
    """
    compile_rule = getattr(backend, "compile", None)
    if compile_rule is None:
        return None
    try:
        compile_rule(rule)
    except EqlError as exc:
        from dac.validation.positions import query_position

        line, column = query_position(rule, exc.line, exc.column)
        return TestCaseError(
            f"rule {rule.display_name!r}: invalid query: {exc.message}",
            f"{rule.path}:{line}:{column}",
        )
    except DacError:
        # Other compile errors (no query, another language) fail each case.
        return None
    return None


def run_case(
    rule: Rule,
    case: Case,
    backend: Backend,
    case_file: CaseFile,
    base_time: datetime | None = DEFAULT_BASE_TIME,
) -> CaseResult:
    """Build the case's events, run the rule on them and judge the alerts.

    Raises :class:`TestCaseError` when an event is invalid (unknown field,
    bad time), and the backend's error when the backend cannot be reached
    or configured, since no verdict is possible then. Any other backend
    error fails the case with its message.
    """
    path = str(case_file.path)
    factory = EventFactory(seed=f"{rule.rule_id}:{case.name}", base_time=base_time)
    events = factory.build_case(case.events, case.name, path, case_file.defaults)
    try:
        alerts = backend.run(rule, events)
    except DacError as exc:
        if is_environment_error(exc):
            raise
        return _result(rule, case, path, False, f"backend error: {exc}", [])
    passed, message = judge(rule, case, events, alerts)
    return _result(rule, case, path, passed, message, alerts)


def is_environment_error(exc: DacError) -> bool:
    """Tell whether ``exc`` means the backend is unusable, not that a case failed.

    These are a missing or invalid configuration, an unreachable
    Elasticsearch or one that rejects the credentials (401, 403) or fails on
    the server side (5xx), and a Kibana that is unreachable, rejects the TLS
    connection or rejects the credentials.
    """
    from dac.errors import (
        ConfigError,
        ElasticsearchConnectionError,
        ElasticsearchError,
    )

    if isinstance(exc, ConfigError | ElasticsearchConnectionError):
        return True
    if isinstance(exc, ElasticsearchError) and exc.status is not None:
        if exc.status in (401, 403) or exc.status >= 500:
            return True
    try:
        from dac.kibana.errors import (
            KibanaAuthError,
            KibanaForbiddenError,
            KibanaTLSError,
            KibanaUnavailableError,
        )
    except ImportError:
        return False
    if isinstance(exc, KibanaForbiddenError):
        return True
    return isinstance(exc, KibanaAuthError | KibanaTLSError | KibanaUnavailableError)


def run_cases(
    rules: Iterable[Rule | RuleCases],
    backend: Backend,
    base_time: datetime | None = DEFAULT_BASE_TIME,
) -> list[CaseResult]:
    """Run every case of every rule on ``backend`` and return one result per case.

    ``rules`` holds rules (their case files are loaded from beside them) or
    already loaded :class:`RuleCases`. Raises :class:`TestCaseError` for the
    first malformed case file or event; the CLI loads files itself to report
    all of them at once.
    """
    results: list[CaseResult] = []
    for item in rules:
        if isinstance(item, Rule):
            item = RuleCases(item, load_case_file(case_file_for(item.path)))
        for case in item.case_file.cases:
            results.append(
                run_case(item.rule, case, backend, item.case_file, base_time)
            )
    failed = sum(1 for result in results if not result.passed)
    log.info("ran %d cases on %s: %d failed", len(results), backend.name, failed)
    return results


def judge(
    rule: Rule, case: Case, events: Sequence[dict], alerts: Sequence[Alert]
) -> tuple[bool, str]:
    """Compare ``alerts`` with the case's expectation; return (passed, message)."""
    expect = case.expect
    if not expect.alert:
        if not alerts:
            return True, "no alert, as expected"
        return False, "expected no alert, got " + describe_alerts(alerts, events)
    if not alerts:
        return False, "expected an alert, got none; " + explain_missing_alert(
            rule, events
        )
    if expect.count is not None and len(alerts) != expect.count:
        return False, (
            f"expected {expect.count} alerts, got " + describe_alerts(alerts, events)
        )
    if expect.events is not None:
        got = [alert_indexes(alert, events) for alert in alerts]
        wanted = [list(indexes) for indexes in expect.events]
        if got != wanted:
            return False, (
                f"expected alerts on events {wanted}, got alerts on events {got}"
            )
    return True, f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}, as expected"


def alert_indexes(alert: Alert, events: Sequence[dict]) -> list[int | None]:
    """Map an alert's events back to their indexes in the case (None if missing)."""
    by_identity = {id(event): index for index, event in enumerate(events)}
    by_event_id = {}
    for index, event in enumerate(events):
        event_id = (event.get("event") or {}).get("id")
        if event_id is not None:
            by_event_id.setdefault(event_id, index)
    indexes: list[int | None] = []
    for event in alert.events:
        if event is None:
            indexes.append(None)
            continue
        index = by_identity.get(id(event))
        if index is None:
            index = by_event_id.get((event.get("event") or {}).get("id"))
        indexes.append(index)
    return indexes


def _result(
    rule: Rule,
    case: Case,
    path: str,
    passed: bool,
    message: str,
    alerts: list[Alert],
) -> CaseResult:
    return CaseResult(
        rule_id=rule.rule_id,
        rule_name=rule.display_name,
        path=str(Path(path)),
        case=case.name,
        expect_alert=case.expect.alert,
        passed=passed,
        message=message,
        alerts=list(alerts),
    )
