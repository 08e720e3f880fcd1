"""Queries Elasticsearch rejects, with the position and message we report.

Each case names the source of the fact that Elasticsearch rejects the query:
its ANTLR grammar (EqlBase.g4), its parser code (EqlParser, AbstractBuilder,
ExpressionBuilder, LogicalPlanBuilder), its parser and verifier tests, its
resource queries-unsupported.eql, or its EQL syntax and function reference.
Positions are 1-based and point at the offending token.
"""

from __future__ import annotations

import pytest
from dac.eql import parse_expression, parse_query
from dac.errors import EqlError, EqlSemanticError, EqlSyntaxError

SYNTAX = EqlSyntaxError
SEMANTIC = EqlSemanticError

# (source, query, error class, line, column, fragment of the message)
CASES = [
    # ---- lexer: characters and tokens Elasticsearch's lexer does not know
    ("EqlBase.g4 lexer: no rule for #", "process where # == 1",
     SYNTAX, 1, 15, "unexpected character '#'"),
    ("EqlBase.g4 LETTER is [A-Za-z] only", "process where prozeß == 1",
     SYNTAX, 1, 20, "unexpected character 'ß'"),
    ("EqlBase.g4 lexer: lone !", "process where x ! y",
     SYNTAX, 1, 17, 'unexpected "!"'),
    ("EqlBase.g4 lexer: lone ~", "process where ~x",
     SYNTAX, 1, 15, 'unexpected "~"'),
    ("EqlBase.g4 TILDE_IDENTIFIER needs a letter first", "process where _f~(x)",
     SYNTAX, 1, 17, 'unexpected "~"'),
    ("EqlBase.g4 STRING may not span lines", 'process where x == "a\nb"',
     SYNTAX, 1, 20, "unterminated string"),
    ("EqlBase.g4 STRING: unterminated", 'process where x == "abc',
     SYNTAX, 1, 20, "unterminated string"),
    ("EqlBase.g4 STRING_ESCAPE: \\q is not an escape", r'process where x == "\q"',
     SYNTAX, 1, 20, r"invalid escape sequence '\\q'"),
    ("ExpressionTests.testUnicodeWithWrongCurlyBraces: \\uad12",
     r'process where x == "\uad12"', SYNTAX, 1, 20, "invalid unicode escape"),
    ("ExpressionTests.testUnicodeWithWrongNumberOfHexDigits: \\u{}",
     r'process where x == "\u{}"', SYNTAX, 1, 20, "invalid unicode escape"),
    ("ExpressionTests.testUnicodeWithWrongHexDigits: \\u{U1}",
     r'process where x == "\u{U1}"', SYNTAX, 1, 20, "invalid unicode escape"),
    ("ExpressionTests.testBackQuotedIdentifierWithUnescapedBackQuotes",
     "process where `x == true", SYNTAX, 1, 15, "unterminated backquoted name"),
    ("ExpressionTests: wrong_identifier` == true", "process where x` == 1",
     SYNTAX, 1, 16, "unterminated backquoted name"),
    ("EqlBase.g4 BRACKETED_COMMENT: unterminated", "process where x /* open",
     SYNTAX, 1, 17, "unterminated comment"),
    # ---- string literals Elasticsearch rejects after lexing them
    ("ExpressionTests.testSingleQuotedStringForbidden",
     "process where name=='hello world'", SEMANTIC, 1, 21,
     "single-quoted strings are not supported"),
    ("EQL syntax: single quotes are reserved", "'process' where true",
     SEMANTIC, 1, 1, "single-quoted strings are not supported"),
    ("ExpressionTests.testDoubleQuotedUnescapedStringForbidden",
     'process where name == ?"hello world"', SEMANTIC, 1, 23,
     '?"..." strings are not supported'),
    ("ExpressionTests.testSingleQuotedUnescapedStringDisallowed",
     "process where name == ?'hello world'", SEMANTIC, 1, 23,
     "?'...' strings are not supported"),
    ("ExpressionTests.testUnicodeWithWrongNumberOfHexDigits: \\u{D}",
     r'process where x == "\u{D}"', SEMANTIC, 1, 20, "has 1 hex digits; use 2 to 8"),
    ("ExpressionTests: \\u{123456789} has 9 digits",
     r'process where x == "\u{123456789}"', SEMANTIC, 1, 20, "has 9 hex digits"),
    ("ExpressionTests.testUnicodeWithInvalidUnicodePoints: surrogate",
     r'process where x == "\u{d800}"', SEMANTIC, 1, 20, "surrogate code point"),
    ("ExpressionTests.testUnicodeWithInvalidUnicodePoints: too large",
     r'process where x == "\u{10000000}"', SEMANTIC, 1, 20,
     "beyond the last code point"),
    ("ExpressionBuilder: a double that overflows", "process where x == 1e999",
     SEMANTIC, 1, 20, "too large for a double"),
    ("ExpressionBuilder: an integer past a double's range",
     "process where x == " + "9" * 5000, SEMANTIC, 1, 20,
     "number 999999999999999999999999999... is too large for a double"),
    # ---- grammar: statements
    ("EqlBase.g4 rule eventFilter: where is required", "proces wher x == 1",
     SYNTAX, 1, 8, 'expected "where" after event category "proces", found "wher"'),
    ("EqlBase.g4 rule singleStatement: empty input", "",
     SYNTAX, 1, 1, "empty query"),
    ("EqlBase.g4: only comments", "// nothing here",
     SYNTAX, 1, 16, "empty query"),
    ("VerifierTests.testQueryStartsWithNumber", "42 where true",
     SYNTAX, 1, 1, 'found "42"'),
    ("ExpressionTests.testIdentifierForEventTypeDisallowed",
     "`identifier` where foo == true", SYNTAX, 1, 1,
     "an event category cannot be backquoted"),
    ("VerifierTests.testOptionalFieldsUnsupported: ?x where", "?x where true",
     SYNTAX, 1, 1, 'found "?"'),
    ("EqlBase.g4 rule eventFilter: condition is required", "process where",
     SYNTAX, 1, 14, "expected an expression after \"where\", found end of query"),
    ("EqlBase.g4: keywords are reserved", "process where by == 1",
     SYNTAX, 1, 15, 'found "by"'),
    ("EqlBase.g4: keywords are reserved in field paths", "process where a.where == 1",
     SYNTAX, 1, 17, 'found "where"'),
    ("EqlBase.g4: keywords are case-sensitive", "process WHERE true",
     SYNTAX, 1, 9, 'expected "where"'),
    ("EqlBase.g4 rule statement: trailing tokens", "process where x == 1 extra",
     SYNTAX, 1, 22, 'found "extra"'),
    ("EqlBase.g4 rule subquery: missing ]", "sequence [a where true [b where true]",
     SYNTAX, 1, 24, 'found "["'),
    ("EqlBase.g4 rule sequenceParams: = is required",
     "sequence with maxspan 5m [a where true] [b where true]",
     SYNTAX, 1, 23, 'expected "=" after "maxspan", found "5"'),
    ("EqlBase.g4 rule sequenceParams: negative maxspan",
     "sequence with maxspan=-5m [a where true] [b where true]",
     SYNTAX, 1, 23, 'found "-"'),
    ("EqlBase.g4 rule sequence: until needs a step",
     "sequence [a where true] [b where true] until",
     SYNTAX, 1, 45, 'expected "![" or "[" after "until", found end of query'),
    ("EqlBase.g4 rule sample: no with maxspan",
     "sample with maxspan=1m [a where true] [b where true]",
     SYNTAX, 1, 8, 'found "with"'),
    ("EQL syntax: samples do not support until",
     "sample [a where true] [b where true] until [c where true]",
     SYNTAX, 1, 38, 'found "until"'),
    ("EQL syntax: samples do not support with runs",
     "sample [a where true] with runs=2 [b where true]",
     SYNTAX, 1, 23, 'found "with"'),
    ("queries-unsupported.eql: fork is not in the grammar",
     "sequence by unique_pid [process where true] [file where true] fork=true",
     SYNTAX, 1, 63, 'unexpected "fork" after "]"'),
    ("EqlBase.g4 rule pipe: name must be an identifier",
     "process where true | 5", SYNTAX, 1, 22, 'found "5"'),
    # ---- grammar: expressions
    ("ExpressionTests.testComparison: = is not equality", "process where x = 1",
     SYNTAX, 1, 17, 'use "==" (or ":" for case-insensitive)'),
    ("EQL syntax: = cannot be substituted for ==",
     'file where process_name = "python.exe"', SYNTAX, 1, 25, 'unexpected "="'),
    ("ExpressionTests.testChainedComparisonsDisallowed", "process where a < b <= c",
     SYNTAX, 1, 21, "comparisons cannot be chained"),
    ("ExpressionTests.testInEmptySet", "process where name in ()",
     SYNTAX, 1, 24, 'found ")"'),
    ("EqlBase.g4 rule predicate: : takes constants", "process where x : -1",
     SYNTAX, 1, 19, 'unexpected "-" after ":"'),
    ("EqlBase.g4 rule predicate: like takes constants", "process where x like y",
     SYNTAX, 1, 22, 'unexpected "y" after "like"'),
    ("EqlBase.g4 rule predicate: not only before in", 'process where x not : "a"',
     SYNTAX, 1, 21, 'found ":"'),
    ("queries-supported.eql history: !: was removed", 'process where x !: "a"',
     SYNTAX, 1, 17, 'unexpected "!"'),
    ("EqlBase.g4 rule predicate: one predicate per primary",
     "process where x in (1) in (2)", SYNTAX, 1, 24, 'found "in"'),
    ("EqlBase.g4: unbalanced parenthesis", "process where (x == 1",
     SYNTAX, 1, 22, 'after "1", found end of query'),
    ("EqlBase.g4 rule qualifiedName: no trailing dot", "process where a. == 1",
     SYNTAX, 1, 18, 'found "=="'),
    ("EqlBase.g4 rule qualifiedName: ? only before a name", "process where ?f(x)",
     SYNTAX, 1, 17, 'found "("'),
    ("EqlBase.g4 rule functionExpression: trailing comma",
     "process where length(x,)", SYNTAX, 1, 24, 'found ")"'),
    # ---- rejected by Elasticsearch's parser after parsing
    ("VerifierTests.testProcessRelationshipsUnsupported",
     'process where opcode==1 and process_name == "csrss.exe"\n'
     '  and descendant of [file where file_name == "csrss.exe" and opcode==0]',
     SEMANTIC, 2, 7, "process relationships"),
    ("queries-unsupported.eql: child of", "file where child of [registry where true]",
     SEMANTIC, 1, 12, 'process relationships such as "child of [...]"'),
    ("queries-unsupported.eql: event of", "file where event of [registry where true]",
     SEMANTIC, 1, 12, 'process relationships such as "event of [...]"'),
    ("VerifierTests.testArrayIndexesUnsupported",
     'registry where length(x) > 0 and bytes_written_string_list[0] == "EN-us"',
     SEMANTIC, 1, 60, "array indexes"),
    ("queries-unsupported.eql: a[0][1].b", "registry where a[0][1].b",
     SEMANTIC, 1, 18, "array indexes"),
    ("EQL syntax: joins are not supported",
     "join by source_ip [network where true] [network where true]",
     SEMANTIC, 1, 1, "join queries are not supported"),
    ("ExpressionTests.testUnsupportedPipes: count", "process where true | count",
     SEMANTIC, 1, 22, "pipe count is not supported"),
    ("queries-unsupported.eql: unique", "process where true | unique process_name",
     SEMANTIC, 1, 22, "pipe unique is not supported"),
    ("queries-unsupported.eql: filter", "process where true | filter true",
     SEMANTIC, 1, 22, "pipe filter is not supported"),
    ("queries-unsupported.eql: sort", "file where true | sort file_name",
     SEMANTIC, 1, 19, "pipe sort is not supported"),
    ("queries-unsupported.eql: unique_count",
     "process where true | unique_count process_name", SEMANTIC, 1, 22,
     "pipe unique_count is not supported"),
    ("LogicalPlanBuilder: unrecognized pipe with a suggestion",
     "process where true | haed 5", SEMANTIC, 1, 22,
     "unknown pipe haed; the supported pipes are head and tail (did you mean head?)"),
    ("LogicalPlanBuilder: pipe expects exactly one argument",
     "process where true | head", SEMANTIC, 1, 22, "found 0"),
    ("LogicalPlanBuilder: pipe expects exactly one argument",
     "process where true | tail 1, 2", SEMANTIC, 1, 22, "found 2"),
    ("LogicalPlanBuilder: pipe expects a positive integer",
     "process where true | head -1", SEMANTIC, 1, 27, "non-negative integer"),
    ("LogicalPlanBuilder: pipe argument must be an integer",
     "process where true | tail 2.5", SEMANTIC, 1, 27, "non-negative integer"),
    ("LogicalPlanBuilder: pipe argument must be foldable",
     "process where true | head x", SEMANTIC, 1, 27, "non-negative integer"),
    ("LogicalPlanBuilder: by before with",
     "sequence with maxspan=5s by x [a where true] [b where true]",
     SEMANTIC, 1, 26, "write `sequence by` before `with maxspan`"),
    ("LogicalPlanBuilder: maxspan needs a unit",
     "sequence with maxspan=30 [a where true] [b where true]",
     SEMANTIC, 1, 23, "maxspan=30 has no time unit"),
    ("LogicalPlanBuilder: unrecognized time unit",
     "sequence with maxspan=30w [a where true] [b where true]",
     SEMANTIC, 1, 25, "unknown time unit 'w'"),
    ("queries-unsupported.eql: decimal maxspan",
     "sequence with maxspan=2.5m [a where true] [b where true]",
     SEMANTIC, 1, 23, "maxspan=2.5 is not an integer"),
    ("LogicalPlanBuilder: positive maxspan",
     "sequence with maxspan=0s [a where true] [b where true]",
     SEMANTIC, 1, 23, "maxspan must be positive, found 0"),
    ("LogicalPlanBuilder: inconsistent number of join keys",
     "sequence [a where true] by x [b where true]",
     SEMANTIC, 1, 30, "inconsistent number of join keys"),
    ("LogicalPlanBuilder: until counts in the join key check",
     "sequence [a where true] by x [b where true] by y until [c where true]",
     SEMANTIC, 1, 56, "inconsistent number of join keys"),
    ("LogicalPlanBuilder: sample join keys must match",
     "sample [a where true] by x, y [b where true] by z",
     SEMANTIC, 1, 31, "inconsistent number of join keys"),
    ("queries-unsupported.eql: join keys must be fields",
     "sequence [a where true] by pid * 2 [b where true] by ppid * 2",
     SEMANTIC, 1, 28, "a join key must be a field name"),
    ("LogicalPlanBuilder: a sequence needs 2 queries", "sequence [a where true]",
     SEMANTIC, 1, 1, "a sequence needs at least 2 steps"),
    ("LogicalPlanBuilder: a sample needs 2 queries", "sample by x [a where true]",
     SEMANTIC, 1, 1, "a sample needs at least 2 filters, found 1"),
    ("EQL syntax: runs must be between 1 and 100",
     "sequence [a where true] with runs=0 [b where true]",
     SEMANTIC, 1, 35, "runs must be from 1 to 100, found 0"),
    ("EQL syntax: runs must be between 1 and 100",
     "sequence [a where true] with runs=101 [b where true]",
     SEMANTIC, 1, 35, "runs must be from 1 to 100, found 101"),
    ("EqlBase.g4 rule sequenceTerm: the option must be runs",
     "sequence [a where true] with repeat=2 [b where true]",
     SEMANTIC, 1, 30, "unknown sequence step option 'repeat'"),
    ("EQL syntax: runs must be between 1 and 100",
     "sequence [a where true] with runs=" + "1" * 5000 + " [b where true]",
     SEMANTIC, 1, 35, "runs must be from 1 to 100, found 111"),
    ("LogicalPlanBuilder: maxspan is a long",
     "sequence with maxspan=" + "7" * 5000 + "s [a where true] [b where true]",
     SEMANTIC, 1, 23, "is too large"),
    ("LogicalPlanBuilder: runs must be an integer",
     "sequence [a where true] with runs=1.5 [b where true]",
     SEMANTIC, 1, 35, "runs=1.5 is not an integer"),
    ("EQL syntax: missing events need maxspan",
     "sequence [a where true] ![b where true]",
     SEMANTIC, 1, 25, "needs `with maxspan=...`"),
    ("EQL syntax: a sequence needs one positive clause",
     "sequence with maxspan=1m ![a where true] ![b where true]",
     SEMANTIC, 1, 1, "at least one step that is not a missing event"),
    ("EQL syntax: missing events belong to sequences",
     "sample by h [a where true] ![b where true]",
     SEMANTIC, 1, 28, "a sample cannot have missing events"),
    # ---- functions (the verifier rejects these in Elasticsearch)
    ("VerifierTests.testFunctionParsingUnknown", "network where safe(process_name)",
     SEMANTIC, 1, 15, "unknown function safe"),
    ("VerifierTests.testArrayFunctionsUnsupported",
     'registry where arrayContains(x, "En")', SEMANTIC, 1, 16,
     "unknown function arrayContains"),
    ("EQL syntax: the match function is not supported",
     'process where match(x, "a.*")', SEMANTIC, 1, 15, "unknown function match"),
    ("EQL function reference: wildcard is gone",
     'process where wildcard(x, "a*")', SEMANTIC, 1, 15, "unknown function wildcard"),
    ("EQL function reference: did-you-mean", 'process where startWith(x, "a")',
     SEMANTIC, 1, 15, "did you mean startsWith"),
    ("EQL function reference: length has no ~ variant", "process where length~(x) > 1",
     SEMANTIC, 1, 15, "function length has no case-insensitive variant"),
    ("EQL function reference: concat has no ~ variant", "process where concat~(x)",
     SEMANTIC, 1, 15, "function concat has no case-insensitive variant"),
    ("EQL function reference: add takes two addends", "process where add(1, 2, 3)",
     SEMANTIC, 1, 15, "function add takes 2 arguments, found 3"),
    ("EQL function reference: between takes 3 or 4",
     'process where between(x, "a")', SEMANTIC, 1, 15,
     "function between takes 3 or 4 arguments, found 2"),
    ("EQL function reference: cidrMatch needs a block", "process where cidrMatch(ip)",
     SEMANTIC, 1, 15, "function cidrMatch takes 2 or more arguments, found 1"),
    ("EQL function reference: concat needs a value", "process where concat()",
     SEMANTIC, 1, 15, "function concat takes 1 or more arguments, found 0"),
    ("EQL function reference: substring takes 2 or 3",
     "process where substring(x) == \"a\"", SEMANTIC, 1, 15,
     "function substring takes 2 or 3 arguments, found 1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "text", "error_class", "line", "column", "fragment"),
    CASES,
    ids=[f"{index}" for index in range(len(CASES))],
)
def test_rejected_query(
    source: str,
    text: str,
    error_class: type[EqlError],
    line: int,
    column: int,
    fragment: str,
) -> None:
    with pytest.raises(error_class) as caught:
        parse_query(text)
    error = caught.value
    assert (error.line, error.column) == (line, column), source
    assert fragment in error.message, source


def test_syntax_error_lists_expected_tokens() -> None:
    with pytest.raises(EqlSyntaxError) as caught:
        parse_query("process where x in (1, 2")
    assert caught.value.expected == ('")"', '","')


def test_syntax_error_expected_after_maxspan() -> None:
    with pytest.raises(EqlSyntaxError) as caught:
        parse_query("sequence with maxspan")
    assert caught.value.expected == ('"="',)


def test_str_shows_position_and_message() -> None:
    with pytest.raises(EqlSyntaxError) as caught:
        parse_query("process where\n  x = 1")
    assert str(caught.value).startswith('2:5: unexpected "="')


def test_syntax_error_wins_over_semantic_error() -> None:
    """Elasticsearch builds the tree only after the whole text parses."""
    with pytest.raises(EqlSyntaxError):
        parse_query("process where 'a' == x and )")


def test_first_semantic_error_in_text_wins() -> None:
    with pytest.raises(EqlSemanticError) as caught:
        parse_query("process where foo(x) and 'a' == y")
    assert caught.value.column == 15


def test_expression_rejects_statement_keywords() -> None:
    with pytest.raises(EqlSyntaxError):
        parse_expression("process where true")


def test_expression_rejects_empty_text() -> None:
    with pytest.raises(EqlSyntaxError) as caught:
        parse_expression("   ")
    assert "empty expression" in caught.value.message


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_query(b"process where true")  # type: ignore[arg-type]


def test_deep_nesting_is_rejected_or_parsed() -> None:
    """Deep nesting must not escape as RecursionError."""
    text = "process where " + "(" * 20000 + "x" + ")" * 20000
    try:
        query = parse_query(text)
    except EqlError as error:
        assert error.line == 1
    else:
        assert query.body.filter.condition.name == "x"
