import pytest
from conftest import QUERY_FIRST_LINE, codes, make_rule
from dac.validation import query


def fields(rule, context):
    return list(query.check_fields(rule, context))


def test_valid_query_passes(context):
    rule = make_rule()
    assert list(query.check_syntax(rule, context)) == []
    assert fields(rule, context) == []


def test_syntax_error_maps_to_file(context):
    rule = make_rule(
        query='process where host.os.type == "windows" and\n  process.name ='
    )
    (diagnostic,) = query.check_syntax(rule, context)
    assert diagnostic.code == "DAC400"
    assert diagnostic.line == QUERY_FIRST_LINE + 1
    assert diagnostic.column > 3


def test_single_line_query_column(context):
    rule = make_rule(
        ("query = '''\n", "query = \"process where process.name = 1\"\nx = '''\n"),
    )
    rule.data["rule"].pop("x")
    (diagnostic,) = query.check_syntax(rule, context)
    assert diagnostic.line == QUERY_FIRST_LINE - 1
    # The query starts after 'query = "', 9 characters in.
    assert diagnostic.column > 9


def test_rejected_construct_is_dac401(context):
    rule = make_rule(query="process where process.name == 'cmd.exe'")
    (diagnostic,) = query.check_syntax(rule, context)
    assert diagnostic.code == "DAC401"


def test_unknown_field_suggests_name(context):
    rule = make_rule(
        query='process where host.os.type == "windows" and\n  process.nam : "x"'
    )
    (diagnostic,) = fields(rule, context)
    assert diagnostic.code == "DAC402"
    assert (diagnostic.line, diagnostic.column) == (QUERY_FIRST_LINE + 1, 3)
    assert "did you mean 'process.name'" in diagnostic.message


def test_optional_field_allowed(context):
    rule = make_rule(query='process where ?process.not_a_field == "x"')
    assert fields(rule, context) == []


def test_integration_without_schema_downgrades(context):
    rule = make_rule(
        (
            'maturity = "production"',
            'integration = ["problemchild"]\nmaturity = "production"',
        ),
        query="process where problemchild.prediction == 1",
    )
    assert codes(fields(rule, context)) == ["DAC406"]


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ('process.pid == "4"', "DAC404"),
        ("process.name == 4", "DAC404"),
        ("process.name in (1, 2)", "DAC404"),
        ('process.pid : "4*"', "DAC403"),
        ('process.pid like "4*"', "DAC403"),
        ('cidrMatch(process.name, "10.0.0.0/8")', "DAC403"),
        ("process.name + 1 == 2", "DAC403"),
        ('startsWith(process.pid, "1")', "DAC403"),
        ("length(process.args_count) > 1", "DAC403"),
    ],
)
def test_type_mismatch(context, condition, code):
    rule = make_rule(query=f"process where {condition}")
    assert codes(fields(rule, context)) == [code]


@pytest.mark.parametrize(
    "condition",
    [
        "process.pid == 4",
        "process.pid > 4.5",
        "process.args_count + 1 > 2",
        'process.name : "cmd*"',
        'process.command_line like~ "*x*"',
        'startsWith~(process.name, "cmd")',
        "length(process.name) > 3",
        "process.name != null",
        "process.parent.pid == process.pid",
        '@timestamp > "2026-01-01"',
    ],
)
def test_accepted_types(context, condition):
    rule = make_rule(query=f"process where {condition}")
    assert fields(rule, context) == []


def test_object_field_rejected(context):
    rule = make_rule(query='process where process.parent == "x"')
    assert "DAC403" in codes(fields(rule, context))


def test_category_outside_indexes_warns(context):
    rule = make_rule(query="network where process.pid == 443")
    diagnostics = fields(rule, context)
    assert codes(diagnostics) == ["DAC405"]
    assert diagnostics[0].severity == "warning"


def test_unknown_index_pattern_warns(context):
    rule = make_rule(
        ('index = ["logs-endpoint.events.process-*"]', 'index = ["my-own-*"]')
    )
    diagnostics = fields(rule, context)
    assert codes(diagnostics) == ["DAC410"]
    assert diagnostics[0].line == 9


def test_kuery_gets_unsupported_warning(context):
    rule = make_rule(
        ('type = "eql"', 'type = "query"'),
        ('language = "eql"', 'language = "kuery"'),
        query='process.name : "cmd.exe"',
    )
    (diagnostic,) = query.check_language(rule, context)
    assert diagnostic.code == "DAC411"
    assert diagnostic.severity == "warning"
    assert list(query.check_syntax(rule, context)) == []
