from conftest import codes, make_rule
from dac.validation import metadata


def schema(rule, context):
    return list(metadata.check_schema(rule, context))


def test_valid_rule_passes_schema(context):
    assert schema(make_rule(), context) == []


def test_missing_key_names_table(context):
    rule = make_rule(('name = "Test Rule"\n', ""))
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC201"
    assert diagnostic.line == 6
    assert "[rule] is missing required key 'name'" in diagnostic.message


def test_unknown_key_suggests_spelling(context):
    rule = make_rule(('license = "Apache-2.0"', 'licence = "Apache-2.0"'))
    diagnostics = schema(rule, context)
    assert codes(diagnostics) == ["DAC202"]
    assert diagnostics[0].line == 11
    assert "rename it to 'license'" in diagnostics[0].message


def test_unknown_top_level_table(context):
    rule = make_rule(("[metadata]", "[extra]\nx = 1\n\n[metadata]"))
    diagnostics = schema(rule, context)
    assert codes(diagnostics) == ["DAC202"]
    assert diagnostics[0].line == 1


def test_wrong_type(context):
    rule = make_rule(("risk_score = 21", "risk_score = 21.5"))
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC203"
    assert "must be an integer, not a float" in diagnostic.message


def test_tags_must_be_strings(context):
    rule = make_rule(('tags = ["OS: Windows"]', "tags = [1]"))
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC203"
    assert "'rule.tags[0]'" in diagnostic.message


def test_enum_lists_choices(context):
    rule = make_rule(('maturity = "production"', 'maturity = "prod"'))
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC204"
    assert diagnostic.line == 3
    assert "development, experimental, beta, production, deprecated" in (
        diagnostic.message
    )


def test_uppercase_uuid_rejected(context):
    rule = make_rule(
        ("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")
    )
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC205"
    assert "lowercase UUID" in diagnostic.message


def test_date_format(context):
    rule = make_rule(('updated_date = "2026/12/01"', 'updated_date = "12/01/2026"'))
    (diagnostic,) = schema(rule, context)
    assert diagnostic.code == "DAC205"
    assert diagnostic.line == 4


def test_reference_without_trailing_slash_accepted(context):
    rule = make_rule(("tactics/TA0002/", "tactics/TA0002"))
    assert schema(rule, context) == []


def test_eql_rule_rejects_threshold_key(context):
    rule = make_rule(
        ('type = "eql"', 'type = "eql"\nthreshold = {field = [], value = 1}')
    )
    diagnostics = schema(rule, context)
    assert codes(diagnostics) == ["DAC207"]
    assert "'rule.threshold' is not allowed for rule type 'eql'" in (
        diagnostics[0].message
    )


def test_machine_learning_needs_job(context):
    rule = make_rule(
        ('type = "eql"', 'type = "machine_learning"\nanomaly_threshold = 50'),
        ('language = "eql"\n', ""),
        ('index = ["logs-endpoint.events.process-*"]\n', ""),
    )
    # A machine learning rule has no query; drop the one VALID_RULE carries.
    del rule.data["rule"]["query"]
    diagnostics = schema(rule, context)
    assert codes(diagnostics) == ["DAC201"]
    assert "machine_learning_job_id" in diagnostics[0].message


def test_new_terms_limits_fields(context):
    rule = make_rule(
        ('type = "eql"', 'type = "new_terms"'),
        ('language = "eql"', 'language = "kuery"'),
    )
    rule.data["rule"]["new_terms"] = {
        "field": "new_terms_fields",
        "value": ["a", "b", "c", "d"],
        "history_window_start": [{"field": "history_window_start", "value": "now-7d"}],
    }
    diagnostics = schema(rule, context)
    assert codes(diagnostics) == ["DAC206"]
    assert "at most 3 item(s)" in diagnostics[0].message


def test_risk_band_accepts_edges(context):
    for severity, score in (
        ("low", 21),
        ("medium", 22),
        ("high", 73),
        ("critical", 74),
    ):
        rule = make_rule(
            ('severity = "low"', f'severity = "{severity}"'),
            ("risk_score = 21", f"risk_score = {score}"),
        )
        assert list(metadata.check_risk_band(rule, context)) == []


def test_risk_band_mismatch(context):
    rule = make_rule(("risk_score = 21", "risk_score = 22"))
    (diagnostic,) = metadata.check_risk_band(rule, context)
    assert diagnostic.code == "DAC210"
    assert diagnostic.line == 13
    assert "severity to 'medium'" in diagnostic.message


def test_index_and_data_view(context):
    rule = make_rule(('type = "eql"', 'type = "eql"\ndata_view_id = "security"'))
    (diagnostic,) = metadata.check_index_source(rule, context)
    assert diagnostic.code == "DAC211"


def test_updated_before_created_warns(context):
    rule = make_rule(('updated_date = "2026/12/01"', 'updated_date = "2025/01/01"'))
    (diagnostic,) = metadata.check_dates(rule, context)
    assert diagnostic.code == "DAC212"
    assert diagnostic.severity == "warning"
    assert list(metadata.check_dates(make_rule(), context)) == []
