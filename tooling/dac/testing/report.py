"""Render case results as text, JSON or JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from dac.errors import DacError
from dac.terminal import escape_control
from dac.testing.runner import CaseResult


def summary(results: Sequence[CaseResult]) -> dict[str, int]:
    """Count cases, passes and failures."""
    passed = sum(1 for result in results if result.passed)
    return {"cases": len(results), "passed": passed, "failed": len(results) - passed}


def render_text(results: Sequence[CaseResult], verbose: bool = False) -> str:
    """One line per failed case (per case with ``verbose``), then a count."""
    lines = []
    for result in results:
        if result.passed and not verbose:
            continue
        status = "PASS" if result.passed else "FAIL"
        # Rule and case names come from the files under test: escape control
        # characters so they cannot drive the terminal.
        path = escape_control(result.path)
        rule_name = escape_control(result.rule_name)
        case = escape_control(result.case)
        head = f"{status} {path}: {rule_name}: {case}"
        message = "\n    ".join(
            escape_control(line) for line in result.message.split("\n")
        )
        lines.append(f"{head}\n    {message}" if not result.passed else head)
    counts = summary(results)
    lines.append(
        f"{counts['cases']} cases: {counts['passed']} passed, {counts['failed']} failed"
    )
    return "\n".join(lines)


def render_json(results: Sequence[CaseResult], errors: Sequence[DacError] = ()) -> str:
    """Return the ``{"results": [...], "errors": [...], "summary": {...}}`` document.

    ``errors`` are the files that could not be run (an unreadable rule, a
    malformed test-case file): each becomes an object with the ``path`` and
    ``message``, plus ``case``, ``line`` and ``column`` when the error has
    them.
    """
    document = {
        "results": [result.to_dict() for result in results],
        "errors": [error_to_dict(error) for error in errors],
        "summary": summary(results),
    }
    return json.dumps(document, indent=2)


def error_to_dict(error: DacError) -> dict[str, object]:
    """Return the JSON form of a file error: path, message and any position."""
    entry: dict[str, object] = {
        "path": str(getattr(error, "path", "") or ""),
        "message": str(getattr(error, "message", error)),
    }
    for key in ("case", "line", "column"):
        value = getattr(error, key, None)
        if value not in (None, ""):
            entry[key] = value
    return entry


def render_junit(results: Sequence[CaseResult], errors: Sequence[DacError] = ()) -> str:
    """A JUnit XML report: one ``testsuite`` per rule, one ``testcase`` per case.

    Malformed case files become ``error`` elements, so CI shows them next to
    the failures. ElementTree escapes every text and attribute.
    """
    root = ET.Element("testsuites", name="dac test")
    suites: dict[str, ET.Element] = {}
    for result in results:
        suite = suites.get(result.path)
        if suite is None:
            suite = ET.SubElement(root, "testsuite", name=result.rule_name)
            suite.set("file", result.path)
            suites[result.path] = suite
        case = ET.SubElement(
            suite,
            "testcase",
            name=_clean(result.case),
            classname=_clean(result.rule_id or result.rule_name),
            file=result.path,
        )
        if not result.passed:
            failure = ET.SubElement(
                case, "failure", message=_clean(result.message.splitlines()[0])
            )
            failure.text = _clean(result.message)
    for error in errors:
        path = str(getattr(error, "path", "") or "dac test")
        case_name = getattr(error, "case", "") or "load"
        message = str(getattr(error, "message", error))
        suite = ET.SubElement(root, "testsuite", name=_clean(path))
        case = ET.SubElement(
            suite, "testcase", name=_clean(case_name), classname="load"
        )
        element = ET.SubElement(case, "error", message=_clean(message))
        element.text = _clean(str(error))
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set(
            "failures", str(sum(1 for c in cases if c.find("failure") is not None))
        )
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    counts = summary(results)
    root.set("tests", str(counts["cases"] + len(errors)))
    root.set("failures", str(counts["failed"]))
    root.set("errors", str(len(errors)))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry, even escaped (control characters)."""
    return (
        "".join(char for char in text if char in "\t\n\r" or ord(char) >= 0x20)
        .replace("\ufffe", "")
        .replace("\uffff", "")
    )
