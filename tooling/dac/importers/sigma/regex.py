"""Translate a Sigma regular expression into Elasticsearch's (Lucene) syntax.

Sigma regexes follow PCRE and match anywhere in the value; Elasticsearch's
``regex`` operator uses Lucene's RegExp syntax and must match the whole value.
The translation anchors the pattern (``^``/``$`` dropped, ``.*`` added where
they were absent), rewrites ``\\d``/``\\w`` and ``(?:``, escapes characters
that are operators only in Lucene, and rejects what Lucene cannot express.
"""

from __future__ import annotations

from dataclasses import dataclass

# Characters that PCRE reads literally but Lucene's RegExp treats as operators.
_LUCENE_ONLY_OPERATORS = set('#@&~<>"')

# PCRE's shorthand classes spelled out, so the result does not depend on which
# shorthands a Lucene version supports. Whitespace is written as the characters
# themselves; the EQL string literal escapes them again.
_WHITESPACE = " \t\n\r\f\v"
_CLASS_SHORTHANDS_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "s": f"[{_WHITESPACE}]",
    "S": f"[^{_WHITESPACE}]",
}
_CLASS_SHORTHANDS_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": _WHITESPACE}
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}

_REJECTED_ESCAPES = {
    "b": "word boundary \\b",
    "B": "non-word-boundary \\B",
    "A": "start anchor \\A",
    "Z": "end anchor \\Z",
    "z": "end anchor \\z",
    "G": "match anchor \\G",
    "K": "match reset \\K",
}


class UnsupportedRegexError(ValueError):
    """The regex uses a feature Lucene's RegExp syntax does not have."""


@dataclass(frozen=True)
class LuceneRegex:
    """A translated pattern and whether the source asked for case-insensitivity."""

    pattern: str
    case_insensitive: bool


def translate(pattern: str) -> LuceneRegex:
    """Translate a Sigma (PCRE-style, unanchored) regex to an anchored Lucene regex.

    Raises :class:`UnsupportedRegexError` naming the feature Lucene lacks.
    """
    case_insensitive = False
    if pattern.startswith("(?i)"):
        case_insensitive = True
        pattern = pattern[4:]

    anchored_start = pattern.startswith("^")
    if anchored_start:
        pattern = pattern[1:]
    anchored_end = pattern.endswith("$") and not _is_escaped(pattern, len(pattern) - 1)
    if anchored_end:
        pattern = pattern[:-1]

    body = _translate_body(pattern)
    prefix = "" if anchored_start else ".*"
    suffix = "" if anchored_end else ".*"
    return LuceneRegex(prefix + body + suffix, case_insensitive)


def _is_escaped(text: str, index: int) -> bool:
    backslashes = 0
    index -= 1
    while index >= 0 and text[index] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _translate_body(pattern: str) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise UnsupportedRegexError("the pattern ends with a lone backslash")
            out.append(_translate_escape(pattern[i + 1], in_class))
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "[":
                raise UnsupportedRegexError(
                    "nested character class or POSIX class [[:...:]]"
                )
            out.append("\\" + char if char in _LUCENE_ONLY_OPERATORS else char)
            i += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            # A leading ] or ^] is a literal bracket in PCRE.
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("\\]")
                i += 1
            i += 1
            continue
        if char == "(":
            i = _translate_group_open(pattern, i, out)
            continue
        if char in "*+?}" and pattern[i + 1 : i + 2] == "+":
            raise UnsupportedRegexError("possessive quantifier (e.g. *+)")
        if char in "*+?}" and pattern[i + 1 : i + 2] == "?":
            # Lazy and greedy quantifiers accept the same strings; only which
            # substring a search returns differs, and a whole-value match has one.
            out.append(char)
            i += 2
            continue
        if char in "^$":
            raise UnsupportedRegexError(f"anchor {char!r} inside the pattern")
        out.append("\\" + char if char in _LUCENE_ONLY_OPERATORS else char)
        i += 1
    if in_class:
        raise UnsupportedRegexError("unterminated character class")
    return "".join(out)


def _translate_escape(char: str, in_class: bool) -> str:
    if char in _REJECTED_ESCAPES:
        raise UnsupportedRegexError(_REJECTED_ESCAPES[char])
    if char.isdigit():
        raise UnsupportedRegexError(f"backreference \\{char}")
    shorthands = _CLASS_SHORTHANDS_INSIDE if in_class else _CLASS_SHORTHANDS_OUTSIDE
    if char in shorthands:
        return shorthands[char]
    if char in "DWS":
        raise UnsupportedRegexError(f"negated class \\{char} inside a character class")
    if char in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[char]
    if char in "excupPQE":
        raise UnsupportedRegexError(
            f"escape \\{char} (control character or Unicode class)"
        )
    return "\\" + char


def _translate_group_open(pattern: str, i: int, out: list[str]) -> int:
    if pattern.startswith("(?:", i):
        out.append("(")
        return i + 3
    if pattern.startswith("(?", i):
        if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            raise UnsupportedRegexError("lookaround assertion (?=, (?!, (?<= or (?<!")
        if pattern.startswith(("(?P<", "(?<"), i):
            raise UnsupportedRegexError("named group")
        raise UnsupportedRegexError("inline flag or special group (?...)")
    out.append("(")
    return i + 1
