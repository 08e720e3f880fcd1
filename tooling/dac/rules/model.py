"""The in-memory rule: parsed TOML plus where each key sits in its file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KeyPath = tuple[str | int, ...]


@dataclass
class Rule:
    """One detection rule loaded from an elastic/detection-rules TOML file.

    ``data`` is the whole TOML document (``metadata``, ``rule``,
    ``transform``...) exactly as written. ``lines`` maps a key path such as
    ``("rule", "threat", 0, "tactic", "id")`` to the 1-based line where the
    key or table header appears, so every diagnostic can point at a line.
    """

    path: Path
    data: dict[str, Any]
    lines: Mapping[KeyPath, int] = field(default_factory=dict)
    source: str = ""

    # -- location ---------------------------------------------------------

    def line_of(self, *key_path: str | int) -> int:
        """Return the line of the deepest known prefix of ``key_path`` (1 if none)."""
        path = tuple(key_path)
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return 1

    def query_line(self) -> int:
        """Return the file line on which the query's first character sits.

        A multi-line string (``query = '''``) that starts with a newline
        begins on the line after the key, as TOML drops that first newline.
        """
        line = self.line_of("rule", "query")
        text_lines = self.source.splitlines()
        if 0 < line <= len(text_lines):
            after_key = text_lines[line - 1].split("=", 1)[-1].strip()
            if after_key in ("'''", '"""'):
                return line + 1
        return line

    # -- common fields ----------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def rule(self) -> dict[str, Any]:
        value = self.data.get("rule")
        return value if isinstance(value, dict) else {}

    @property
    def rule_id(self) -> str | None:
        value = self.rule.get("rule_id")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        value = self.rule.get("name")
        return value if isinstance(value, str) else None

    @property
    def type(self) -> str | None:
        value = self.rule.get("type")
        return value if isinstance(value, str) else None

    @property
    def language(self) -> str | None:
        value = self.rule.get("language")
        if isinstance(value, str):
            return value
        if self.type == "eql":
            return "eql"
        return None

    @property
    def query(self) -> str | None:
        value = self.rule.get("query")
        return value if isinstance(value, str) else None

    @property
    def index(self) -> list[str]:
        value = self.rule.get("index")
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        return []

    @property
    def severity(self) -> str | None:
        value = self.rule.get("severity")
        return value if isinstance(value, str) else None

    @property
    def timestamp_override(self) -> str | None:
        value = self.rule.get("timestamp_override")
        return value if isinstance(value, str) else None

    @property
    def tags(self) -> list[str]:
        value = self.rule.get("tags")
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        return []

    @property
    def maturity(self) -> str | None:
        value = self.metadata.get("maturity")
        return value if isinstance(value, str) else None

    @property
    def display_name(self) -> str:
        """Return the rule's name, else its rule_id, else its file name."""
        return self.name or self.rule_id or self.path.name
