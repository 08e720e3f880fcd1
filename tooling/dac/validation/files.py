"""Find rule files and turn load failures into diagnostics.

Discovery reports what a plain glob would skip without a word: a directory
named ``*.toml``, a broken symlink and a symlink loop each become a
diagnostic, so no rule file is skipped silently. Symlinked
directories are not followed, which also keeps a loop of directories from
recursing forever.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dac.diagnostics import Diagnostic
from dac.errors import RuleLoadError
from dac.rules import Rule, load_rule

_BOM = b"\xef\xbb\xbf"


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
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in subdirectories + files:
            if name.endswith(".toml"):
                found.append(Path(directory, name))
    for path in sorted(found):
        yield _classify(path)


def _classify(path: Path) -> RuleFile:
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return RuleFile(path, "symlink loop; point the link at a rule file")
        except OSError:
            return RuleFile(path, "broken symlink; point the link at a rule file")
    if path.is_dir():
        return RuleFile(
            path, "is a directory, not a rule file; rename it without .toml"
        )
    if not path.is_file():
        return RuleFile(path, "not a regular file; a rule must be a TOML file")
    return RuleFile(path)


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
    elif isinstance(cause, tomllib.TOMLDecodeError):
        code = "DAC102"
        if exc.line == 1 and _starts_with_bom(exc.path):
            code = "DAC105"
            message = (
                "file starts with a UTF-8 byte order mark, which TOML does not "
                "allow; save the file as UTF-8 without BOM"
            )
    # NOTE: the two cases below match the loader's message text, because
    # RuleLoadError has no kind; tests/bad_input fails if that text changes.
    elif "missing [rule] table" in message:
        code = "DAC103"
    elif "-byte limit" in message:
        code = "DAC104"
    else:
        code = "DAC100"
    return _diagnostic(exc.path, exc.line, exc.column, code, message)


def _starts_with_bom(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(3) == _BOM
    except OSError:
        return False


def _diagnostic(path: str, line: int, column: int, code: str, message: str):
    return Diagnostic(path, line, column, "error", code, message)
