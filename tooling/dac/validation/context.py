"""Shared state for one validation run: ATT&CK table, index schemas, parsed queries."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from dac.errors import DacError, EqlError, EqlSemanticError
from dac.rules import Rule

log = logging.getLogger(__name__)


@dataclass
class ParsedQuery:
    """The outcome of parsing one rule's EQL query: a tree or the parser's error."""

    tree: Any | None
    error: EqlError | None


@dataclass
class ValidationContext:
    """Caches that every check of one run shares.

    The ATT&CK table and each index schema are loaded at most once, and each
    rule's query is parsed at most once, however many checks read it. A
    table or parser that fails to load is recorded in ``load_errors`` and the
    checks that need it skip, so other findings are still reported.
    ``validate_paths`` copies ``load_errors`` into its report, and the CLI
    exits with status 2 when it is not empty.
    """

    attack: Any | None = None
    load_errors: dict[str, str] = field(default_factory=dict)
    _attack_loaded: bool = False
    _schemas: dict[tuple[str, ...], Any] = field(default_factory=dict)
    _queries: dict[int, ParsedQuery] = field(default_factory=dict)

    def attack_table(self) -> Any | None:
        """Return the ATT&CK table, loading it on first use (None if unavailable)."""
        if not self._attack_loaded:
            self._attack_loaded = True
            if self.attack is None:
                try:
                    from dac.schemas import load_attack

                    self.attack = load_attack()
                except (ImportError, DacError, OSError, ValueError) as exc:
                    self.load_errors["attack"] = str(exc)
                    log.warning("ATT&CK table unavailable: %s", exc)
        return self.attack

    def index_schema(self, patterns: list[str]) -> Any | None:
        """Return the schema for a rule's index patterns (None if unavailable)."""
        key = tuple(sorted(patterns))
        if key not in self._schemas:
            try:
                from dac.schemas import resolve_indexes

                self._schemas[key] = resolve_indexes(list(key))
            except (ImportError, DacError, OSError, ValueError) as exc:
                self.load_errors["schemas"] = str(exc)
                log.warning("index schemas unavailable: %s", exc)
                self._schemas[key] = None
        return self._schemas[key]

    def parsed_query(self, rule: Rule) -> ParsedQuery | None:
        """Parse the rule's EQL query once.

        Returns None for other languages and for a missing or blank query,
        which the schema check already reports.
        """
        if rule.language != "eql" or rule.query is None or not rule.query.strip():
            return None
        key = id(rule)
        if key not in self._queries:
            try:
                from dac.eql import parse_query
            except ImportError as exc:
                self.load_errors["eql"] = str(exc)
                return None
            self._queries[key] = _parse(parse_query, rule.query)
        return self._queries[key]


def _parse(parse_query: Any, text: str) -> ParsedQuery:
    try:
        return ParsedQuery(parse_query(text), None)
    except EqlError as exc:
        return ParsedQuery(None, exc)
    except RecursionError:
        message = "the query nests too deeply to check; flatten nested parentheses"
        return ParsedQuery(None, EqlSemanticError(message))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not hide other files
        # Untrusted rule text reaches a large grammar here; report a crash as
        # a diagnostic on this rule and keep validating the others.
        log.debug("EQL parser crashed", exc_info=True)
        message = f"the EQL parser failed on this query ({type(exc).__name__}: {exc})"
        return ParsedQuery(None, EqlSemanticError(message))
