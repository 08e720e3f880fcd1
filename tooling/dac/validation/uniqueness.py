"""Repository-wide checks: rule_id and name must each identify one rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

from dac.diagnostics import Diagnostic
from dac.rules import Rule


def check_unique_rule_ids(rules: Sequence[Rule]) -> Iterator[Diagnostic]:
    """Report every rule whose rule_id another rule also uses (DAC220)."""
    yield from _duplicates(rules, lambda r: r.rule_id, "rule_id", "DAC220")


def check_unique_names(rules: Sequence[Rule]) -> Iterator[Diagnostic]:
    """Report every rule whose name another rule also uses (DAC221).

    Kibana identifies rules by rule_id, but two rules with one name make
    alerts and reviews ambiguous, so detection-rules rejects them too. As in
    detection-rules, a deprecated rule may keep the name of the rule that
    replaced it, so deprecated and active rules are compared separately.
    """
    active = [rule for rule in rules if rule.maturity != "deprecated"]
    deprecated = [rule for rule in rules if rule.maturity == "deprecated"]
    yield from _duplicates(active, lambda r: r.name, "name", "DAC221")
    yield from _duplicates(deprecated, lambda r: r.name, "name", "DAC221")


def _duplicates(
    rules: Sequence[Rule],
    key: Callable[[Rule], str | None],
    field: str,
    code: str,
) -> Iterator[Diagnostic]:
    groups: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        value = key(rule)
        if value:
            groups[value].append(rule)
    for value, group in groups.items():
        if len(group) < 2:
            continue
        for rule in group:
            others = ", ".join(
                f"{other.path}:{other.line_of('rule', field)}"
                for other in group
                if other is not rule
            )
            message = (
                f"{field} {value!r} is also used by {others}; "
                f"give each rule its own {field}"
            )
            line = rule.line_of("rule", field)
            yield Diagnostic(
                str(rule.path), line, 1, "error", code, message, rule.rule_id
            )
