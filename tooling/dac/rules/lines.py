"""Find the line of every key and table header in a TOML document.

``tomllib`` returns values without positions, so this scanner reads the
text once more and records, per key path, the line where it is defined. It
follows TOML's structure closely enough for rule files: ``[table]`` and
``[[array.of.tables]]`` headers (with their element index), dotted and
quoted keys, and multi-line strings and arrays, whose contents it skips.
Inline tables are recorded at the line of their key.
"""

from __future__ import annotations

import re

from dac.rules.model import KeyPath

_BARE_KEY = r"[A-Za-z0-9_-]+"
_QUOTED_KEY = r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"
_KEY_PART = rf"(?:{_BARE_KEY}|{_QUOTED_KEY})"
_DOTTED_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_KEY_LINE = re.compile(rf"^\s*({_DOTTED_KEY})\s*=")
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_DOTTED_KEY})\s*\]\]")
_TABLE = re.compile(rf"^\s*\[\s*({_DOTTED_KEY})\s*\]")
_PART = re.compile(_KEY_PART)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        part = match.group(0)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _open_multiline(rest: str) -> str | None:
    """Return the delimiter of a multi-line string left open on this line."""
    for delim in ('"""', "'''"):
        start = rest.find(delim)
        if start == -1:
            continue
        end = rest.find(delim, start + 3)
        if end == -1:
            return delim
    return None


def _bracket_depth(rest: str) -> int:
    """Count unclosed ``[`` in a value, ignoring brackets inside strings."""
    depth = 0
    quote = ""
    escaped = False
    for char in rest:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map each key path in ``text`` to the 1-based line that defines it."""
    lines: dict[KeyPath, int] = {}
    array_counts: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    in_string = ""
    bracket_depth = 0

    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if in_string in line:
                in_string = ""
            continue
        if bracket_depth > 0:
            bracket_depth += _bracket_depth(line)
            continue

        match = _ARRAY_TABLE.match(line)
        if match:
            name = _split_key(match.group(1))
            index = array_counts.get(name, 0)
            array_counts[name] = index + 1
            table = (*_resolve(name, lines), index)
            lines.setdefault(table[:-1], number)
            lines[table] = number
            continue
        match = _TABLE.match(line)
        if match:
            table = _resolve(_split_key(match.group(1)), lines)
            lines[table] = number
            continue
        match = _KEY_LINE.match(line)
        if match:
            key = (*table, *_split_key(match.group(1)))
            lines.setdefault(key, number)
            rest = line[match.end() :]
            in_string = _open_multiline(rest) or ""
            if not in_string:
                bracket_depth = max(_bracket_depth(rest), 0)
    return lines


def _resolve(name: tuple[str, ...], lines: dict[KeyPath, int]) -> KeyPath:
    """Insert array-of-table indexes into a header name.

    ``[rule.threat.tactic]`` after ``[[rule.threat]]`` refers to the last
    element of ``rule.threat``, so its key path is ``rule, threat, N, tactic``.
    """
    resolved: list[str | int] = []
    for part in name:
        resolved.append(part)
        prefix = tuple(resolved)
        last_index = _last_index(prefix, lines)
        if last_index is not None and len(resolved) < len(name):
            resolved.append(last_index)
    return tuple(resolved)


def _last_index(prefix: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    indexes = [
        key[len(prefix)]
        for key in lines
        if len(key) == len(prefix) + 1
        and key[: len(prefix)] == prefix
        and isinstance(key[-1], int)
    ]
    return max(indexes) if indexes else None
