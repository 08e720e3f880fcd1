"""Wildcard patterns of ``:``, ``like`` and ``like~``.

In Elasticsearch EQL ``*`` matches any run of characters and ``?`` exactly
one character. Neither can be escaped, because EQL converts the pattern to
a LIKE pattern whose escape character cannot occur in a string. So a
backslash is an ordinary character (``"C:\\\\Windows\\\\*"`` matches every path
under ``C:\\Windows\\``). The pattern must match the whole value.

Matching splits the pattern on ``*`` and places each segment at its
leftmost possible position, which is correct for ``*`` patterns and never
backtracks, so the cost is at most pattern length times value length.
"""

from __future__ import annotations

from collections.abc import Callable

from dac.engine._regex import ANY_CHAR, EMPTY, Regex, cat, char, star


def _segment_at(text: str, segment: str, index: int) -> bool:
    if index + len(segment) > len(text):
        return False
    for offset, ch in enumerate(segment):
        if ch != "?" and text[index + offset] != ch:
            return False
    return True


def _find_segment(text: str, segment: str, start: int, end: int) -> int:
    if "?" not in segment:
        return text.find(segment, start, end)
    for index in range(start, end - len(segment) + 1):
        if _segment_at(text, segment, index):
            return index
    return -1


def compile_wildcard(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    """Return a predicate that tests a whole string against ``pattern``."""
    if ignore_case:
        pattern = pattern.lower()
    if "*" not in pattern and "?" not in pattern:
        if ignore_case:
            return lambda text: text.lower() == pattern
        return lambda text: text == pattern

    segments = pattern.split("*")
    if len(segments) == 1:
        return _fixed_length(pattern, ignore_case)
    head, middle, tail = segments[0], segments[1:-1], segments[-1]
    simple = "?" not in pattern
    if simple and not middle:
        return _prefix_suffix(head, tail, ignore_case)

    def match(text: str) -> bool:
        if ignore_case:
            text = text.lower()
        end = len(text) - len(tail)
        if end < len(head):
            return False
        if not _segment_at(text, head, 0) or not _segment_at(text, tail, end):
            return False
        position = len(head)
        for segment in middle:
            found = _find_segment(text, segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    return match


def _fixed_length(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    def match(text: str) -> bool:
        if len(text) != len(pattern):
            return False
        if ignore_case:
            text = text.lower()
        return _segment_at(text, pattern, 0)

    return match


def _prefix_suffix(head: str, tail: str, ignore_case: bool) -> Callable[[str], bool]:
    minimum = len(head) + len(tail)

    def match(text: str) -> bool:
        if len(text) < minimum:
            return False
        if ignore_case:
            text = text.lower()
        return text.startswith(head) and text.endswith(tail)

    return match


def compile_lucene_wildcard(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    """Return a predicate for Lucene ``WildcardQuery`` syntax.

    Unlike EQL's own wildcards, Lucene's treat ``\\`` as an escape for the
    next character (a trailing backslash is literal). Elasticsearch uses
    this syntax when it turns ``stringContains`` and ``endsWith`` on a field
    into a wildcard query.
    """
    if "\\" not in pattern:
        return compile_wildcard(pattern, ignore_case)
    term = EMPTY
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "\\" and index + 1 < len(pattern):
            term = cat(term, char(pattern[index + 1]))
            index += 2
            continue
        if ch == "*":
            term = cat(term, star(ANY_CHAR))
        elif ch == "?":
            term = cat(term, ANY_CHAR)
        else:
            term = cat(term, char(ch))
        index += 1
    return Regex.from_term(term, ignore_case).fullmatch
