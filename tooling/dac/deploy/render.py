"""Render plans and apply results as text, JSON or markdown (the CLI prints them)."""

from __future__ import annotations

import json
from typing import Any

from dac.deploy.apply import ApplyResult
from dac.deploy.plan import Plan, RuleChange

SYMBOLS = {
    "create": "+",
    "update": "~",
    "disable": "x",
    "delete": "-",
    "unchanged": "=",
    "excluded": "!",
}
MAX_VALUE_CHARS = 70


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
        f"{deletes}, {counts['unchanged']} unchanged"
    )
    if counts["excluded"]:
        line += f", {counts['excluded']} kept (excluded from this environment)"
    if plan.drifted:
        line += f"; {len(plan.drifted)} edited in Kibana since the last deploy"
    return line + "."


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def _note(change: RuleChange, prune: bool) -> str:
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
            f"version {version} is already deployed with other content; "
            "run dac version bump"
        )
    if change.action == "delete" and not prune:
        notes.append("not in the repository; deleted only with --prune")
    if change.action == "excluded":
        notes.append("in the repository but excluded here; not deleted")
    return f"  ({'; '.join(notes)})" if notes else ""


def _plan_text(plan: Plan, prune: bool) -> str:
    lines = [
        f"Plan for environment {plan.environment} "
        f"({plan.kibana_url}, space {plan.space}):"
    ]
    for change in plan.changes:
        if change.action == "unchanged" and not change.drift:
            continue
        symbol = SYMBOLS[change.action]
        lines.append(
            f"  {symbol} {change.action:<9} {change.rule_id}  {change.name}"
            + _note(change, prune)
        )
        if change.action == "update":
            for key, (old, new) in sorted(change.changes.items()):
                lines.append(f"      {key}: {_short(old)} -> {_short(new)}")
    lines.append(summary_line(plan, prune))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _plan_markdown(plan: Plan, prune: bool) -> str:
    lines = [
        f"### Deploy plan: {plan.environment} (space `{plan.space}`)",
        "",
        summary_line(plan, prune),
        "",
    ]
    listed = [c for c in plan.changes if c.action != "unchanged" or c.drift]
    if listed:
        lines += [
            "| action | rule_id | name | changed fields | notes |",
            "|---|---|---|---|---|",
        ]
        for change in listed:
            fields = ", ".join(f"`{f}`" for f in change.changed_fields)
            lines.append(
                f"| {change.action} | `{change.rule_id}` | {_cell(change.name)} "
                f"| {fields} | {_cell(_note(change, prune).strip(' ()'))} |"
            )
    return "\n".join(lines)


def render_results(results: list[ApplyResult], fmt: str = "text") -> str:
    """Render apply results in ``fmt``; failures carry Kibana's message."""
    failed = sum(1 for r in results if r.failed)
    if fmt == "json":
        payload = {"failed": failed, "results": [r.to_dict() for r in results]}
        return json.dumps(payload, indent=2, sort_keys=True)
    if fmt == "markdown":
        lines = ["| rule_id | action | outcome | message |", "|---|---|---|---|"]
        lines += [
            f"| `{r.rule_id}` | {r.action} | {r.outcome} | {_cell(r.message)} |"
            for r in results
        ]
        lines.append(f"\n{len(results) - failed} applied, {failed} failed.")
        return "\n".join(lines)
    lines = []
    for r in results:
        message = f": {r.message}" if r.message else ""
        lines.append(f"  {r.outcome:<8} {r.action:<7} {r.rule_id}  {r.name}{message}")
    lines.append(f"Apply: {len(results) - failed} done, {failed} failed.")
    return "\n".join(lines)
