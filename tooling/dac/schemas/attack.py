"""The MITRE ATT&CK Enterprise table: tactics, techniques and sub-techniques."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dac.errors import SchemaError
from dac.schemas.tables import read_data_file


@dataclass(frozen=True)
class Tactic:
    """An ATT&CK tactic, such as TA0002 Execution (shortname ``execution``)."""

    id: str
    name: str
    shortname: str


@dataclass(frozen=True)
class Technique:
    """An ATT&CK technique or sub-technique (``parent`` set, e.g. T1059.001)."""

    id: str
    name: str
    tactics: tuple[str, ...]
    parent: str | None
    deprecated: bool
    revoked: bool


@dataclass(frozen=True, eq=False)
class Attack:
    """One ATT&CK Enterprise release, keyed by tactic and technique id."""

    version: str
    tactics: Mapping[str, Tactic]
    techniques: Mapping[str, Technique]

    def tactic_by_name(self, name: str) -> Tactic | None:
        """Return the tactic with this display name (``Defense Evasion``), if any."""
        for tactic in self.tactics.values():
            if tactic.name == name:
                return tactic
        return None


@functools.cache
def load_attack() -> Attack:
    """Load the shipped ATT&CK table (cached).

    Raises:
        SchemaError: the table is missing or malformed.
    """
    document = read_data_file("attack")
    try:
        tactics = {
            key: Tactic(key, value["name"], value["shortname"])
            for key, value in document["tactics"].items()
        }
        techniques = {
            key: Technique(
                id=key,
                name=value["name"],
                tactics=tuple(value["tactics"]),
                parent=value["parent"],
                deprecated=bool(value["deprecated"]),
                revoked=bool(value["revoked"]),
            )
            for key, value in document["techniques"].items()
        }
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"the ATT&CK table is malformed: missing {exc}") from exc
    return Attack(
        version=document["_meta"]["version"],
        tactics=MappingProxyType(tactics),
        techniques=MappingProxyType(techniques),
    )
