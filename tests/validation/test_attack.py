from conftest import codes, make_rule
from dac.validation import attack


def check(rule, context):
    return list(attack.check(rule, context))


def test_valid_mapping_passes(context):
    assert check(make_rule(), context) == []


def test_unknown_tactic(context):
    (diagnostic,) = check(make_rule(('id = "TA0002"', 'id = "TA9999"')), context)
    assert diagnostic.code == "DAC301"
    assert diagnostic.line == 38


def test_tactic_name_mismatch(context):
    rule = make_rule(('name = "Execution"', 'name = "Executions"'))
    (diagnostic,) = check(rule, context)
    assert diagnostic.code == "DAC302"
    assert "set name = 'Execution'" in diagnostic.message


def test_unknown_technique(context):
    (diagnostic,) = check(make_rule(('id = "T1059"', 'id = "T9999"')), context)
    assert diagnostic.code == "DAC303"
    assert diagnostic.line == 28


def test_subtechnique_as_technique(context):
    rule = make_rule(('id = "T1059"', 'id = "T1059.001"'))
    diagnostics = check(rule, context)
    assert codes(diagnostics) == ["DAC303"]
    assert "sub-technique" in diagnostics[0].message


def test_technique_name_mismatch(context):
    rule = make_rule(('name = "Command and Scripting Interpreter"', 'name = "Shell"'))
    (diagnostic,) = check(rule, context)
    assert diagnostic.code == "DAC304"
    assert diagnostic.line == 29


def test_technique_under_wrong_tactic(context):
    rule = make_rule(
        ('id = "TA0002"', 'id = "TA0005"'),
        ('name = "Execution"', 'name = "Defense Evasion"'),
    )
    (diagnostic,) = check(rule, context)
    assert diagnostic.code == "DAC305"
    assert "its tactics: TA0002" in diagnostic.message


def test_unknown_subtechnique(context):
    (diagnostic,) = check(make_rule(('id = "T1059.003"', 'id = "T1059.999"')), context)
    assert diagnostic.code == "DAC306"


def test_subtechnique_name_mismatch(context):
    rule = make_rule(('name = "Windows Command Shell"', 'name = "cmd"'))
    (diagnostic,) = check(rule, context)
    assert diagnostic.code == "DAC307"
    assert "'Windows Command Shell'" in diagnostic.message


def test_subtechnique_under_other_technique(context):
    rule = make_rule(
        ('id = "T1059.003"', 'id = "T1218.011"'),
        ('name = "Windows Command Shell"', 'name = "Rundll32"'),
    )
    (diagnostic,) = check(rule, context)
    assert diagnostic.code == "DAC308"
    assert "move it under T1218" in diagnostic.message


def test_revoked_technique_warns(context):
    rule = make_rule(
        ('id = "T1059.003"', 'id = "T1547.011"'),
        ('name = "Windows Command Shell"', 'name = "Plist Modification"'),
        ('id = "T1059"', 'id = "T1547"'),
        (
            'name = "Command and Scripting Interpreter"',
            'name = "Boot or Logon Autostart Execution"',
        ),
        ('id = "TA0002"', 'id = "TA0003"'),
        ('name = "Execution"', 'name = "Persistence"'),
    )
    diagnostics = check(rule, context)
    assert codes(diagnostics) == ["DAC310"]
    assert diagnostics[0].severity == "warning"


def test_atlas_entries_skipped(context):
    rule = make_rule(
        ('framework = "MITRE ATT&CK"', 'framework = "MITRE ATLAS"'),
        ('id = "TA0002"', 'id = "AML.TA0002"'),
    )
    assert check(rule, context) == []
