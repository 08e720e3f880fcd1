"""Write the coverage outputs: the Navigator layer and the HTML report."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dac.errors import DacError
from dac.review.checks import CaseOutcome, TestSummary
from dac.review.coverage import build_coverage
from dac.review.facts import technique_ids
from dac.review.html_report import RuleStatus, render_report
from dac.review.navigator import navigator_layer
from dac.rules import Rule

log = logging.getLogger(__name__)


class ReportError(DacError):
    """A results file cannot be read or a report cannot be written."""


def rule_statuses(
    rules: list[Rule],
    tests: dict[str, TestSummary] | None = None,
    baseline_alerts: dict[str, int] | None = None,
) -> list[RuleStatus]:
    """Combine rules with their test summaries and baseline alert counts.

    Both mappings are keyed by rule_id; a rule without an entry shows as
    "not run".
    """
    statuses = []
    for rule in rules:
        key = rule.rule_id or str(rule.path)
        statuses.append(
            RuleStatus(
                rule_id=key,
                name=rule.display_name,
                path=str(rule.path),
                techniques=sorted(technique_ids(rule)),
                tests=(tests or {}).get(key),
                baseline_alerts=(baseline_alerts or {}).get(key),
            )
        )
    return statuses


def load_results(path: Path) -> dict[str, TestSummary]:
    """Read case results saved as JSON, keyed by rule_id.

    Accepts a list of case results (objects with ``rule_id``, ``case``,
    ``passed`` and optionally ``message`` and ``expect_alert``) or an object
    holding that list under ``results``, as ``dac test --format json`` writes.
    """
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read results file {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON in results file: {exc.msg}"
        ) from exc
    items = document.get("results") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ReportError(
            f"{path}: expected a list of case results or an object with a "
            '"results" list'
        )
    summaries: dict[str, TestSummary] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReportError(f"{path}: result {index} is not a JSON object")
        rule_id = item.get("rule_id")
        if rule_id is None:
            # A rule without a rule_id cannot be matched to its row.
            log.warning("%s: result %d has no rule_id; skipped", path, index)
            continue
        if not isinstance(rule_id, str):
            raise ReportError(
                f"{path}: result {index}: rule_id must be a string, got "
                f"{json.dumps(rule_id)}; pass the JSON that dac test --format "
                "json writes"
            )
        expect_alert = item.get("expect_alert")
        outcome = CaseOutcome(
            case=str(item.get("case", "")),
            passed=item.get("passed") is True,
            message=str(item.get("message") or ""),
            expect_alert=expect_alert if isinstance(expect_alert, bool) else None,
        )
        summaries.setdefault(item["rule_id"], TestSummary()).cases.append(outcome)
    return summaries


def write_coverage(
    rules: list[Rule],
    navigator_path: Path | None,
    html_path: Path | None,
    attack: Any,
    tests: dict[str, TestSummary] | None = None,
    baseline_alerts: dict[str, int] | None = None,
    history: list[dict[str, Any]] | None = None,
    commit: str = "",
) -> None:
    """Write the Navigator layer and the HTML report for ``rules``.

    Either path may be None to skip that output.
    """
    coverage = build_coverage(rules, attack)
    if navigator_path is not None:
        layer = navigator_layer(coverage)
        write_text_file(navigator_path, json.dumps(layer, indent=2) + "\n")
        log.info("wrote Navigator layer %s", navigator_path)
    if html_path is not None:
        statuses = rule_statuses(rules, tests, baseline_alerts)
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        page = render_report(coverage, statuses, history or [], generated, commit)
        write_text_file(html_path, page)
        log.info("wrote HTML report %s", html_path)


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` and create its directory (ReportError on failure)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror}") from exc
