"""Map a position inside a rule's query onto the rule file."""

from __future__ import annotations

from dac.rules import Rule


def query_position(rule: Rule, line: int, column: int) -> tuple[int, int]:
    """Return the file line and column of the query's 1-based ``line``:``column``.

    A query written as a multi-line literal string (``query = '''``) keeps
    its text unchanged, so query columns are file columns and only the line
    shifts. A query on the same line as its key is offset by the text before
    the opening quote. Escapes in a basic string (``"..."``) shift columns by
    one per escape, so positions in such queries can be off by a few columns.
    """
    first_line = rule.query_line()
    if line > 1:
        return first_line + line - 1, column
    return first_line, column + _first_line_offset(rule, first_line)


def _first_line_offset(rule: Rule, file_line: int) -> int:
    """Return how many characters precede the query text on its first file line."""
    key_line = rule.line_of("rule", "query")
    if file_line != key_line:
        return 0
    lines = rule.source.splitlines()
    if not 0 < key_line <= len(lines):
        return 0
    text = lines[key_line - 1]
    equals = text.find("=")
    if equals == -1:
        return 0
    rest = text[equals + 1 :]
    stripped = rest.lstrip()
    quote_start = equals + 1 + len(rest) - len(stripped)
    for delimiter in ('"""', "'''", '"', "'"):
        if stripped.startswith(delimiter):
            return quote_start + len(delimiter)
    return 0
