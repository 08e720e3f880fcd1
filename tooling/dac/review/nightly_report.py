"""Render a nightly run: the coverage reports and a Markdown summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dac.review.checks import CaseOutcome, TestSummary
from dac.review.history import (
    CASE_FILE_ERROR,
    QUIET_SEVERITIES,
    failing_cases,
    noisy_rules,
    run_totals,
)
from dac.review.markdown import escape
from dac.review.report import write_coverage, write_text_file
from dac.rules import Rule

NAVIGATOR_FILE = "attack-navigator.json"
HTML_FILE = "coverage.html"
SUMMARY_FILE = "nightly.md"

# Failing-case and noisy-rule rows shown in the Markdown summary. GitHub
# Actions rejects a step summary over 1024 KiB, and a few hundred rows are
# more than a reader scans anyway.
MAX_FAILING_ROWS = 200


def summaries_from_record(
    record: dict[str, Any], backend: str
) -> dict[str, TestSummary]:
    """Rebuild per-rule test summaries of one backend from a history record."""
    summaries = {}
    for rule_id, rule in record.get("rules", {}).items():
        result = (rule.get("backends") or {}).get(backend)
        if result is None:
            continue
        cases = [
            CaseOutcome(case=name, passed=bool(passed))
            for name, passed in (result.get("cases") or {}).items()
            if name != CASE_FILE_ERROR
        ]
        summaries[rule_id] = TestSummary(cases=cases, error=result.get("error"))
    return summaries


def render_summary(record: dict[str, Any], skipped: dict[str, str]) -> str:
    """Render the run as Markdown for a CI job summary.

    The summary has the totals, skipped backends, the regressions against
    the previous run, every rule that alerts on a benign dataset and every
    case that fails now (at most ``MAX_FAILING_ROWS`` rows each).
    """
    totals = run_totals(record)
    if record.get("benign_datasets"):
        noise = f"{totals['noisy']} rules alert on the benign datasets"
    else:
        noise = "no benign dataset was replayed"
    lines = [
        "## Nightly detection regression run",
        "",
        f"Run {record['timestamp']} at commit `{record['commit'][:12]}`: "
        f"{totals['passed']} cases passed, {totals['failed']} failed on "
        f"{', '.join(record['backends']) or 'no backend'}; "
        f"{noise}; "
        f"{totals['regressions']} regressions.",
        "",
    ]
    for name, reason in sorted(skipped.items()):
        lines.append(f"- Backend {name} skipped: {escape(reason)}")
    if skipped:
        lines.append("")
    lines += ["### Regressions", "", *_regression_lines(record), ""]
    lines += ["### Noisy rules", "", *_noisy_lines(record), ""]
    lines += ["### Failing cases", "", *_failing_lines(record)]
    return "\n".join(lines) + "\n"


def _regression_lines(record: dict[str, Any]) -> list[str]:
    # A run recorded before previous_run existed counts as compared.
    if record.get("previous_run", "") is None:
        return ["First run: no previous run to compare."]
    if not record["regressions"]:
        return ["No regression against the previous run."]
    lines = ["| Rule | Regression |", "|---|---|"]
    for regression in record["regressions"]:
        name = escape(str(regression.get("name", regression["rule_id"])))
        if regression["kind"] == "case":
            description = (
                f"case <code>{escape(regression['case'])}</code> now fails on "
                f"{escape(regression['backend'])}"
            )
        else:
            description = (
                f"{regression['alerts']} alerts on the benign baseline "
                f"(previous run: {regression['previous_alerts']})"
            )
        lines.append(f"| {name} | {description} |")
    return lines


def _noisy_lines(record: dict[str, Any]) -> list[str]:
    if not record.get("benign_datasets"):
        return ["No benign dataset was replayed."]
    noisy = noisy_rules(record)
    if not noisy:
        return ["No rule alerts on the benign datasets."]
    quiet = ", ".join(QUIET_SEVERITIES)
    lines = [
        f"A rule of severity {quiet} may alert on a benign dataset; any other "
        "fails the run.",
        "",
        "| Rule | Severity | Dataset | Alerts |",
        "|---|---|---|---|",
    ]
    for entry in noisy[:MAX_FAILING_ROWS]:
        name = escape(str(entry["name"]))
        severity = escape(entry["severity"] or "none")
        if entry["blocking"]:
            severity = f"**{severity}** (fails the run)"
        dataset = escape(str(entry["dataset"]))
        lines.append(f"| {name} | {severity} | {dataset} | {entry['alerts']} |")
    hidden = len(noisy) - MAX_FAILING_ROWS
    if hidden > 0:
        lines += ["", f"{hidden} more noisy rules are not listed."]
    return lines


def describe_failure(failure: dict[str, Any]) -> str:
    """Describe one failing case as HTML-escaped text (a case or a case file error)."""
    if failure["case"] == CASE_FILE_ERROR:
        return f"case file error: {escape(str(failure.get('error') or 'unknown'))}"
    return f"<code>{escape(str(failure['case']))}</code>"


def _failing_lines(record: dict[str, Any]) -> list[str]:
    failing = failing_cases(record)
    if not failing:
        return ["No case fails."]
    lines = ["| Rule | Backend | Case |", "|---|---|---|"]
    for failure in failing[:MAX_FAILING_ROWS]:
        name = escape(str(failure["name"]))
        backend = escape(str(failure["backend"]))
        lines.append(f"| {name} | {backend} | {describe_failure(failure)} |")
    hidden = len(failing) - MAX_FAILING_ROWS
    if hidden > 0:
        lines += [
            "",
            f"{hidden} more failing cases are not listed; the history file "
            "has every case result.",
        ]
    return lines


def write_nightly_reports(
    rules: list[Rule],
    record: dict[str, Any],
    skipped: dict[str, str],
    history: list[dict[str, Any]],
    reports_dir: Path,
    attack: Any,
) -> list[Path]:
    """Write the Navigator layer, the HTML report and the Markdown summary.

    ``history`` is every recorded run, oldest first, ending with ``record``.
    """
    baseline = {
        rule_id: rule["baseline_alerts"]
        for rule_id, rule in record.get("rules", {}).items()
        if isinstance(rule.get("baseline_alerts"), int)
    }
    navigator = reports_dir / NAVIGATOR_FILE
    html = reports_dir / HTML_FILE
    write_coverage(
        rules,
        navigator,
        html,
        attack,
        tests=summaries_from_record(record, "embedded"),
        baseline_alerts=baseline,
        history=history,
        commit=record["commit"],
    )
    summary = reports_dir / SUMMARY_FILE
    write_text_file(summary, render_summary(record, skipped))
    return [navigator, html, summary]
