from dac.rules import parse_rule

RULE = """[metadata]
creation_date = "2024/01/01"
maturity = "production"

[rule]
rule_id = "x"
name = "n"
index = [
  "a-*",
  "b-*",
]
query = \'\'\'
process where true
\'\'\'

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "T1059"

[rule.threat.tactic]
id = "TA0002"

[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "TA0005"
"""


def test_key_lines_follow_tables():
    rule = parse_rule(RULE, "r.toml")
    assert rule.line_of("metadata", "maturity") == 3
    assert rule.line_of("rule", "index") == 8
    assert rule.line_of("rule", "query") == 12
    assert rule.query_line() == 13
    assert rule.line_of("rule", "threat", 0, "technique", 0, "id") == 20
    assert rule.line_of("rule", "threat", 0, "tactic", "id") == 23
    assert rule.line_of("rule", "threat", 1, "tactic", "id") == 28
    assert rule.line_of("rule", "threat", 1, "framework") == 26


def test_unknown_key_falls_back_to_table():
    rule = parse_rule(RULE, "r.toml")
    assert rule.line_of("rule", "nope") == 5
