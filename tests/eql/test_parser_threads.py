"""The shared lark parser keeps each parse's state apart across threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dac.eql import ast, parse_query
from dac.errors import EqlSemanticError, EqlSyntaxError

GOOD = 'process where process.name == "cmd.exe"'
SEMANTIC = "process where foo(x)"
SYNTAX = "process where x = 1"


def _outcome(text: str) -> str:
    try:
        parse_query(text)
    except EqlSemanticError:
        return "semantic"
    except EqlSyntaxError:
        return "syntax"
    return "ok"


def test_concurrent_parses_keep_outcomes() -> None:
    texts = [GOOD, SEMANTIC, SYNTAX] * 200
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(_outcome, texts))
    assert outcomes == ["ok", "semantic", "syntax"] * 200


def test_error_does_not_leak_into_next_parse() -> None:
    assert _outcome(SEMANTIC) == "semantic"
    assert isinstance(parse_query(GOOD), ast.Query)
    assert _outcome(SYNTAX) == "syntax"
    assert isinstance(parse_query(GOOD), ast.Query)
