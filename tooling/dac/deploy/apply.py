"""Apply a plan to Kibana: create, replace, update, disable and delete rules.

Each rule is applied on its own, so one failure does not stop the others,
and every outcome is returned. Applying the same plan again, or a new plan
after a failure halfway, converges. A create that finds the rule_id taken
by a managed rule becomes an update: the 409 may come from an earlier
attempt that timed out after Kibana stored the rule. A rule without the
managed tag is replaced only with ``adopt``, both when the plan found it
and when a create runs into it. A deletion of a rule that is already gone
counts as done, and deletions are sent only with ``prune``. A plan with a
blocked rule (a validation error), or with a replacement and no ``adopt``,
is rejected before anything is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from dac.deploy.convert import content_hash, hash_tag, is_hash_tag
from dac.deploy.plan import Plan, PlanError, RuleChange
from dac.kibana import (
    KibanaClient,
    KibanaConflictError,
    KibanaError,
    KibanaUnavailableError,
)

log = logging.getLogger(__name__)

Outcome = Literal[
    "created", "replaced", "updated", "disabled", "deleted", "failed", "skipped"
]

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
    plan: Plan,
    client: KibanaClient,
    managed_tag: str,
    prune: bool = False,
    adopt: bool = False,
) -> list[ApplyResult]:
    """Apply creates, replacements and updates, then deletions with ``prune``.

    Disabling and deleting touch only rules that carry ``managed_tag`` in
    Kibana, and a rule without it is replaced only with ``adopt``. Raises
    PlanError, and sends nothing, when a rule is blocked by a validation
    error or the plan replaces a rule without ``adopt``. It also raises
    when the plan would disable or delete managed rules while selecting no
    repository rule at all, because an empty or misconfigured rule path or
    filter would remove every one.
    """
    _reject_unsafe(plan, prune, adopt)
    deletions = plan.by_action("delete")
    results: list[ApplyResult] = []
    streak = 0
    writes = (
        plan.by_action("create") + plan.by_action("replace") + plan.by_action("update")
    )
    for change in writes + plan.by_action("disable"):
        if streak >= MAX_UNAVAILABLE_IN_A_ROW:
            results.append(_not_attempted(change))
            continue
        if change.action == "create":
            result = _create(client, change, managed_tag, adopt)
        elif change.action == "replace":
            result = _replace(client, change)
        elif change.action == "update":
            result = _update(client, change)
        else:
            result = _disable(client, change, managed_tag)
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


def _reject_unsafe(plan: Plan, prune: bool, adopt: bool) -> None:
    """Raise PlanError when the plan is not safe to apply.

    That is a blocked rule, a replacement without ``adopt``, or removals
    that would leave no managed rule in Kibana.
    """
    blocked = plan.blocked
    if blocked:
        listed = ", ".join(c.rule_id for c in blocked)
        raise PlanError(
            f"nothing applied: {len(blocked)} rule(s) have validation errors "
            f"({listed}); fix them (dac validate) and rerun"
        )
    replaced = plan.by_action("replace")
    if replaced and not adopt:
        raise PlanError(unadopted_message(replaced))
    removals = plan.by_action("disable") + (plan.by_action("delete") if prune else [])
    kept_actions = ("create", "replace", "update", "unchanged")
    kept = [c for c in plan.changes if c.action in kept_actions]
    if removals and not kept:
        raise PlanError(
            f"deploy rejected: it would disable or delete {len(removals)} managed "
            f"rule(s) of {plan.environment} and keep none, because no repository "
            "rule was selected; check rules.paths and the filters in the config"
        )


def unadopted_message(replaced: list[RuleChange]) -> str:
    """Return the error for replacements of unmanaged rules without ``adopt``."""
    listed = ", ".join(
        f"{c.rule_id} ({(c.current or {}).get('name')!r})" for c in replaced
    )
    return (
        f"nothing applied: {len(replaced)} rule(s) to deploy already exist in "
        f"Kibana without the managed tag, and deploy would replace them: "
        f"{listed}. Pass --adopt to replace them and manage them from the "
        "repository, or give the repository rules other rule_ids"
    )


def _create(
    client: KibanaClient, change: RuleChange, managed_tag: str, adopt: bool
) -> ApplyResult:
    assert change.desired is not None
    try:
        client.create_rule(change.desired)
        return ApplyResult(change.rule_id, change.name, "create", "created")
    except KibanaConflictError:
        log.info("%s: rule_id already exists; reading its tags", change.rule_id)
    except KibanaError as exc:
        return _failed(change, "create", exc)
    # The plan found no rule with this rule_id, so an earlier attempt stored
    # it (and it carries the managed tag) or someone created it since then.
    try:
        existing = client.read_rule(change.rule_id)
    except KibanaError as exc:
        return _failed(change, "create", exc)
    if managed_tag not in (existing.get("tags") or []) and not adopt:
        message = (
            f"rule_id already exists in Kibana without the managed tag "
            f"(name {existing.get('name')!r}); not replaced, pass --adopt to "
            "replace it"
        )
        log.error("create %s failed: %s", change.rule_id, message)
        return ApplyResult(change.rule_id, change.name, "create", "failed", message)
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


def _replace(client: KibanaClient, change: RuleChange) -> ApplyResult:
    """Replace an unmanaged Kibana rule that has the same rule_id (with adopt)."""
    assert change.desired is not None
    try:
        client.update_rule(change.desired)
    except KibanaError as exc:
        return _failed(change, "replace", exc)
    name = (change.current or {}).get("name")
    note = f"replaced the unmanaged Kibana rule {name!r}"
    return ApplyResult(change.rule_id, change.name, "replace", "replaced", note)


def _update(client: KibanaClient, change: RuleChange) -> ApplyResult:
    assert change.desired is not None
    try:
        client.update_rule(change.desired)
    except KibanaError as exc:
        return _failed(change, "update", exc)
    note = "overwrote changes made in Kibana" if change.drift else ""
    return ApplyResult(change.rule_id, change.name, "update", "updated", note)


def _disable(client: KibanaClient, change: RuleChange, managed_tag: str) -> ApplyResult:
    """Disable a retired rule and, unless it drifted, record its new hash."""
    current = change.current or {}
    tags = current.get("tags") or []
    if managed_tag not in tags:
        message = f"rule does not carry the managed tag {managed_tag!r}"
        return ApplyResult(change.rule_id, change.name, "disable", "skipped", message)
    fields: dict[str, object] = {"rule_id": change.rule_id, "enabled": False}
    if not change.drift and any(is_hash_tag(t) for t in tags):
        # The hash covers ``enabled``: record the disabled state so the next
        # plan does not report this deploy's own change as drift.
        other_tags = [t for t in tags if not is_hash_tag(t)]
        disabled = {**current, "enabled": False}
        fields["tags"] = [*other_tags, hash_tag(content_hash(disabled))]
    try:
        client.patch_rule(fields)
    except KibanaError as exc:
        return _failed(change, "disable", exc)
    note = "excluded from this environment"
    return ApplyResult(change.rule_id, change.name, "disable", "disabled", note)


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
