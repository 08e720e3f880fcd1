"""Property-based tests: random queries, documents and patterns.

Nothing but the documented errors may escape the engine, and the linear-time
regex and wildcard matchers must agree with Python's ``re`` on the subset of
syntax both share (inputs are tiny, so backtracking is harmless there).
"""

from __future__ import annotations

import re

from dac.engine import compile_query, search
from dac.engine._regex import Regex
from dac.engine._wildcard import compile_wildcard
from dac.errors import EqlError
from hypothesis import given, settings
from hypothesis import strategies as st

FIELDS = ["a", "b", "c.d", "?e", "tags"]
STRINGS = st.text(alphabet="abAB*?.\\ 0", max_size=6)
SCALARS = st.one_of(
    st.integers(-5, 5), st.floats(-5, 5, allow_nan=False), STRINGS, st.booleans()
)
VALUES = st.one_of(st.none(), SCALARS, st.lists(SCALARS, max_size=3))


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    return repr(value)


leaf = st.one_of(
    st.builds(
        lambda f, op, v: f"{f} {op} {_literal(v)}",
        st.sampled_from(FIELDS),
        st.sampled_from(["==", "!=", "<", ">=", ":", "like", "like~", "regex~"]),
        st.one_of(st.none(), SCALARS),
    ),
    st.builds(
        lambda f, vs: f"{f} in~ ({', '.join(_literal(v) for v in vs)})",
        st.sampled_from(FIELDS),
        st.lists(SCALARS, min_size=1, max_size=3),
    ),
    st.builds(
        lambda fn, f, v: f"{fn}({f}, {_literal(v)})",
        st.sampled_from(
            [
                "startsWith",
                "endsWith~",
                "stringContains",
                "add",
                "divide",
                "modulo",
                "between",
                "indexOf",
                "substring",
                "number",
                "concat",
            ]
        ),
        st.sampled_from(FIELDS),
        SCALARS,
    ),
    st.builds(
        lambda f, op, n: f"{f} {op} {n} == 1",
        st.sampled_from(FIELDS),
        st.sampled_from(["+", "-", "*", "/", "%"]),
        st.integers(-3, 3),
    ),
)
conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=6,
)
documents = st.lists(
    st.fixed_dictionaries(
        {"@timestamp": st.integers(0, 20), "event": st.just({"category": ["process"]})},
        optional={
            "a": VALUES,
            "b": VALUES,
            "c": st.fixed_dictionaries({"d": VALUES}),
            "tags": VALUES,
        },
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(conditions, documents, st.sampled_from(["none", "untyped"]))
def test_event_queries_raise_only_eql_errors(
    condition: str, docs: list, mode: str
) -> None:
    query = f"process where {condition}"
    try:
        if mode == "none":
            search(query, docs, schema="none")
        else:
            list(compile_query(query).run(docs))
    except EqlError:
        pass


@settings(max_examples=150, deadline=None)
@given(conditions, conditions, documents, st.integers(1, 3000))
def test_sequences_raise_only_eql_errors(
    first: str, second: str, docs: list, span: int
) -> None:
    query = (
        f"sequence by a with maxspan={span}ms [process where {first}] "
        f"![process where {second}] [process where true]"
    )
    try:
        list(compile_query(query).run(docs))
    except EqlError:
        pass


@settings(max_examples=200, deadline=None)
@given(leaf, documents)
def test_not_never_matches_what_its_operand_matches(condition: str, docs: list) -> None:
    try:
        plain = compile_query(f"process where {condition}")
        negated = compile_query(f"process where not ({condition})")
        matched = {h.positions[0] for h in plain.run(docs)}
        negated_matched = {h.positions[0] for h in negated.run(docs)}
    except EqlError:
        return
    assert not matched & negated_matched


REGEX_ATOMS = st.sampled_from(["a", "b", ".", "[ab]", "[^a]", "(a|b)", "(ab)", "c"])
REGEX = st.lists(
    st.tuples(REGEX_ATOMS, st.sampled_from(["", "*", "+", "?", "{1,2}"])), max_size=5
).map(lambda parts: "".join(a + q for a, q in parts))


@settings(max_examples=400, deadline=None)
@given(REGEX, st.text(alphabet="abcA", max_size=8), st.booleans())
def test_regex_agrees_with_re_on_shared_syntax(
    pattern: str, text: str, ignore_case: bool
) -> None:
    expected = (
        re.fullmatch(pattern, text, re.IGNORECASE if ignore_case else 0) is not None
    )
    assert Regex(pattern, ignore_case).fullmatch(text) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab*?\\", max_size=7),
    st.text(alphabet="abAB*?\\", max_size=9),
    st.booleans(),
)
def test_wildcard_agrees_with_re(pattern: str, text: str, ignore_case: bool) -> None:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    translated = "".join(parts)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    expected = re.fullmatch(translated, text, flags) is not None
    assert compile_wildcard(pattern, ignore_case)(text) == expected
