"""Compare the embedded engine with Elasticsearch on every test case.

Each case's events are built once (timestamps relative to now, as a real
cluster needs) and given to both backends. Alerts are compared as lists of
event positions in the case, ignoring alert order: the embedded backend and
Elasticsearch may list alerts in different orders, but never different
alerts. A case where the two differ, or where exactly one backend raised an
error, is a disagreement and points at a bug in one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dac.errors import DacError, ElasticsearchConnectionError, TestCaseError
from dac.events import EventFactory
from dac.rules import Rule
from dac.testing.backend import Alert, Backend
from dac.testing.cases import Case, CaseFile
from dac.testing.runner import RuleCases, alert_indexes

log = logging.getLogger(__name__)

AlertPositions = list[list[int | None]]


@dataclass
class EngineResult:
    """One backend's result for a case: alert positions, or an error message."""

    alerts: AlertPositions = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"alerts": self.alerts, "error": self.error}

    def describe(self) -> str:
        """Return a one-line summary such as ``2 alerts: [1] [0, 2]``."""
        if self.error is not None:
            return f"error: {self.error}"
        noun = "alert" if len(self.alerts) == 1 else "alerts"
        shown = " ".join(str(positions) for positions in self.alerts)
        return f"{len(self.alerts)} {noun}" + (f": {shown}" if shown else "")


@dataclass
class Disagreement:
    """One case on which the embedded engine and Elasticsearch differ."""

    rule: Rule
    case: Case
    path: str
    events: list[dict[str, Any]]
    embedded: EngineResult
    elasticsearch: EngineResult

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape printed by ``dac diff-engines --format json``."""
        return {
            "rule_id": self.rule.rule_id,
            "rule_name": self.rule.display_name,
            "path": self.path,
            "case": self.case.name,
            "query": self.rule.query,
            "events": self.events,
            "embedded": self.embedded.to_dict(),
            "elasticsearch": self.elasticsearch.to_dict(),
        }


@dataclass
class DiffReport:
    """The outcome of comparing every case: counts and disagreements."""

    cases: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    errors: list[TestCaseError] = field(default_factory=list)


def diff_engines(
    rule_cases: Iterable[RuleCases], embedded: Backend, elasticsearch: Backend
) -> DiffReport:
    """Run every case on both backends and collect where they disagree.

    Raises :class:`ElasticsearchConnectionError` as soon as Elasticsearch
    cannot be reached, since no later case could be compared either. A case
    whose events cannot be built is recorded in ``errors``.
    """
    report = DiffReport()
    for item in rule_cases:
        for case in item.case_file.cases:
            try:
                events = build_events(item.rule, case, item.case_file)
            except TestCaseError as exc:
                report.errors.append(exc)
                continue
            report.cases += 1
            disagreement = compare_case(
                item.rule, case, item.case_file, events, embedded, elasticsearch
            )
            if disagreement is not None:
                report.disagreements.append(disagreement)
    log.info(
        "compared %d cases: %d disagreements", report.cases, len(report.disagreements)
    )
    return report


def build_events(rule: Rule, case: Case, case_file: CaseFile) -> list[dict[str, Any]]:
    """Build the case's documents with timestamps relative to now."""
    factory = EventFactory(seed=f"{rule.rule_id}:{case.name}", base_time=None)
    return factory.build_case(
        case.events, case.name, str(case_file.path), case_file.defaults
    )


def compare_case(
    rule: Rule,
    case: Case,
    case_file: CaseFile,
    events: list[dict[str, Any]],
    embedded: Backend,
    elasticsearch: Backend,
) -> Disagreement | None:
    """Run one case on both backends; return the disagreement, if any."""
    embedded_result = _run(embedded, rule, events)
    elasticsearch_result = _run(elasticsearch, rule, events)
    if _same(embedded_result, elasticsearch_result):
        return None
    return Disagreement(
        rule=rule,
        case=case,
        path=str(case_file.path),
        events=events,
        embedded=embedded_result,
        elasticsearch=elasticsearch_result,
    )


def _run(backend: Backend, rule: Rule, events: list[dict[str, Any]]) -> EngineResult:
    try:
        alerts = backend.run(rule, events)
    except ElasticsearchConnectionError:
        raise
    except DacError as exc:
        return EngineResult(error=str(exc))
    return EngineResult(alerts=_positions(alerts, events))


def _positions(alerts: Sequence[Alert], events: Sequence[dict]) -> AlertPositions:
    return [alert_indexes(alert, events) for alert in alerts]


def _same(left: EngineResult, right: EngineResult) -> bool:
    """Return True when both failed, or both returned the same alerts in any order."""
    if left.error is not None or right.error is not None:
        return left.error is not None and right.error is not None
    return _sort_key(left.alerts) == _sort_key(right.alerts)


def _sort_key(alerts: AlertPositions) -> list[tuple[int, ...]]:
    return sorted(
        tuple(-1 if p is None else p for p in positions) for positions in alerts
    )
