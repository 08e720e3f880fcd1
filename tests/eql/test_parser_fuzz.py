"""Property tests: the parser returns a tree or raises one of its own errors.

Whatever the input, parse_query must return a Query or raise EqlSyntaxError or
EqlSemanticError with a position inside the text. No lark exception, no
RecursionError and no other exception may escape.
"""

from __future__ import annotations

import string

from dac.eql import ast, parse_expression, parse_query
from dac.errors import EqlSemanticError, EqlSyntaxError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FRAGMENTS = [
    "process", "file", "any", "where", "sequence", "sample", "join", "by",
    "with", "maxspan", "=", "runs", "until", "[", "]", "![", "(", ")", ",",
    "|", "head", "tail", "unique", "and", "or", "not", "in", "in~", ":",
    "like", "like~", "regex", "regex~", "==", "!=", "<", "<=", ">", ">=",
    "+", "-", "*", "/", "%", ".", "?", "true", "false", "null", "0", "1",
    "42", "1.5", "5m", "30s", "1e3", '"a"', '"*.exe"', '"""raw"""', "'x'",
    '?"y"', "`a b`", "process.name", "@timestamp", "startsWith~",
    "endsWith", "length", "cidrMatch", "concat", "foo", "descendant", "of",
    "//c\n", "/* c */", "/*", "\\", '"', "`", "~", "!", "\n", "\t",
]  # fmt: skip

REAL_QUERIES = [
    'process where process.name : ("cmd.exe", "powershell.exe") and '
    'not process.args like~ "*-enc*"',
    "sequence by host.id with maxspan=1m\n"
    '  [process where event.type == "start"] by process.entity_id\n'
    '  ![file where file.extension in~ ("exe", "dll")] by process.entity_id',
    'sample by user.name [authentication where event.outcome == "failure"] '
    "[authentication where true]",
    'any where startsWith~(url.path, "/admin") | head 10',
]

FUZZ_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _check_outcome(text: str) -> None:
    try:
        result = parse_query(text)
    except (EqlSyntaxError, EqlSemanticError) as error:
        lines = text.split("\n")
        assert 1 <= error.line <= len(lines)
        assert 1 <= error.column <= len(lines[error.line - 1]) + 1
        assert error.message
        assert "internal parser error" not in error.message
    else:
        assert isinstance(result, ast.Query)


@FUZZ_SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _check_outcome(text)


@FUZZ_SETTINGS
@given(st.text(alphabet=string.printable, max_size=200))
def test_random_printable_text(text: str) -> None:
    _check_outcome(text)


@FUZZ_SETTINGS
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40),
    st.lists(st.sampled_from([" ", "", "\n"]), min_size=40, max_size=40),
)
def test_token_soup(fragments: list[str], separators: list[str]) -> None:
    text = "".join(
        fragment + separator
        for fragment, separator in zip(fragments, separators, strict=False)
    )
    _check_outcome(text)


@FUZZ_SETTINGS
@given(
    st.sampled_from(REAL_QUERIES),
    st.integers(min_value=0, max_value=400),
    st.text(alphabet="0123456789.eE", min_size=1, max_size=6000),
)
def test_long_numbers(query: str, offset: int, number: str) -> None:
    cut = min(offset, len(query))
    _check_outcome(query[:cut] + " " + number + " " + query[cut:])


def test_internal_error_marker_absent() -> None:
    """The catch-all message must never appear for ordinary bad input."""
    for text in ["", "(", "process where", "x" * 10_000, '"' * 7, "/*/*"]:
        try:
            parse_query(text)
        except (EqlSyntaxError, EqlSemanticError) as error:
            assert "internal parser error" not in error.message


@FUZZ_SETTINGS
@given(
    st.sampled_from(REAL_QUERIES),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(FRAGMENTS),
)
def test_mutated_real_queries(
    query: str, offset: int, deleted: int, inserted: str
) -> None:
    cut = min(offset, len(query))
    text = query[:cut] + inserted + query[cut + deleted :]
    _check_outcome(text)


def _leaf() -> st.SearchStrategy[tuple[str, ast.Expr]]:
    names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
        lambda name: name
        not in {"and", "or", "not", "in", "by", "of", "any", "with", "where",
                "like", "regex", "null", "true", "false", "join", "until",
                "sample", "sequence", "maxspan"}
    )  # fmt: skip
    fields = names.map(lambda name: (name, ast.Field((name,))))
    integers = st.integers(min_value=0, max_value=2**31 - 1).map(
        lambda value: (str(value), ast.Literal(value, "integer"))
    )
    strings = st.text(alphabet=string.ascii_letters + " *?.-", max_size=8).map(
        lambda value: (f'"{value}"', ast.Literal(value, "string"))
    )
    return st.one_of(fields, integers, strings)


def _combine(
    children: st.SearchStrategy[tuple[str, ast.Expr]],
) -> st.SearchStrategy[tuple[str, ast.Expr]]:
    def binary(pair: tuple, op: str) -> tuple[str, ast.Expr]:
        (left_text, left), (right_text, right) = pair
        text = f"({left_text}) {op} ({right_text})"
        if op == "and":
            return text, ast.And(left, right)
        if op == "or":
            return text, ast.Or(left, right)
        if op in ("+", "-", "*", "/", "%"):
            return text, ast.Arithmetic(op, left, right)
        return text, ast.Comparison(op, left, right)

    operators = ["and", "or", "+", "-", "*", "/", "%", "==", "!=", "<", ">="]
    pairs = st.tuples(children, children)
    return st.one_of(
        st.builds(binary, pairs, st.sampled_from(operators)),
        children.map(lambda child: (f"not ({child[0]})", ast.Not(child[1]))),
        children.map(lambda child: (f"-({child[0]})", ast.Negate(child[1]))),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_leaf(), _combine, max_leaves=12))
def test_generated_expression_round_trip(case: tuple[str, ast.Expr]) -> None:
    text, expected = case
    assert parse_expression(text) == expected
