"""Render a review as Markdown that fits in one pull-request comment.

GitHub rejects a comment body longer than 65,536 characters. The renderer
always keeps the title and the coverage line. It adds summary table rows,
then one collapsible ``<details>`` section per rule, while they fit, and ends
with a note naming how many rows and sections were left out. Every string
that comes from a rule is HTML-escaped, because GitHub renders HTML inside
comments.
"""

from __future__ import annotations

import html
import re

from dac.diagnostics import count_errors
from dac.review.changes import RuleChange
from dac.review.checks import TestSummary
from dac.review.pr import Review

GITHUB_COMMENT_LIMIT = 65_536

# Each diff shown in a rule's section keeps at most this many lines.
MAX_DIFF_LINES = 150

# A hidden marker so a CI step can find and update its own earlier comment.
COMMENT_MARKER = "<!-- dac-review -->"

_BACKTICK_RUN = re.compile(r"`+")


def escape(text: str) -> str:
    """Escape ``text`` for a Markdown table cell or HTML context."""
    return html.escape(text, quote=True).replace("|", "&#124;").replace("\n", " ")


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _fence(body: str, language: str = "") -> str:
    """Wrap ``body`` in a code fence longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def _clip(diff: str) -> str:
    lines = diff.splitlines()
    if len(lines) <= MAX_DIFF_LINES:
        return diff
    hidden = len(lines) - MAX_DIFF_LINES
    shown_lines = "\n".join(lines[:MAX_DIFF_LINES])
    return f"{shown_lines}\n... {hidden} more lines not shown"


def _tests_cell(summary: TestSummary | None) -> str:
    if summary is None:
        return "-"
    if summary.error:
        return "error"
    total = summary.passed + summary.failed
    if total == 0:
        return "no cases"
    mark = "pass" if summary.ok else "FAIL"
    return f"{mark} {summary.passed}/{total}"


def _version_cell(change: RuleChange) -> str:
    if change.change in ("changed", "moved"):
        before = change.version_base if change.version_base is not None else "-"
        after = change.version_head if change.version_head is not None else "-"
        note = " (not bumped)" if change.version_not_bumped else ""
        return f"{before} → {after}{note}"
    value = change.version_head if change.change == "added" else change.version_base
    return str(value) if value is not None else "-"


def _change_cell(change: RuleChange) -> str:
    if change.moved_from is None:
        return change.change
    if change.change == "moved":
        return f"moved (from {_code(change.moved_from)})"
    return f"{change.change}, moved from {_code(change.moved_from)}"


def _attack_cell(change: RuleChange) -> str:
    parts = [f"+{t}" for t in change.techniques_gained]
    parts += [f"−{t}" for t in change.techniques_lost]
    return escape(" ".join(parts)) if parts else "-"


def _validation_cell(change: RuleChange) -> str:
    if change.change == "removed":
        return "-"
    errors = change.error_count
    warnings = len(change.diagnostics) - count_errors(change.diagnostics)
    if errors == 0 and warnings == 0:
        return "ok"
    return f"{errors} errors, {warnings} warnings"


def render_summary(review: Review) -> str:
    """Render the title, counts, coverage delta and one table row per rule."""
    summary = review.summary()
    status = "all checks pass" if review.ok else "**checks fail**"
    base = escape(review.base)
    head = escape(review.head)
    lines = [
        COMMENT_MARKER,
        "## Detection rule review",
        "",
        f"Comparing {_code(base)} ({review.base_commit[:12]}) with {_code(head)} "
        f"({review.head_commit[:12]}): {summary['added']} added, "
        f"{summary['changed']} changed, {summary['moved']} moved, "
        f"{summary['removed']} removed, "
        f"{summary['unchanged']} unchanged; {status}.",
        "",
        _coverage_line(review),
    ]
    if summary["version_not_bumped"]:
        lines += [
            "",
            f"{len(summary['version_not_bumped'])} changed rules keep their "
            "version; run `dac version bump` so that deployed revisions can be "
            "told apart.",
        ]
    if not review.changes:
        return "\n".join([*lines, "", "No rule files changed."])
    lines += [
        "",
        "| Rule | Change | Version | Validation | Tests (head) | Tests (base) "
        "| ATT&CK |",
        "|---|---|---|---|---|---|---|",
    ]
    return "\n".join(lines)


def render_row(change: RuleChange) -> str:
    """Render one summary table row."""
    cells = [
        f"{escape(change.name)}<br>{_code(change.path)}",
        _change_cell(change),
        _version_cell(change),
        _validation_cell(change),
        _tests_cell(change.tests_head),
        _tests_cell(change.tests_base),
        _attack_cell(change),
    ]
    return "| " + " | ".join(cells) + " |"


def _technique(review: Review, technique_id: str) -> str:
    name = review.technique_names.get(technique_id)
    label = f"{technique_id} {name}" if name else technique_id
    return escape(label)


def _coverage_line(review: Review) -> str:
    gained = ", ".join(_technique(review, t) for t in review.coverage_gained)
    lost = ", ".join(_technique(review, t) for t in review.coverage_lost)
    gained = gained or "none"
    lost = lost or "none"
    return f"ATT&CK coverage: techniques gained: {gained}; techniques lost: {lost}."


def render_details(change: RuleChange) -> str:
    """Render the collapsible section of one rule: findings, tests and diffs."""
    mark = "✅" if change.ok else "❌"
    title = f"{mark} {_change_cell(change)}: {escape(change.name)} "
    title += f"({_code(change.rule_id)})"
    parts = [f"<details><summary>{title}</summary>", ""]

    if change.load_error:
        parts += [f"Rule file does not load: {_code(change.load_error)}", ""]
    if change.diagnostics:
        parts += ["Validation findings:", ""]
        parts += [f"- {_code(d.render())}" for d in change.diagnostics]
        parts.append("")
    parts += _test_lines(change)

    if change.fields_added:
        parts.append("Fields newly used: " + ", ".join(map(_code, change.fields_added)))
        parts.append("")
    if change.fields_removed:
        parts.append(
            "Fields no longer used: " + ", ".join(map(_code, change.fields_removed))
        )
        parts.append("")

    if change.tests_changed:
        parts += ["The rule's test-case files changed.", ""]
    elif change.tests_moved:
        parts += ["The rule's test-case files moved with it, unchanged.", ""]

    if change.metadata_diff:
        parts += ["Metadata:", "", _fence(_clip(change.metadata_diff), "diff"), ""]
    if change.query_diff:
        parts += ["Query:", "", _fence(_clip(change.query_diff), "diff"), ""]
    parts.append("</details>")
    return "\n".join(parts)


def _test_lines(change: RuleChange) -> list[str]:
    lines: list[str] = []
    for label, summary in (("head", change.tests_head), ("base", change.tests_base)):
        if summary is None:
            continue
        if summary.error:
            lines.append(f"- Tests at {label}: error {_code(summary.error)}")
        for case in summary.cases:
            if not case.passed:
                detail = f": {escape(case.message)}" if case.message else ""
                lines.append(
                    f"- Tests at {label}: case {_code(case.case)} fails{detail}"
                )
    return [*lines, ""] if lines else []


def render_markdown(review: Review, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """Render the whole review in at most ``limit`` characters.

    Table rows and detail sections are added in order while they fit. A
    closing note states how many were left out and how to see them all.
    """
    head = render_summary(review)
    rows = [render_row(change) for change in review.changes]
    details = [render_details(change) for change in review.changes]
    # Room for the truncation note, whatever counts it ends up naming.
    budget = limit - 400
    body = head
    shown_rows = 0
    for row in rows:
        if len(body) + len(row) + 1 > budget:
            break
        body += "\n" + row
        shown_rows += 1
    if review.changes:
        body += "\n"
    shown_details = 0
    if shown_rows == len(rows):
        for section in details:
            if len(body) + len(section) + 2 > budget:
                break
            body += "\n" + section + "\n"
            shown_details += 1
    if shown_rows < len(rows) or shown_details < len(details):
        body += (
            f"\n> **Report truncated** to fit GitHub's {limit:,}-character comment "
            f"limit: {len(rows) - shown_rows} table rows and "
            f"{len(details) - shown_details} rule sections are not shown. Run "
            "`dac review --format json` for the full report.\n"
        )
    return body
