"""Metadata checks: the rule JSON Schema, then cross-field rules it cannot express."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

import jsonschema_rs
from jsonschema import Draft202012Validator

from dac.diagnostics import Diagnostic
from dac.rules import Rule
from dac.validation.context import ValidationContext
from dac.validation.schema_messages import to_diagnostics

# Risk score band of each severity, as detection-rules' own tests enforce them
# (tests/test_all_rules.py, TestRiskScoreMismatch, commit 14cf530f).
SEVERITY_BANDS = {
    "low": (0, 21),
    "medium": (22, 47),
    "high": (48, 73),
    "critical": (74, 100),
}


@cache
def _rule_schema() -> dict:
    text = resources.files("dac.validation").joinpath("data/rule.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def rule_validator() -> Draft202012Validator:
    """Return the validator that explains errors (paths, schema keywords)."""
    return Draft202012Validator(_rule_schema())


@cache
def _fast_validator() -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(_rule_schema())


def check_schema(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Validate the whole TOML document against the rule JSON Schema (DAC2xx).

    The Rust validator decides whether the document is valid. It was about
    200 times faster than ``jsonschema`` on Elastic's 2,192 rules, so only an
    invalid document is walked again by ``jsonschema`` to explain each error.
    """
    if _fast_validator().is_valid(rule.data):
        return
    errors = sorted(
        rule_validator().iter_errors(rule.data),
        key=lambda e: (rule.line_of(*e.absolute_path), list(map(str, e.path))),
    )
    seen: set[tuple[int, str, str]] = set()
    for error in errors:
        for diagnostic in to_diagnostics(rule, error):
            key = (diagnostic.line, diagnostic.code, diagnostic.message)
            if key not in seen:
                seen.add(key)
                yield diagnostic


def check_risk_band(rule: Rule, context: ValidationContext) -> Iterable[Diagnostic]:
    """Check that risk_score lies in the band of the rule's severity (DAC210)."""
    score = rule.rule.get("risk_score")
    band = SEVERITY_BANDS.get(rule.severity or "")
    if band is None or isinstance(score, bool) or not isinstance(score, int):
        return []
    if not 0 <= score <= 100:
        return []  # the schema already reports the range (DAC206)
    low, high = band
    if low <= score <= high:
        return []
    fitting = next(
        (name for name, (a, b) in SEVERITY_BANDS.items() if a <= score <= b), None
    )
    message = (
        f"risk_score {score} does not match severity '{rule.severity}' "
        f"({low}-{high}); set risk_score between {low} and {high}"
    )
    if fitting:
        message += f" or severity to '{fitting}'"
    line = rule.line_of("rule", "risk_score")
    return [_error(rule, line, "DAC210", message)]


def check_index_source(rule: Rule, context: ValidationContext) -> Iterable[Diagnostic]:
    """Reject a rule that sets both index and data_view_id (DAC211)."""
    if rule.rule.get("index") and rule.rule.get("data_view_id"):
        line = rule.line_of("rule", "data_view_id")
        message = "set either 'index' or 'data_view_id', not both; remove one"
        return [_error(rule, line, "DAC211", message)]
    return []


def check_dates(rule: Rule, context: ValidationContext) -> Iterable[Diagnostic]:
    """Warn when updated_date is earlier than creation_date (DAC212)."""
    created = rule.metadata.get("creation_date")
    updated = rule.metadata.get("updated_date")
    if not (isinstance(created, str) and isinstance(updated, str)):
        return []
    if len(created) != 10 or len(updated) != 10 or updated >= created:
        return []
    line = rule.line_of("metadata", "updated_date")
    message = (
        f"updated_date {updated} is before creation_date {created}; "
        "set updated_date to the date of the last change"
    )
    return [
        Diagnostic(str(rule.path), line, 1, "warning", "DAC212", message, rule.rule_id)
    ]


def _error(rule: Rule, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(rule.path), line, 1, "error", code, message, rule.rule_id)
