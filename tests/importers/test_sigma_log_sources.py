"""Sigma import of image_load, network_connection, file_event and registry rules."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from dac.cli import cli
from dac.importers.sigma import import_sigma

RULE_TEMPLATE = """\
title: {title}
id: {sigma_id}
status: test
description: Test rule for the {category} log source.
author: dac tests
date: 2024-03-01
tags:
  - attack.defense-evasion
logsource:
  category: {category}
  product: windows
detection:
{detection}
level: medium
"""

# category, Sigma detection, expected query start, the category of the
# generated events, and the data stream the rule's index names first.
LOG_SOURCES = [
    (
        "image_load",
        """\
  selection:
    ImageLoaded|endswith: '\\\\dbghelp.dll'
    Image|contains: '\\\\Users\\\\Public\\\\'
  filter:
    OriginalFileName: 'dbghelp.dll'
  condition: selection and not filter
""",
        'any where host.os.type == "windows" and (event.category == "library" '
        'or (event.category == "process" and event.action == "Image loaded")) and',
        "library",
        "logs-endpoint.events.library-*",
    ),
    (
        "network_connection",
        """\
  selection:
    Image|endswith: '\\\\rundll32.exe'
    DestinationPort:
      - 4444
      - 8080
  filter:
    DestinationIp|cidr: '10.0.0.0/8'
  condition: selection and not filter
""",
        'network where host.os.type == "windows" and event.action in '
        '("connection_attempted", "connection_accepted", "Network connection") and',
        "network",
        "logs-endpoint.events.network-*",
    ),
    (
        "file_event",
        """\
  selection:
    TargetFilename|contains: '\\\\Start Menu\\\\Programs\\\\Startup\\\\'
    TargetFilename|endswith: '.lnk'
  filter:
    Image|endswith: '\\\\explorer.exe'
  condition: selection and not filter
""",
        'file where host.os.type == "windows" and event.action in '
        '("creation", "overwrite", "FileCreate") and',
        "file",
        "logs-endpoint.events.file-*",
    ),
    (
        "registry_set",
        """\
  selection:
    TargetObject|contains: '\\\\CurrentVersion\\\\Run\\\\'
    Details|contains: '\\\\AppData\\\\'
  condition: selection
""",
        'registry where host.os.type == "windows" and event.action in '
        '("modification", "RegistryEvent (Value Set)") and',
        "registry",
        "logs-endpoint.events.registry-*",
    ),
    (
        "registry_event",
        """\
  selection:
    TargetObject|endswith: '\\\\Image File Execution Options\\\\sethc.exe\\\\Debugger'
  condition: selection
""",
        'registry where host.os.type == "windows" and event.action in '
        '("modification", "RegistryEvent (Object create and delete)", ',
        "registry",
        "logs-endpoint.events.registry-*",
    ),
]

CATEGORY_IDS = [entry[0] for entry in LOG_SOURCES]


def sigma_rule(category: str, detection: str, number: int = 0) -> str:
    return RULE_TEMPLATE.format(
        title=f"Sigma {category} test {number}",
        sigma_id=f"7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c{number:02d}",
        category=category,
        detection=detection,
    )


def import_one(tmp_path: Path, text: str):
    source = tmp_path / "sigma" / "rule.yml"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    return import_sigma([source], tmp_path / "out")


@pytest.mark.parametrize(
    ("category", "detection", "query_start", "event_category", "index"),
    LOG_SOURCES,
    ids=CATEGORY_IDS,
)
def test_log_source_converts(
    tmp_path: Path,
    category: str,
    detection: str,
    query_start: str,
    event_category: str,
    index: str,
) -> None:
    report = import_one(tmp_path, sigma_rule(category, detection))
    assert report.rejected == []
    assert len(report.written) == 1
    rule = tomllib.loads(report.written[0].read_text(encoding="utf-8"))
    assert rule["rule"]["query"].startswith(query_start)
    assert rule["rule"]["index"] == [index, "logs-windows.sysmon_operational-*"]


@pytest.mark.parametrize(
    ("category", "detection", "query_start", "event_category", "index"),
    LOG_SOURCES,
    ids=CATEGORY_IDS,
)
def test_cases_use_log_source_category(
    tmp_path: Path,
    category: str,
    detection: str,
    query_start: str,
    event_category: str,
    index: str,
) -> None:
    report = import_one(tmp_path, sigma_rule(category, detection))
    tests_path = report.written[0].with_suffix("").with_suffix(".tests.yaml")
    cases = yaml.safe_load(tests_path.read_text(encoding="utf-8"))["cases"]
    alerting = [case for case in cases if case["expect"]["alert"]]
    quiet = [case for case in cases if not case["expect"]["alert"]]
    assert alerting
    assert len(quiet) >= 2
    for case in cases:
        assert case["events"][0]["category"] == event_category
    # The last case is the same-category event the event filter must exclude.
    excluded = cases[-1]
    assert excluded["expect"]["alert"] is False
    assert excluded["events"][0]["event.action"] != alerting[0]["events"][0].get(
        "event.action"
    )


def test_all_log_sources_validate_and_test(tmp_path: Path) -> None:
    sources = tmp_path / "sigma"
    sources.mkdir()
    for number, (category, detection, *_) in enumerate(LOG_SOURCES):
        text = sigma_rule(category, detection, number)
        (sources / f"{category}.yml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = import_sigma([sources], out)
    assert report.rejected == []
    assert len(report.written) == len(LOG_SOURCES)

    runner = CliRunner()
    validated = runner.invoke(cli, ["validate", str(out), "--format", "json"])
    diagnostics = json.loads(validated.output)["diagnostics"]
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert errors == []
    assert validated.exit_code == 0
    tested = runner.invoke(cli, ["test", str(out), "--format", "json"])
    summary = json.loads(tested.output)["summary"]
    assert summary["failed"] == 0
    assert summary["passed"] == summary["cases"]
    assert summary["cases"] >= 3 * len(LOG_SOURCES)
    assert tested.exit_code == 0


def test_network_port_is_a_number(tmp_path: Path) -> None:
    category, detection, *_ = LOG_SOURCES[1]
    report = import_one(tmp_path, sigma_rule(category, detection))
    rule = tomllib.loads(report.written[0].read_text(encoding="utf-8"))
    assert "destination.port in (4444, 8080)" in rule["rule"]["query"]
    tests_path = report.written[0].with_suffix("").with_suffix(".tests.yaml")
    cases = yaml.safe_load(tests_path.read_text(encoding="utf-8"))["cases"]
    ports = [
        case["events"][0]["destination.port"]
        for case in cases
        if "destination.port" in case["events"][0]
    ]
    assert ports
    assert all(isinstance(port, int) for port in ports)


@pytest.mark.parametrize(
    ("initiated", "direction"), [("true", "egress"), ("false", "ingress")]
)
def test_initiated_maps_to_direction(
    tmp_path: Path, initiated: str, direction: str
) -> None:
    detection = (
        f"  selection:\n    Initiated: '{initiated}'\n    DestinationPort: 3389\n"
        "  condition: selection\n"
    )
    report = import_one(tmp_path, sigma_rule("network_connection", detection))
    assert report.rejected == []
    query = tomllib.loads(report.written[0].read_text(encoding="utf-8"))["rule"][
        "query"
    ]
    assert f'network.direction:"{direction}"' in query
    assert "Initiated" not in query


def test_image_load_tests_both_dll_fields(tmp_path: Path) -> None:
    category, detection, *_ = LOG_SOURCES[0]
    report = import_one(tmp_path, sigma_rule(category, detection))
    query = tomllib.loads(report.written[0].read_text(encoding="utf-8"))["rule"][
        "query"
    ]
    assert "dll.path" in query
    assert "file.path" in query
    assert "dll.pe.original_file_name" in query
    assert "file.pe.original_file_name" in query


REJECTED = [
    ("network_connection", "Initiated: 'yes'", "Initiated", "unsupported value"),
    ("network_connection", "Initiated: true", "Initiated", "not a string"),
    (
        "network_connection",
        "DestinationHostname|endswith: '.example.org'",
        "DestinationHostname",
        "unmapped field",
    ),
    ("network_connection", "DestinationIp|startswith: '10.'", "DestinationIp", "ip"),
    ("image_load", "Signed: 'false'", "Signed", "unmapped field"),
    ("file_event", "CommandLine|contains: 'x'", "CommandLine", "unmapped field"),
    ("registry_set", "EventType: SetValue", "EventType", "unmapped field"),
    ("registry_set", "Details: 'DWORD (0x00000001)'", "Details", "DWORD"),
    ("registry_event", "NewName|contains: 'x'", "NewName", "unmapped field"),
]


@pytest.mark.parametrize(("category", "item", "field", "reason"), REJECTED)
def test_rejection_names_field(
    tmp_path: Path, category: str, item: str, field: str, reason: str
) -> None:
    detection = f"  selection:\n    {item}\n  condition: selection\n"
    report = import_one(tmp_path, sigma_rule(category, detection))
    assert report.written == []
    assert len(report.rejected) == 1
    rejection = report.rejected[0]
    assert rejection.field == field
    assert field in rejection.reason
    assert reason in rejection.reason or reason == rejection.category


def test_registry_add_is_not_supported(tmp_path: Path) -> None:
    detection = "  selection:\n    TargetObject|contains: 'x'\n  condition: selection\n"
    report = import_one(tmp_path, sigma_rule("registry_add", detection))
    assert report.written == []
    assert report.rejected[0].category == "unsupported log source"
    assert "registry_add/windows" in report.rejected[0].reason
