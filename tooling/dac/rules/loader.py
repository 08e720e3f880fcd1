"""Load rule files (elastic/detection-rules TOML) into :class:`Rule` objects.

Discovery lists every ``*.toml`` path, including the ones a plain glob of
regular files would skip: a directory named ``*.toml``, a broken symlink and a
symlink loop are yielded too, and loading them raises :class:`RuleLoadError`.
A caller that compares rule files with a remote state (``dac plan --prune``)
therefore stops on an unreadable file instead of treating its rule as deleted.
Symlinked directories are not followed, which also keeps a loop of
directories from recursing forever.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from dac.errors import RuleLoadError
from dac.rules.lines import key_lines
from dac.rules.model import Rule

log = logging.getLogger(__name__)

# Larger files are not rules; reading them whole would only waste memory.
MAX_RULE_BYTES = 1024 * 1024

# Rule tables nest a few levels (threat -> technique -> subtechnique). Deeper
# data is not a rule, and code that walks it recursively could exhaust the
# interpreter's stack.
MAX_RULE_NESTING = 64

BOM_MESSAGE = (
    "file starts with a UTF-8 byte order mark, which TOML does not allow; "
    "save the file as UTF-8 without BOM"
)


def file_problem(path: str | Path) -> str | None:
    """Return why ``path`` cannot be a rule file, or None when it is a regular file.

    Names a broken symlink, a symlink loop, a directory, a missing path and
    any other non-regular file (a device, a FIFO) with the fix.
    """
    path = Path(path)
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return "symlink loop; point the link at a rule file"
        except OSError:
            return "broken symlink; point the link at a rule file"
    if path.is_dir():
        return "is a directory, not a rule file; rename it without .toml"
    if not path.exists():
        return "file not found"
    if not path.is_file():
        return "not a regular file; a rule must be a TOML file"
    return None


def load_rule(path: str | Path) -> Rule:
    """Read one TOML rule file.

    Raises :class:`RuleLoadError` naming the file, line and fix when the file
    is not a regular file, unreadable, too large, not UTF-8, not TOML, nested
    too deeply, or lacks a ``[rule]`` table.
    """
    path = Path(path)
    problem = file_problem(path)
    if problem:
        raise RuleLoadError(problem, str(path))
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
        message = f"invalid TOML: {str(exc).split(' (at ')[0]}"
        if line == 1 and text.startswith("\ufeff"):
            message = BOM_MESSAGE
        raise RuleLoadError(message, str(path), line, column) from exc
    except RecursionError as exc:
        raise RuleLoadError(_nesting_message(), str(path)) from exc
    if _nesting_depth(data) > MAX_RULE_NESTING:
        raise RuleLoadError(_nesting_message(), str(path))
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


def _nesting_message() -> str:
    return (
        f"invalid TOML: arrays or tables nested deeper than {MAX_RULE_NESTING} "
        "levels; a rule file does not nest that deep"
    )


def _nesting_depth(data: object) -> int:
    """Return how deeply lists and dicts nest in ``data``, without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_RULE_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def iter_rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield every ``*.toml`` path under each path, sorted; a file is yielded as is.

    Paths that are not regular files (a broken symlink, a directory named
    ``x.toml``) are yielded too, so :func:`load_rule` reports them.
    """
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            yield from walk_rule_files(entry)
        else:
            yield entry


def walk_rule_files(root: Path) -> list[Path]:
    """List every path named ``*.toml`` under ``root``, of any file type, sorted.

    Symlinked directories below ``root`` are not entered.
    """
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in subdirectories + files:
            if name.endswith(".toml"):
                found.append(Path(directory, name))
    return sorted(found)


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
