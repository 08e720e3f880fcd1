"""Markdown rendering of a review: size limit, escaping, fences."""

from __future__ import annotations

from dac.diagnostics import Diagnostic
from dac.review.changes import RuleChange
from dac.review.checks import CaseOutcome, TestSummary
from dac.review.markdown import (
    COMMENT_MARKER,
    GITHUB_COMMENT_LIMIT,
    MAX_DIFF_LINES,
    render_markdown,
)
from dac.review.pr import Review


def make_review(changes: list[RuleChange]) -> Review:
    review = Review("origin/main", "HEAD", "a" * 40, "b" * 40, changes)
    return review


def big_change(index: int, diff_lines: int = 120) -> RuleChange:
    diff = "\n".join(f"+rule.line{n} = {'x' * 60}" for n in range(diff_lines))
    return RuleChange(
        rule_id=f"rule-{index:04d}",
        name=f"Rule {index}",
        change="changed",
        path=f"detections/windows/rule_{index}.toml",
        version_base=1,
        version_head=2,
        metadata_diff=diff,
        query_diff=diff,
        tests_head=TestSummary([CaseOutcome("alerts", True)]),
    )


def test_markdown_fits_comment_limit():
    review = make_review([big_change(i) for i in range(200)])

    text = render_markdown(review)

    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "Report truncated" in text
    assert text.startswith(COMMENT_MARKER)
    # Every section that was started is closed, so the comment renders.
    assert text.count("<details>") == text.count("</details>")
    assert 0 < text.count("<details>") < 200


def test_markdown_truncates_table_rows():
    changes = [big_change(i, diff_lines=1) for i in range(200)]
    for change in changes:
        change.name = "N" * 600

    text = render_markdown(make_review(changes), limit=20_000)

    assert len(text) <= 20_000
    assert "table rows" in text
    assert "<details>" not in text


def test_markdown_small_review_not_truncated():
    text = render_markdown(make_review([big_change(1, diff_lines=3)]))

    assert "Report truncated" not in text
    assert text.count("<details>") == 1
    assert "| Rule 1<br><code>detections/windows/rule_1.toml</code> | changed |" in text


def test_markdown_clips_long_diff():
    text = render_markdown(make_review([big_change(1, diff_lines=MAX_DIFF_LINES + 50)]))

    assert "... 50 more lines not shown" in text


def test_markdown_escapes_rule_strings():
    change = big_change(1, diff_lines=1)
    change.name = "<script>alert(1)</script> | pipe"
    change.diagnostics = [
        Diagnostic("x.toml", 3, 1, "error", "DAC999", "bad <img src=x onerror=y>")
    ]
    change.tests_head = TestSummary([CaseOutcome("<b>case</b>", False, "<i>why</i>")])

    text = render_markdown(make_review([change]))

    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#124; pipe" in text
    assert "<img" not in text
    assert "<b>case</b>" not in text
    assert "<i>why</i>" not in text


def test_markdown_fence_outlasts_backticks():
    change = big_change(1, diff_lines=1)
    change.query_diff = '+process where process.name == "````"'

    text = render_markdown(make_review([change]))

    assert "`````diff" in text


def test_markdown_failing_summary_row():
    change = big_change(1, diff_lines=1)
    change.tests_head = TestSummary(
        [CaseOutcome("alerts", True), CaseOutcome("near miss", False, "1 alert")]
    )
    change.version_head = 1

    text = render_markdown(make_review([change]))

    assert "FAIL 1/2" in text
    assert "1 → 1 (not bumped)" in text
    assert "**checks fail**" in text
    assert "case <code>near miss</code> fails: 1 alert" in text
