"""Parse Elasticsearch EQL into the syntax tree of ``dac.eql.ast``.

The grammar (grammar.lark) is parsed by lark's LALR(1) parser. Tokens come
from ``dac.eql.lexer``, which mirrors Elasticsearch's ANTLR lexer, and the
tree is built while parsing by ``dac.eql.builder``. One lark parser is built
on first use and shared; a parse keeps its state in the calling thread.

Every failure is an EqlSyntaxError (the text does not match the grammar) or an
EqlSemanticError (Elasticsearch's parser would reject it after parsing), with
a 1-based line and column in the query text.
"""

from __future__ import annotations

import functools
import logging
import threading
from importlib import resources

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from dac.eql import ast
from dac.eql.builder import TreeBuilder
from dac.eql.lexer import tokenize
from dac.eql.syntax_errors import describe_unexpected_token
from dac.errors import EqlError, EqlSemanticError, EqlSyntaxError

log = logging.getLogger(__name__)

_state = threading.local()


class _EqlLexer(Lexer):
    """Adapter that hands lark the tokens of the current parse."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, text: str) -> list[Token]:
        return _state.tokens


class _ThreadBuilder(TreeBuilder):
    """TreeBuilder that keeps deferred errors in the parsing thread.

    lark binds one transformer to the cached parser, so per-parse state cannot
    live on the instance.
    """

    def defer(self, error: EqlSemanticError) -> None:
        _state.deferred_errors.append(error)


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("dac.eql").joinpath("grammar.lark").read_text()
    return Lark(
        grammar,
        parser="lalr",
        lexer=_EqlLexer,
        start=["statement", "single_expression"],
        transformer=_ThreadBuilder(),
        maybe_placeholders=False,
    )


def parse_query(text: str) -> ast.Query:
    """Parse a complete EQL query (event query, sequence or sample, with pipes).

    Raise EqlSyntaxError or EqlSemanticError, with the line and column in
    ``text``, when Elasticsearch would reject the query.
    """
    return _parse(text, "statement")


def parse_expression(text: str) -> ast.Expr:
    """Parse a lone EQL condition such as ``process.name : "cmd.exe"``.

    Raise EqlSyntaxError or EqlSemanticError like ``parse_query``.
    """
    return _parse(text, "single_expression")


def _parse(text: str, start: str) -> ast.Query | ast.Expr:
    if not isinstance(text, str):
        raise TypeError(f"EQL text must be a str, not {type(text).__name__}")
    parser = _parser()
    try:
        tokens = tokenize(text)
        _state.tokens = tokens
        _state.deferred_errors = []
        result = parser.parse(text, start=start)
    except EqlError:
        raise
    except UnexpectedToken as error:
        raise describe_unexpected_token(error, _state.tokens, text, start) from None
    except UnexpectedInput as error:
        raise EqlSyntaxError(
            f"invalid query: {error}", error.line or 1, error.column or 1
        ) from None
    except RecursionError:
        raise EqlSyntaxError(
            "the query is nested too deeply to parse; simplify its parentheses",
            1,
            1,
        ) from None
    except Exception as error:
        # Callers rely on getting only EQL errors, so a bug in the parser must
        # not escape as another exception type. The log keeps the traceback.
        log.exception("EQL parser failed on a query of %d characters", len(text))
        raise EqlSyntaxError(
            f"internal parser error ({type(error).__name__}); the query could not "
            "be checked, please report it with the query text",
            1,
            1,
        ) from error
    finally:
        _state.tokens = []

    deferred = min(
        _state.deferred_errors,
        key=lambda error: (error.line, error.column),
        default=None,
    )
    _state.deferred_errors = []
    if deferred is not None:
        raise deferred
    return result
