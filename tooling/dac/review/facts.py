"""Facts about one rule that a review compares: ATT&CK mapping, fields, version."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from dac.errors import DacError
from dac.rules import Rule

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class ThreatEntry:
    """One ATT&CK technique or sub-technique a rule maps to, under one tactic."""

    tactic_id: str
    technique_id: str
    technique_name: str
    tactic_name: str = ""
    parent_id: str | None = None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _entries(value: Any) -> list[dict]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def threat_entries(rule: Rule) -> list[ThreatEntry]:
    """List the techniques and sub-techniques in the rule's ``threat`` array.

    Reads Kibana's shape: ``[{framework, tactic: {id, name}, technique:
    [{id, name, subtechnique: [{id, name}]}]}]``. Entries of other frameworks
    and malformed entries are skipped, because validation reports them.
    """
    entries: list[ThreatEntry] = []
    for threat in _entries(rule.rule.get("threat")):
        framework = threat.get("framework", "MITRE ATT&CK")
        if framework != "MITRE ATT&CK":
            continue
        tactic = threat.get("tactic") if isinstance(threat.get("tactic"), dict) else {}
        tactic_id = _text(tactic.get("id"))
        tactic_name = _text(tactic.get("name"))
        for technique in _entries(threat.get("technique")):
            technique_id = _text(technique.get("id"))
            if not technique_id:
                continue
            entries.append(
                ThreatEntry(
                    tactic_id, technique_id, _text(technique.get("name")), tactic_name
                )
            )
            for sub in _entries(technique.get("subtechnique")):
                sub_id = _text(sub.get("id"))
                if sub_id:
                    entries.append(
                        ThreatEntry(
                            tactic_id,
                            sub_id,
                            _text(sub.get("name")),
                            tactic_name,
                            technique_id,
                        )
                    )
    return sorted(set(entries))


def technique_ids(rule: Rule) -> set[str]:
    """Return the ids of every technique and sub-technique the rule maps to."""
    return {entry.technique_id for entry in threat_entries(rule)}


def query_fields(rule: Rule) -> set[str] | None:
    """Return the field names the rule's EQL query reads, or None if unknown.

    None means the rule has no EQL query or the query does not parse; the
    validation findings of the same review report the parse error.
    """
    query = rule.query
    if query is None or rule.language != "eql":
        return None
    from dac.eql import fields, parse_query

    try:
        return {field.name for field in fields(parse_query(query))}
    except DacError as exc:
        log.debug("query of %s does not parse: %s", rule.path, exc)
        return None


def rule_version(rule: Rule) -> int | None:
    """Return the rule's ``version`` (``[rule] version``), or None when absent."""
    value = rule.rule.get("version")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def flatten_metadata(rule: Rule) -> list[str]:
    """Render every setting except the query as sorted ``key.path = value`` lines.

    Comparing these lines shows a metadata change as the one key that moved,
    whatever the key order or table layout in the TOML file.
    """
    lines: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        else:
            lines.append(f"{prefix} = {json.dumps(value, default=str)}")

    data = {
        section: (
            {k: v for k, v in body.items() if k != "query"}
            if section == "rule" and isinstance(body, dict)
            else body
        )
        for section, body in rule.data.items()
    }
    walk("", data)
    return lines
