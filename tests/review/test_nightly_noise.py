"""dac nightly: rules that alert on a benign dataset, and history warnings."""

from __future__ import annotations

import logging
from pathlib import Path

from click.testing import CliRunner
from dac.cli import cli
from dac.review.history import noisy_rules

from review.helpers import ID_ALPHA, ID_BRAVO, cases_text, rule_text
from review.test_nightly import write_dataset


def write_rules(root: Path, alpha_severity: str) -> None:
    rules = root / "detections"
    rules.mkdir()
    alpha = rule_text(ID_ALPHA, "Alpha", "alpha.exe")
    alpha = alpha.replace('severity = "low"', f'severity = "{alpha_severity}"')
    (rules / "alpha.toml").write_text(alpha)
    (rules / "alpha.tests.yaml").write_text(cases_text("alpha.exe"))
    (rules / "bravo.toml").write_text(rule_text(ID_BRAVO, "Bravo", "bravo.exe"))
    (rules / "bravo.tests.yaml").write_text(cases_text("bravo.exe"))
    write_dataset(root / "benign.ndjson", ["notepad.exe", "alpha.exe", "alpha.exe"])


def invoke(root: Path):
    return CliRunner().invoke(
        cli,
        [
            "nightly",
            str(root / "detections"),
            "--no-baseline",
            "--dataset",
            str(root / "benign.ndjson"),
            "--config",
            str(root / "dac.toml"),
            "--history",
            str(root / "reports" / "history.jsonl"),
            "--reports-dir",
            str(root / "reports"),
        ],
    )


def test_first_run_fails_on_medium_noisy_rule(tmp_path: Path):
    write_rules(tmp_path, "medium")

    result = invoke(tmp_path)

    assert result.exit_code == 1, result.output
    assert "First run: no previous run to compare." in result.output
    row = "| Alpha | **medium** (fails the run) | benign.ndjson | 2 |"
    assert row in result.output
    assert (
        "error: noisy rule on benign dataset benign.ndjson: Alpha (medium, 2 alerts)"
        in result.output
    )
    summary = (tmp_path / "reports" / "nightly.md").read_text()
    assert row in summary
    html = (tmp_path / "reports" / "coverage.html").read_text()
    assert 'class="noisy"' in html
    assert "Alpha (medium (fails the run)): 2 alerts on benign.ndjson" in html


def test_low_noisy_rule_named_but_passes(tmp_path: Path):
    write_rules(tmp_path, "low")

    first = invoke(tmp_path)
    second = invoke(tmp_path)

    for result in (first, second):
        assert result.exit_code == 0, result.output
        assert "| Alpha | low | benign.ndjson | 2 |" in result.output
        assert "error: noisy rule" not in result.output
    html = (tmp_path / "reports" / "coverage.html").read_text()
    assert "Alpha (low): 2 alerts on benign.ndjson" in html


def test_no_noisy_rule_says_so(tmp_path: Path):
    write_rules(tmp_path, "high")
    write_dataset(tmp_path / "benign.ndjson", ["notepad.exe"])

    result = invoke(tmp_path)

    assert result.exit_code == 0, result.output
    assert "No rule alerts on the benign datasets." in result.output


def test_noisy_rules_of_record():
    run = {
        "benign_datasets": ["a.ndjson", "b.ndjson"],
        "rules": {
            ID_ALPHA: {
                "name": "Alpha",
                "severity": "high",
                "datasets": {"a.ndjson": 3, "b.ndjson": 0, "attack.ndjson": 9},
            },
            ID_BRAVO: {"name": "Bravo", "severity": "Low", "datasets": {"b.ndjson": 1}},
        },
    }

    noisy = noisy_rules(run)

    assert [(e["name"], e["dataset"], e["alerts"]) for e in noisy] == [
        ("Alpha", "a.ndjson", 3),
        ("Bravo", "b.ndjson", 1),
    ]
    assert [e["blocking"] for e in noisy] == [True, False]


def test_noisy_rules_of_old_record():
    run = {"rules": {ID_ALPHA: {"name": "Alpha", "baseline_alerts": 4}}}

    [entry] = noisy_rules(run)

    assert entry["dataset"] == "benign baseline"
    assert entry["alerts"] == 4
    assert entry["severity"] is None
    assert entry["blocking"] is True


def test_invalid_history_line_warned_once(tmp_path: Path, caplog):
    write_rules(tmp_path, "low")
    history = tmp_path / "reports" / "history.jsonl"
    history.parent.mkdir()
    history.write_text("{not json\n")

    with caplog.at_level(logging.WARNING, logger="dac.review.history"):
        result = invoke(tmp_path)

    assert result.exit_code == 0, result.output
    warnings = [
        record
        for record in caplog.records
        if "skipping invalid JSON line" in record.getMessage()
    ]
    assert len(warnings) == 1
