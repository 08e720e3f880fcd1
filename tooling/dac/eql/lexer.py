"""Tokenizer for Elasticsearch EQL.

Elasticsearch generates its EQL lexer with ANTLR (``EqlBase.g4`` in
x-pack/plugin/eql). That lexer ignores parser context: it always takes the
longest match, and on a tie the rule declared first wins. Keywords are
therefore reserved everywhere (``process where by == 1`` does not parse), and
block comments nest. This module reproduces that behaviour by hand instead of
using lark's contextual lexer, which would accept keywords as field names
wherever the parser does not expect the keyword.

Tokens are lark ``Token`` objects so the LALR parser can consume them directly.
Lines and columns are 1-based and count characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lark import Token

from dac.errors import EqlSyntaxError

# Reserved words and the token type of each. ``in~``, ``like~`` and ``regex~``
# also match the TILDE_IDENTIFIER pattern with the same length; ANTLR then
# picks the rule declared first, which is the keyword.
KEYWORDS = {
    "and": "AND",
    "any": "ANY",
    "by": "BY",
    "false": "FALSE",
    "in": "IN",
    "in~": "IN_INSENSITIVE",
    "join": "JOIN",
    "like": "LIKE",
    "like~": "LIKE_INSENSITIVE",
    "maxspan": "MAXSPAN",
    "not": "NOT",
    "null": "NULL",
    "of": "OF",
    "or": "OR",
    "regex": "REGEX",
    "regex~": "REGEX_INSENSITIVE",
    "sample": "SAMPLE",
    "sequence": "SEQUENCE",
    "true": "TRUE",
    "until": "UNTIL",
    "where": "WHERE",
    "with": "WITH",
}

OPERATORS = {
    "![": "MISSING_EVENT_OPEN",
    "!=": "NEQ",
    "==": "EQ",
    "=": "ASGN",
    "<=": "LTE",
    "<": "LT",
    ">=": "GTE",
    ">": "GT",
    ":": "SEQ",
    "+": "PLUS",
    "-": "MINUS",
    "*": "ASTERISK",
    "/": "SLASH",
    "%": "PERCENT",
    ".": "DOT",
    ",": "COMMA",
    "[": "LB",
    "]": "RB",
    "(": "LP",
    ")": "RP",
    "|": "PIPE",
    "?": "OPTIONAL",
}

# One alternative per token family. Python's ``re`` takes the first
# alternative that matches, so each family lists its longer forms first; the
# families themselves never compete for the same first characters except where
# the order below encodes ANTLR's longest-match choice (strings before ``?``,
# numbers before ``.``, comments before ``/``). Every repetition is over
# mutually exclusive single characters, so matching stays linear.
_TOKEN_PATTERN = re.compile(
    r"""
    (?P<WS>[ \r\n\t]+)
  | (?P<LINE_COMMENT>//[^\r\n]*)
  | (?P<BLOCK_COMMENT>/\*)
  | (?P<RAW_STRING>\"\"\"[^\r\n]*?\"\"\"\"?\"?)
  | (?P<STRING>\"(?:\\[btnfr"'\\]|\\u\{[0-9A-Fa-f]+\}|[^\r\n"\\])*\")
  | (?P<SINGLE_QUOTED>'(?:\\[btnfr"'\\]|[^\r\n'\\])*')
  | (?P<QUESTION_STRING>\?\"(?:\\\"|[^"\r\n])*\"|\?'(?:\\'|[^'\r\n])*')
  | (?P<QUOTED_IDENTIFIER>`(?:[^`]|``)*`)
  | (?P<NUMBER>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<TILDE_IDENTIFIER>[A-Za-z][A-Za-z0-9_]*~)
  | (?P<IDENTIFIER>[A-Za-z_@][A-Za-z0-9_]*)
  | (?P<OPERATOR>!\[|!=|==|<=|>=|[=<>:+\-*/%.,\[\]()|?])
    """,
    re.VERBOSE,
)

_BLOCK_DELIMITER = re.compile(r"/\*|\*/")

# Token families whose text becomes a STRING token; the builder decodes the
# text and rejects the quoting styles Elasticsearch no longer accepts.
_STRING_FAMILIES = ("RAW_STRING", "STRING", "SINGLE_QUOTED", "QUESTION_STRING")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into lark tokens, skipping whitespace and comments.

    Raise EqlSyntaxError at the first character that starts no token, as
    ANTLR's lexer does with a "token recognition error".
    """
    tokens = list(_scan(text))
    _mark_index_brackets(tokens)
    return tokens


def _scan(text: str) -> Iterator[Token]:
    position = 0
    line = 1
    line_start = 0
    length = len(text)
    match_at = _TOKEN_PATTERN.match

    while position < length:
        match = match_at(text, position)
        if match is None:
            raise _unrecognized(text, position, line, position - line_start + 1)

        family = match.lastgroup
        end = match.end()
        column = position - line_start + 1

        if family == "BLOCK_COMMENT":
            end = _block_comment_end(text, position, line, column)
        elif family not in ("WS", "LINE_COMMENT"):
            value = match.group()
            if family == "IDENTIFIER" or family == "TILDE_IDENTIFIER":
                kind = KEYWORDS.get(value, family)
            elif family == "OPERATOR":
                kind = OPERATORS[value]
            elif family == "NUMBER":
                kind = "INTEGER_VALUE" if value.isdigit() else "DECIMAL_VALUE"
            elif family in _STRING_FAMILIES:
                kind = "STRING"
            else:
                kind = family
            yield Token(kind, value, position, line, column, end_pos=end)

        # Whitespace, comments and backquoted names may span lines.
        newlines = text.count("\n", position, end)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", position, end) + 1
        position = end


def _block_comment_end(text: str, start: int, line: int, column: int) -> int:
    """Return the index just past the block comment that opens at ``start``.

    Comments nest, as in Elasticsearch's grammar. When an inner ``/*`` is
    never closed, the comment ends at the first ``*/`` instead.
    """
    depth = 0
    first_close = -1
    for delimiter in _BLOCK_DELIMITER.finditer(text, start):
        if delimiter.group() == "/*":
            depth += 1
            continue
        depth -= 1
        if first_close < 0:
            first_close = delimiter.end()
        if depth == 0:
            return delimiter.end()
    if first_close >= 0:
        # NOTE: ANTLR's non-greedy nested rule may split an unbalanced comment
        # differently; no known query depends on it.
        return first_close
    raise EqlSyntaxError(
        "unterminated comment: close the /* comment with */",
        line,
        column,
        expected=("*/",),
    )


def _unrecognized(text: str, position: int, line: int, column: int) -> EqlSyntaxError:
    char = text[position]
    if char == '"' or (char == "?" and text.startswith('?"', position)):
        message = _describe_bad_string(text, position)
    elif char == "'":
        message = "unterminated string: close the string with ' on the same line"
    elif char == "`":
        message = "unterminated backquoted name: close it with `"
    elif char == "!":
        message = 'unexpected "!": use "!=" for inequality or "![" for a missing event'
    elif char == "~":
        message = (
            'unexpected "~": write it directly after a function name or after '
            "in, like or regex, without a space"
        )
    else:
        message = f"unexpected character {char!r}"
    return EqlSyntaxError(message, line, column)


def _describe_bad_string(text: str, position: int) -> str:
    line_end = text.find("\n", position)
    rest = text[position : line_end if line_end >= 0 else len(text)]
    if re.search(r"\\u(?!\{[0-9A-Fa-f]+\})", rest):
        return (
            r"invalid unicode escape in string: write \u{XXXX} with 2 to 8 hex "
            "digits in braces"
        )
    if re.search(r"\\[^btnfr\"'\\u]", rest):
        escape = re.search(r"\\[^btnfr\"'\\u]", rest).group()
        return (
            f"invalid escape sequence {escape!r} in string: the valid escapes are "
            r"\b \t \n \f \r \" \' \\ and \u{XXXX}; write \\ for a backslash "
            'or use a """raw""" string'
        )
    return (
        'unterminated string: close the string with " on the same line, or use '
        '"""raw""" for text with quotes'
    )


def _mark_index_brackets(tokens: list[Token]) -> None:
    """Retype ``[`` as INDEX_LB when an integer follows it.

    ``field[0]`` (an array index) and ``[process where ...]`` (a sequence
    step) both open with ``[``. ANTLR tells them apart by looking ahead; an
    LALR(1) parser cannot, so the lexer does it: a step always starts with an
    event category, never with an integer.
    """
    for index in range(len(tokens) - 1):
        token = tokens[index]
        if token.type == "LB" and tokens[index + 1].type == "INTEGER_VALUE":
            tokens[index] = Token.new_borrow_pos("INDEX_LB", token.value, token)
