"""Sigma import: conversion, ATT&CK placement, rejections, generated cases."""

from __future__ import annotations

import json
import socket
import textwrap
import tomllib
import uuid
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from dac.cli import cli
from dac.importers.sigma import import_sigma, rule_id_for
from dac.importers.sigma.offline import NetworkBlockedError, no_network
from dac.importers.sigma.regex import UnsupportedRegexError, translate

RUNDLL32_RULE = """\
title: Rundll32 Started From A Public Folder
id: 0b4f6a2e-9c1d-4d7e-8f3a-5b6c7d8e9f01
status: test
description: rundll32.exe loads a DLL from C:\\Users\\Public.
references:
  - https://example.org/rundll32-public
author: dac tests
date: 2024-03-01
tags:
  - attack.execution
  - attack.defense-evasion
  - attack.t1218.011
  - attack.t1059.003
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\rundll32.exe'
    CommandLine|contains: '\\Users\\Public\\'
  filter:
    ParentImage|endswith: '\\msiexec.exe'
  condition: selection and not filter
falsepositives:
  - Software installers
level: high
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "sigma" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def variant(**replacements: str) -> str:
    text = RUNDLL32_RULE
    for old, new in replacements.items():
        text = text.replace(old.replace("__", " "), new)
    return text


@pytest.fixture
def imported(tmp_path: Path) -> tuple[dict, dict, Path]:
    source = write(tmp_path, "rundll32_public.yml", RUNDLL32_RULE)
    report = import_sigma([source], tmp_path / "out")
    assert report.rejected == []
    assert len(report.written) == 1
    toml_path = report.written[0]
    rule = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    cases = yaml.safe_load(
        toml_path.with_suffix("").with_suffix(".tests.yaml").read_text()
    )
    return rule, cases, toml_path


# -- regex translation ------------------------------------------------------

TRANSLATED = [
    ("foo.*bar", ".*foo.*bar.*", False),
    ("^cmd\\.exe$", "cmd\\.exe", False),
    ("^a\\d+", "a[0-9]+.*", False),
    ("(?i)x(?:a|b)", ".*x(a|b).*", True),
    ("a#b@c", ".*a\\#b\\@c.*", False),
    ("a+?b", ".*a+b.*", False),
    ("x\\sy", ".*x[ \t\n\r\f\v]y.*", False),
]


@pytest.mark.parametrize(("sigma", "lucene", "insensitive"), TRANSLATED)
def test_regex_translation(sigma: str, lucene: str, insensitive: bool) -> None:
    result = translate(sigma)
    assert result.pattern == lucene
    assert result.case_insensitive is insensitive


REJECTED = [
    ("a(?=b)", "lookaround"),
    ("\\bword", "word boundary"),
    ("(a)\\1", "backreference"),
    ("a*+", "possessive"),
    ("a^b", "anchor"),
    ("(?P<n>a)", "named group"),
    ("[[:alpha:]]", "POSIX"),
]


@pytest.mark.parametrize(("sigma", "reason"), REJECTED)
def test_regex_rejection(sigma: str, reason: str) -> None:
    with pytest.raises(UnsupportedRegexError, match=reason):
        translate(sigma)


# -- conversion ---------------------------------------------------------------


def test_process_creation_uses_start_events(imported) -> None:
    rule, _, _ = imported
    query = rule["rule"]["query"]
    assert query.startswith(
        'process where host.os.type == "windows" and event.type == "start" and'
    )
    assert "any where" not in query
    assert rule["rule"]["type"] == "eql"
    assert rule["rule"]["language"] == "eql"


def test_metadata_comes_from_sigma(imported) -> None:
    rule, _, _ = imported
    body = rule["rule"]
    assert body["name"] == "Rundll32 Started From A Public Folder"
    assert body["severity"] == "high"
    assert body["risk_score"] == 73
    assert body["references"] == ["https://example.org/rundll32-public"]
    assert body["false_positives"] == ["Software installers"]
    assert body["author"] == ["dac tests"]
    assert body["index"] == [
        "logs-endpoint.events.process-*",
        "logs-windows.sysmon_operational-*",
    ]
    assert rule["metadata"]["creation_date"] == "2024/03/01"


def test_rule_id_is_deterministic(imported) -> None:
    rule, _, _ = imported
    expected = rule_id_for("0b4f6a2e-9c1d-4d7e-8f3a-5b6c7d8e9f01")
    assert rule["rule"]["rule_id"] == expected
    assert uuid.UUID(expected).version == 5
    assert rule_id_for("0B4F6A2E-9C1D-4D7E-8F3A-5B6C7D8E9F01") == expected


def test_each_technique_under_its_own_tactic(imported) -> None:
    rule, _, _ = imported
    placement = {}
    for threat in rule["rule"]["threat"]:
        subs = [
            sub["id"]
            for technique in threat.get("technique", [])
            for sub in technique.get("subtechnique", [])
        ]
        placement[threat["tactic"]["id"]] = subs
    # Tags list execution first and T1218.011 first; pairing by position
    # would put Rundll32 under Execution.
    assert placement["TA0005"] == ["T1218.011"]
    assert placement["TA0002"] == ["T1059.003"]


def test_generated_cases_cover_alert_and_near_misses(imported) -> None:
    _, cases, _ = imported
    expectations = [case["expect"]["alert"] for case in cases["cases"]]
    assert True in expectations
    assert expectations.count(False) >= 2
    end_cases = [c for c in cases["cases"] if c["events"][0].get("event.type") == "end"]
    assert len(end_cases) == 1
    assert end_cases[0]["expect"]["alert"] is False


def test_imported_rule_validates_and_tests(imported) -> None:
    _, _, toml_path = imported
    runner = CliRunner()
    validated = runner.invoke(
        cli, ["validate", str(toml_path.parent), "--format", "json"]
    )
    report = json.loads(validated.output)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == []
    assert validated.exit_code == 0
    tested = runner.invoke(cli, ["test", str(toml_path.parent), "--format", "json"])
    summary = json.loads(tested.output)["summary"]
    assert summary["failed"] == 0
    assert summary["passed"] == summary["cases"]
    assert tested.exit_code == 0


def test_title_ending_in_quote_is_trimmed(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "quoted.yml",
        variant(**{"Rundll32 Started From A Public Folder": "Action Set to 'Allow'"}),
    )
    report = import_sigma([source], tmp_path / "out")
    rule = tomllib.loads(report.written[0].read_text(encoding="utf-8"))
    assert rule["rule"]["name"] == "Action Set to Allow"


# -- rejections ---------------------------------------------------------------

REJECTIONS = [
    ("hashes.yml", {"CommandLine|contains": "Hashes|contains"}, "Hashes", "unmapped"),
    (
        "integrity.yml",
        {"CommandLine|contains": "IntegrityLevel|contains"},
        "IntegrityLevel",
        "unmapped",
    ),
    (
        "lookahead.yml",
        {"CommandLine|contains: '\\Users\\Public\\'": "CommandLine|re: 'a(?=b)'"},
        None,
        "regex",
    ),
    (
        "logsource.yml",
        {"category: process_creation": "category: dns_query"},
        None,
        "log source",
    ),
]


@pytest.mark.parametrize(("name", "change", "field", "reason"), REJECTIONS)
def test_rejected_rule_writes_nothing(
    tmp_path: Path, name: str, change: dict, field: str | None, reason: str
) -> None:
    text = RUNDLL32_RULE
    for old, new in change.items():
        assert old in text
        text = text.replace(old, new)
    source = write(tmp_path, name, text)
    out = tmp_path / "out"
    report = import_sigma([source], out)
    assert report.written == []
    assert len(report.rejected) == 1
    rejection = report.rejected[0]
    assert reason in rejection.reason or reason in rejection.category
    assert rejection.field == field
    if field:
        assert field in rejection.reason
    assert not out.exists() or list(out.iterdir()) == []


def test_invalid_yaml_is_rejected(tmp_path: Path) -> None:
    source = write(tmp_path, "broken.yml", "title: [unclosed\n")
    report = import_sigma([source], tmp_path / "out")
    assert report.written == []
    assert report.rejected[0].category == "invalid Sigma"


def test_cli_exit_codes(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yml", RUNDLL32_RULE)
    bad = write(
        tmp_path,
        "bad.yml",
        variant(**{"CommandLine|contains": "Hashes|contains"}).replace(
            "0b4f6a2e", "1b4f6a2e"
        ),
    )
    runner = CliRunner()
    ok = runner.invoke(
        cli, ["import", "sigma", str(good), "--out", str(tmp_path / "a")]
    )
    assert ok.exit_code == 0, ok.output
    mixed = runner.invoke(
        cli,
        ["import", "sigma", str(good), str(bad), "--out", str(tmp_path / "b")],
    )
    assert mixed.exit_code == 1
    assert "Hashes" in mixed.output
    assert "1 converted, 1 rejected" in mixed.output
    usage = runner.invoke(cli, ["import", "sigma", str(good)])
    assert usage.exit_code == 2


# -- offline ------------------------------------------------------------------


def test_no_network_blocks_connections() -> None:
    with no_network(), pytest.raises(NetworkBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_import_never_loads_mitre_data(tmp_path: Path, monkeypatch) -> None:
    import sigma.data.mitre_attack as mitre

    def fail(*args, **kwargs):
        raise AssertionError("pySigma tried to load MITRE ATT&CK data")

    monkeypatch.setattr(mitre, "_load_mitre_attack_data", fail)
    source = write(tmp_path, "rule.yml", RUNDLL32_RULE)
    report = import_sigma([source], tmp_path / "out")
    assert len(report.written) == 1
    assert report.rejected == []


def test_reimport_keeps_existing_files(tmp_path: Path) -> None:
    source = write(tmp_path, "rule.yml", RUNDLL32_RULE)
    first = import_sigma([source], tmp_path / "out")
    rule_file = first.written[0]
    cases_file = rule_file.with_suffix("").with_suffix(".tests.yaml")
    cases_file.write_text("# edited by hand\n" + cases_file.read_text())
    second = import_sigma([source], tmp_path / "out")
    assert second.written == []
    assert second.rejected[0].category == "file exists"
    assert "--overwrite" in second.rejected[0].reason
    assert cases_file.read_text().startswith("# edited by hand")


def test_overwrite_replaces_same_rule(tmp_path: Path) -> None:
    source = write(tmp_path, "rule.yml", RUNDLL32_RULE)
    first = import_sigma([source], tmp_path / "out")
    second = import_sigma([source], tmp_path / "out", overwrite=True)
    assert first.written == second.written
    assert len(list((tmp_path / "out").glob("*.toml"))) == 1


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    source = write(tmp_path, "empty.yml", "")
    report = import_sigma([source], tmp_path / "out")
    assert report.written == []
    assert "no Sigma rule" in report.rejected[0].reason


def test_cases_text_is_stable(tmp_path: Path) -> None:
    source = write(tmp_path, "rule.yml", RUNDLL32_RULE)
    report = import_sigma([source], tmp_path / "out")
    first = report.written[0].read_text(encoding="utf-8")
    import_sigma([source], tmp_path / "out", overwrite=True)
    assert report.written[0].read_text(encoding="utf-8") == first
    assert textwrap.dedent(first) == first


def test_generated_cases_have_no_yaml_aliases(imported) -> None:
    _, _, toml_path = imported
    text = toml_path.with_suffix("").with_suffix(".tests.yaml").read_text()
    assert "&id" not in text
    assert "*id" not in text


SAME_TITLE_IDS = [
    "0b4f6a2e-9c1d-4d7e-8f3a-5b6c7d8e9f01",
    "0b4f6a2e-9c1d-4d7e-8f3a-5b6c7d8e9f02",
    "0b4f6a2e-9c1d-4d7e-8f3a-5b6c7d8e9f03",
]


def write_same_title_rules(tmp_path: Path) -> list[Path]:
    original = SAME_TITLE_IDS[0]
    return [
        write(tmp_path, f"rule_{n}.yml", RUNDLL32_RULE.replace(original, sigma_id))
        for n, sigma_id in enumerate(SAME_TITLE_IDS)
    ]


@pytest.mark.parametrize("overwrite", [False, True])
def test_same_title_keeps_every_rule(tmp_path: Path, overwrite: bool) -> None:
    sources = write_same_title_rules(tmp_path)
    out = tmp_path / "out"

    report = import_sigma(sources, out, overwrite=overwrite)

    assert report.rejected == []
    assert len(set(report.written)) == 3
    rule_ids = sorted(
        tomllib.loads(path.read_text(encoding="utf-8"))["rule"]["rule_id"]
        for path in out.glob("*.toml")
    )
    assert rule_ids == sorted(rule_id_for(sigma_id) for sigma_id in SAME_TITLE_IDS)
    assert len(list(out.glob("*.tests.yaml"))) == 3


def test_same_title_reimport_keeps_paths(tmp_path: Path) -> None:
    sources = write_same_title_rules(tmp_path)
    first = import_sigma(sources, tmp_path / "out")
    second = import_sigma(list(reversed(sources)), tmp_path / "out", overwrite=True)
    assert second.rejected == []
    assert sorted(second.written) == sorted(first.written)
    assert len(list((tmp_path / "out").glob("*.toml"))) == 3


def test_repeated_sigma_id_is_rejected(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yml", RUNDLL32_RULE)
    second = write(
        tmp_path, "b.yml", RUNDLL32_RULE.replace("level: high", "level: low")
    )

    report = import_sigma([first, second], tmp_path / "out", overwrite=True)

    assert len(report.written) == 1
    assert [r.category for r in report.rejected] == ["duplicate id"]
    assert str(first) in report.rejected[0].reason
    assert 'severity = "high"' in report.written[0].read_text(encoding="utf-8")


def test_existing_files_message_grammar(tmp_path: Path) -> None:
    source = write(tmp_path, "rule.yml", RUNDLL32_RULE)
    rule_file = import_sigma([source], tmp_path / "out").written[0]
    both = import_sigma([source], tmp_path / "out").rejected[0].reason
    rule_file.unlink()
    one = import_sigma([source], tmp_path / "out").rejected[0].reason
    assert " already exist; pass --overwrite to replace them" in both
    assert one.endswith(".tests.yaml already exists; pass --overwrite to replace it")
