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

The file is read with a safe YAML loader that rejects anchors, aliases and
deep nesting (see :mod:`dac.testing.case_yaml`), then checked against
:data:`CASE_FILE_SCHEMA` and for consistent expectations. Every problem in
the file is reported at once, each with its line, case and fix.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from dac.errors import TestCaseError
from dac.testing.case_yaml import CaseDocument, CaseYamlError, read_case_yaml

SUFFIX = ".tests.yaml"

# Larger files are not hand-written test cases; reading them would only waste memory.
MAX_CASE_FILE_BYTES = 4 * 1024 * 1024

# Values quoted in error messages are cut to this many characters.
MAX_QUOTED_VALUE = 80

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
    """One test case of a rule; ``line`` is where it starts in its file (1-based)."""

    name: str
    events: tuple[dict[str, Any], ...]
    expect: Expectation
    description: str = ""
    line: int = field(default=1, compare=False)


@dataclass
class CaseFile:
    """A parsed ``.tests.yaml`` file."""

    path: Path
    cases: list[Case]
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseProblem:
    """One problem in a test-case file, at a 1-based line and column."""

    message: str
    case: str = ""
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.case:
            where += f": case {self.case!r}"
        return f"{where}: {self.message}"


class CaseFileError(TestCaseError):
    """A test-case file has one or more problems, all listed in ``problems``."""

    def __init__(self, problems: list[CaseProblem], path: str = ""):
        self.problems = problems
        if len(problems) == 1:
            super().__init__(problems[0].message, path, problems[0].case)
        else:
            listed = "\n".join(f"  {problem}" for problem in problems)
            super().__init__(f"{len(problems)} problems:\n{listed}", path)

    def __str__(self) -> str:
        if len(self.problems) != 1:
            return super().__str__()
        problem = self.problems[0]
        where = f"{self.path or '<string>'}:{problem.line}:{problem.column}"
        if problem.case:
            where += f": case {problem.case!r}"
        return f"{where}: {problem.message}"


def case_file_for(rule_path: Path) -> Path:
    """Return the test-case path of a rule file: ``x.toml`` -> ``x.tests.yaml``."""
    return rule_path.with_name(rule_path.stem + SUFFIX)


def rule_file_for(case_path: Path) -> Path:
    """Return the rule path of a test-case file: ``x.tests.yaml`` -> ``x.toml``."""
    return case_path.with_name(case_path.name[: -len(SUFFIX)] + ".toml")


def load_case_file(path: str | Path) -> CaseFile:
    """Read and check a test-case file.

    Raises :class:`TestCaseError` naming the file for an unreadable, oversized
    or non-UTF-8 file, and :class:`CaseFileError` (a subclass) listing every
    problem of a file that reads but is invalid.
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
    """Parse test-case YAML from ``text``; ``path`` is used in errors.

    Raises :class:`CaseFileError` listing every problem found in the file
    (invalid YAML stops at the first one).
    """
    path = Path(path)
    try:
        document = read_case_yaml(text)
    except CaseYamlError as exc:
        problem = CaseProblem(exc.message, "", exc.line, exc.column)
        raise CaseFileError([problem], str(path)) from exc
    data = document.data
    if data is None:
        problem = CaseProblem("file is empty: add a cases: list", "", 1, 1)
        raise CaseFileError([problem], str(path))

    schema_errors = sorted(_VALIDATOR.iter_errors(data), key=_error_order)
    problems = [_schema_problem(document, error) for error in schema_errors]
    bad_cases = {
        error.absolute_path[1]
        for error in schema_errors
        if len(error.absolute_path) >= 2 and error.absolute_path[0] == "cases"
    }
    cases: list[Case] = []
    names: set[Any] = set()
    items = data.get("cases") if isinstance(data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        name = item.get("name") if isinstance(item, dict) else None
        duplicate = isinstance(name, str) and name in names
        names.add(name if isinstance(name, str) else None)
        if index not in bad_cases and isinstance(item, dict):
            line, _ = document.position(["cases", index])
            cases.append(_case(item, line))
            problems.extend(_check_case(cases[-1], duplicate, line))
    if problems:
        raise CaseFileError(problems, str(path))
    return CaseFile(path=path, cases=cases, defaults=data.get("defaults") or {})


def _case(item: dict[str, Any], line: int) -> Case:
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
        line=line,
    )


def _check_case(case: Case, duplicate: bool, line: int) -> list[CaseProblem]:
    """Check what the schema cannot: a unique name and consistent expectations."""
    problems: list[str] = []
    if duplicate:
        problems.append("duplicate case name; give each case its own name")
    expect = case.expect
    if not expect.alert and (expect.count or expect.events):
        problems.append(
            "expect.alert is false but expect.count or expect.events names "
            "alerts; remove them or set alert: true"
        )
    if expect.alert and expect.count == 0:
        problems.append("expect.count is 0 with alert: true; use alert: false")
    if expect.events is not None:
        if expect.count is not None and expect.count != len(expect.events):
            problems.append(
                f"expect.count is {expect.count} but expect.events lists "
                f"{len(expect.events)} alerts; make them agree"
            )
        for alert in expect.events:
            for index in alert:
                if index is not None and index >= len(case.events):
                    problems.append(
                        f"expect.events names event {index}, but the case has "
                        f"{len(case.events)} events (indexes start at 0)"
                    )
    return [CaseProblem(message, case.name, line, 1) for message in problems]


def _error_order(error: jsonschema.ValidationError) -> tuple:
    """Sort errors by location, and an unknown key before a missing one there.

    A misspelled key (``expct:``) causes both errors; the unknown key names
    the cause.
    """
    location = [
        (0, part) if isinstance(part, int) else (1, str(part))
        for part in error.absolute_path
    ]
    rank = {"additionalProperties": 0, "required": 2}.get(error.validator, 1)
    return location, rank


def _schema_problem(
    document: CaseDocument, error: jsonschema.ValidationError
) -> CaseProblem:
    path = list(error.absolute_path)
    key = None
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        key = str(_unknown_keys(error)[0])
    line, column = document.position(path, key)
    return CaseProblem(
        _schema_message(error), _case_name(document.data, error), line, column
    )


def _unknown_keys(error: jsonschema.ValidationError) -> list[Any]:
    allowed = error.schema.get("properties", {})
    return [key for key in error.instance if key not in allowed] or [""]


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
        allowed = sorted(error.schema.get("properties", {}))
        parts = []
        for key in _unknown_keys(error):
            text = f"unknown key {_shorten(repr(key))}"
            match = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            if match:
                text += f" (did you mean {match[0]!r}?)"
            parts.append(text)
        return f"{location}: {', '.join(parts)}; allowed keys are {', '.join(allowed)}"
    if error.validator == "oneOf":
        return (
            f"{location}: invalid expect.events; write a list of event indexes "
            "for one alert ([0, 1]) or a list of such lists, one per alert "
            "([[0], [2]])"
        )
    message = error.message
    value = repr(error.instance)
    if message.startswith(value):
        message = _shorten(value) + message[len(value) :]
    return f"{location}: {message}"


def _shorten(text: str) -> str:
    """Cut a value quoted in a message to :data:`MAX_QUOTED_VALUE` characters."""
    if len(text) <= MAX_QUOTED_VALUE:
        return text
    return f"{text[: MAX_QUOTED_VALUE - 3]}..."
