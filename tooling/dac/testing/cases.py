"""Test-case files: ``<rule>.tests.yaml`` beside each ``<rule>.toml``.

A file contains a list of cases. Each case names compact events and what the
rule must do with them::

    cases:
      - name: cmd.exe started by rundll32
        events:
          - process.name: cmd.exe
            process.parent.name: rundll32.exe
        expect:
          alert: true
          count: 1        # optional: number of alerts
          events: [[0]]   # optional: events of each alert, by index, in order

The file is read with ``yaml.safe_load`` and checked against
:data:`CASE_FILE_SCHEMA`; every error names the file, the case and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from dac.errors import TestCaseError

SUFFIX = ".tests.yaml"

# Larger files are not hand-written test cases; reading them would only waste memory.
MAX_CASE_FILE_BYTES = 4 * 1024 * 1024

# An alert's events by index; null stands for a missing-event step (![...]).
_EVENT_LIST = {
    "type": "array",
    "items": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
}

CASE_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["cases"],
    "additionalProperties": False,
    "properties": {
        "defaults": {"type": "object"},
        "cases": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "events", "expect"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "events": {"type": "array", "items": {"type": "object"}},
                    "expect": {
                        "type": "object",
                        "required": ["alert"],
                        "additionalProperties": False,
                        "properties": {
                            "alert": {"type": "boolean"},
                            "count": {"type": "integer", "minimum": 0},
                            "events": {
                                "oneOf": [
                                    _EVENT_LIST,
                                    {"type": "array", "items": _EVENT_LIST},
                                ]
                            },
                        },
                    },
                },
            },
        },
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(CASE_FILE_SCHEMA)


@dataclass(frozen=True)
class Expectation:
    """The expectation of a case: an alert or none, how many, and which events.

    ``events`` lists, per expected alert, the indexes of its events in the
    case, in order (a sequence lists its steps' events, None for a missing
    event step).
    """

    alert: bool
    count: int | None = None
    events: tuple[tuple[int | None, ...], ...] | None = None


@dataclass(frozen=True)
class Case:
    """One test case of a rule."""

    name: str
    events: tuple[dict[str, Any], ...]
    expect: Expectation
    description: str = ""


@dataclass
class CaseFile:
    """A parsed ``.tests.yaml`` file."""

    path: Path
    cases: list[Case]
    defaults: dict[str, Any] = field(default_factory=dict)


def case_file_for(rule_path: Path) -> Path:
    """Return the test-case path of a rule file: ``x.toml`` -> ``x.tests.yaml``."""
    return rule_path.with_name(rule_path.stem + SUFFIX)


def rule_file_for(case_path: Path) -> Path:
    """Return the rule path of a test-case file: ``x.tests.yaml`` -> ``x.toml``."""
    return case_path.with_name(case_path.name[: -len(SUFFIX)] + ".toml")


def load_case_file(path: str | Path) -> CaseFile:
    """Read and check a test-case file.

    Raises :class:`TestCaseError` naming the file (and case, when one is at
    fault) for an unreadable file, invalid YAML, or a schema violation.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CASE_FILE_BYTES:
            raise TestCaseError(
                f"file is {size} bytes, over the {MAX_CASE_FILE_BYTES}-byte limit "
                "for a test-case file; split the cases or shorten the events",
                str(path),
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TestCaseError(f"cannot read file: {exc.strerror}", str(path)) from exc
    except UnicodeDecodeError as exc:
        raise TestCaseError(
            f"invalid UTF-8 at byte {exc.start}; save the file as UTF-8", str(path)
        ) from exc
    return parse_case_file(text, path)


def parse_case_file(text: str, path: str | Path = "<string>") -> CaseFile:
    """Parse test-case YAML from ``text``; ``path`` is used in errors."""
    path = Path(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TestCaseError(f"invalid YAML{where}: {problem}", str(path)) from exc

    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        raise TestCaseError(_schema_message(error), str(path), _case_name(data, error))

    cases = [_case(item) for item in data["cases"]]
    _check_cases(cases, path)
    return CaseFile(path=path, cases=cases, defaults=data.get("defaults") or {})


def _case(item: dict[str, Any]) -> Case:
    expect = item["expect"]
    events = expect.get("events")
    if events is not None:
        if events and all(not isinstance(e, list) for e in events):
            events = (tuple(events),)
        else:
            events = tuple(tuple(alert) for alert in events)
    return Case(
        name=item["name"],
        events=tuple(item["events"]),
        expect=Expectation(expect["alert"], expect.get("count"), events),
        description=item.get("description", ""),
    )


def _check_cases(cases: list[Case], path: Path) -> None:
    """Check what the schema cannot: unique names and consistent expectations."""
    seen: set[str] = set()
    for case in cases:
        if case.name in seen:
            raise TestCaseError(
                "duplicate case name; give each case its own name", str(path), case.name
            )
        seen.add(case.name)
        expect = case.expect
        if not expect.alert and (expect.count or expect.events):
            raise TestCaseError(
                "expect.alert is false but expect.count or expect.events names "
                "alerts; remove them or set alert: true",
                str(path),
                case.name,
            )
        if expect.alert and expect.count == 0:
            raise TestCaseError(
                "expect.count is 0 with alert: true; use alert: false",
                str(path),
                case.name,
            )
        if expect.events is not None:
            if expect.count is not None and expect.count != len(expect.events):
                raise TestCaseError(
                    f"expect.count is {expect.count} but expect.events lists "
                    f"{len(expect.events)} alerts; make them agree",
                    str(path),
                    case.name,
                )
            for alert in expect.events:
                for index in alert:
                    if index is not None and index >= len(case.events):
                        raise TestCaseError(
                            f"expect.events names event {index}, but the case has "
                            f"{len(case.events)} events (indexes start at 0)",
                            str(path),
                            case.name,
                        )


def _case_name(data: Any, error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        item = data["cases"][path[1]]
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            return item["name"]
        return f"#{path[1]}"
    return ""


def _schema_message(error: jsonschema.ValidationError) -> str:
    location = ".".join(str(part) for part in error.absolute_path) or "top level"
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"{location}: {error.message}; allowed keys are {allowed}"
    if error.validator == "required":
        return f"{location}: {error.message}"
    if error.validator == "oneOf":
        return (
            f"{location}: invalid expect.events; write a list of event indexes "
            "for one alert ([0, 1]) or a list of such lists, one per alert "
            "([[0], [2]])"
        )
    return f"{location}: {error.message}"
