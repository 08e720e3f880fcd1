"""pytest plugin: each case of a ``*.tests.yaml`` file is a test item."""

from __future__ import annotations

from .rulefiles import write_rule

pytest_plugins = ["pytester"]

CASES = """
cases:
  - name: shell
    events: [{process.name: cmd.exe, process.parent.name: rundll32.exe}]
    expect: {alert: true}
  - name: wrong expectation
    events: [{process.name: notepad.exe, process.parent.name: rundll32.exe}]
    expect: {alert: true}
"""


def test_cases_become_items_named_by_rule_and_case(pytester):
    write_rule(pytester.path / "detections", cases=CASES)
    result = pytester.runpytest("detections", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*rule.tests.yaml::Rule rule::shell PASSED*",
            "*rule.tests.yaml::Rule rule::wrong expectation FAILED*",
        ]
    )


def test_failure_shows_explanation_without_traceback(pytester):
    write_rule(pytester.path / "detections", cases=CASES)
    result = pytester.runpytest("detections", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "*case 'wrong expectation'*",
            '*expected an alert, got none*process.name is "notepad.exe"*',
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_malformed_file_is_a_collection_error(pytester):
    write_rule(pytester.path / "detections", cases="cases: [")
    result = pytester.runpytest("detections", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*invalid YAML*"])


def test_python_tests_still_collected(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    write_rule(pytester.path / "detections", cases=CASES.split("  - name: wrong")[0])
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
