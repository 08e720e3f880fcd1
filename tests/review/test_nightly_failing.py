"""dac nightly: first run, cases that fail from their first run, exit status."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from dac.cli import cli
from dac.review.history import failing_cases, read_history
from dac.review.html_report import render_history
from dac.review.nightly_report import render_summary

from review.helpers import ID_ALPHA, ID_BRAVO, cases_text, rule_text

# Bravo's rule matches bravo.exe, but its cases expect alpha.exe to alert,
# so its alerting case fails from the first run on.
BROKEN_CASES = cases_text("alpha.exe")


def write_rules(root: Path) -> Path:
    rules = root / "detections"
    rules.mkdir()
    (rules / "alpha.toml").write_text(rule_text(ID_ALPHA, "Alpha", "alpha.exe"))
    (rules / "alpha.tests.yaml").write_text(cases_text("alpha.exe"))
    (rules / "bravo.toml").write_text(rule_text(ID_BRAVO, "Bravo", "bravo.exe"))
    (rules / "bravo.tests.yaml").write_text(BROKEN_CASES)
    return rules


def invoke(root: Path):
    return CliRunner().invoke(
        cli,
        [
            "nightly",
            str(root / "detections"),
            "--no-baseline",
            "--config",
            str(root / "dac.toml"),
            "--history",
            str(root / "reports" / "history.jsonl"),
            "--reports-dir",
            str(root / "reports"),
        ],
    )


def test_first_run_says_first_run(tmp_path: Path):
    rules = write_rules(tmp_path)
    (rules / "bravo.tests.yaml").write_text(cases_text("bravo.exe"))

    result = invoke(tmp_path)

    assert result.exit_code == 0, result.output
    assert "First run: no previous run to compare." in result.output
    assert "No regression against the previous run." not in result.output
    assert "No case fails." in result.output


def test_failing_case_listed_every_run(tmp_path: Path):
    write_rules(tmp_path)

    first = invoke(tmp_path)
    second = invoke(tmp_path)

    for result in (first, second):
        assert result.exit_code == 1, result.output
        assert "Failing cases" in result.output
        assert "<code>alpha.exe starts</code>" in result.output
        assert "| Bravo | embedded |" in result.output
    assert "No regression against the previous run." in second.output
    summary = (tmp_path / "reports" / "nightly.md").read_text()
    assert "<code>alpha.exe starts</code>" in summary
    html = (tmp_path / "reports" / "coverage.html").read_text()
    assert 'class="failing"' in html
    assert "alpha.exe starts" in html


def test_failing_cases_of_record(tmp_path: Path):
    write_rules(tmp_path)
    invoke(tmp_path)
    [run] = read_history(tmp_path / "reports" / "history.jsonl")

    [failure] = failing_cases(run)

    assert failure["rule_id"] == ID_BRAVO
    assert failure["name"] == "Bravo"
    assert failure["backend"] == "embedded"
    assert failure["case"] == "alpha.exe starts"
    assert run["previous_run"] is None


def test_case_file_error_is_failing():
    run = {
        "timestamp": "2026-12-04T02:00:00Z",
        "commit": "c" * 40,
        "backends": ["embedded"],
        "rules": {
            ID_ALPHA: {
                "name": "Alpha",
                "backends": {
                    "embedded": {
                        "passed": 0,
                        "failed": 1,
                        "cases": {"<case file>": False},
                        "error": "alpha.tests.yaml: invalid YAML",
                    }
                },
            }
        },
        "regressions": [],
        "previous_run": "2026-12-03T02:00:00Z",
    }

    text = render_summary(run, {})
    html = render_history([run, run])

    assert "case file error: alpha.tests.yaml: invalid YAML" in text
    assert "No regression against the previous run." in text
    assert "case file error: alpha.tests.yaml: invalid YAML" in html


def test_summary_caps_failing_rows():
    cases = {f"case {n}": False for n in range(500)}
    run = {
        "timestamp": "2026-12-04T02:00:00Z",
        "commit": "c" * 40,
        "backends": ["embedded"],
        "rules": {
            ID_ALPHA: {
                "name": "Alpha",
                "backends": {"embedded": {"passed": 0, "failed": 500, "cases": cases}},
            }
        },
        "regressions": [],
        "previous_run": None,
    }

    text = render_summary(run, {})

    assert "300 more failing cases are not listed" in text
    assert text.count("| Alpha | embedded |") == 200
