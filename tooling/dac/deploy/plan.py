"""Build a deploy plan: what must change in Kibana to match the repository.

Kibana itself is the state. The plan reads every rule carrying the managed
tag, converts each selected repository rule with :func:`to_kibana`, and
diffs field by field. Rules that are in Kibana but in no repository file
become deletions, applied only with ``--prune``. Rules that are in the
repository but excluded by the environment's filters are retired: disabled
in Kibana, or deleted with ``--prune``. A managed rule whose content no
longer matches the hash recorded at the last deploy was edited in Kibana
since then, which the plan reports as drift. A rule to create whose rule_id
Kibana already has, without the managed tag, is planned as a replacement,
which deploy applies only with ``--adopt``.

Every selected rule also goes through the checks of ``dac validate``. A
rule with an error diagnostic is blocked, and deploy applies nothing while
any rule is. So is a rule whose version would drop below the one in Kibana,
or whose new content would reuse the version Kibana already has.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from dac.deploy.config import Environment, RuleSelection
from dac.deploy.convert import (
    comparable,
    content_hash,
    diff_fields,
    recorded_hash,
    to_kibana,
)
from dac.deploy.versions import VersionLock
from dac.diagnostics import Diagnostic
from dac.errors import DacError
from dac.kibana import KibanaClient
from dac.rules import Rule, load_rules

log = logging.getLogger(__name__)

Action = Literal[
    "create", "replace", "update", "disable", "delete", "unchanged", "excluded"
]
ACTIONS: tuple[Action, ...] = (
    "create",
    "replace",
    "update",
    "disable",
    "delete",
    "unchanged",
    "excluded",
)
# The code of the diagnostic for a version lower than the one in Kibana.
VERSION_DECREASE_CODE = "DAC904"
# Rule_ids per ``_find`` request when the plan looks up the rules it would
# create. Each adds about 80 characters to the URL, so 20 keep it near 2 KB.
LOOKUP_BATCH = 20
# The code of the diagnostic for new content sent under a version that Kibana
# already has with other content.
VERSION_REUSED_CODE = "DAC905"


class PlanError(DacError):
    """The repository cannot be planned safely (load errors, duplicate rule_ids)."""


@dataclass
class RuleChange:
    """One rule's entry in a plan.

    ``desired`` is the body to send (None for deletions); ``current`` is the
    rule as Kibana returned it (None for creations). A replacement has both:
    its ``current`` is the Kibana rule without the managed tag. ``changes`` maps each
    changed field to its ``(current, desired)`` comparable values. ``drift``
    is true when the Kibana copy changed since deploy recorded its hash.
    ``repository_changed`` is true when the repository's content differs
    from that recorded hash, and None when no hash was recorded.
    ``version_not_raised`` flags new content sent under the version that
    Kibana already has. ``retired`` marks a rule that the repository still
    defines but the environment's filters exclude. ``diagnostics`` are the
    validation findings for the rule, including a version decrease.
    """

    action: Action
    rule_id: str
    name: str
    path: str | None = None
    desired: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    drift: bool = False
    repository_changed: bool | None = None
    version_not_raised: bool = False
    retired: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """Return the error diagnostics, which block deploying this rule."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def blocked(self) -> bool:
        """Tell whether this rule has an error that stops deploy."""
        return bool(self.errors)

    @property
    def changed_fields(self) -> list[str]:
        """Return the names of the changed fields, sorted."""
        return sorted(self.changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used by ``--format json``."""
        current = self.current or {}
        return {
            "action": self.action,
            "rule_id": self.rule_id,
            "name": self.name,
            "path": self.path,
            "drift": self.drift,
            "repository_changed": self.repository_changed,
            "version_not_raised": self.version_not_raised,
            "retired": self.retired,
            "blocked": self.blocked,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "revision": current.get("revision"),
            "changes": {
                key: {"current": old, "desired": new}
                for key, (old, new) in sorted(self.changes.items())
            },
        }


@dataclass
class Plan:
    """Every rule's planned action for one environment."""

    environment: str
    kibana_url: str
    space: str
    changes: list[RuleChange]

    def by_action(self, action: Action) -> list[RuleChange]:
        """Return the entries with ``action``, in rule_id order."""
        return [c for c in self.changes if c.action == action]

    def counts(self) -> dict[str, int]:
        """Count entries per action (every action present, zero included)."""
        counter = Counter(c.action for c in self.changes)
        return {action: counter.get(action, 0) for action in ACTIONS}

    @property
    def drifted(self) -> list[RuleChange]:
        """Return the entries whose Kibana copy was edited since the last deploy."""
        return [c for c in self.changes if c.drift]

    @property
    def blocked(self) -> list[RuleChange]:
        """Return the entries with an error diagnostic, which stop deploy."""
        return [c for c in self.changes if c.blocked]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Return every entry's diagnostics, errors and warnings, by place."""
        found = [d for c in self.changes for d in c.diagnostics]
        return sorted(found, key=lambda d: (d.path, d.line, d.column, d.code))

    def has_changes(self, prune: bool = False) -> bool:
        """Tell whether applying would change Kibana."""
        actions = {"create", "replace", "update", "disable"}
        if prune:
            actions.add("delete")
        return any(c.action in actions for c in self.changes)


def select_rules(rules: list[Rule], selection: RuleSelection) -> list[Rule]:
    """Return the rules an environment receives (maturity and tag filters)."""
    chosen = []
    for rule in rules:
        if selection.maturity and rule.maturity not in selection.maturity:
            continue
        tags = set(rule.tags)
        if selection.tags and not tags & set(selection.tags):
            continue
        if tags & set(selection.exclude_tags):
            continue
        chosen.append(rule)
    return chosen


def load_repository(environment: Environment) -> list[Rule]:
    """Load every rule under the environment's paths; any failure is fatal.

    A rule file that cannot be read must stop the plan, because its rule
    would otherwise look deleted from the repository and be pruned.
    """
    missing = [str(p) for p in environment.rules.paths if not p.exists()]
    if missing:
        raise PlanError(
            f"environment {environment.name}: rule path not found: "
            f"{', '.join(missing)}; fix rules.paths in the config"
        )
    rules, errors = load_rules(environment.rules.paths)
    if errors:
        listed = "\n".join(f"  {error}" for error in errors)
        raise PlanError(
            f"{len(errors)} rule file(s) failed to load; fix them before planning, "
            f"so no rule is mistaken for deleted:\n{listed}"
        )
    seen: dict[str, Rule] = {}
    for rule in rules:
        if not rule.rule_id:
            raise PlanError(f"{rule.path}: [rule] has no rule_id; add one (a UUID)")
        if rule.rule_id in seen:
            raise PlanError(
                f"rule_id {rule.rule_id} is used by {seen[rule.rule_id].path} and "
                f"{rule.path}; give each rule its own rule_id"
            )
        seen[rule.rule_id] = rule
    return rules


def build_plan(
    environment: Environment,
    client: KibanaClient,
    rules: list[Rule] | None = None,
    lock: VersionLock | None = None,
    prune: bool = False,
) -> Plan:
    """Compare the environment's repository rules with Kibana and return a plan.

    ``prune`` decides what happens to retired rules (excluded by the
    environment's filters): deleted with it, disabled without it.
    """
    if rules is None:
        rules = load_repository(environment)
    selected = {r.rule_id: r for r in select_rules(rules, environment.rules)}
    known = {r.rule_id: r for r in rules}
    log.info(
        "planning %s: %d repository rules, %d selected",
        environment.name,
        len(rules),
        len(selected),
    )
    diagnostics = _validate(list(selected.values()))

    deployed = {
        r["rule_id"]: r
        for r in client.find_rules_by_tag(environment.managed_tag)
        if r.get("rule_id")
    }
    log.info("found %d managed rules in Kibana", len(deployed))

    changes = []
    for rule_id, rule in selected.items():
        locked = lock.version_of(rule_id) if lock else None
        desired = to_kibana(rule, environment, version=locked)
        change = _compare(rule, desired, deployed.get(rule_id))
        change.diagnostics = diagnostics.get(rule_id, [])
        _check_version_decrease(change, rule)
        _check_version_reused(change, rule)
        changes.append(change)
    _mark_replacements(client, [c for c in changes if c.action == "create"])

    for rule_id, current in deployed.items():
        if rule_id not in selected:
            changes.append(_removal(current, known.get(rule_id), prune))
    changes.sort(key=lambda c: c.rule_id)
    return Plan(environment.name, environment.kibana_url, environment.space, changes)


def _validate(rules: list[Rule]) -> dict[str, list[Diagnostic]]:
    """Run the ``dac validate`` checks; return the diagnostics per rule_id.

    Raises PlanError when shipped data (field tables, ATT&CK) fails to load,
    because the checks that need it would be skipped and a broken rule could
    be deployed.
    """
    # Imported here: dac.validation imports dac.deploy for the version lock.
    from dac.validation import ValidationContext, validate_rules

    context = ValidationContext()
    found = validate_rules(rules, context)
    if context.load_errors:
        listed = "; ".join(f"{k}: {v}" for k, v in sorted(context.load_errors.items()))
        raise PlanError(
            f"cannot validate the rules because shipped data failed to load "
            f"({listed}); reinstall dac and rerun"
        )
    by_path = {str(r.path): r.rule_id or "" for r in rules}
    per_rule: dict[str, list[Diagnostic]] = {}
    for diagnostic in found:
        rule_id = diagnostic.rule_id or by_path.get(diagnostic.path, "")
        per_rule.setdefault(rule_id, []).append(diagnostic)
    return per_rule


def _mark_replacements(client: KibanaClient, creations: list[RuleChange]) -> None:
    """Turn each creation whose rule_id Kibana already has into a replacement.

    Those Kibana rules lack the managed tag, because the plan already read
    every managed rule. The lookup costs one ``_find`` request per
    :data:`LOOKUP_BATCH` rule_ids.
    """
    by_rule_id = {c.rule_id: c for c in creations}
    rule_ids = sorted(by_rule_id)
    for start in range(0, len(rule_ids), LOOKUP_BATCH):
        batch = rule_ids[start : start + LOOKUP_BATCH]
        for current in client.find_rules(_rule_id_filter(batch)):
            change = by_rule_id.get(str(current.get("rule_id", "")))
            if change is None:
                continue
            change.action = "replace"
            change.current = current
            log.info(
                "%s exists in Kibana without the managed tag (name %r)",
                change.rule_id,
                current.get("name"),
            )


def _rule_id_filter(rule_ids: list[str]) -> str:
    """Return a KQL filter matching any of ``rule_ids``."""
    clauses = []
    for rule_id in rule_ids:
        escaped = rule_id.replace("\\", "\\\\").replace('"', '\\"')
        clauses.append(f'alert.attributes.params.ruleId:"{escaped}"')
    return " OR ".join(clauses)


def _removal(current: dict[str, Any], rule: Rule | None, prune: bool) -> RuleChange:
    """Plan a managed Kibana rule that the environment no longer selects.

    A rule missing from the repository is deleted only with ``prune``. A
    rule still in the repository but excluded by the filters is retired:
    deleted with ``prune``, otherwise disabled if Kibana has it enabled.
    """
    name = str(current.get("name", ""))
    rule_id = str(current.get("rule_id", ""))
    drift = _drifted(current)
    if rule is None:
        return RuleChange("delete", rule_id, name, current=current, drift=drift)
    action: Action = "excluded"
    if prune:
        action = "delete"
    elif current.get("enabled") is not False:
        action = "disable"
    change = RuleChange(
        action, rule_id, name, str(rule.path), current=current, drift=drift
    )
    change.retired = True
    if action == "disable":
        change.changes = {"enabled": (current.get("enabled", True), False)}
    return change


def _compare(
    rule: Rule, desired: dict[str, Any], current: dict[str, Any] | None
) -> RuleChange:
    name = str(desired.get("name", rule.display_name))
    if current is None:
        return RuleChange("create", rule.rule_id or "", name, str(rule.path), desired)
    fields = diff_fields(desired, current)
    left, right = comparable(current), comparable(desired)
    recorded = recorded_hash(current)
    change = RuleChange(
        "update" if fields else "unchanged",
        rule.rule_id or "",
        name,
        str(rule.path),
        desired,
        current,
        {key: (left.get(key), right.get(key)) for key in fields},
        _drifted(current),
        None if recorded is None else not content_hash(desired).startswith(recorded),
    )
    change.version_not_raised = _version_not_raised(change)
    return change


def _check_version_decrease(change: RuleChange, rule: Rule) -> None:
    """Add an error when the repository's version is lower than Kibana's.

    Kibana would accept the lower version, but the deployed history would
    then run backwards and a later bump could reuse a version number.
    """
    if change.action not in ("update", "unchanged"):
        return
    desired = (change.desired or {}).get("version", 1)
    deployed = (change.current or {}).get("version", 1)
    if not (isinstance(desired, int) and isinstance(deployed, int)):
        return
    if desired >= deployed:
        return
    change.version_not_raised = False
    line = rule.line_of("rule", "version") if "version" in rule.rule else 1
    message = (
        f"version would decrease from {deployed} to {desired}: bump the rule "
        f"past {deployed} (set version = {deployed + 1} in [rule])"
    )
    change.diagnostics = [
        *change.diagnostics,
        Diagnostic(
            str(rule.path),
            line,
            1,
            "error",
            VERSION_DECREASE_CODE,
            message,
            change.rule_id,
        ),
    ]


def _check_version_reused(change: RuleChange, rule: Rule) -> None:
    """Add an error when new content would be sent under Kibana's version.

    Kibana would accept it, but two deployed revisions of the rule would then
    share one version number and could not be distinguished.
    """
    if not change.version_not_raised:
        return
    deployed = (change.current or {}).get("version", 1)
    line = rule.line_of("rule", "version") if "version" in rule.rule else 1
    message = (
        f"version {deployed} is already deployed with other content: set "
        f"version = {deployed + 1} in [rule], then run `dac version bump` "
        "and commit the lock"
    )
    change.diagnostics = [
        *change.diagnostics,
        Diagnostic(
            str(rule.path),
            line,
            1,
            "error",
            VERSION_REUSED_CODE,
            message,
            change.rule_id,
        ),
    ]


def _version_not_raised(change: RuleChange) -> bool:
    """Tell whether new repository content would reuse Kibana's ``version``.

    A change of ``enabled`` alone, or a revert of a Kibana edit (the
    repository matches the hash recorded at the last deploy), keeps the
    version legitimately.
    """
    if change.action != "update" or change.repository_changed is False:
        return False
    if set(change.changes) <= {"enabled", "version"}:
        return False
    desired = (change.desired or {}).get("version", 1)
    deployed = (change.current or {}).get("version", 1)
    return (
        isinstance(desired, int) and isinstance(deployed, int) and desired <= deployed
    )


def _drifted(current: dict[str, Any]) -> bool:
    """Tell whether a Kibana rule changed since deploy recorded its hash."""
    recorded = recorded_hash(current)
    return recorded is not None and not content_hash(current).startswith(recorded)
