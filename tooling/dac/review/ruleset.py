"""The rules of one revision, keyed by rule_id, with their test-case files."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from dac.errors import RuleLoadError
from dac.rules import Rule, load_rule

log = logging.getLogger(__name__)

# Suffixes of files that sit beside a rule and belong to it (its test cases).
COMPANION_SUFFIXES = (".yaml", ".yml", ".json", ".ndjson")


@dataclass
class RuleEntry:
    """One rule file of a revision: the loaded rule or the error that stopped it."""

    relative_path: str
    rule: Rule | None = None
    error: RuleLoadError | None = None
    companions: dict[str, str] = field(default_factory=dict)
    # The version deploy would send (TOML, else version lock, else 1).
    version: int | None = None

    @property
    def key(self) -> str:
        """Return the rule_id, or ``path:<relative path>`` when it has none."""
        if self.rule is not None and self.rule.rule_id:
            return self.rule.rule_id
        return f"path:{self.relative_path}"

    @property
    def name(self) -> str:
        """Return the rule's name, else its rule_id, else its file name."""
        if self.rule is not None:
            return self.rule.display_name
        return Path(self.relative_path).name

    def companions_by_role(self) -> dict[str, str]:
        """Return the test-case file texts keyed by name without the rule's stem.

        ``alpha.tests.yaml`` beside ``alpha.toml`` has the key ``.tests.yaml``,
        so the same files beside a renamed rule compare equal.
        """
        stem = Path(self.relative_path).stem
        return {name.removeprefix(stem): text for name, text in self.companions.items()}

    def fingerprint(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Return the rule text plus its companions' texts, for change detection."""
        source = self.rule.source if self.rule is not None else ""
        if self.rule is None and self.error is not None:
            source = f"<load error> {self.error.message}"
        return source, tuple(sorted(self.companions.items()))


def companion_files(rule_file: Path) -> list[Path]:
    """List the test-case files beside ``rule_file`` (``<stem>.*.yaml`` and similar).

    A companion shares the rule file's stem followed by a dot, such as
    ``rule.tests.yaml`` for ``rule.toml``, and ends in one of
    ``COMPANION_SUFFIXES``.
    """
    prefix = f"{rule_file.stem}."
    return sorted(
        path
        for path in rule_file.parent.iterdir()
        if path.is_file()
        and path.name.startswith(prefix)
        and path.suffix in COMPANION_SUFFIXES
    )


def load_ruleset(
    root: Path,
    relative_files: list[str],
    rejected: dict[str, str] | None = None,
) -> dict[str, RuleEntry]:
    """Load the ``*.toml`` files among ``relative_files`` (relative to ``root``).

    Returns entries keyed by :attr:`RuleEntry.key`. A file that does not load
    becomes an entry with ``error`` set, so a review can report it instead of
    dropping it. ``rejected`` maps files that were not extracted (such as a
    symlink leaving the repository) to the reason, which becomes their load
    error. When two files share a rule_id, the second is keyed by path.
    """
    rejected = rejected or {}
    entries: dict[str, RuleEntry] = {}
    for relative in sorted(relative_files):
        if not relative.endswith(".toml"):
            continue
        path = root / relative
        entry = RuleEntry(relative)
        if relative in rejected:
            entry.error = RuleLoadError(rejected[relative], relative)
        else:
            try:
                entry.rule = load_rule(path)
            except RuleLoadError as exc:
                exc.path = relative
                entry.error = exc
        entry.companions = {
            companion.name: companion.read_text("utf-8", "replace")
            for companion in companion_files(path)
        }
        key = entry.key
        if key in entries:
            key = f"path:{relative}"
        entries[key] = entry
    log.info("loaded %d rule files from %s", len(entries), root)
    return entries
