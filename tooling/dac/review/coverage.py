"""ATT&CK coverage of a rule set: which rules map to which technique and tactic.

The matrix comes from ``dac.schemas.load_attack()`` (tactics in ATT&CK's
Enterprise matrix order, techniques with their tactics and parent). Rules
are placed by their ``threat`` entries. A technique or tactic that a rule
names but the table lacks is still shown, under the tactic the rule gives,
so a typo or a retired id stays visible instead of vanishing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dac.review.facts import threat_entries
from dac.rules import Rule

log = logging.getLogger(__name__)

# Column order of the ATT&CK Enterprise matrix (attack.mitre.org, release 18).
# The bundled table keys tactics by id, which is not this order.
ENTERPRISE_TACTIC_ORDER = (
    "TA0043",  # Reconnaissance
    "TA0042",  # Resource Development
    "TA0001",  # Initial Access
    "TA0002",  # Execution
    "TA0003",  # Persistence
    "TA0004",  # Privilege Escalation
    "TA0005",  # Defense Evasion
    "TA0006",  # Credential Access
    "TA0007",  # Discovery
    "TA0008",  # Lateral Movement
    "TA0009",  # Collection
    "TA0011",  # Command and Control
    "TA0010",  # Exfiltration
    "TA0040",  # Impact
)


@dataclass(frozen=True)
class MatrixTactic:
    """A tactic column: ATT&CK id (TA0002), name and Navigator short name."""

    id: str
    name: str
    shortname: str


@dataclass
class MatrixTechnique:
    """A technique or sub-technique under one tactic, with the rules covering it."""

    id: str
    name: str
    parent: str | None = None
    rules: list[str] = field(default_factory=list)
    subtechniques: list[MatrixTechnique] = field(default_factory=list)

    @property
    def score(self) -> int:
        """Count the rules mapped to this technique itself."""
        return len(self.rules)


@dataclass
class Coverage:
    """Tactics in matrix order, each with its techniques in name order."""

    tactics: list[MatrixTactic]
    columns: dict[str, list[MatrixTechnique]]
    attack_version: str | None = None

    def covered(self) -> list[tuple[MatrixTactic, MatrixTechnique]]:
        """List every (tactic, technique or sub-technique) pair with a rule."""
        pairs = []
        for tactic in self.tactics:
            for technique in self.columns[tactic.id]:
                if technique.rules:
                    pairs.append((tactic, technique))
                pairs += [(tactic, s) for s in technique.subtechniques if s.rules]
        return pairs

    def covered_ids(self) -> set[str]:
        """Return the ids of the techniques and sub-techniques that have a rule."""
        return {technique.id for _, technique in self.covered()}

    def technique_count(self) -> int:
        """Count the distinct parent techniques shown in the matrix."""
        return len({t.id for column in self.columns.values() for t in column})


def shortname_of(tactic_name: str) -> str:
    """Derive a Navigator tactic short name (``lateral-movement``) from its name."""
    return "-".join(tactic_name.lower().split())


def _values(container: Any) -> list[Any]:
    if container is None:
        return []
    if isinstance(container, Mapping):
        return list(container.values())
    return list(container)


def empty_matrix(attack: Any) -> Coverage:
    """Lay out the ATT&CK table as empty columns, one per tactic in table order.

    ``attack`` is the value of ``dac.schemas.load_attack()``, or None for a
    matrix that only shows what the rules name. Deprecated and revoked
    techniques are left out.
    """
    tactics = [
        MatrixTactic(t.id, t.name, t.shortname)
        for t in _values(getattr(attack, "tactics", None))
    ]
    tactics.sort(key=_matrix_position)
    by_key = {t.id: t for t in tactics} | {t.shortname: t for t in tactics}
    columns: dict[str, list[MatrixTechnique]] = {t.id: [] for t in tactics}
    techniques = [
        t
        for t in _values(getattr(attack, "techniques", None))
        if not getattr(t, "deprecated", False) and not getattr(t, "revoked", False)
    ]
    parents = [t for t in techniques if not getattr(t, "parent", None)]
    subs = [t for t in techniques if getattr(t, "parent", None)]
    for technique in sorted(parents, key=lambda t: t.name):
        for key in technique.tactics:
            tactic = by_key.get(key)
            if tactic is not None:
                columns[tactic.id].append(MatrixTechnique(technique.id, technique.name))
    for sub in sorted(subs, key=lambda t: t.id):
        for key in sub.tactics:
            tactic = by_key.get(key)
            if tactic is None:
                continue
            for technique in columns[tactic.id]:
                if technique.id == sub.parent:
                    technique.subtechniques.append(
                        MatrixTechnique(sub.id, sub.name, sub.parent)
                    )
    version = getattr(attack, "version", None)
    return Coverage(tactics, columns, str(version) if version else None)


def _matrix_position(tactic: MatrixTactic) -> tuple[int, str]:
    if tactic.id in ENTERPRISE_TACTIC_ORDER:
        return ENTERPRISE_TACTIC_ORDER.index(tactic.id), tactic.id
    return len(ENTERPRISE_TACTIC_ORDER), tactic.id


def load_attack_table() -> Any:
    """Return ``dac.schemas.load_attack()``, the bundled ATT&CK table."""
    from dac.schemas import load_attack

    return load_attack()


def build_coverage(rules: Iterable[Rule], attack: Any) -> Coverage:
    """Place each rule under the techniques and tactics its ``threat`` names."""
    coverage = empty_matrix(attack)
    by_id = {t.id: t for t in coverage.tactics}
    for rule in rules:
        label = rule.display_name
        for entry in threat_entries(rule):
            tactic = by_id.get(entry.tactic_id)
            if tactic is None:
                tactic = _add_tactic(coverage, entry.tactic_id, entry.tactic_name)
                by_id[tactic.id] = tactic
            technique = _find_or_add(coverage.columns[tactic.id], entry)
            if label not in technique.rules:
                technique.rules.append(label)
    return coverage


def _add_tactic(coverage: Coverage, tactic_id: str, tactic_name: str) -> MatrixTactic:
    log.info("tactic %s is not in the ATT&CK table; adding a column", tactic_id)
    name = tactic_name or tactic_id
    tactic = MatrixTactic(tactic_id, name, shortname_of(name))
    coverage.tactics.append(tactic)
    coverage.columns[tactic.id] = []
    return tactic


def _find_or_add(column: list[MatrixTechnique], entry: Any) -> MatrixTechnique:
    parent_id = entry.parent_id
    top_id = parent_id or entry.technique_id
    parent = next((t for t in column if t.id == top_id), None)
    if parent is None:
        parent = MatrixTechnique(
            top_id, entry.technique_name if not parent_id else top_id
        )
        column.append(parent)
    if parent_id is None:
        return parent
    sub = next((s for s in parent.subtechniques if s.id == entry.technique_id), None)
    if sub is None:
        sub = MatrixTechnique(entry.technique_id, entry.technique_name, parent_id)
        parent.subtechniques.append(sub)
    return sub
