"""Rendering of deploy plans and apply results."""

from __future__ import annotations

import json

from dac.deploy.apply import ApplyResult
from dac.deploy.plan import Plan, RuleChange
from dac.deploy.render import render_plan, render_results


def drifted_plan() -> Plan:
    change = RuleChange(
        action="unchanged",
        rule_id="rule-a",
        name="Rule A",
        current={"revision": 3},
        drift=True,
    )
    return Plan("prod", "https://127.0.0.1:5601", "default", [change])


def notes_cell(markdown: str) -> str:
    row = next(line for line in markdown.splitlines() if "`rule-a`" in line)
    return row.rstrip(" |").rsplit(" | ", 1)[1]


def test_markdown_notes_keep_parenthesis():
    cell = notes_cell(render_plan(drifted_plan(), "markdown"))
    assert cell == "drift: edited in Kibana since the last deploy (revision 3)"


def test_text_notes_wrapped_in_parentheses():
    line = render_plan(drifted_plan(), "text").splitlines()[1]
    note = "(drift: edited in Kibana since the last deploy (revision 3))"
    assert line.endswith(f"Rule A  {note}")


def skipped_deletes_results() -> list[ApplyResult]:
    results = [ApplyResult("rule-a", "Rule A", "update", "updated")]
    results += [
        ApplyResult(f"old-{n}", f"Old {n}", "delete", "skipped", "pass --prune")
        for n in range(4)
    ]
    results.append(ApplyResult("rule-b", "Rule B", "create", "failed", "HTTP 400"))
    return results


def test_text_summary_counts_skipped():
    text = render_results(skipped_deletes_results(), "text")
    assert text.splitlines()[-1] == "Apply: 1 done, 4 skipped, 1 failed."


def test_markdown_summary_counts_skipped():
    markdown = render_results(skipped_deletes_results(), "markdown")
    assert markdown.splitlines()[-1] == "1 applied, 4 skipped, 1 failed."


def test_json_summary_counts_skipped():
    document = json.loads(render_results(skipped_deletes_results(), "json"))
    assert document["done"] == 1
    assert document["skipped"] == 4
    assert document["failed"] == 1
    assert len(document["results"]) == 6


def test_control_characters_in_names_are_escaped() -> None:
    from dac.deploy.render import _cell

    assert _cell("Evil\x1b[1A\x1b[2K name") == "Evil\\x1b[1A\\x1b[2K name"
    assert "\x1b" not in _cell("a\x1b]0;title\x07b")
