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
# alternative that matches, not the longest. So where two families can start
# with the same character, the one that ANTLR's longest match picks comes
# first: raw strings before strings, then ``?"`` strings, comments and numbers
# before the operators ``?``, ``/`` and ``.``. Names come early because they
# are the most common token. Every repetition is over mutually exclusive single
# characters, so matching stays linear in the text length.
_TOKEN_PATTERN = re.compile(
    r"""
    (?P<WS>[ \r\n\t]+)
  | (?P<NAME>[A-Za-z_@][A-Za-z0-9_]*~?)
  | (?P<RAW_STRING>\"\"\"[^\r\n]*?\"\"\"\"?\"?)
  | (?P<STRING>\"(?:\\[btnfr"'\\]|\\u\{[0-9A-Fa-f]+\}|[^\r\n"\\])*\")
  | (?P<NUMBER>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<LINE_COMMENT>//[^\r\n]*)
  | (?P<BLOCK_COMMENT>/\*)
  | (?P<SINGLE_QUOTED>'(?:\\[btnfr"'\\]|[^\r\n'\\])*')
  | (?P<QUESTION_STRING>\?\"(?:\\\"|[^"\r\n])*\"|\?'(?:\\'|[^'\r\n])*')
  | (?P<QUOTED_IDENTIFIER>`(?:[^`]|``)*`)
  | (?P<OPERATOR>!\[|!=|==|<=|>=|[=<>:+\-*/%.,\[\]()|?])
    """,
    re.VERBOSE,
)

_BLOCK_DELIMITER = re.compile(r"/\*|\*/")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into lark tokens, skipping whitespace and comments.

    Raise EqlSyntaxError at the first character that starts no token, as
    ANTLR's lexer does with a "token recognition error".
    """
    tokens = _scan(text)
    _mark_index_brackets(tokens)
    return tokens


def _scan(text: str) -> list[Token]:
    # This loop runs once per token of every rule query, so it binds lookups
    # to locals and builds tokens without lark's argument handling.
    tokens: list[Token] = []
    append = tokens.append
    match_at = _TOKEN_PATTERN.match
    keywords = KEYWORDS
    operators = OPERATORS
    position = 0
    line = 1
    line_start = 0
    length = len(text)

    while position < length:
        match = match_at(text, position)
        if match is None:
            raise _unrecognized(text, position, line, position - line_start + 1)

        family = match.lastgroup
        end = match.end()
        if family == "NAME":
            value = match.group()
            if value[-1] == "~" and value[0] in "_@":
                # ANTLR's TILDE_IDENTIFIER must start with a letter, so the
                # name ends before the "~", which then matches nothing.
                value = value[:-1]
                end -= 1
            kind = keywords.get(value)
            if kind is None:
                kind = "TILDE_IDENTIFIER" if value[-1] == "~" else "IDENTIFIER"
        elif family == "OPERATOR":
            value = match.group()
            kind = operators[value]
        elif family == "WS":
            newlines = text.count("\n", position, end)
            if newlines:
                line += newlines
                line_start = text.rindex("\n", position, end) + 1
            position = end
            continue
        elif family == "NUMBER":
            value = match.group()
            kind = "INTEGER_VALUE" if value.isdigit() else "DECIMAL_VALUE"
        elif family == "LINE_COMMENT":
            position = end
            continue
        elif family == "BLOCK_COMMENT":
            column = position - line_start + 1
            end = _block_comment_end(text, position, line, column)
            newlines = text.count("\n", position, end)
            if newlines:
                line += newlines
                line_start = text.rindex("\n", position, end) + 1
            position = end
            continue
        else:
            value = match.group()
            kind = "QUOTED_IDENTIFIER" if family == "QUOTED_IDENTIFIER" else "STRING"

        append(_new_token(kind, value, position, line, position - line_start + 1, end))
        if family == "QUOTED_IDENTIFIER":
            # Only backquoted names, whitespace and comments span lines.
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = text.rindex("\n", position, end) + 1
        position = end

    return tokens


def _new_token(
    kind: str, value: str, start: int, line: int, column: int, end: int
) -> Token:
    token = str.__new__(Token, value)
    token.type = kind
    token.value = value
    token.start_pos = start
    token.line = line
    token.column = column
    token.end_line = None
    token.end_column = None
    token.end_pos = end
    return token


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
    step) both open with ``[``. ANTLR distinguishes them by looking ahead, which
    an LALR(1) parser cannot do, so the lexer does it. A step always starts
    with an event category, never with an integer.
    """
    for index in range(len(tokens) - 1):
        token = tokens[index]
        if token.type == "LB" and tokens[index + 1].type == "INTEGER_VALUE":
            tokens[index] = Token.new_borrow_pos("INDEX_LB", token.value, token)
