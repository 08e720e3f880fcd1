"""Nightly run: history file, regression detection, config datasets, CLI."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.errors import ConfigError
from dac.review.history import append_run, find_regressions, read_history, run_totals
from dac.review.nightly import Dataset, count_alerts, datasets_from_config
from dac.rules import load_rule

from review.helpers import ID_ALPHA, ID_BRAVO, cases_text, rule_text


def run_record(rules: dict) -> dict:
    return {"timestamp": "2026-12-04T02:00:00Z", "commit": "c", "rules": rules}


def rule_record(cases: dict[str, bool], alerts: int | None = None) -> dict:
    record = {
        "name": "Rule",
        "backends": {
            "embedded": {
                "passed": sum(cases.values()),
                "failed": len(cases) - sum(cases.values()),
                "cases": cases,
            }
        },
    }
    if alerts is not None:
        record["baseline_alerts"] = alerts
    return record


def test_history_append_and_read(tmp_path: Path):
    path = tmp_path / "reports" / "history.jsonl"

    append_run(path, run_record({ID_ALPHA: rule_record({"fires": True})}))
    append_run(path, run_record({ID_ALPHA: rule_record({"fires": False})}))

    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert (
        json.loads(lines[1])["rules"][ID_ALPHA]["backends"]["embedded"]["failed"] == 1
    )
    assert len(read_history(path)) == 2


def test_history_skips_bad_line(tmp_path: Path, caplog):
    path = tmp_path / "history.jsonl"
    append_run(path, run_record({}))
    with path.open("a") as handle:
        handle.write("{not json\n[1, 2]\n")
    append_run(path, run_record({}))

    with caplog.at_level(logging.WARNING):
        runs = read_history(path)

    assert len(runs) == 2
    assert "history.jsonl:2: skipping invalid JSON line" in caplog.text
    assert "history.jsonl:3: skipping line that is not a run record" in caplog.text


def test_history_absent_file(tmp_path: Path):
    assert read_history(tmp_path / "none.jsonl") == []


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        ({"a": True}, {"a": False}, [("case", "a")]),
        ({"a": False}, {"a": False}, []),
        ({"a": True}, {"a": True}, []),
        ({}, {"new": False}, []),
        (
            {"a": True, "b": True},
            {"a": False, "b": False},
            [("case", "a"), ("case", "b")],
        ),
    ],
)
def test_case_regressions(before, now, expected):
    previous = run_record({ID_ALPHA: rule_record(before)})
    current = run_record({ID_ALPHA: rule_record(now)})

    found = find_regressions(previous, current)

    assert [(r["kind"], r["case"]) for r in found] == expected


@pytest.mark.parametrize(
    ("before", "now", "noisy"),
    [
        (0, 3, True),
        (None, 2, True),
        (2, 5, False),
        (0, 0, False),
        (4, 0, False),
    ],
)
def test_noisy_regressions(before, now, noisy):
    previous = run_record({ID_ALPHA: rule_record({"a": True}, before)})
    current = run_record({ID_ALPHA: rule_record({"a": True}, now)})

    found = find_regressions(previous, current)

    assert [r["kind"] for r in found] == (["noisy"] if noisy else [])


def test_new_noisy_rule_is_regression():
    previous = run_record({ID_ALPHA: rule_record({"a": True}, 0)})
    current = run_record(
        {ID_ALPHA: rule_record({"a": True}, 0), ID_BRAVO: rule_record({"b": True}, 1)}
    )

    [regression] = find_regressions(previous, current)

    assert regression["rule_id"] == ID_BRAVO
    assert regression["alerts"] == 1


def test_first_run_has_no_regressions():
    current = run_record({ID_ALPHA: rule_record({"a": False}, 9)})

    assert find_regressions(None, current) == []


def test_run_totals():
    run = run_record(
        {
            ID_ALPHA: rule_record({"a": True, "b": False}, 2),
            ID_BRAVO: rule_record({"c": True}, 0),
        }
    )
    run["regressions"] = [{"kind": "noisy"}]

    assert run_totals(run) == {"passed": 2, "failed": 1, "noisy": 1, "regressions": 1}


def test_config_datasets(tmp_path: Path):
    config = tmp_path / "dac.toml"
    config.write_text(
        '[nightly]\ndatasets = ["data/benign.ndjson", '
        '{path = "/abs/attack.evtx", kind = "attack"}]\n'
    )

    datasets = datasets_from_config(config)

    assert datasets == [
        Dataset(tmp_path / "data" / "benign.ndjson", "benign"),
        Dataset(Path("/abs/attack.evtx"), "attack"),
    ]


def test_config_without_nightly(tmp_path: Path):
    config = tmp_path / "dac.toml"
    config.write_text('[environments.prod]\nkibana_url = "https://kibana.invalid"\n')

    assert datasets_from_config(config) == []
    assert datasets_from_config(tmp_path / "absent.toml") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[nightly]\ndatasets = 3\n", "must be a list"),
        (
            "[nightly]\ndatasets = [{kind = 'benign'}]\n",
            r"datasets\[0\] needs a string path",
        ),
        (
            "[nightly]\ndatasets = [{path = 'x', kind = 'evil'}]\n",
            "use benign or attack",
        ),
        ("[nightly\n", "cannot read"),
    ],
)
def test_config_errors(tmp_path: Path, body: str, message: str):
    config = tmp_path / "dac.toml"
    config.write_text(body)

    with pytest.raises(ConfigError, match=message):
        datasets_from_config(config)


def process_document(process_name: str, second: int) -> dict:
    stamp = f"2026-12-04T01:00:{second:02d}.000Z"
    return {
        "@timestamp": stamp,
        "event": {
            "category": ["process"],
            "type": ["start"],
            "kind": "event",
            "ingested": stamp,
        },
        "host": {"os": {"type": "windows"}, "name": "ws-01"},
        "process": {"name": process_name, "pid": 100 + second},
        "data_stream": {
            "type": "logs",
            "dataset": "endpoint.events.process",
            "namespace": "default",
        },
    }


def write_dataset(path: Path, names: list[str]) -> Path:
    lines = [json.dumps(process_document(name, i)) for i, name in enumerate(names)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_count_alerts(tmp_path: Path):
    rule_path = tmp_path / "alpha.toml"
    rule_path.write_text(rule_text(ID_ALPHA, "Alpha", "alpha.exe"))
    dataset = write_dataset(
        tmp_path / "benign.ndjson", ["notepad.exe", "alpha.exe", "alpha.exe"]
    )

    counts = count_alerts([load_rule(rule_path)], dataset)

    assert counts == {ID_ALPHA: 2}


@pytest.fixture
def nightly_dir(tmp_path: Path) -> Path:
    rules = tmp_path / "detections"
    rules.mkdir()
    (rules / "alpha.toml").write_text(rule_text(ID_ALPHA, "Alpha", "alpha.exe"))
    (rules / "alpha.tests.yaml").write_text(cases_text("alpha.exe"))
    write_dataset(tmp_path / "benign.ndjson", ["notepad.exe", "explorer.exe"])
    return tmp_path


def invoke_nightly(root: Path):
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


def test_cli_nightly_detects_regressions(nightly_dir: Path):
    first = invoke_nightly(nightly_dir)
    assert first.exit_code == 0, first.output
    assert "First run: no previous run to compare." in first.output

    # The rule now matches explorer.exe: its alerting case fails and it
    # alerts on the benign dataset.
    (nightly_dir / "detections" / "alpha.toml").write_text(
        rule_text(ID_ALPHA, "Alpha", "explorer.exe")
    )
    second = invoke_nightly(nightly_dir)

    assert second.exit_code == 1, second.output
    runs = read_history(nightly_dir / "reports" / "history.jsonl")
    assert len(runs) == 2
    kinds = sorted(r["kind"] for r in runs[1]["regressions"])
    assert kinds == ["case", "noisy"]
    assert runs[1]["rules"][ID_ALPHA]["baseline_alerts"] == 1
    assert runs[1]["rules"][ID_ALPHA]["backends"]["embedded"]["failed"] == 1
    reports = nightly_dir / "reports"
    assert (reports / "coverage.html").exists()
    assert json.loads((reports / "attack-navigator.json").read_text())["techniques"]
    assert "now fails on embedded" in (reports / "nightly.md").read_text()


def test_cli_nightly_skips_unreachable_backend(nightly_dir: Path, monkeypatch):
    # Port 9 on loopback has no listener, so the connection is refused at once.
    monkeypatch.setenv("DAC_ES_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(
        cli,
        [
            "nightly",
            str(nightly_dir / "detections"),
            "--no-baseline",
            "--backend",
            "elasticsearch",
            "--config",
            str(nightly_dir / "dac.toml"),
            "--history",
            str(nightly_dir / "history.jsonl"),
            "--reports-dir",
            str(nightly_dir / "reports"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "Backend elasticsearch skipped: not reachable" in result.output
    [run] = read_history(nightly_dir / "history.jsonl")
    assert run["backends"] == ["embedded"]
    assert "elasticsearch" in run["skipped_backends"]


def test_cli_nightly_bad_config(nightly_dir: Path):
    (nightly_dir / "dac.toml").write_text("[nightly]\ndatasets = 3\n")

    result = invoke_nightly(nightly_dir)

    assert result.exit_code == 2
    assert "datasets must be a list" in result.output
    assert "Traceback" not in result.output


def test_deploy_config_accepts_nightly_table(tmp_path: Path):
    from dac.deploy.config import load_config

    config = tmp_path / "dac.toml"
    config.write_text(
        '[nightly]\ndatasets = ["benign.ndjson", {path = "a.evtx", kind = "attack"}]\n'
        '[environments.local]\nkibana_url = "http://127.0.0.1:5601"\n'
        '[environments.local.auth]\napi_key_env = "DAC_TEST_KEY"\n'
    )

    loaded = load_config(config)

    assert "local" in loaded.environments
    assert len(datasets_from_config(config)) == 2


def test_summary_without_benign_dataset(nightly_dir: Path):
    result = CliRunner().invoke(
        cli,
        [
            "nightly",
            str(nightly_dir / "detections"),
            "--no-baseline",
            "--config",
            str(nightly_dir / "dac.toml"),
            "--history",
            str(nightly_dir / "history.jsonl"),
            "--reports-dir",
            str(nightly_dir / "reports"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "no benign dataset was replayed" in result.output
    [run] = read_history(nightly_dir / "history.jsonl")
    assert "baseline_alerts" not in run["rules"][ID_ALPHA]


@pytest.mark.parametrize(
    "line",
    [
        '{"rules": {"r": "not an object"}}',
        '{"rules": {"r": {"backends": []}}}',
        '{"rules": {"r": {"backends": {"embedded": {"passed": "2"}}}}}',
        '{"rules": {"r": {"backends": {"embedded": {"cases": {"c": "yes"}}}}}}',
        '{"rules": {"r": {"baseline_alerts": -1}}}',
        '{"rules": {}, "regressions": "none"}',
    ],
)
def test_history_skips_malformed_record(tmp_path: Path, line: str):
    path = tmp_path / "history.jsonl"
    path.write_text(line + "\n")

    assert read_history(path) == []
