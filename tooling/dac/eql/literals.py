"""Decoding of EQL string and number literals, as Elasticsearch does it.

The rules come from Elasticsearch's EQL parser (x-pack/plugin/eql,
``AbstractBuilder.unquoteString`` and ``ExpressionBuilder``) and its EQL syntax
reference. ``"..."`` strings take the escapes ``\\b \\t \\n \\f \\r \\" \\' \\\\``
and ``\\u{X..}`` with 2 to 8 hex digits. ``\"\"\"...\"\"\"`` strings take no
escapes. Single-quoted strings and ``?"..."`` or ``?'...'`` strings are
rejected with a hint.
"""

from __future__ import annotations

import math
import re

from lark import Token

from dac.errors import EqlSemanticError

INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1

_ESCAPES = {
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    '"': '"',
    "'": "'",
    "\\": "\\",
}

# The lexer admits only the escapes above and \u{hex+}, so one pattern finds
# them all.
_ESCAPE_PATTERN = re.compile(r"\\(u\{([0-9A-Fa-f]+)\}|.)")


def decode_string(token: Token) -> tuple[str, bool]:
    """Return the value of a STRING token and whether it was a raw string.

    Raise EqlSemanticError for the quoting styles Elasticsearch rejects and for
    invalid ``\\u{...}`` escapes.
    """
    text = token.value
    if text.startswith("?"):
        raise EqlSemanticError(
            f"{text[:2]}...{text[-1]} strings are not supported: use triple double "
            'quotes for a raw string ("""...""") or double quotes for an escaped '
            "string",
            token.line,
            token.column,
        )
    if text.startswith("'"):
        raise EqlSemanticError(
            "single-quoted strings are not supported: enclose the string in "
            'double quotes ("...")',
            token.line,
            token.column,
        )
    if text.startswith('"""'):
        return text[3:-3], True

    body = text[1:-1]
    if "\\" not in body:
        return body, False
    return _ESCAPE_PATTERN.sub(lambda match: _unescape(match, token), body), False


def _unescape(match: re.Match[str], token: Token) -> str:
    hex_digits = match.group(2)
    if hex_digits is None:
        return _ESCAPES[match.group(1)]

    if not 2 <= len(hex_digits) <= 8:
        raise EqlSemanticError(
            f"unicode escape {match.group()} has {len(hex_digits)} hex digits; "
            "use 2 to 8",
            token.line,
            token.column,
        )
    code = int(hex_digits, 16)
    if 0xD800 <= code <= 0xDFFF:
        raise EqlSemanticError(
            f"unicode escape {match.group()} is a surrogate code point, which is "
            "not a character; escape the character itself",
            token.line,
            token.column,
        )
    if code > 0x10FFFF:
        raise EqlSemanticError(
            f"unicode escape {match.group()} is beyond the last code point U+10FFFF",
            token.line,
            token.column,
        )
    return chr(code)


def small_integer(digits: str) -> int | None:
    """Return the value of a string of decimal digits, or None past 64 bits.

    Checking the length first avoids converting huge digit strings, which
    Python limits to 4,300 digits.
    """
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(LONG_MAX)):
        return None
    value = int(significant)
    return value if value <= LONG_MAX else None


def integer_literal(token: Token) -> tuple[int | float, str]:
    """Return the value and kind of an INTEGER_VALUE token.

    Elasticsearch types an integer literal as ``integer`` when it fits in 32
    bits and ``long`` when it fits in 64; a larger one silently becomes a
    ``double``.
    """
    value = small_integer(token.value)
    if value is None:
        return _finite_double(token), "double"
    if value <= INT_MAX:
        return value, "integer"
    return value, "long"


def decimal_literal(token: Token) -> float:
    """Return the value of a DECIMAL_VALUE token (always a ``double``)."""
    return _finite_double(token)


def _finite_double(token: Token) -> float:
    try:
        value = float(token.value)
    except OverflowError:
        value = math.inf
    if math.isinf(value):
        text = token.value if len(token.value) <= 30 else token.value[:27] + "..."
        raise EqlSemanticError(
            f"number {text} is too large for a double",
            token.line,
            token.column,
        )
    return value
