"""Diagnostics: findings about a rule, collected as values and rendered by the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: its place, severity, stable code and a message with the fix."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    rule_id: str | None = None

    def render(self) -> str:
        """Format as ``path:line:col: severity CODE message`` (ruff-style, one line)."""
        return (
            f"{self.path}:{self.line}:{self.column}: "
            f"{self.severity} {self.code} {self.message}"
        )

    def to_dict(self) -> dict:
        """Return the JSON shape used by ``--format json``."""
        return asdict(self)


def count_errors(diagnostics: Iterable[Diagnostic]) -> int:
    """Count the diagnostics whose severity is ``error``."""
    return sum(1 for d in diagnostics if d.severity == "error")
