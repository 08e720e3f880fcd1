"""Render the HTML report in headless Chromium and check what the page shows.

Needs Debian's ``chromium`` package at /usr/bin/chromium; the tests skip
with that reason when it is absent. Each Chromium run gets a fresh profile
directory and a timeout, and records a net log that the test reads to
prove the page made no network request.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from dac.review.checks import CaseOutcome, TestSummary
from dac.review.coverage import build_coverage
from dac.review.html_report import render_report
from dac.review.report import rule_statuses
from dac.rules import parse_rule
from dac.schemas import load_attack

from review.helpers import ID_ALPHA, ID_BRAVO, ID_CHARLIE, rule_text

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_TIMEOUT_SECONDS = 120
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium still starts its own requests (update, time and account
    # services) despite the flags above. Resolving no host name and sending
    # everything through a closed loopback port keeps every packet on this
    # machine; the net log still records the attempts.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs /usr/bin/chromium (apt-get install -y chromium)",
)

HOSTILE_NAME = '<script>document.title="owned"</script><img src="http://127.0.0.1:9/x">'


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    alpha = parse_rule(rule_text(ID_ALPHA, "Alpha", "a.exe"), "detections/alpha.toml")
    bravo = parse_rule(rule_text(ID_BRAVO, "Bravo", "b.exe"), "detections/bravo.toml")
    hostile = parse_rule(
        rule_text(ID_CHARLIE, "placeholder", "c.exe", technique="T1218").replace(
            'name = "placeholder"', f"name = '{HOSTILE_NAME}'"
        ),
        "detections/charlie.toml",
    )
    rules = [alpha, bravo, hostile]

    tests = {
        ID_ALPHA: TestSummary([CaseOutcome("fires", True), CaseOutcome("miss", True)]),
        ID_BRAVO: TestSummary([CaseOutcome("fires", False, "no alert")]),
    }

    history = [
        {
            "timestamp": f"2026-11-{day:02d}T02:00:00Z",
            "rules": {
                ID_BRAVO: {
                    "backends": {"embedded": {"passed": 1, "failed": day % 2}},
                    "baseline_alerts": day % 3,
                }
            },
            "regressions": [],
        }
        for day in range(1, 11)
    ]

    coverage = build_coverage(rules, load_attack())
    statuses = rule_statuses(rules, tests, {ID_BRAVO: 7})
    page = render_report(coverage, statuses, history, "2026-12-04 02:00 UTC", "f" * 40)
    path = tmp_path_factory.mktemp("html") / "coverage.html"
    path.write_text(page, "utf-8")
    return path


def run_chromium(page: Path, work: Path, *extra: str) -> tuple[str, Path]:
    """Run Chromium on ``page`` with a fresh profile; return stdout and the net log."""
    net_log = work / "netlog.json"
    command = [
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={work / 'profile'}",
        f"--log-net-log={net_log}",
        *extra,
        page.as_uri(),
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout, net_log


def page_requests(net_log: Path) -> set[str]:
    """Return the URLs of the requests a web page started, from a net log.

    The browser's own requests carry the initiator "not an origin"; a
    request from a ``file:`` page carries its opaque origin, "null".
    """
    document = json.loads(net_log.read_text("utf-8"))
    event_types = {
        number: name for name, number in document["constants"]["logEventTypes"].items()
    }
    urls = set()
    for event in document.get("events", []):
        if event_types.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        params = event.get("params") or {}
        initiator = params.get("initiator")
        if "url" in params and initiator != "not an origin":
            urls.add(params["url"])
    return urls


@pytest.fixture(scope="module")
def dom(report_page: Path, tmp_path_factory) -> tuple[str, set[str]]:
    work = tmp_path_factory.mktemp("chromium-dom")
    text, net_log = run_chromium(report_page, work, "--dump-dom")
    return text, page_requests(net_log)


def test_chromium_shows_technique_cells(dom):
    text, _ = dom
    cell = re.search(r'<div class="cell[^"]*"[^>]*data-technique="T1059"[^>]*>', text)

    assert cell is not None
    assert 'data-rules="2"' in cell.group(0)
    assert "covered" in cell.group(0)
    assert 'data-technique="T1204"' in text  # an uncovered technique is shown
    assert "1/" in text  # per-tactic "covered/total" counts


def test_chromium_shows_rule_names_and_counts(dom):
    text, _ = dom

    assert ">Alpha<" in text
    assert ">Bravo<" in text
    assert '<td class="alerts">7</td>' in text
    assert 'data-stat="rules"><b>3</b>' in text
    assert "10 runs recorded" in text


def test_chromium_escapes_hostile_name(dom):
    text, _ = dom

    assert "<title>Detection rule coverage</title>" in text
    assert "&lt;script&gt;" in text
    assert '<img src="http' not in text


def test_chromium_makes_no_network_request(dom):
    _, urls = dom
    external = {url for url in urls if not url.startswith(("file:", "data:"))}

    assert external == set()


def test_net_log_check_detects_request(tmp_path: Path):
    # The same check must notice a page that does load something.
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/leak.png">')

    _, net_log = run_chromium(page, tmp_path, "--dump-dom")

    assert "http://127.0.0.1:9/leak.png" in page_requests(net_log)


def test_chromium_screenshot(report_page: Path, tmp_path: Path):
    shot = tmp_path / "coverage.png"

    run_chromium(
        report_page, tmp_path, f"--screenshot={shot}", "--window-size=1400,1600"
    )

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
