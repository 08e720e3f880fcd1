"""Render the coverage and regression report as one self-contained HTML page.

The page loads nothing: styles are inline, charts are inline SVG, and there
is no script. A Content-Security-Policy meta tag (``default-src 'none'``)
makes the browser block any script or request that a rule's text might
smuggle in, on top of HTML-escaping every string that comes from a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from dac.review.checks import TestSummary
from dac.review.coverage import Coverage, MatrixTechnique
from dac.review.history import (
    CASE_FILE_ERROR,
    failing_cases,
    is_first_run,
    noisy_rules,
    run_totals,
)
from dac.review.trend import trend_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Cell colors by number of rules: none, 1, 2, 3-4, 5 or more.
HEAT_COLORS = ("#eef0f2", "#c6dbef", "#6baed6", "#3182bd", "#08519c")

STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  margin: 24px; color: #1b1f23; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; margin: 0 0 12px; }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.stat { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.stat b { display: block; font-size: 20px; }
.matrix { display: flex; gap: 4px; overflow-x: auto; align-items: flex-start; }
.tactic { flex: 0 0 132px; }
.tactic h3 { font-size: 12px; margin: 0 0 4px; padding: 6px 4px;
  background: #24292f; color: #fff; border-radius: 4px; min-height: 42px; }
.tactic h3 small { display: block; font-weight: normal; color: #d0d7de; }
.cell { font-size: 11px; padding: 3px 4px; margin: 0 0 2px; border-radius: 3px;
  position: relative; word-wrap: break-word; }
.cell.sub { margin-left: 10px; }
.cell .count { float: right; font-weight: bold; margin-left: 4px; }
.cell.dark { color: #fff; }
.cell .tid { display: block; opacity: 0.8; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 6px; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
.pass { color: #1a7f37; font-weight: bold; }
.fail { color: #cf222e; font-weight: bold; }
.none { color: #57606a; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 4px;
  border-radius: 3px; font-size: 11px; }
"""


@dataclass
class RuleStatus:
    """One row of the rules table: a rule, its techniques and latest results."""

    rule_id: str
    name: str
    path: str
    techniques: list[str] = field(default_factory=list)
    tests: TestSummary | None = None
    baseline_alerts: int | None = None


def heat_color(count: int) -> str:
    """Return the cell background for a technique covered by ``count`` rules."""
    if count >= 5:
        return HEAT_COLORS[4]
    if count >= 3:
        return HEAT_COLORS[3]
    return HEAT_COLORS[count]


def _cell(technique: MatrixTechnique, sub: bool = False) -> str:
    count = technique.score
    classes = ["cell"]
    if sub:
        classes.append("sub")
    if count >= 3:
        classes.append("dark")
    classes.append("covered" if count else "uncovered")
    rules = "; ".join(sorted(technique.rules)) or "no rule"
    count_html = f'<span class="count">{count}</span>' if count else ""
    return (
        f'<div class="{" ".join(classes)}" style="background:{heat_color(count)}" '
        f'data-technique="{escape(technique.id)}" data-rules="{count}" '
        f'title="{escape(rules)}">{count_html}{escape(technique.name)}'
        f'<span class="tid">{escape(technique.id)}</span></div>'
    )


def render_matrix(coverage: Coverage) -> str:
    """Render the ATT&CK matrix: one column per tactic, one cell per technique."""
    columns = []
    for tactic in coverage.tactics:
        techniques = coverage.columns[tactic.id]
        covered = sum(
            1 for t in techniques if t.rules or any(s.rules for s in t.subtechniques)
        )
        cells = []
        for technique in techniques:
            cells.append(_cell(technique))
            cells += [_cell(s, sub=True) for s in technique.subtechniques if s.rules]
        columns.append(
            f'<div class="tactic" data-tactic="{escape(tactic.id)}">'
            f"<h3>{escape(tactic.name)}<small>{escape(tactic.id)} · "
            f"{covered}/{len(techniques)} covered</small></h3>{''.join(cells)}</div>"
        )
    legend = "".join(
        f'<span style="background:{color}">{label}</span>'
        for color, label in zip(
            HEAT_COLORS,
            ("no rule", "1 rule", "2 rules", "3-4 rules", "5+ rules"),
            strict=True,
        )
    )
    return f'<p class="legend">{legend}</p><div class="matrix">{"".join(columns)}</div>'


def _tests_html(tests: TestSummary | None) -> str:
    if tests is None:
        return '<span class="none">not run</span>'
    if tests.error:
        return f'<span class="fail">error</span> {escape(tests.error)}'
    total = tests.passed + tests.failed
    if total == 0:
        return '<span class="none">no cases</span>'
    label = "pass" if tests.ok else "fail"
    failing = [escape(c.case) for c in tests.cases if not c.passed]
    detail = f"<br>failing: {', '.join(failing)}" if failing else ""
    return f'<span class="{label}">{label}</span> {tests.passed}/{total}{detail}'


def render_rules_table(statuses: list[RuleStatus]) -> str:
    """Render one table row per rule with its techniques, tests and baseline alerts."""
    rows = []
    for status in sorted(statuses, key=lambda s: s.name.lower()):
        alerts = "-" if status.baseline_alerts is None else str(status.baseline_alerts)
        rows.append(
            f'<tr data-rule-id="{escape(status.rule_id)}"><td>{escape(status.name)}'
            f"<br><code>{escape(status.path)}</code></td>"
            f"<td>{escape(', '.join(status.techniques)) or '-'}</td>"
            f'<td class="tests">{_tests_html(status.tests)}</td>'
            f'<td class="alerts">{alerts}</td></tr>'
        )
    return (
        "<table><thead><tr><th>Rule</th><th>ATT&amp;CK</th><th>Test cases</th>"
        "<th>Baseline alerts</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def render_history(history: list[dict[str, Any]]) -> str:
    """Render the trend chart and the latest run's regressions and failing cases."""
    if not history:
        return '<p class="none">No nightly run is recorded yet.</p>'
    latest = history[-1]
    totals = run_totals(latest)
    stamp = escape(str(latest.get("timestamp", "")))
    return (
        f"<p>{len(history)} runs recorded; latest {stamp}: {totals['passed']} cases "
        f"passed, {totals['failed']} failed, {totals['regressions']} regressions.</p>"
        f"{trend_svg(history)}"
        f"<h3>Regressions in the latest run</h3>"
        f"{_regressions_html(latest, len(history))}"
        f"<h3>Noisy rules in the latest run</h3>{_noisy_html(latest)}"
        f"<h3>Failing cases in the latest run</h3>{_failing_html(latest)}"
    )


def _noisy_html(latest: dict[str, Any]) -> str:
    if not latest.get("benign_datasets") and "datasets" in latest:
        return "<p>No benign dataset was replayed.</p>"
    items = []
    for entry in noisy_rules(latest):
        name = escape(str(entry["name"]))
        severity = escape(entry["severity"] or "no severity")
        dataset = escape(str(entry["dataset"]))
        verdict = " (fails the run)" if entry["blocking"] else ""
        items.append(
            f"<li>{name} ({severity}{verdict}): {entry['alerts']} alerts on "
            f"{dataset}</li>"
        )
    if not items:
        return "<p>No rule alerts on the benign datasets.</p>"
    return f'<ul class="noisy">{"".join(items)}</ul>'


def _regressions_html(latest: dict[str, Any], history_length: int) -> str:
    if is_first_run(latest, history_length):
        return "<p>First run: no previous run to compare.</p>"
    items = []
    for regression in latest.get("regressions") or []:
        name = escape(str(regression.get("name", regression.get("rule_id", ""))))
        if regression.get("kind") == "case":
            case = escape(str(regression.get("case", "")))
            backend = escape(str(regression.get("backend", "")))
            items.append(
                f"<li>{name}: case <code>{case}</code> fails on {backend}</li>"
            )
        else:
            alerts = escape(str(regression.get("alerts", "")))
            items.append(f"<li>{name}: {alerts} alerts on the benign baseline</li>")
    if not items:
        return "<p>No regression against the previous run.</p>"
    return f'<ul class="regressions">{"".join(items)}</ul>'


def _failing_html(latest: dict[str, Any]) -> str:
    items = []
    for failure in failing_cases(latest):
        name = escape(str(failure["name"]))
        backend = escape(str(failure["backend"]))
        if failure["case"] == CASE_FILE_ERROR:
            error = escape(str(failure.get("error") or "unknown"))
            detail = f"case file error: {error}"
        else:
            detail = f"case <code>{escape(str(failure['case']))}</code>"
        items.append(f"<li>{name}: {detail} on {backend}</li>")
    if not items:
        return "<p>No case fails.</p>"
    return f'<ul class="failing">{"".join(items)}</ul>'


def render_report(
    coverage: Coverage,
    statuses: list[RuleStatus],
    history: list[dict[str, Any]],
    generated_at: str,
    commit: str = "",
) -> str:
    """Render the whole page: summary figures, matrix, rules table, history."""
    covered = coverage.covered_ids()
    tested = [s for s in statuses if s.tests is not None]
    failing = [s for s in tested if not s.tests.ok]
    stats = [
        ("rules", len(statuses)),
        ("techniques covered", len([t for t in covered if "." not in t])),
        ("sub-techniques covered", len([t for t in covered if "." in t])),
        ("techniques in matrix", coverage.technique_count()),
        ("rules failing cases", len(failing)),
    ]
    stat_html = "".join(
        f'<div class="stat" data-stat="{escape(label)}">'
        f"<b>{value}</b>{escape(label)}</div>"
        for label, value in stats
    )
    version = escape(coverage.attack_version or "unknown")
    commit_html = f" at commit <code>{escape(commit[:12])}</code>" if commit else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Detection rule coverage</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Detection rule coverage</h1>"
        f'<p class="meta">Generated {escape(generated_at)}{commit_html}; '
        f"ATT&amp;CK Enterprise version {version}.</p>"
        f'<div class="stats">{stat_html}</div>'
        f"<h2>ATT&amp;CK matrix</h2>{render_matrix(coverage)}"
        f"<h2>Rules</h2>{render_rules_table(statuses)}"
        f"<h2>Nightly regression history</h2>{render_history(history)}"
        "</body></html>\n"
    )
