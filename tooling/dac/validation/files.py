"""Find rule files and turn load failures into diagnostics.

Discovery reports what a plain glob would skip without a word: a directory
named ``*.toml``, a broken symlink and a symlink loop each become a
diagnostic, so no rule file is skipped silently. Symlinked
directories are not followed, which also keeps a loop of directories from
recursing forever.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dac.diagnostics import Diagnostic
from dac.errors import RuleLoadError
from dac.rules import Rule, load_rule
from dac.rules.loader import BOM_MESSAGE, file_problem, walk_rule_files


@dataclass(frozen=True)
class RuleFile:
    """A path found by discovery; ``problem`` is why it cannot be read, or None."""

    path: Path
    problem: str | None = None


def discover(paths: Iterable[str | Path]) -> Iterator[RuleFile]:
    """Yield every ``*.toml`` path under ``paths`` in sorted order.

    A path given explicitly is yielded whatever its name, so ``dac validate
    rule.txt`` checks that file. Raises ``FileNotFoundError`` for a path that
    does not exist, which the CLI reports as a usage error.
    """
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_symlink() or entry.exists():
            yield _classify(entry)
        else:
            raise FileNotFoundError(str(entry))


def _walk(root: Path) -> Iterator[RuleFile]:
    for path in walk_rule_files(root):
        yield _classify(path)


def _classify(path: Path) -> RuleFile:
    return RuleFile(path, file_problem(path))


def load(file: RuleFile) -> Rule | Diagnostic:
    """Load one discovered file into a rule, or a DAC1xx diagnostic saying why not."""
    if file.problem:
        return _diagnostic(str(file.path), 1, 1, "DAC100", file.problem)
    try:
        return load_rule(file.path)
    except RuleLoadError as exc:
        return load_error_diagnostic(exc)


def load_error_diagnostic(exc: RuleLoadError) -> Diagnostic:
    """Classify a :class:`RuleLoadError` by its cause into a DAC1xx diagnostic."""
    cause = exc.__cause__
    message = exc.message
    if isinstance(cause, UnicodeDecodeError):
        code = "DAC101"
    elif message == BOM_MESSAGE:
        code = "DAC105"
    elif isinstance(cause, (tomllib.TOMLDecodeError, RecursionError)):
        code = "DAC102"
    elif message.startswith("invalid TOML:"):
        code = "DAC102"
    # NOTE: the two cases below match the loader's message text, because
    # RuleLoadError has no kind; tests/bad_input fails if that text changes.
    elif "missing [rule] table" in message:
        code = "DAC103"
    elif "-byte limit" in message:
        code = "DAC104"
    else:
        code = "DAC100"
    return _diagnostic(exc.path, exc.line, exc.column, code, message)


def _diagnostic(path: str, line: int, column: int, code: str, message: str):
    return Diagnostic(path, line, column, "error", code, message)
