"""Load rule files (elastic/detection-rules TOML) into :class:`Rule` objects."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from dac.errors import RuleLoadError
from dac.rules.lines import key_lines
from dac.rules.model import Rule

log = logging.getLogger(__name__)

# Larger files are not rules; reading them whole would only waste memory.
MAX_RULE_BYTES = 1024 * 1024


def load_rule(path: str | Path) -> Rule:
    """Read one TOML rule file.

    Raises :class:`RuleLoadError` naming the file, line and fix when the file
    is unreadable, too large, not UTF-8, not TOML, or lacks a ``[rule]`` table.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RuleLoadError(f"cannot read file: {exc.strerror}", str(path)) from exc
    if size > MAX_RULE_BYTES:
        raise RuleLoadError(
            f"file is {size} bytes, over the {MAX_RULE_BYTES}-byte limit for a "
            "rule; a rule file holds one rule's TOML",
            str(path),
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RuleLoadError(f"cannot read file: {exc.strerror}", str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RuleLoadError(
            f"invalid UTF-8 at byte {exc.start}; save the file as UTF-8",
            str(path),
            line,
        ) from exc
    return parse_rule(text, path)


def parse_rule(text: str, path: str | Path = "<string>") -> Rule:
    """Parse rule TOML from ``text``; ``path`` is used in errors and diagnostics."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_error_position(exc)
        message = str(exc).split(" (at ")[0]
        raise RuleLoadError(
            f"invalid TOML: {message}", str(path), line, column
        ) from exc
    if not isinstance(data.get("rule"), dict):
        raise RuleLoadError(
            "missing [rule] table; a rule file needs [metadata] and [rule] tables",
            str(path),
        )
    return Rule(path=path, data=data, lines=key_lines(text), source=text)


def _toml_error_position(exc: tomllib.TOMLDecodeError) -> tuple[int, int]:
    # tomllib's message ends with "(at line L, column C)" or "(at end of document)".
    text = str(exc)
    marker = "(at line "
    if marker in text:
        tail = text.split(marker, 1)[1].rstrip(")")
        line_text, _, column_text = tail.partition(", column ")
        try:
            return int(line_text), int(column_text)
        except ValueError:
            return 1, 1
    return 1, 1


def iter_rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the ``*.toml`` files under each path (a file is yielded as is), sorted."""
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            yield from sorted(p for p in entry.rglob("*.toml") if p.is_file())
        else:
            yield entry


def load_rules(paths: Iterable[str | Path]) -> tuple[list[Rule], list[RuleLoadError]]:
    """Load every rule under ``paths``; return the rules and the files that failed."""
    rules: list[Rule] = []
    errors: list[RuleLoadError] = []
    for file in iter_rule_files(paths):
        try:
            rules.append(load_rule(file))
        except RuleLoadError as exc:
            errors.append(exc)
    log.info("loaded %d rules, %d files failed", len(rules), len(errors))
    return rules, errors
