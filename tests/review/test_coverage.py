"""ATT&CK coverage: the matrix, the Navigator layer and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from dac.cli import cli
from dac.review.checks import CaseOutcome, TestSummary
from dac.review.coverage import ENTERPRISE_TACTIC_ORDER, build_coverage
from dac.review.html_report import render_report
from dac.review.navigator import navigator_layer
from dac.review.report import load_results, rule_statuses
from dac.rules import parse_rule
from dac.schemas import load_attack

from review.helpers import ID_ALPHA, ID_BRAVO, ID_CHARLIE, rule_text

SUBTECHNIQUE_BLOCK = """
[[rule.threat.technique.subtechnique]]
id = "T1059.001"
name = "PowerShell"
reference = "https://attack.mitre.org/techniques/T1059/001/"
"""


def sample_rules():
    alpha = parse_rule(
        rule_text(ID_ALPHA, "Alpha", "a.exe") + SUBTECHNIQUE_BLOCK,
        "detections/alpha.toml",
    )
    bravo = parse_rule(rule_text(ID_BRAVO, "Bravo", "b.exe"), "detections/bravo.toml")
    charlie = parse_rule(
        rule_text(
            ID_CHARLIE, "<script>alert('x')</script>", "c.exe", technique="T1218"
        ),
        "detections/charlie.toml",
    )
    return [alpha, bravo, charlie]


def test_matrix_uses_attack_order():
    coverage = build_coverage(sample_rules(), load_attack())

    ids = [tactic.id for tactic in coverage.tactics]

    assert ids == list(ENTERPRISE_TACTIC_ORDER)
    assert coverage.tactics[0].name == "Reconnaissance"
    assert coverage.technique_count() > 150


def test_matrix_places_rules():
    coverage = build_coverage(sample_rules(), load_attack())
    execution = {t.id: t for t in coverage.columns["TA0002"]}

    assert sorted(execution["T1059"].rules) == ["Alpha", "Bravo"]
    [powershell] = [s for s in execution["T1059"].subtechniques if s.id == "T1059.001"]
    assert powershell.rules == ["Alpha"]
    assert execution["T1204"].rules == []
    assert coverage.covered_ids() == {"T1059", "T1059.001", "T1218"}


def test_matrix_keeps_unknown_technique():
    text = rule_text(ID_ALPHA, "Alpha", "a.exe").replace('id = "T1059"', 'id = "T9999"')
    coverage = build_coverage([parse_rule(text, "x.toml")], load_attack())

    execution = {t.id: t for t in coverage.columns["TA0002"]}

    assert execution["T9999"].rules == ["Alpha"]


def test_navigator_layer_shape():
    layer = navigator_layer(build_coverage(sample_rules(), load_attack()))

    assert layer["domain"] == "enterprise-attack"
    assert layer["versions"]["layer"] == "4.5"
    assert layer["versions"]["navigator"] == "5.2.0"
    assert layer["versions"]["attack"] == load_attack().version
    assert isinstance(layer["name"], str)
    entries = {(t["techniqueID"], t["tactic"]): t for t in layer["techniques"]}
    assert set(entries) == {
        ("T1059", "execution"),
        ("T1059.001", "execution"),
        ("T1218", "defense-evasion"),
    }
    assert entries[("T1059", "execution")]["score"] == 2
    assert entries[("T1059", "execution")]["comment"] == "Rules: Alpha; Bravo"
    assert entries[("T1059", "execution")]["showSubtechniques"] is True
    assert entries[("T1059.001", "execution")]["score"] == 1
    gradient = layer["gradient"]
    assert len(gradient["colors"]) >= 2
    assert gradient["minValue"] == 0
    assert gradient["maxValue"] == 2
    json.dumps(layer)  # the layer must be plain JSON


def render(rules, tests=None, history=None) -> str:
    coverage = build_coverage(rules, load_attack())
    statuses = rule_statuses(rules, tests, {ID_ALPHA: 4})
    return render_report(coverage, statuses, history or [], "2026-12-04 02:00 UTC")


def test_html_escapes_rule_strings():
    page = render(sample_rules())

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_html_is_self_contained():
    page = render(sample_rules())

    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page
    assert "default-src 'none'" in page


def test_html_shows_tests_and_alerts():
    tests = {
        ID_ALPHA: TestSummary([CaseOutcome("fires", True), CaseOutcome("miss", False)]),
        ID_BRAVO: TestSummary([CaseOutcome("fires", True)]),
    }

    page = render(sample_rules(), tests)

    assert 'data-rule-id="' + ID_ALPHA + '"' in page
    assert "failing: miss" in page
    assert '<td class="alerts">4</td>' in page
    assert "not run" in page


def test_html_trend_from_history():
    history = [
        {
            "timestamp": f"2026-12-0{day}T02:00:00Z",
            "rules": {
                ID_ALPHA: {"backends": {"embedded": {"passed": 1, "failed": day}}}
            },
            "regressions": [],
        }
        for day in (1, 2, 3)
    ]

    page = render(sample_rules(), history=history)

    assert "<svg" in page
    assert page.count("<polyline") == 3
    assert "3 runs recorded" in page


def test_results_file(tmp_path: Path):
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps(
            [
                {"rule_id": ID_ALPHA, "case": "fires", "passed": True},
                {"rule_id": ID_ALPHA, "case": "miss", "passed": False},
            ]
        )
    )

    summaries = load_results(path)

    assert summaries[ID_ALPHA].passed == 1
    assert summaries[ID_ALPHA].failed == 1


def test_cli_writes_both_files(tmp_path: Path):
    rules_dir = tmp_path / "detections"
    rules_dir.mkdir()
    for rule in sample_rules():
        (rules_dir / rule.path.name).write_text(rule.source)
    layer_path = tmp_path / "out" / "layer.json"
    html_path = tmp_path / "out" / "coverage.html"

    result = CliRunner().invoke(
        cli,
        [
            "coverage",
            "--navigator",
            str(layer_path),
            "--html",
            str(html_path),
            "--no-tests",
            "--history",
            str(tmp_path / "none.jsonl"),
            str(rules_dir),
        ],
    )

    assert result.exit_code == 0, result.output
    assert json.loads(layer_path.read_text())["domain"] == "enterprise-attack"
    assert "Alpha" in html_path.read_text()


def test_cli_bad_results_file(tmp_path: Path):
    bad = tmp_path / "results.json"
    bad.write_text("{not json")

    result = CliRunner().invoke(
        cli, ["coverage", "--html", str(tmp_path / "x.html"), "--results", str(bad)]
    )

    assert result.exit_code == 2
    assert "invalid JSON in results file" in result.output
    assert "Traceback" not in result.output


def test_cli_results_non_string_rule_id(tmp_path: Path):
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps([{"rule_id": 5, "case": "fires", "passed": True}]))

    result = CliRunner().invoke(
        cli, ["coverage", "--html", str(tmp_path / "x.html"), "--results", str(bad)]
    )

    assert result.exit_code == 2
    assert f"{bad}: result 0: rule_id must be a string, got 5" in result.output
    assert "has no rule_id" not in result.output
    assert "Traceback" not in result.output


def test_results_without_rule_id_skipped(tmp_path: Path):
    path = tmp_path / "results.json"
    rows = [
        {"rule_id": None, "case": "orphan", "passed": True},
        {"rule_id": ID_ALPHA, "case": "fires", "passed": True},
    ]
    path.write_text(json.dumps(rows))

    summaries = load_results(path)

    assert list(summaries) == [ID_ALPHA]


def test_cli_results_with_no_tests_is_usage_error(tmp_path: Path):
    results = tmp_path / "results.json"
    results.write_text('{"results": []}')
    html_path = tmp_path / "x.html"

    result = CliRunner().invoke(
        cli,
        ["coverage", "--html", str(html_path), "--results", str(results), "--no-tests"],
    )

    assert result.exit_code == 2
    assert "--results and --no-tests exclude each other" in result.output
    assert not html_path.exists()
