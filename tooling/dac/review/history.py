"""The nightly history file: one JSON object per line, one line per run.

A run records, per rule, the case results on each backend and the number
of alerts the rule raised on the benign baseline. A regression is a case
that passed in the previous run and fails now, or a rule that raises
alerts on the baseline now and raised none (or did not exist) before. A
failing case is any case that fails in a run, whether it passed before or
has failed since its first run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from dac.errors import DacError

log = logging.getLogger(__name__)

HISTORY_FORMAT = 1

# The case name that records a case file that could not run at all.
CASE_FILE_ERROR = "<case file>"

# Severities allowed to alert on a benign dataset. A rule of any other
# severity, or of none, that alerts there fails the run, as in
# ``dac replay --baseline``.
QUIET_SEVERITIES = ("low",)


class HistoryError(DacError):
    """The history file cannot be read or written."""


def read_history(path: Path) -> list[dict[str, Any]]:
    """Read every run from ``path``, oldest first ([] when the file is absent).

    A line that is not a JSON object is skipped with a warning naming its
    line number, so one damaged line does not lose the rest of the history.
    """
    if not path.exists():
        return []
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"cannot read history file {path}: {exc}") from exc
    runs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            run = json.loads(line)
        except json.JSONDecodeError as exc:
            log.warning("%s:%d: skipping invalid JSON line: %s", path, number, exc.msg)
            continue
        if not is_run_record(run):
            log.warning("%s:%d: skipping line that is not a run record", path, number)
            continue
        runs.append(run)
    return runs


def is_run_record(run: Any) -> bool:
    """Check the shape that regression detection and the reports read.

    A run is an object whose ``rules`` maps rule ids to objects, each with an
    optional ``backends`` object of result objects whose ``cases`` map case
    names to booleans, and whose counts are integers.
    """
    if not isinstance(run, dict) or not isinstance(run.get("rules"), dict):
        return False
    if not isinstance(run.get("regressions", []), list):
        return False
    for rule in run["rules"].values():
        if not isinstance(rule, dict):
            return False
        if not _is_count(rule.get("baseline_alerts", 0)):
            return False
        backends = rule.get("backends", {})
        if not isinstance(backends, dict):
            return False
        for result in backends.values():
            if not _is_backend_result(result):
                return False
    return True


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and value >= 0


def _is_backend_result(result: Any) -> bool:
    if not isinstance(result, dict):
        return False
    if not all(_is_count(result.get(key, 0)) for key in ("passed", "failed")):
        return False
    cases = result.get("cases", {})
    if not isinstance(cases, dict):
        return False
    return all(isinstance(passed, bool) for passed in cases.values())


def append_run(path: Path, run: dict[str, Any]) -> None:
    """Append ``run`` as one line to the history file, creating it if needed."""
    line = json.dumps(run, sort_keys=True, separators=(",", ":"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        raise HistoryError(f"cannot write history file {path}: {exc}") from exc


def find_regressions(
    previous: dict[str, Any] | None, current: dict[str, Any]
) -> list[dict[str, Any]]:
    """List the regressions of ``current`` against ``previous`` (none on the first run).

    Each regression is ``{"kind": "case", "rule_id", "backend", "case"}`` for
    a case that passed before and fails now, or ``{"kind": "noisy", "rule_id",
    "alerts", "previous_alerts"}`` for a rule newly alerting on the baseline.
    """
    if previous is None:
        return []
    regressions: list[dict[str, Any]] = []
    before_rules = previous.get("rules", {})
    for rule_id, rule in sorted(current.get("rules", {}).items()):
        before = before_rules.get(rule_id) or {}
        regressions += _case_regressions(rule_id, before, rule)
        alerts = rule.get("baseline_alerts")
        previous_alerts = before.get("baseline_alerts")
        if alerts and not previous_alerts:
            regressions.append(
                {
                    "kind": "noisy",
                    "rule_id": rule_id,
                    "name": rule.get("name", rule_id),
                    "alerts": alerts,
                    "previous_alerts": previous_alerts or 0,
                }
            )
    return regressions


def _case_regressions(
    rule_id: str, before: dict[str, Any], now: dict[str, Any]
) -> list[dict[str, Any]]:
    found = []
    before_backends = before.get("backends") or {}
    for backend, result in sorted((now.get("backends") or {}).items()):
        before_cases = (before_backends.get(backend) or {}).get("cases") or {}
        for case, passed in sorted((result.get("cases") or {}).items()):
            if not passed and before_cases.get(case) is True:
                found.append(
                    {
                        "kind": "case",
                        "rule_id": rule_id,
                        "name": now.get("name", rule_id),
                        "backend": backend,
                        "case": case,
                    }
                )
    return found


def failing_cases(run: dict[str, Any]) -> list[dict[str, Any]]:
    """List every case that fails in ``run``, ordered by rule_id, backend and case.

    Each entry is ``{"rule_id", "name", "backend", "case", "error"}``. A case
    file that could not run is one entry with ``case`` set to
    ``CASE_FILE_ERROR`` and ``error`` set to the reason.
    """
    failing = []
    for rule_id, rule in sorted((run.get("rules") or {}).items()):
        for backend, result in sorted((rule.get("backends") or {}).items()):
            for case, passed in sorted((result.get("cases") or {}).items()):
                if passed:
                    continue
                error = result.get("error") if case == CASE_FILE_ERROR else None
                failing.append(
                    {
                        "rule_id": rule_id,
                        "name": rule.get("name", rule_id),
                        "backend": backend,
                        "case": case,
                        "error": error,
                    }
                )
    return failing


def is_first_run(run: dict[str, Any], history_length: int) -> bool:
    """Tell whether ``run`` had no previous run to compare with.

    Runs recorded since ``previous_run`` was added store the previous run's
    timestamp there (None on the first run). Older runs lack the key, so the
    history length decides.
    """
    if "previous_run" in run:
        return run["previous_run"] is None
    return history_length <= 1


def run_totals(run: dict[str, Any]) -> dict[str, int]:
    """Count a run's passed and failed cases, noisy rules and regressions."""
    passed = failed = noisy = 0
    for rule in run.get("rules", {}).values():
        for result in (rule.get("backends") or {}).values():
            passed += int(result.get("passed", 0))
            failed += int(result.get("failed", 0))
        if rule.get("baseline_alerts"):
            noisy += 1
    return {
        "passed": passed,
        "failed": failed,
        "noisy": noisy,
        "regressions": len(run.get("regressions") or []),
    }


def noisy_rules(run: dict[str, Any]) -> list[dict[str, Any]]:
    """List every rule that alerts on a benign dataset of ``run``, one per dataset.

    Each entry is ``{"rule_id", "name", "severity", "dataset", "alerts",
    "blocking"}``, ordered by rule_id and dataset. ``blocking`` is true when
    the severity is not in ``QUIET_SEVERITIES``. A run recorded before
    per-dataset counts existed gives one entry per rule with ``dataset`` set
    to ``"benign baseline"``.
    """
    benign = [str(label) for label in run.get("benign_datasets") or []]
    noisy = []
    for rule_id, rule in sorted((run.get("rules") or {}).items()):
        counts = rule.get("datasets")
        if isinstance(counts, dict):
            alerting = [
                (label, counts[label])
                for label in benign
                if _is_count(counts.get(label))
            ]
        else:
            alerting = [("benign baseline", rule.get("baseline_alerts"))]
        severity = rule.get("severity")
        severity = severity if isinstance(severity, str) else None
        for label, alerts in alerting:
            if not _is_count(alerts) or alerts == 0:
                continue
            noisy.append(
                {
                    "rule_id": rule_id,
                    "name": rule.get("name", rule_id),
                    "severity": severity,
                    "dataset": label,
                    "alerts": alerts,
                    "blocking": (severity or "").lower() not in QUIET_SEVERITIES,
                }
            )
    return noisy
