from conftest import codes, make_rule
from dac.validation import uniqueness


def test_unique_rules_pass():
    first = make_rule()
    second = make_rule(
        (
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        ),
        ('name = "Test Rule"', 'name = "Other Rule"'),
    )
    assert list(uniqueness.check_unique_rule_ids([first, second])) == []
    assert list(uniqueness.check_unique_names([first, second])) == []


def test_duplicate_rule_id_names_both_files():
    first = make_rule()
    second = make_rule(('name = "Test Rule"', 'name = "Other Rule"'))
    second.path = second.path.with_name("other.toml")
    diagnostics = list(uniqueness.check_unique_rule_ids([first, second]))
    assert codes(diagnostics) == ["DAC220", "DAC220"]
    assert "other.toml:14" in diagnostics[0].message
    assert "rule.toml:14" in diagnostics[1].message


def test_duplicate_name():
    first = make_rule()
    second = make_rule(
        ("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
    )
    diagnostics = list(uniqueness.check_unique_names([first, second]))
    assert codes(diagnostics) == ["DAC221", "DAC221"]
    assert diagnostics[0].line == 12


def test_deprecated_rule_may_keep_name():
    active = make_rule()
    deprecated = make_rule(
        (
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        ),
        ('maturity = "production"', 'maturity = "deprecated"'),
    )
    assert list(uniqueness.check_unique_names([active, deprecated])) == []
