"""Generate the ATT&CK table from a MITRE ATT&CK STIX 2 source.

Reads either a single bundle (``enterprise-attack.json`` from
mitre-attack/attack-stix-data) or mitre/cti's ``enterprise-attack/`` folder,
which stores one bundle per object.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dac.errors import SchemaError

log = logging.getLogger(__name__)

ATTACK_SOURCE_NAME = "mitre-attack"
KILL_CHAIN = "mitre-attack"
OBJECT_TYPES = ("x-mitre-tactic", "attack-pattern")


def iter_stix_objects(source: Path) -> Iterator[dict[str, Any]]:
    """Yield the tactic and technique objects of a bundle file or a cti folder."""
    if source.is_file():
        files: Iterable[Path] = [source]
    else:
        files = sorted(
            path
            for object_type in OBJECT_TYPES
            for path in (source / object_type).glob("*.json")
        )
    count = 0
    for path in files:
        try:
            bundle = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SchemaError(f"failed to read STIX bundle {path}: {exc}") from exc
        for stix_object in bundle.get("objects", ()):
            if stix_object.get("type") in OBJECT_TYPES:
                count += 1
                yield stix_object
    if count == 0:
        raise SchemaError(f"no ATT&CK tactics or techniques found in {source}")


def read_license(source: Path) -> str | None:
    """Return the ATT&CK licence grant and copyright line from ``LICENSE.txt``.

    MITRE's licence lets copies be made if they reproduce its copyright
    designation and the licence, so the table carries both. The file is looked
    for next to the source and one folder up (mitre/cti's root).
    """
    folder = source if source.is_dir() else source.parent
    for candidate in (folder / "LICENSE.txt", folder.parent / "LICENSE.txt"):
        if not candidate.is_file():
            continue
        text = candidate.read_text(encoding="utf-8")
        start = text.find("The MITRE Corporation (MITRE) hereby grants")
        end = text.find("Disclaimers", start)
        if start >= 0 and end > start:
            return " ".join(text[start:end].split())
    log.warning("no ATT&CK LICENSE.txt found near %s; _meta.license is empty", source)
    return None


def external_id(stix_object: dict[str, Any]) -> str | None:
    """Return the ATT&CK id (TA0002, T1059.001) of a STIX object."""
    for reference in stix_object.get("external_references", ()):
        if reference.get("source_name") == ATTACK_SOURCE_NAME:
            return reference.get("external_id")
    return None


def attack_document(source: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Build the ATT&CK table: tactics, techniques and sub-techniques."""
    tactics: dict[str, dict[str, str]] = {}
    patterns: list[dict[str, Any]] = []
    for stix_object in iter_stix_objects(source):
        if stix_object["type"] == "attack-pattern":
            patterns.append(stix_object)
            continue
        tactic_id = external_id(stix_object)
        if tactic_id and not stix_object.get("revoked"):
            tactics[tactic_id] = {
                "name": stix_object["name"],
                "shortname": stix_object["x_mitre_shortname"],
            }

    tactic_by_shortname = {tactic["shortname"]: key for key, tactic in tactics.items()}
    techniques: dict[str, dict[str, Any]] = {}
    for pattern in patterns:
        technique_id = external_id(pattern)
        if technique_id is None:
            continue
        revoked = bool(pattern.get("revoked", False))
        # An id can appear twice when an old object was revoked in favour of a
        # new one with the same id; the live object wins.
        if technique_id in techniques and revoked:
            continue
        phases = [
            phase["phase_name"]
            for phase in pattern.get("kill_chain_phases", ())
            if phase.get("kill_chain_name") == KILL_CHAIN
        ]
        techniques[technique_id] = {
            "name": pattern["name"],
            "tactics": sorted(
                tactic_by_shortname[name]
                for name in phases
                if name in tactic_by_shortname
            ),
            "parent": technique_id.split(".")[0] if "." in technique_id else None,
            "deprecated": bool(pattern.get("x_mitre_deprecated", False)),
            "revoked": revoked,
        }
    log.info("ATT&CK: %d tactics, %d techniques", len(tactics), len(techniques))
    return {
        "_meta": meta,
        "tactics": dict(sorted(tactics.items())),
        "techniques": dict(sorted(techniques.items())),
    }
