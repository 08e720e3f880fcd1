"""Render plans and apply results as text, JSON or markdown (the CLI prints them)."""

from __future__ import annotations

import json
import re
from typing import Any

from dac.deploy.apply import ApplyResult
from dac.deploy.plan import Plan, RuleChange
from dac.deploy.value_diff import describe_change
from dac.terminal import escape_control

SYMBOLS = {
    "create": "+",
    "replace": "*",
    "update": "~",
    "disable": "x",
    "delete": "-",
    "unchanged": "=",
    "excluded": "!",
}


def render_plan(plan: Plan, fmt: str = "text", prune: bool = False) -> str:
    """Render ``plan`` in ``fmt`` (``text``, ``json`` or ``markdown``)."""
    if fmt == "json":
        return json.dumps(plan_to_dict(plan, prune), indent=2, sort_keys=True)
    if fmt == "markdown":
        return _plan_markdown(plan, prune)
    return _plan_text(plan, prune)


def plan_to_dict(plan: Plan, prune: bool = False) -> dict[str, Any]:
    """Return the JSON shape of a plan."""
    return {
        "environment": plan.environment,
        "kibana_url": plan.kibana_url,
        "space": plan.space,
        "prune": prune,
        "counts": plan.counts(),
        "drift": [c.rule_id for c in plan.drifted],
        "blocked": [c.rule_id for c in plan.blocked],
        "rules": [c.to_dict() for c in plan.changes],
    }


def summary_line(plan: Plan, prune: bool) -> str:
    """Return the one-line count of planned actions."""
    counts = plan.counts()
    deletes = f"{counts['delete']} to delete"
    if counts["delete"] and not prune:
        deletes += " (only with --prune)"
    line = (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['disable']} to disable, {deletes}, {counts['unchanged']} unchanged"
    )
    if counts["replace"]:
        line += f", {counts['replace']} to replace (only with --adopt)"
    if counts["excluded"]:
        line += f", {counts['excluded']} kept disabled (excluded from this environment)"
    if plan.drifted:
        line += f"; {len(plan.drifted)} edited in Kibana since the last deploy"
    if plan.blocked:
        line += (
            f"; {len(plan.blocked)} blocked by validation errors, "
            "so deploy applies nothing"
        )
    return line + "."


def _note(change: RuleChange, prune: bool) -> str:
    notes = _notes(change, prune)
    return f"  ({'; '.join(notes)})" if notes else ""


def _notes(change: RuleChange, prune: bool) -> list[str]:
    notes = []
    if change.drift:
        revision = (change.current or {}).get("revision")
        edited = f"drift: edited in Kibana since the last deploy (revision {revision})"
        if change.action == "update" and change.repository_changed:
            edited += ", and changed in the repository; deploy keeps the repository's"
        elif change.action == "update":
            edited += "; deploy reverts the Kibana edit"
        notes.append(edited)
    if change.version_not_raised:
        version = (change.desired or {}).get("version")
        notes.append(
            f"version {version} is already deployed with other content, "
            "see DAC905 below"
        )
    if change.action == "replace":
        existing = (change.current or {}).get("name")
        notes.append(
            f"replaces the Kibana rule {existing!r}, which lacks the managed tag; "
            "deploy replaces it only when run with --adopt"
        )
    if change.blocked:
        notes.append(f"blocked: {len(change.errors)} validation error(s)")
    if change.action == "delete" and change.retired:
        notes.append("excluded from this environment; deleted because of --prune")
    elif change.action == "delete" and not prune:
        notes.append("not in the repository; deleted only with --prune")
    if change.action == "disable":
        notes.append("excluded from this environment; deleted instead with --prune")
    if change.action == "excluded":
        notes.append("excluded from this environment and already disabled")
    return notes


def _listed(change: RuleChange) -> bool:
    """Tell whether a plan lists this rule: unchanged ones only with a finding."""
    return change.action != "unchanged" or change.drift or change.blocked


def _change_lines(change: RuleChange) -> list[str]:
    """Return the field changes and error diagnostics listed under a rule."""
    lines = []
    if change.action in ("update", "disable"):
        for key, (old, new) in sorted(change.changes.items()):
            described = describe_change(old, new)
            if len(described) == 1:
                lines.append(f"{key}: {described[0]}")
            else:
                lines.append(f"{key}:")
                lines += [f"  {line}" for line in described]
    lines += [diagnostic.render() for diagnostic in change.errors]
    return lines


def _plan_text(plan: Plan, prune: bool) -> str:
    lines = [
        f"Plan for environment {plan.environment} "
        f"({plan.kibana_url}, space {plan.space}):"
    ]
    for change in plan.changes:
        if not _listed(change):
            continue
        symbol = SYMBOLS[change.action]
        lines.append(
            f"  {symbol} {change.action:<9} {change.rule_id}  "
            f"{escape_control(change.name)}" + _note(change, prune)
        )
        lines += [f"      {line}" for line in _change_lines(change)]
    lines.append(summary_line(plan, prune))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return escape_control(text.replace("|", "\\|").replace("\n", " "))


def _plan_markdown(plan: Plan, prune: bool) -> str:
    lines = [
        f"### Deploy plan: {plan.environment} (space `{plan.space}`)",
        "",
        summary_line(plan, prune),
        "",
    ]
    listed = [c for c in plan.changes if _listed(c)]
    if listed:
        lines += [
            "| action | rule_id | name | changed fields | notes |",
            "|---|---|---|---|---|",
        ]
        for change in listed:
            fields = ", ".join(f"`{f}`" for f in change.changed_fields)
            lines.append(
                f"| {change.action} | `{change.rule_id}` | {_cell(change.name)} "
                f"| {fields} | {_cell('; '.join(_notes(change, prune)))} |"
            )
        lines += _markdown_details(listed)
    return "\n".join(lines)


def _markdown_details(changes: list[RuleChange]) -> list[str]:
    """Return one fenced ``diff`` block per rule with changes or errors."""
    lines = []
    for change in changes:
        body = _change_lines(change)
        if not body:
            continue
        runs = [run for line in body for run in re.findall(r"`+", line)]
        longest = max((len(run) for run in runs), default=0)
        fence = "`" * max(3, longest + 1)
        lines += [
            "",
            f"#### {change.action} `{change.rule_id}` {_cell(change.name)}",
            "",
            f"{fence}diff",
            *body,
            fence,
        ]
    return lines


def render_results(results: list[ApplyResult], fmt: str = "text") -> str:
    """Render apply results in ``fmt``; failures carry Kibana's message.

    The totals count applied, skipped (for example a deletion without
    ``--prune``) and failed changes separately.
    """
    failed = sum(1 for r in results if r.failed)
    skipped = sum(1 for r in results if r.outcome == "skipped")
    done = len(results) - failed - skipped
    if fmt == "json":
        payload = {
            "done": done,
            "skipped": skipped,
            "failed": failed,
            "results": [r.to_dict() for r in results],
        }
        return json.dumps(payload, indent=2, sort_keys=True)
    if fmt == "markdown":
        lines = ["| rule_id | action | outcome | message |", "|---|---|---|---|"]
        lines += [
            f"| `{r.rule_id}` | {r.action} | {r.outcome} | {_cell(r.message)} |"
            for r in results
        ]
        lines.append(f"\n{done} applied, {skipped} skipped, {failed} failed.")
        return "\n".join(lines)
    lines = []
    for r in results:
        message = f": {r.message}" if r.message else ""
        name = escape_control(r.name)
        lines.append(f"  {r.outcome:<8} {r.action:<7} {r.rule_id}  {name}{message}")
    lines.append(f"Apply: {done} done, {skipped} skipped, {failed} failed.")
    return "\n".join(lines)
