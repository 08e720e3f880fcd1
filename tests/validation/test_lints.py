from conftest import codes, make_rule
from dac.validation import lints


def test_case_sensitive_equals_warns(context):
    rule = make_rule(
        query='process where host.os.type == "windows" and\n  process.name == "cmd.exe"'
    )
    diagnostics = list(lints.check_case_sensitive(rule, context))
    assert codes(diagnostics) == ["DAC501"]
    assert "use ':'" in diagnostics[0].message


def test_case_sensitive_in_suggests_in_tilde(context):
    rule = make_rule(query='process where process.parent.name in ("a.exe", "b.exe")')
    (diagnostic,) = lints.check_case_sensitive(rule, context)
    assert "'in~'" in diagnostic.message


def test_case_insensitive_forms_pass(context):
    query = 'process where process.name : "a" and process.parent.name in~ ("b")'
    rule = make_rule(query=query)
    assert list(lints.check_case_sensitive(rule, context)) == []


def test_case_lint_only_for_windows(context):
    rule = make_rule(
        ('tags = ["OS: Windows"]', 'tags = ["OS: Linux"]'),
        query='process where process.name == "bash"',
    )
    assert list(lints.check_case_sensitive(rule, context)) == []


def test_windows_guard_missing(context):
    rule = make_rule(query='process where process.name : "cmd.exe"')
    (diagnostic,) = lints.check_windows_guard(rule, context)
    assert diagnostic.code == "DAC502"


def test_windows_guard_present(context):
    assert list(lints.check_windows_guard(make_rule(), context)) == []
    rule = make_rule(query='process where host.os.type : "Windows"')
    assert list(lints.check_windows_guard(rule, context)) == []


def test_windows_by_index_pattern(context):
    rule = make_rule(
        ('tags = ["OS: Windows"]', "tags = []"),
        ('index = ["logs-endpoint.events.process-*"]', 'index = ["winlogbeat-*"]'),
        query='process where process.name : "cmd.exe"',
    )
    assert codes(lints.check_windows_guard(rule, context)) == ["DAC502"]


def test_sequence_without_maxspan(context):
    query = (
        "sequence by process.entity_id\n  [process where true]\n  [process where true]"
    )
    rule = make_rule(query=query)
    (diagnostic,) = lints.check_maxspan(rule, context)
    assert diagnostic.code == "DAC503"
    with_maxspan = query.replace("entity_id\n", "entity_id with maxspan=1m\n")
    assert list(lints.check_maxspan(make_rule(query=with_maxspan), context)) == []


def test_leading_wildcard_on_keyword(context):
    rule = make_rule(query='process where process.name : "*cmd.exe"')
    (diagnostic,) = lints.check_leading_wildcard(rule, context)
    assert diagnostic.code == "DAC504"


def test_leading_wildcard_on_wildcard_field_passes(context):
    rule = make_rule(query='process where process.command_line : "*cmd.exe*"')
    assert list(lints.check_leading_wildcard(rule, context)) == []


def test_not_equals_suggests_negated_colon(context):
    rule = make_rule(query='process where process.name != "cmd.exe"')
    (diagnostic,) = lints.check_case_sensitive(rule, context)
    assert "'not process.name : ...'" in diagnostic.message
