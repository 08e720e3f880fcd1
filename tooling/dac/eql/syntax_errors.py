"""Turn lark's UnexpectedToken into an EqlSyntaxError a user can act on."""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedInput, UnexpectedToken

from dac.errors import EqlError, EqlSyntaxError

# Display text of each terminal in messages. Keywords and operators are quoted
# as written, and token classes are described in words.
_DISPLAY = {
    "IDENTIFIER": "a name",
    "QUOTED_IDENTIFIER": "a `backquoted` name",
    "TILDE_IDENTIFIER": "a function name with ~",
    "STRING": "a string",
    "INTEGER_VALUE": "an integer",
    "DECIMAL_VALUE": "a decimal number",
    "MISSING_EVENT_OPEN": '"!["',
    "INDEX_LB": '"["',
    "$END": "end of query",
}
_LITERALS = {
    "AND": "and", "ANY": "any", "BY": "by", "FALSE": "false", "IN": "in",
    "IN_INSENSITIVE": "in~", "JOIN": "join", "LIKE": "like",
    "LIKE_INSENSITIVE": "like~", "MAXSPAN": "maxspan", "NOT": "not",
    "NULL": "null", "OF": "of", "OR": "or", "REGEX": "regex",
    "REGEX_INSENSITIVE": "regex~", "SAMPLE": "sample", "SEQUENCE": "sequence",
    "TRUE": "true", "UNTIL": "until", "WHERE": "where", "WITH": "with",
    "SEQ": ":", "ASGN": "=", "EQ": "==", "NEQ": "!=", "LT": "<", "LTE": "<=",
    "GT": ">", "GTE": ">=", "PLUS": "+", "MINUS": "-", "ASTERISK": "*",
    "SLASH": "/", "PERCENT": "%", "DOT": ".", "COMMA": ",", "LB": "[",
    "RB": "]", "LP": "(", "RP": ")", "PIPE": "|", "OPTIONAL": "?",
}  # fmt: skip

# Terminals that can start an operand, and those that can follow one. When an
# expected set contains most of a group, the message names the group instead.
_OPERAND_START = frozenset(
    "IDENTIFIER QUOTED_IDENTIFIER TILDE_IDENTIFIER OPTIONAL STRING INTEGER_VALUE "
    "DECIMAL_VALUE TRUE FALSE NULL LP MINUS PLUS NOT".split()
)
_AFTER_OPERAND = frozenset(
    "AND OR EQ NEQ LT LTE GT GTE PLUS MINUS ASTERISK SLASH PERCENT IN "
    "IN_INSENSITIVE NOT SEQ LIKE LIKE_INSENSITIVE REGEX REGEX_INSENSITIVE DOT "
    "INDEX_LB".split()
)
_MAX_LISTED = 6


def display_terminal(name: str) -> str:
    """Return how terminal ``name`` reads in a message, such as ``"where"``."""
    if name in _LITERALS:
        return f'"{_LITERALS[name]}"'
    return _DISPLAY.get(name, name.lower())


def describe_unexpected_token(
    error: UnexpectedToken, tokens: list[Token], text: str, start: str
) -> EqlSyntaxError:
    """Build the EqlSyntaxError for a token the grammar does not allow there."""
    token = error.token
    expected = _acceptable_terminals(error)
    previous = _previous_token(token, tokens)

    if token.type == "$END":
        line, column = _end_position(text)
        found = "end of query"
        if not tokens:
            return EqlSyntaxError(
                "empty query: write an event query such as "
                '`process where process.name == "cmd.exe"`'
                if start == "statement"
                else "empty expression",
                line,
                column,
                expected=_all_displayed(expected),
            )
    else:
        line, column = token.line, token.column
        found = f'"{_shorten(token.value)}"'

    context = _context(previous, expected)
    hint = _hint(token, expected)
    wanted = _summarize(expected)
    if hint or wanted is None:
        # A long list of alternatives helps less than naming the token; the
        # full list stays available in ``expected``.
        message = f"unexpected {found}{context}"
    else:
        message = f"expected {wanted}{context}, found {found}"
    if hint:
        message = f"{message}; {hint}"
    return EqlSyntaxError(message, line, column, expected=_all_displayed(expected))


def _acceptable_terminals(error: UnexpectedToken) -> set[str]:
    """Return the terminals the parser could accept where the error occurred.

    LALR tables merge states, so ``error.expected`` can list tokens that would
    fail one reduction later. ``accepts()`` tries each candidate on a copy of
    the parser, which removes them. Trying a candidate may run a tree-builder
    callback that raises, in which case the coarse set is used.
    """
    try:
        accepted = error.interactive_parser.accepts()
    except (EqlError, UnexpectedInput):
        return set(error.expected)
    return set(accepted) or set(error.expected)


def _previous_token(token: Token, tokens: list[Token]) -> Token | None:
    if token.type == "$END":
        return tokens[-1] if tokens else None
    for index, candidate in enumerate(tokens):
        if candidate.start_pos == token.start_pos:
            return tokens[index - 1] if index else None
    return None


def _context(previous: Token | None, expected: set[str]) -> str:
    if previous is None:
        return " at the start of the query"
    if expected == {"WHERE"} and previous.type in ("IDENTIFIER", "STRING"):
        return f' after event category "{_shorten(previous.value)}"'
    return f' after "{_shorten(previous.value)}"'


def _hint(token: Token, expected: set[str]) -> str:
    if token.type == "ASGN" and "EQ" in expected:
        return 'use "==" (or ":" for case-insensitive) to compare values'
    if token.type == "QUOTED_IDENTIFIER" and "WHERE" not in expected:
        if "ANY" in expected:
            return (
                "an event category cannot be backquoted; use double quotes, "
                'as in "my-category" where ...'
            )
    if token.type in ("EQ", "NEQ", "LT", "LTE", "GT", "GTE") and "AND" in expected:
        return "comparisons cannot be chained; join them with and"
    return ""


def _summarize(expected: set[str]) -> str | None:
    """Return the expected tokens in words, or None when they are too many."""
    remaining = set(expected)
    groups = []
    if len(remaining & _OPERAND_START) >= 8:
        groups.append("an expression")
        remaining -= _OPERAND_START
    if len(remaining & _AFTER_OPERAND) >= 8:
        groups.append("an operator")
        remaining -= _AFTER_OPERAND
    items = groups + sorted({display_terminal(name) for name in remaining})
    if not items or len(items) > _MAX_LISTED:
        return None
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _all_displayed(expected: set[str]) -> tuple[str, ...]:
    return tuple(sorted({display_terminal(name) for name in expected}))


def _shorten(value: str, limit: int = 30) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _end_position(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    column = len(text) - (text.rfind("\n") + 1) + 1
    return line, column
