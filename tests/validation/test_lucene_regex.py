"""Regex pattern checks: Lucene syntax errors (DAC407) and anchors (DAC505)."""

from __future__ import annotations

import pytest
from conftest import QUERY_FIRST_LINE, codes, make_rule
from dac.validation import lucene_regex, validate_rules


def _query(pattern: str, op: str = "regex") -> str:
    return (
        'process where host.os.type == "windows" and\n'
        f'  process.command_line {op} "{pattern}"'
    )


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("[a", "unexpected end of pattern at position 2"),
        ("a{1,100000}", "repeat count above 1000"),
        ("a{3,1}", "repeat maximum is below its minimum"),
        ("(ab", "expected ')'"),
    ],
)
def test_invalid_pattern_is_error(context, pattern, problem):
    rule = make_rule(query=_query(pattern))
    (diagnostic,) = lucene_regex.check_syntax(rule, context)
    assert diagnostic.code == "DAC407"
    assert diagnostic.severity == "error"
    assert problem in diagnostic.message
    assert diagnostic.line == QUERY_FIRST_LINE + 1
    # The column is the pattern's opening quote on the file line.
    assert diagnostic.column == len('  process.command_line regex "')


def test_invalid_pattern_case_insensitive(context):
    rule = make_rule(query=_query("[a", op="regex~"))
    assert codes(lucene_regex.check_syntax(rule, context)) == ["DAC407"]


def test_each_invalid_pattern_reported(context):
    query = (
        'process where host.os.type == "windows" and\n'
        '  process.command_line regex ("ok.*", "[a", "b{5000}")'
    )
    rule = make_rule(query=query)
    assert codes(lucene_regex.check_syntax(rule, context)) == ["DAC407", "DAC407"]


def test_valid_pattern_passes(context):
    rule = make_rule(query=_query(".*rundll32[.]exe.*"))
    assert list(lucene_regex.check_syntax(rule, context)) == []
    assert list(lucene_regex.check_anchors(rule, context)) == []


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        ("^cmd.*", "starts with '^'"),
        ("(a+)+$", "ends with '$'"),
        ("^cmd$", "starts with '^' and ends with '$'"),
    ],
)
def test_anchor_characters_warn(context, pattern, found):
    rule = make_rule(query=_query(pattern))
    (diagnostic,) = lucene_regex.check_anchors(rule, context)
    assert diagnostic.code == "DAC505"
    assert diagnostic.severity == "warning"
    assert found in diagnostic.message


def test_escaped_dollar_is_not_an_anchor(context):
    rule = make_rule(query=_query("cost.*\\\\$"))
    assert list(lucene_regex.check_anchors(rule, context)) == []


def test_caret_inside_class_is_not_an_anchor(context):
    rule = make_rule(query=_query("[^a]+"))
    assert list(lucene_regex.check_anchors(rule, context)) == []


def test_wildcard_patterns_not_checked(context):
    rule = make_rule(query=_query("^[a", op=":"))
    assert list(lucene_regex.check_syntax(rule, context)) == []
    assert list(lucene_regex.check_anchors(rule, context)) == []


def test_registered_in_validate(context):
    rule = make_rule(query=_query("[a"))
    assert "DAC407" in codes(validate_rules([rule], context))
