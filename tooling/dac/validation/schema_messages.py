"""Turn jsonschema errors about a rule file into readable DAC2xx diagnostics."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from jsonschema.exceptions import ValidationError

from dac.diagnostics import Diagnostic
from dac.rules import Rule

# The fix to suggest when a string fails its pattern, keyed by the key's name.
_FORMAT_HINTS = {
    "rule_id": "a lowercase UUID such as 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "creation_date": "a date written YYYY/MM/DD",
    "updated_date": "a date written YYYY/MM/DD",
    "deprecation_date": "a date written YYYY/MM/DD",
    "interval": "a count followed by s, m, h or d, such as 5m",
    "min_stack_version": "a version such as 8.14.0",
    "query": "a query that is not blank",
    "name": (
        "a name that starts with a letter or digit and ends with a letter, "
        "digit, bracket or parenthesis"
    ),
}
_REFERENCE_HINTS = {
    "tactic": "https://attack.mitre.org/tactics/TA0002/",
    "technique": "https://attack.mitre.org/techniques/T1059/",
    "subtechnique": "https://attack.mitre.org/techniques/T1059/001/",
}
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "array": "an array",
    "object": "a table",
}


def key_name(path: Sequence[str | int]) -> str:
    """Render a key path as ``rule.threat[0].tactic.id``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "the document"


def to_diagnostics(rule: Rule, error: ValidationError) -> list[Diagnostic]:
    """Convert one jsonschema error into diagnostics at the key's line."""
    path = tuple(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        return _unknown_keys(rule, error, path)
    if kind == "required":
        return [_required(rule, error, path)]
    code, message = _describe(rule, error, path)
    line = rule.line_of(*path) if path else 1
    return [_make(rule, line, code, message)]


def _unknown_keys(
    rule: Rule, error: ValidationError, path: tuple[str | int, ...]
) -> list[Diagnostic]:
    allowed = sorted(error.schema.get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    diagnostics = []
    for key in sorted(k for k in instance if k not in allowed):
        message = f"unknown key '{key_name((*path, key))}'; remove it"
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            message += f" or rename it to '{close[0]}'"
        line = rule.line_of(*path, key)
        diagnostics.append(_make(rule, line, "DAC202", message))
    return diagnostics


def _required(
    rule: Rule, error: ValidationError, path: tuple[str | int, ...]
) -> Diagnostic:
    missing = [key for key in error.validator_value if key not in error.instance]
    key = missing[0] if missing else "?"
    where = f"[{key_name(path)}]" if path else "the file"
    message = f"{where} is missing required key '{key}'; add it"
    if "allOf" in error.schema_path and rule.type:
        message += f" (required for rule type '{rule.type}')"
    line = rule.line_of(*path) if path else 1
    return _make(rule, line, "DAC201", message)


def _describe(
    rule: Rule, error: ValidationError, path: tuple[str | int, ...]
) -> tuple[str, str]:
    name = key_name(path)
    kind = error.validator
    value = error.instance
    if kind == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        return "DAC203", f"'{name}' must be {wanted}, not {_type_of(value)}"
    if kind == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return "DAC204", f"'{name}' is {value!r}; use one of: {options}"
    if kind == "const":
        suffix = f" for rule type '{rule.type}'" if rule.type else ""
        expected = error.validator_value
        return "DAC204", f"'{name}' is {value!r}; it must be {expected!r}{suffix}"
    if kind == "pattern":
        return "DAC205", f"'{name}' is {value!r}; it must be {_format_hint(path)}"
    if kind in ("minimum", "maximum"):
        return "DAC206", _range_message(name, value, error)
    if kind in ("minItems", "maxItems", "minLength"):
        return "DAC206", _length_message(name, kind, error.validator_value)
    if (
        kind == "oneOf"
        and path
        and path[-1] in ("integration", "machine_learning_job_id")
    ):
        return "DAC203", f"'{name}' must be a string or an array of strings"
    if kind == "not" and error.validator_value == {}:
        suffix = f" for rule type '{rule.type}'" if rule.type else ""
        return "DAC207", f"key '{name}' is not allowed{suffix}; remove it"
    return "DAC200", f"'{name}': {error.message}"


def _format_hint(path: tuple[str | int, ...]) -> str:
    last = path[-1] if path else ""
    if last == "reference":
        level = next((p for p in reversed(path) if p in _REFERENCE_HINTS), "technique")
        return f"an ATT&CK URL such as {_REFERENCE_HINTS[level]}"
    return _FORMAT_HINTS.get(str(last), "in the documented format")


def _range_message(name: str, value: object, error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is not None and high is not None:
        return f"'{name}' is {value}; it must be between {low} and {high}"
    if low is not None:
        return f"'{name}' is {value}; it must be at least {low}"
    return f"'{name}' is {value}; it must be at most {high}"


def _length_message(name: str, kind: str, bound: int) -> str:
    if kind == "minLength":
        return f"'{name}' is empty; give it a value"
    if kind == "minItems":
        return f"'{name}' needs at least {bound} item(s)"
    return f"'{name}' allows at most {bound} item(s); remove the extra ones"


def _type_of(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _make(rule: Rule, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(str(rule.path), line, 1, "error", code, message, rule.rule_id)
