"""Validation check: every rule carries an alerting case and a near miss."""

from __future__ import annotations

from dac.rules import load_rule
from dac.validation import cases
from dac.validation.context import ValidationContext

from .rulefiles import write_rule

BOTH = """
cases:
  - {name: hit, events: [{process.name: cmd.exe}], expect: {alert: true}}
  - {name: miss, events: [{process.name: a.exe}], expect: {alert: false}}
"""


def codes(folder, case_text):
    rule = load_rule(write_rule(folder, cases=case_text))
    return [
        (d.code, d.severity, d.message) for d in cases.check(rule, ValidationContext())
    ]


def test_rule_with_both_kinds_is_clean(rule_folder):
    assert codes(rule_folder, BOTH) == []


def test_missing_file(rule_folder):
    ((code, severity, message),) = codes(rule_folder, None)
    assert code == "DAC601"
    assert severity == "error"
    assert "rule.tests.yaml" in message


def test_malformed_file(rule_folder):
    ((code, _, message),) = codes(rule_folder, "cases: {}\n")
    assert code == "DAC602"
    assert "cases" in message


def test_unknown_field_in_event(rule_folder):
    text = BOTH.replace("process.name: a.exe", "process.nmae: a.exe")
    ((code, _, message),) = codes(rule_folder, text)
    assert code == "DAC602"
    assert "case 'miss'" in message
    assert "did you mean 'process.name'?" in message


def test_no_alerting_case(rule_folder):
    text = "cases:\n  - {name: miss, events: [{}], expect: {alert: false}}\n"
    ((code, _, message),) = codes(rule_folder, text)
    assert code == "DAC603"
    assert "no case expects an alert" in message


def test_no_near_miss(rule_folder):
    text = "cases:\n  - {name: hit, events: [{}], expect: {alert: true}}\n"
    ((code, _, message),) = codes(rule_folder, text)
    assert code == "DAC604"
    assert "near-miss" in message


def test_check_is_registered():
    from dac.validation import CHECKS

    assert cases.check in CHECKS
