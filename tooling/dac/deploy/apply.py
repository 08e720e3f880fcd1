"""Apply a plan to Kibana: create, update and (with prune) delete managed rules.

Each rule is applied on its own, so one failure does not stop the others,
and every outcome is returned. Applying the same plan again, or a new plan
after a failure halfway, converges. A create that finds the rule_id taken
becomes an update: the 409 may come from an earlier attempt that timed out
after Kibana stored the rule. A deletion of a rule that is already gone
counts as done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from dac.deploy.plan import Plan, PlanError, RuleChange
from dac.kibana import (
    KibanaClient,
    KibanaConflictError,
    KibanaError,
    KibanaUnavailableError,
)

log = logging.getLogger(__name__)

Outcome = Literal["created", "updated", "deleted", "failed", "skipped"]

# After this many rules in a row fail because Kibana is unreachable (each
# after all its retries), the remaining rules are reported as not attempted
# instead of waiting out the same retries each.
MAX_UNAVAILABLE_IN_A_ROW = 3


@dataclass(frozen=True)
class ApplyResult:
    """The outcome of applying one rule's change."""

    rule_id: str
    name: str
    action: str
    outcome: Outcome
    message: str = ""
    unavailable: bool = False

    @property
    def failed(self) -> bool:
        """Tell whether this rule's change failed."""
        return self.outcome == "failed"

    def to_dict(self) -> dict[str, str]:
        """Return the JSON shape used by ``--format json``."""
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "action": self.action,
            "outcome": self.outcome,
            "message": self.message,
        }


def apply_plan(
    plan: Plan, client: KibanaClient, managed_tag: str, prune: bool = False
) -> list[ApplyResult]:
    """Apply creates and updates, then deletions when ``prune`` is set.

    Deletions touch only rules that carry ``managed_tag`` in Kibana. Raises
    PlanError instead of pruning when the plan contains no repository rule at
    all, because an empty or misconfigured rule path would otherwise delete
    every managed rule.
    """
    deletions = plan.by_action("delete")
    if prune and deletions and len(deletions) == len(plan.changes):
        raise PlanError(
            f"--prune rejected: it would delete all {len(deletions)} managed "
            f"rules of {plan.environment} because no repository rule was "
            "selected; check rules.paths and the filters in the config"
        )
    results: list[ApplyResult] = []
    streak = 0
    for change in plan.by_action("create") + plan.by_action("update"):
        if streak >= MAX_UNAVAILABLE_IN_A_ROW:
            results.append(_not_attempted(change))
            continue
        apply_one = _create if change.action == "create" else _update
        result = apply_one(client, change)
        streak = streak + 1 if result.unavailable else 0
        results.append(result)
    if prune and streak >= MAX_UNAVAILABLE_IN_A_ROW:
        results.extend(_not_attempted(change) for change in deletions)
    elif prune:
        results.extend(_delete(client, deletions, managed_tag))
    else:
        results.extend(
            ApplyResult(
                c.rule_id, c.name, "delete", "skipped", "pass --prune to delete"
            )
            for c in deletions
        )
    failed = sum(1 for r in results if r.failed)
    log.info("applied %d changes, %d failed", len(results) - failed, failed)
    return results


def _create(client: KibanaClient, change: RuleChange) -> ApplyResult:
    assert change.desired is not None
    try:
        client.create_rule(change.desired)
        return ApplyResult(change.rule_id, change.name, "create", "created")
    except KibanaConflictError:
        log.info("%s: rule_id already exists; updating instead", change.rule_id)
    except KibanaError as exc:
        return _failed(change, "create", exc)
    try:
        client.update_rule(change.desired)
        return ApplyResult(
            change.rule_id,
            change.name,
            "create",
            "updated",
            "rule_id already existed in Kibana; replaced it",
        )
    except KibanaError as exc:
        return _failed(change, "create", exc)


def _update(client: KibanaClient, change: RuleChange) -> ApplyResult:
    assert change.desired is not None
    try:
        client.update_rule(change.desired)
    except KibanaError as exc:
        return _failed(change, "update", exc)
    note = "overwrote changes made in Kibana" if change.drift else ""
    return ApplyResult(change.rule_id, change.name, "update", "updated", note)


def _delete(
    client: KibanaClient, changes: list[RuleChange], managed_tag: str
) -> list[ApplyResult]:
    results = []
    by_object_id: dict[str, RuleChange] = {}
    for change in changes:
        current = change.current or {}
        if managed_tag not in (current.get("tags") or []) or not current.get("id"):
            results.append(
                ApplyResult(
                    change.rule_id,
                    change.name,
                    "delete",
                    "skipped",
                    f"rule does not carry the managed tag {managed_tag!r}",
                )
            )
            continue
        by_object_id[current["id"]] = change
    if not by_object_id:
        return results
    try:
        answer = client.bulk_action("delete", list(by_object_id))
    except KibanaError as exc:
        return results + [_failed(c, "delete", exc) for c in by_object_id.values()]
    failed_ids: dict[str, str] = {}
    for error in answer["errors"]:
        for rule in error.get("rules") or []:
            failed_ids[rule.get("id", "")] = (
                f"HTTP {error.get('status_code')}: {error.get('message')}"
            )
    for object_id, change in by_object_id.items():
        message = failed_ids.get(object_id)
        if message is None or message.startswith("HTTP 404"):
            note = "already deleted" if message else ""
            if message:
                log.info("%s was already deleted", change.rule_id)
            results.append(
                ApplyResult(change.rule_id, change.name, "delete", "deleted", note)
            )
        else:
            results.append(
                ApplyResult(change.rule_id, change.name, "delete", "failed", message)
            )
    return results


def _failed(change: RuleChange, action: str, exc: KibanaError) -> ApplyResult:
    log.error("%s %s failed: %s", action, change.rule_id, exc)
    unavailable = isinstance(exc, KibanaUnavailableError)
    return ApplyResult(
        change.rule_id, change.name, action, "failed", str(exc), unavailable
    )


def _not_attempted(change: RuleChange) -> ApplyResult:
    message = (
        f"not attempted: Kibana was unreachable for {MAX_UNAVAILABLE_IN_A_ROW} "
        "rules in a row; rerun deploy when it is back"
    )
    log.error("%s %s %s", change.action, change.rule_id, message)
    return ApplyResult(change.rule_id, change.name, change.action, "failed", message)
