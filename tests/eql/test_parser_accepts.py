"""Queries Elasticsearch accepts, with the syntax tree each must produce.

Each case names the source of the fact that Elasticsearch accepts the query:
a rule of its ANTLR grammar (x-pack/plugin/eql/src/main/antlr/EqlBase.g4), its
EQL syntax or function reference, or its parser tests and resources under
x-pack/plugin/eql/src/test.
"""

from __future__ import annotations

import pytest
from dac.eql import ast, fields, parse_expression, parse_query, walk
from eql_tree_helpers import (
    NULL,
    TRUE,
    boolean,
    double,
    eq,
    event,
    event_query,
    field,
    integer,
    long,
    string,
)

# (source, expression text, expected tree)
EXPRESSIONS = [
    # ---- literals
    ("EqlBase.g4 rule constant: null", "null", NULL),
    ("EqlBase.g4 rule booleanValue", "true", TRUE),
    ("EqlBase.g4 rule booleanValue", "false", boolean(False)),
    ("ExpressionBuilder integer literal fits 32 bits", "5", integer(5)),
    ("ExpressionTests.testNumbers: 8589934592 is long", "8589934592", long(8589934592)),
    ("ExpressionBuilder: past 64 bits becomes double", "99999999999999999999",
     double(1e20)),
    ("EqlBase.g4 INTEGER_VALUE: leading zeros", "0" * 5000 + "7", integer(7)),
    ("EqlBase.g4 DECIMAL_VALUE DIGIT+ DOT DIGIT*", "5.2", double(5.2)),
    ("EqlBase.g4 DECIMAL_VALUE DIGIT+ DOT", "5.", double(5.0)),
    ("EqlBase.g4 DECIMAL_VALUE DOT DIGIT+", ".5", double(0.5)),
    ("ExpressionTests.testNumbers: 5e14 is double", "5e14", double(5e14)),
    ("EqlBase.g4 EXPONENT with sign", "1.5E-3", double(1.5e-3)),
    ("ExpressionTests.testNumbers: -5.2 is Neg(5.2)", "-5.2", ast.Negate(double(5.2))),
    ("EqlBase.g4 arithmeticUnary: unary plus is dropped", "+5", integer(5)),
    # ---- strings
    ("EQL syntax: strings", '"hello world"', string("hello world")),
    ("EQL syntax: escape table", r'"a\nb\tc\rd\"e\\f"', string('a\nb\tc\rd"e\\f')),
    ("AbstractBuilder.unquoteString: \\b \\f \\'", r'"\b\f\'"', string("\b\f'")),
    ("EQL syntax: unicode escape", r'"\u{200f}"', string("\u200f")),
    ("ExpressionTests: \\u{01f4a9}", r'"\u{01f4a9}"', string("\U0001f4a9")),
    ("ExpressionTests: \\u{00000000}", r'"\u{00000000}"', string("\x00")),
    ("ExpressionTests: escaped backslash before u", r'"foo\\u123foo"',
     string("foo\\u123foo")),
    ("EQL syntax: raw strings", '"""C:\\Windows\\"quote"""',
     string('C:\\Windows\\"quote', raw=True)),
    ("ExpressionTests.testStrings: raw with extra quotes", '"""""hello""world!""""',
     string('""hello""world!"', raw=True)),
    ("ExpressionTests.testStrings: empty raw", '""""""', string("", raw=True)),
    ("EqlBase.g4 STRING: empty string", '""', string("")),
    # ---- fields
    ("EqlBase.g4 rule qualifiedName", "process.parent.name",
     field("process.parent.name")),
    ("EqlBase.g4 IDENTIFIER: @ may start a name", "@timestamp", field("@timestamp")),
    ("queries-supported.eql: _leadingUnderscore", "_x1", field("_x1")),
    ("EQL syntax: escape a field name", "`my-field`", ast.Field(("my-field",))),
    ("ExpressionTests.testBackQuotedIdentifier", "`table`.`@timestamp`",
     ast.Field(("table", "@timestamp"))),
    ("EQL syntax: double backticks escape a backtick", "`my``field`",
     ast.Field(("my`field",))),
    ("queries-supported.eql: dots inside backquotes", "`a.b`.c",
     ast.Field(("a.b", "c"))),
    ("EQL syntax: optional fields", "?user.id", field("user.id", optional=True)),
    ("VerifierTests: ?`?foo`", "?`?foo`", ast.Field(("?foo",), optional=True)),
    ("EqlBase.g4: keywords are case-sensitive, AND is a name", "AND", field("AND")),
    # ---- boolean logic and precedence
    ("EqlBase.g4 booleanExpression: and binds tighter than or", "a or b and c",
     ast.Or(field("a"), ast.And(field("b"), field("c")))),
    ("EqlBase.g4 booleanExpression: or is left-associative", "a or b or c",
     ast.Or(ast.Or(field("a"), field("b")), field("c"))),
    ("EqlBase.g4 logicalNot binds tighter than and", "not a and b",
     ast.And(ast.Not(field("a")), field("b"))),
    ("queries-supported.eql: not not not not x < y", "not not x < y",
     ast.Not(ast.Not(ast.Comparison("<", field("x"), field("y"))))),
    ("EqlBase.g4 parenthesizedExpression", "(a or b) and c",
     ast.And(ast.Or(field("a"), field("b")), field("c"))),
    # ---- comparisons
    ("EQL syntax: comparison operators", "a != 1",
     ast.Comparison("!=", field("a"), integer(1))),
    ("EQL syntax: comparison operators", "a <= 1",
     ast.Comparison("<=", field("a"), integer(1))),
    ("EQL syntax: comparison operators", "a >= 1",
     ast.Comparison(">=", field("a"), integer(1))),
    ("EQL syntax: comparison operators", "a > 1",
     ast.Comparison(">", field("a"), integer(1))),
    ("VerifierTests: -1 < exit_code", "-1 < exit_code",
     ast.Comparison("<", ast.Negate(integer(1)), field("exit_code"))),
    ("EQL syntax: check if a field exists", "?my_field != null",
     ast.Comparison("!=", field("my_field", optional=True), NULL)),
    # ---- arithmetic
    ("EqlBase.g4 arithmeticBinary: * before +", "1 + 2 * 3",
     ast.Arithmetic("+", integer(1),
                    ast.Arithmetic("*", integer(2), integer(3)))),
    ("EqlBase.g4 arithmeticBinary: left-associative", "8 - 4 - 2",
     ast.Arithmetic("-", ast.Arithmetic("-", integer(8), integer(4)), integer(2))),
    ("EqlBase.g4 arithmeticUnary binds tighter than *", "-a * b",
     ast.Arithmetic("*", ast.Negate(field("a")), field("b"))),
    ("queries-supported.eql: 1 - -2", "1 - -2",
     ast.Arithmetic("-", integer(1), ast.Negate(integer(2)))),
    ("ExpressionTests.testComplexComparison", "1 * -2 <= -3 * 4",
     ast.Comparison("<=",
                    ast.Arithmetic("*", integer(1), ast.Negate(integer(2))),
                    ast.Arithmetic("*", ast.Negate(integer(3)), integer(4)))),
    ("EQL syntax: math operators", "a % 40 == 2",
     eq(ast.Arithmetic("%", field("a"), integer(40)), integer(2))),
    ("EQL syntax: math operators", "a / 2.0",
     ast.Arithmetic("/", field("a"), double(2.0))),
    # ---- lookups and pattern operators
    ("EQL syntax: in", 'a in ("x", "y")',
     ast.In(field("a"), (string("x"), string("y")))),
    ("EQL syntax: in~", 'a in~ ("x")',
     ast.In(field("a"), (string("x"),), case_insensitive=True)),
    ("EQL syntax: not in", "a not in (1, 2)",
     ast.In(field("a"), (integer(1), integer(2)), negated=True)),
    ("EQL syntax: not in~", 'a not in~ ("x")',
     ast.In(field("a"), (string("x"),), case_insensitive=True, negated=True)),
    ("queries-supported.eql: in with a field", 'a in (b, "SYSTEM")',
     ast.In(field("a"), (field("b"), string("SYSTEM")))),
    ("EQL syntax: : is case-insensitive", 'a : "doc*"',
     ast.Match(":", field("a"), (string("doc*"),), case_insensitive=True)),
    ("EQL syntax: : with a list", 'a : ("x*", "y")',
     ast.Match(":", field("a"), (string("x*"), string("y")),
               case_insensitive=True)),
    ("queries-supported.eql: pid : 4", "pid : 4",
     ast.Match(":", field("pid"), (integer(4),), case_insensitive=True)),
    ("EQL syntax: like", 'a like "VALUE*"',
     ast.Match("like", field("a"), (string("VALUE*"),))),
    ("EQL syntax: like~", 'a like~ ("v*", "w?")',
     ast.Match("like", field("a"), (string("v*"), string("w?")),
               case_insensitive=True)),
    ("EQL syntax: regex", 'a regex "VALUE[^Z].?"',
     ast.Match("regex", field("a"), (string("VALUE[^Z].?"),))),
    ("EQL syntax: regex~", 'a regex~ "v.*"',
     ast.Match("regex", field("a"), (string("v.*"),), case_insensitive=True)),
    ("EqlBase.g4 predicate binds to the primary: 1 + (x in (2))", "1 + x in (2)",
     ast.Arithmetic("+", integer(1), ast.In(field("x"), (integer(2),)))),
    # ---- functions
    ("ExpressionTests.testFunctions", 'concat(some.field, "test string")',
     ast.FunctionCall("concat", (field("some.field"), string("test string")))),
    ("EQL function reference: startsWith~", 'startsWith~(a, "x")',
     ast.FunctionCall("startsWith", (field("a"), string("x")),
                      case_insensitive=True)),
    ("EqlFunctionRegistry lower-cases names: endswith~", 'endswith~(a, "x")',
     ast.FunctionCall("endsWith", (field("a"), string("x")),
                      case_insensitive=True)),
    ("EQL function reference: between~ with greedy", 'between~(a, "x", "y", true)',
     ast.FunctionCall("between", (field("a"), string("x"), string("y"), TRUE),
                      case_insensitive=True)),
    ("EQL function reference: cidrMatch takes many blocks",
     'cidrMatch(ip, "10.0.0.0/8", "192.168.0.0/16")',
     ast.FunctionCall("cidrMatch", (field("ip"), string("10.0.0.0/8"),
                                    string("192.168.0.0/16")))),
    ("EQL function reference: indexOf~ with start", 'indexOf~(a, "d", 2)',
     ast.FunctionCall("indexOf", (field("a"), string("d"), integer(2)),
                      case_insensitive=True)),
    ("EQL function reference: stringContains~", 'stringContains~(a, "x")',
     ast.FunctionCall("stringContains", (field("a"), string("x")),
                      case_insensitive=True)),
    ("EQL function reference: number with base", 'number("ff", 16)',
     ast.FunctionCall("number", (string("ff"), integer(16)))),
    ("EQL function reference: substring", "substring(a, -4, -1)",
     ast.FunctionCall("substring", (field("a"), ast.Negate(integer(4)),
                                    ast.Negate(integer(1))))),
    ("queries-supported.eql: 3 * -length(file_path)", "3 * -length(file_path)",
     ast.Arithmetic("*", integer(3),
                    ast.Negate(ast.FunctionCall("length",
                                                (field("file_path"),))))),
    ("EQL function reference: math functions",
     "add(modulo(a, 2), divide(multiply(b, 3), subtract(c, 1)))",
     ast.FunctionCall("add", (
         ast.FunctionCall("modulo", (field("a"), integer(2))),
         ast.FunctionCall("divide", (
             ast.FunctionCall("multiply", (field("b"), integer(3))),
             ast.FunctionCall("subtract", (field("c"), integer(1))))),
     ))),
    ("EQL function reference: string", "string(42)",
     ast.FunctionCall("string", (integer(42),))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    EXPRESSIONS,
    ids=[f"{index}-{case[1][:30]}" for index, case in enumerate(EXPRESSIONS)],
)
def test_expression_tree(source: str, text: str, expected: ast.Expr) -> None:
    assert parse_expression(text) == expected, source


# (source, query text, expected tree)
QUERIES = [
    ("EQL syntax: basic syntax", 'process where process.name == "svchost.exe"',
     event_query("process", eq(field("process.name"), string("svchost.exe")))),
    ("EQL syntax: match any event category", "any where true",
     event_query(None)),
    ("EQL syntax: escape an event category", '"my-event-category" where true',
     event_query("my-event-category")),
    ("EQL syntax: raw event category", '""".my.category""" where true',
     event_query(".my.category")),
    ("queries-supported.eql: escaped quote in category", r'"a\"b" where true',
     event_query('a"b')),
    ("EqlBase.g4: whitespace and newlines between tokens",
     "process\n  where\tx == 1",
     event_query("process", eq(field("x"), integer(1)))),
    ("EqlBase.g4 LINE_COMMENT", "process where true // trailing comment",
     event_query("process")),
    ("EqlBase.g4 BRACKETED_COMMENT", "process /* c */ where /* d */ true",
     event_query("process")),
    ("EqlBase.g4 BRACKETED_COMMENT nests", "process where /* a /* b */ c */ true",
     event_query("process")),
    ("EQL syntax: pipes", "process where true | tail 10",
     event_query("process", TRUE, ast.Pipe("tail", 10))),
    ("queries-supported.eql: head then tail", "file where true | head 4 | tail 2",
     event_query("file", TRUE, ast.Pipe("head", 4), ast.Pipe("tail", 2))),
    ("LogicalPlanBuilder folds the pipe argument", "file where true | head 2 * 5",
     event_query("file", TRUE, ast.Pipe("head", 10))),
    ("LogicalPlanBuilder: head 0 is allowed (only < 0 fails)",
     "file where true | head 0",
     event_query("file", TRUE, ast.Pipe("head", 0))),
    ("EQL syntax: sequences", "sequence [file where true] [process where true]",
     ast.Query(ast.Sequence((ast.SequenceTerm(event("file")),
                             ast.SequenceTerm(event("process")))))),
    ("EQL syntax: sequence by and maxspan",
     "sequence by user.name with maxspan=15m [file where true] [process where true]",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("file")), ast.SequenceTerm(event("process"))),
         join_keys=(field("user.name"),),
         maxspan=ast.TimeSpan(15, "m")))),
    ("EQL syntax: by keyword per step",
     "sequence [file where true] by a, b [process where true] by c, d",
     ast.Query(ast.Sequence((
         ast.SequenceTerm(event("file"), join_keys=(field("a"), field("b"))),
         ast.SequenceTerm(event("process"), join_keys=(field("c"), field("d"))),
     )))),
    ("EQL syntax: optional by fields",
     "sequence by process.pid, ?process.entity_id [a where true] [b where true]",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("a")), ast.SequenceTerm(event("b"))),
         join_keys=(field("process.pid"),
                    field("process.entity_id", optional=True))))),
    ("EQL syntax: until keyword",
     "sequence [a where true] [b where true] until [c where true]",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("a")), ast.SequenceTerm(event("b"))),
         until=ast.SequenceTerm(event("c"))))),
    ("queries-supported.eql: until with its own keys",
     "sequence by f [a where true] by x [b where true] by y until [c where true] by z",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("a"), join_keys=(field("x"),)),
          ast.SequenceTerm(event("b"), join_keys=(field("y"),))),
         join_keys=(field("f"),),
         until=ast.SequenceTerm(event("c"), join_keys=(field("z"),))))),
    ("EQL syntax: with runs statement",
     "sequence [a where true] [b where true] with runs=3 [c where true]",
     ast.Query(ast.Sequence((
         ast.SequenceTerm(event("a")),
         ast.SequenceTerm(event("b"), runs=3),
         ast.SequenceTerm(event("c")),
     )))),
    ("EQL syntax: with runs after by",
     "sequence [a where true] by x [b where true] by y with runs=100",
     ast.Query(ast.Sequence((
         ast.SequenceTerm(event("a"), join_keys=(field("x"),)),
         ast.SequenceTerm(event("b"), join_keys=(field("y"),), runs=100),
     )))),
    ("EQL syntax: runs counts toward the 2 steps",
     "sequence [a where true] with runs=2",
     ast.Query(ast.Sequence((ast.SequenceTerm(event("a"), runs=2),)))),
    ("EQL syntax: missing events",
     "sequence with maxspan=1h [a where true] ![b where true] [c where true]",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("a")),
          ast.SequenceTerm(event("b"), missing=True),
          ast.SequenceTerm(event("c"))),
         maxspan=ast.TimeSpan(1, "h")))),
    ("EQL syntax: missing event at the start",
     "sequence by host.name with maxspan=5s ![a where true] [b where true]",
     ast.Query(ast.Sequence(
         (ast.SequenceTerm(event("a"), missing=True), ast.SequenceTerm(event("b"))),
         join_keys=(field("host.name"),),
         maxspan=ast.TimeSpan(5, "s")))),
    ("EQL syntax: samples",
     "sample by host [file where true] [process where true]",
     ast.Query(ast.Sample(
         (ast.SampleTerm(event("file")), ast.SampleTerm(event("process"))),
         join_keys=(field("host"),)))),
    ("EqlBase.g4 rule sample: per-filter keys",
     "sample [a where true] by x [b where true] by y",
     ast.Query(ast.Sample((
         ast.SampleTerm(event("a"), join_keys=(field("x"),)),
         ast.SampleTerm(event("b"), join_keys=(field("y"),)),
     )))),
    ("queries-supported.eql: sequence with pipes",
     "sequence [a where true] by p [b where true] by p | head 4 | tail 2",
     ast.Query(
         ast.Sequence((ast.SequenceTerm(event("a"), join_keys=(field("p"),)),
                       ast.SequenceTerm(event("b"), join_keys=(field("p"),)))),
         (ast.Pipe("head", 4), ast.Pipe("tail", 2)))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    QUERIES,
    ids=[f"{index}" for index in range(len(QUERIES))],
)
def test_query_tree(source: str, text: str, expected: ast.Query) -> None:
    assert parse_query(text) == expected, source


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("500ms", 500),
        ("30s", 30_000),
        ("15m", 900_000),
        ("2h", 7_200_000),
        ("1d", 86_400_000),
        ("5 m", 300_000),
    ],
)
def test_maxspan_units(text: str, millis: int) -> None:
    """EQL syntax: maxspan takes a time value with unit ms, s, m, h or d."""
    query = parse_query(f"sequence with maxspan={text} [a where true] [b where true]")
    assert query.body.maxspan.millis == millis


# Queries Elasticsearch's parser tests accept (queries-supported.eql); the
# tree is checked elsewhere, these must simply parse.
SUPPORTED = [
    'process where process_name : "svchost.exe" and command_line != "* -k *"',
    'process where subtype.create and command_line like ("*.ost *", "*.pst *")',
    'process where command_line : "~!@#$%^&*();\'[]{}\\\\|<>?,./:\\"-= \' "',
    "process where\n\n pid :  4",
    "network where 1 * 2 + 3 * 4 + 10 / 2 : 2 + 12 + 5",
    "network where a * (b + c * d) + e / f == g + h + i",
    "process where a > 100000000000000000000000000000000",
    'registry where key_path : "*\\\\MACHINE\\\\SAM\\\\SAM\\\\*\\\\Account\\\\F"',
    'file where file_path:"*\\\\red_ttp\\\\winin*.*" and opcode not in (0,1,2)',
    'file where opcode:0 and indexOf(file_name, "plore") : 2 '
    'and not indexOf(file_name, ".pf")',
    'file where serial_event_id:88 and substring(file_name, -4, -1) : ".ex"',
    "process where multiply(6, serial_event_id) : 30 and divide(30, 4.0) : 7.5",
    'process where concat(serial_event_id, ":", process_name, opcode) : "5:w"',
    'file where serial_event_id : 82 and (true == (process_name in ("a", "b")))',
    'network where cidrMatch(source_address, "192.168.0.0/16", "10.6.48.157/8")',
    'something where `my-hyphenated-field.with.nested.dots` : "value"',
    "sequence by a,b,c,d [file where true] by f1,f2 [process where true] by f1,f2",
    "sequence [file where 1] by f1,f2 [process where 1] by f1,f2 "
    "until [process where 1] by f1,f2",
    'sequence by pid with maxspan=500ms [process where process_name : "*" ] '
    '[file where file_path : "*"]',
    "process where not (-1 < exit_code) | head 7",
    '"123" where process_name == "svchost.exe"',
]


@pytest.mark.parametrize("text", SUPPORTED)
def test_supported_queries_parse(text: str) -> None:
    assert isinstance(parse_query(text), ast.Query)


def test_positions_are_one_based() -> None:
    query = parse_query('process where\n  x == "a"')
    comparison = query.body.filter.condition
    assert (query.line, query.column) == (1, 1)
    assert (comparison.line, comparison.column) == (2, 3)
    assert (comparison.right.line, comparison.right.column) == (2, 8)


def test_position_after_backquoted_newline() -> None:
    query = parse_query("any where `a\nb` == 1 and c == 2")
    right = query.body.filter.condition.right
    assert right.left == field("c")
    assert (right.line, right.column) == (2, 13)


def test_walk_visits_every_node_in_order() -> None:
    query = parse_query(
        'sequence by h [a where x == 1] [b where startsWith(y, "z")] | head 1'
    )
    kinds = [type(node).__name__ for node in walk(query)]
    assert kinds[0] == "Query"
    assert kinds.count("SequenceTerm") == 2
    assert kinds.count("Pipe") == 1
    assert kinds.count("FunctionCall") == 1


def test_fields_in_source_order() -> None:
    query = parse_query(
        'sequence by h [a where x == 1 and ?w.v : "q"] by j '
        "[b where length(y) > 2] by k"
    )
    names = [item.name for item in fields(query)]
    assert names == ["h", "x", "w.v", "j", "y", "k"]


def test_walk_survives_deep_nesting() -> None:
    depth = 5000
    expression = parse_expression("(" * depth + "a" + ")" * depth + " and b")
    assert sum(1 for _ in walk(expression)) == 3
    chain = parse_expression(" or ".join(f"f{index}" for index in range(3000)))
    assert sum(1 for _ in fields(chain)) == 3000


def test_parser_reused_across_calls() -> None:
    first = parse_query("any where a == 1")
    second = parse_query("any where a == 1")
    assert first == second
    assert first is not second
