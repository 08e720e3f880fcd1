"""ATT&CK mapping checks: IDs exist, names match, techniques sit under their tactic."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dac.diagnostics import Diagnostic, Severity
from dac.rules import Rule
from dac.validation.context import ValidationContext

ATTACK_FRAMEWORK = "MITRE ATT&CK"


def check(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Check every ``[[rule.threat]]`` entry of the ATT&CK framework (DAC3xx).

    Entries of other frameworks (MITRE ATLAS) are skipped: no table for them
    ships with the toolkit.
    """
    threats = rule.rule.get("threat")
    if not isinstance(threats, list) or not threats:
        return
    attack = context.attack_table()
    if attack is None:
        return
    for index, threat in enumerate(threats):
        if not isinstance(threat, dict) or threat.get("framework") != ATTACK_FRAMEWORK:
            continue
        yield from _check_threat(rule, attack, index, threat)


def _check_threat(
    rule: Rule, attack: Any, index: int, threat: dict[str, Any]
) -> Iterator[Diagnostic]:
    path: tuple[str | int, ...] = ("rule", "threat", index)
    tactic = threat.get("tactic")
    tactic_id = None
    if isinstance(tactic, dict) and isinstance(tactic.get("id"), str):
        tactic_id = tactic["id"]
        known = _lookup(attack.tactics, tactic_id)
        if known is None:
            yield _at(
                rule,
                (*path, "tactic", "id"),
                "DAC301",
                f"unknown ATT&CK tactic {tactic_id!r}; use a tactic ID such "
                "as TA0002 from the ATT&CK table",
            )
            tactic_id = None
        else:
            yield from _check_name(rule, (*path, "tactic"), tactic, known, "DAC302")
    techniques = threat.get("technique")
    if not isinstance(techniques, list):
        return
    for t_index, technique in enumerate(techniques):
        if isinstance(technique, dict):
            yield from _check_technique(
                rule, attack, (*path, "technique", t_index), technique, tactic_id
            )


def _check_technique(
    rule: Rule,
    attack: Any,
    path: tuple[str | int, ...],
    technique: dict[str, Any],
    tactic_id: str | None,
) -> Iterator[Diagnostic]:
    technique_id = technique.get("id")
    if not isinstance(technique_id, str):
        return
    known = _lookup(attack.techniques, technique_id)
    if known is None or getattr(known, "parent", None):
        hint = " (a sub-technique belongs under [[...subtechnique]])" if known else ""
        yield _at(
            rule,
            (*path, "id"),
            "DAC303",
            f"unknown ATT&CK technique {technique_id!r}{hint}; use a "
            "technique ID such as T1059 from the ATT&CK table",
        )
        return
    yield from _check_name(rule, path, technique, known, "DAC304")
    yield from _check_retired(rule, path, known)
    if tactic_id is not None and not _in_tactic(attack, known, tactic_id):
        tactics = ", ".join(_tactic_ids(attack, known)) or "none"
        yield _at(
            rule,
            (*path, "id"),
            "DAC305",
            f"technique {technique_id} does not belong to tactic {tactic_id} "
            f"(its tactics: {tactics}); move it under one of those tactics",
        )
    subtechniques = technique.get("subtechnique")
    if not isinstance(subtechniques, list):
        return
    for s_index, sub in enumerate(subtechniques):
        if isinstance(sub, dict):
            yield from _check_subtechnique(
                rule, attack, (*path, "subtechnique", s_index), sub, technique_id
            )


def _check_subtechnique(
    rule: Rule,
    attack: Any,
    path: tuple[str | int, ...],
    sub: dict[str, Any],
    technique_id: str,
) -> Iterator[Diagnostic]:
    sub_id = sub.get("id")
    if not isinstance(sub_id, str):
        return
    known = _lookup(attack.techniques, sub_id)
    if known is None or not getattr(known, "parent", None):
        yield _at(
            rule,
            (*path, "id"),
            "DAC306",
            f"unknown ATT&CK sub-technique {sub_id!r}; use an ID such as "
            "T1059.001 from the ATT&CK table",
        )
        return
    yield from _check_name(rule, path, sub, known, "DAC307")
    yield from _check_retired(rule, path, known)
    if known.parent != technique_id:
        yield _at(
            rule,
            (*path, "id"),
            "DAC308",
            f"sub-technique {sub_id} belongs to technique {known.parent}, "
            f"not {technique_id}; move it under {known.parent}",
        )


def _check_name(
    rule: Rule,
    path: tuple[str | int, ...],
    entry: dict[str, Any],
    known: Any,
    code: str,
) -> Iterator[Diagnostic]:
    name = entry.get("name")
    if isinstance(name, str) and name != known.name:
        yield _at(
            rule,
            (*path, "name"),
            code,
            f"{entry.get('id')} is named {known.name!r} in the ATT&CK table, "
            f"not {name!r}; set name = {known.name!r}",
        )


def _check_retired(
    rule: Rule, path: tuple[str | int, ...], known: Any
) -> Iterator[Diagnostic]:
    state = "revoked" if getattr(known, "revoked", False) else None
    if state is None and getattr(known, "deprecated", False):
        state = "deprecated"
    if state is None:
        return
    replacement = getattr(known, "replaced_by", None) or getattr(
        known, "revoked_by", None
    )
    fix = f"map it to {replacement} instead" if replacement else "remove or remap it"
    yield _at(
        rule,
        (*path, "id"),
        "DAC310",
        f"{known.id} ({known.name}) is {state} in ATT&CK; {fix}",
        severity="warning",
    )


def _lookup(table: Any, key: str) -> Any | None:
    if isinstance(table, Mapping):
        return table.get(key)
    for item in table or ():
        if getattr(item, "id", None) == key:
            return item
    return None


def _tactic_ids(attack: Any, technique: Any) -> list[str]:
    """Return the tactic IDs of a technique, whether the table lists IDs or names."""
    ids = []
    for tactic in getattr(technique, "tactics", ()) or ():
        if _lookup(attack.tactics, tactic) is not None:
            ids.append(tactic)
            continue
        by_name = _tactic_by_name(attack, tactic)
        ids.append(by_name or str(tactic))
    return sorted(ids)


def _tactic_by_name(attack: Any, name: str) -> str | None:
    values = (
        attack.tactics.values()
        if isinstance(attack.tactics, Mapping)
        else attack.tactics
    )
    for tactic in values:
        names = {tactic.name, getattr(tactic, "shortname", None)}
        if name in names:
            return tactic.id
    return None


def _in_tactic(attack: Any, technique: Any, tactic_id: str) -> bool:
    return tactic_id in _tactic_ids(attack, technique)


def _at(
    rule: Rule,
    path: tuple[str | int, ...],
    code: str,
    message: str,
    severity: Severity = "error",
) -> Diagnostic:
    line = rule.line_of(*path)
    return Diagnostic(str(rule.path), line, 1, severity, code, message, rule.rule_id)
