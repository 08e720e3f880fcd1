"""Helpers to build rules from TOML text for the validation tests."""

from __future__ import annotations

import pytest
from dac.rules import Rule, parse_rule
from dac.validation import ValidationContext

VALID_RULE = """\
[metadata]
creation_date = "2026/12/01"
maturity = "production"
updated_date = "2026/12/01"

[rule]
author = ["dac tests"]
description = "Test rule."
index = ["logs-endpoint.events.process-*"]
language = "eql"
license = "Apache-2.0"
name = "Test Rule"
risk_score = 21
rule_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
severity = "low"
tags = ["OS: Windows"]
type = "eql"

query = '''
process where host.os.type == "windows" and
  process.name : "cmd.exe"
'''

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "T1059"
name = "Command and Scripting Interpreter"
reference = "https://attack.mitre.org/techniques/T1059/"

[[rule.threat.technique.subtechnique]]
id = "T1059.003"
name = "Windows Command Shell"
reference = "https://attack.mitre.org/techniques/T1059/003/"

[rule.threat.tactic]
id = "TA0002"
name = "Execution"
reference = "https://attack.mitre.org/tactics/TA0002/"
"""

# Line numbers in VALID_RULE, for assertions.
QUERY_FIRST_LINE = 20


def make_rule(*replacements: tuple[str, str], query: str | None = None) -> Rule:
    """Build a rule from VALID_RULE after applying text replacements."""
    text = VALID_RULE
    if query is not None:
        start = text.index("query = '''\n") + len("query = '''\n")
        end = text.index("'''", start)
        text = text[:start] + query + "\n" + text[end:]
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_rule(text, "rule.toml")


def codes(diagnostics) -> list[str]:
    """Return the codes of ``diagnostics`` in order."""
    return [d.code for d in diagnostics]


@pytest.fixture
def context() -> ValidationContext:
    return ValidationContext()
