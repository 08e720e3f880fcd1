"""Build ``[[rule.threat]]`` blocks from Sigma ``attack.*`` tags.

pySigma's backends pair techniques with tactics by list position, which puts
techniques under tactics they do not belong to. Here each technique goes
under each of its own tactics (from the shipped ATT&CK table) that the rule
also tags, or under all of its tactics when the rule tags none of them.
"""

from __future__ import annotations

import re
from typing import Any

from sigma.rule import SigmaRuleTag

from dac.schemas import load_attack

ATTACK_URL = "https://attack.mitre.org"
_TECHNIQUE_TAG = re.compile(r"t\d{4}(?:\.\d{3})?")


def threat_from_tags(tags: list[SigmaRuleTag]) -> list[dict[str, Any]]:
    """Return detection-rules ``threat`` entries for the rule's ATT&CK tags."""
    attack = load_attack()
    by_shortname = {t.shortname: t for t in attack.tactics.values()}
    tagged_tactics: list[str] = []
    technique_ids: list[str] = []
    for tag in tags:
        if tag.namespace != "attack":
            continue
        name = tag.name.lower()
        if _TECHNIQUE_TAG.fullmatch(name):
            technique_id = name.upper()
            if technique_id in attack.techniques and technique_id not in technique_ids:
                technique_ids.append(technique_id)
        elif name.replace("_", "-") in by_shortname:
            tactic_id = by_shortname[name.replace("_", "-")].id
            if tactic_id not in tagged_tactics:
                tagged_tactics.append(tactic_id)

    # tactic id -> parent technique id -> list of sub-technique ids
    placement: dict[str, dict[str, list[str]]] = {t: {} for t in tagged_tactics}
    for technique_id in technique_ids:
        technique = attack.techniques[technique_id]
        parent_id = technique.parent or technique.id
        own = [t for t in attack.techniques[parent_id].tactics]
        chosen = [t for t in own if t in tagged_tactics] or own
        for tactic_id in chosen:
            subs = placement.setdefault(tactic_id, {}).setdefault(parent_id, [])
            if technique.parent and technique_id not in subs:
                subs.append(technique_id)

    order = list(attack.tactics)
    threat = []
    for tactic_id in sorted(placement, key=order.index):
        threat.append(_threat_entry(attack, tactic_id, placement[tactic_id]))
    return threat


def _threat_entry(
    attack: Any, tactic_id: str, techniques: dict[str, list[str]]
) -> dict:
    tactic = attack.tactics[tactic_id]
    entry: dict[str, Any] = {
        "framework": "MITRE ATT&CK",
        "tactic": {
            "id": tactic.id,
            "name": tactic.name,
            "reference": f"{ATTACK_URL}/tactics/{tactic.id}/",
        },
    }
    blocks = []
    for parent_id in sorted(techniques):
        parent = attack.techniques[parent_id]
        block: dict[str, Any] = {
            "id": parent.id,
            "name": parent.name,
            "reference": f"{ATTACK_URL}/techniques/{parent.id}/",
        }
        subs = sorted(techniques[parent_id])
        if subs:
            block["subtechnique"] = [
                {
                    "id": sub,
                    "name": attack.techniques[sub].name,
                    "reference": f"{ATTACK_URL}/techniques/{sub.replace('.', '/')}/",
                }
                for sub in subs
            ]
        blocks.append(block)
    if blocks:
        entry["technique"] = blocks
    return entry
