"""The nightly regression run: every case on each backend, baseline replays.

One run produces one history record (see :mod:`dac.review.history`) with
per-rule case results per backend and alert counts per replayed dataset,
compares it with the previous record, appends it to the history file and
regenerates the reports.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dac.errors import ConfigError, DacError
from dac.review.checks import (
    CaseRunner,
    TestSummary,
    default_runner,
    get_backend,
    run_rule_cases,
)
from dac.review.history import (
    CASE_FILE_ERROR,
    append_run,
    failing_cases,
    find_regressions,
    noisy_rules,
    read_history,
)
from dac.rules import Rule

log = logging.getLogger(__name__)

# Replays ``dataset`` through ``rules`` and returns the alert count per rule_id.
Replayer = Callable[[list[Rule], Path], dict[str, int]]

# The repository's benign baseline: recorded or generated activity on which
# no rule may alert (detections/baseline/ in this repository).
BASELINE_DIR = Path("detections/baseline")
BASELINE_SUFFIXES = (".ndjson", ".json", ".evtx")


@dataclass(frozen=True)
class Dataset:
    """A recorded log set to replay; only benign datasets count as noise."""

    path: Path
    kind: str = "benign"

    @property
    def label(self) -> str:
        """Return the name used for this dataset in history records."""
        return self.path.name


@dataclass
class NightlyResult:
    """The record of one nightly run and the backends that could not run."""

    record: dict[str, Any]
    skipped_backends: dict[str, str] = field(default_factory=dict)
    # Every run in the history file, oldest first, ending with this one.
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def noisy(self) -> list[dict[str, Any]]:
        """List the rules alerting on a benign dataset, one entry per dataset."""
        return noisy_rules(self.record)

    @property
    def blocking_noise(self) -> list[dict[str, Any]]:
        """List the noisy rules above low severity, which fail the run."""
        return [entry for entry in self.noisy if entry["blocking"]]

    @property
    def regressions(self) -> list[dict[str, Any]]:
        """List the regressions against the previous run."""
        return self.record["regressions"]

    @property
    def failing(self) -> list[dict[str, Any]]:
        """List every case that fails in this run, regression or not."""
        return failing_cases(self.record)


def datasets_from_config(config_path: Path) -> list[Dataset]:
    """Read ``[nightly] datasets`` from the environment config file.

    Each entry is a path (a benign dataset) or a table ``{path = "...",
    kind = "benign" | "attack"}``. Relative paths are resolved against the
    config file's directory. A missing file or table yields no datasets.
    """
    if not config_path.exists():
        return []
    try:
        document = tomllib.loads(config_path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {config_path}: {exc}") from exc
    nightly = document.get("nightly", {})
    entries = nightly.get("datasets", []) if isinstance(nightly, dict) else []
    if not isinstance(entries, list):
        raise ConfigError(
            f"{config_path}: [nightly] datasets must be a list of paths or tables"
        )
    datasets = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ConfigError(
                f"{config_path}: [nightly] datasets[{index}] needs a string path"
            )
        kind = entry.get("kind", "benign")
        if kind not in ("benign", "attack"):
            raise ConfigError(
                f"{config_path}: [nightly] datasets[{index}] has kind {kind!r}; "
                "use benign or attack"
            )
        path = Path(entry["path"])
        if not path.is_absolute():
            path = config_path.parent / path
        datasets.append(Dataset(path, kind))
    return datasets


def check_reachable(backend: Any) -> None:
    """Raise :class:`DacError` when a cluster backend's servers do not respond.

    The check sends ``GET /`` to Elasticsearch and ``GET /api/status`` to
    Kibana. The embedded backend has no server and always passes.
    """
    es_client = getattr(backend, "client", None) or getattr(backend, "es", None)
    if es_client is not None:
        es_client.info()
    kibana = getattr(backend, "kibana", None)
    if kibana is not None:
        kibana.request("GET", "/api/status")


def run_backends(
    rules: list[Rule], backend_names: list[str], runner: CaseRunner
) -> tuple[dict[str, dict[str, TestSummary]], dict[str, str]]:
    """Run every rule's cases on each named backend that can be reached.

    Returns the summaries per backend (keyed by ``str(rule.path)``) and the
    reason each skipped backend did not run.
    """
    results: dict[str, dict[str, TestSummary]] = {}
    skipped: dict[str, str] = {}
    for name in backend_names:
        try:
            backend = get_backend(name)
        except DacError as exc:
            log.warning("backend %s skipped: %s", name, exc)
            skipped[name] = str(exc)
            continue
        try:
            check_reachable(backend)
            results[name] = run_rule_cases(rules, backend, runner)
        except DacError as exc:
            log.warning("backend %s skipped: not reachable: %s", name, exc)
            skipped[name] = f"not reachable: {exc}"
        finally:
            backend.close()
    return results, skipped


def build_record(
    rules: list[Rule],
    results: dict[str, dict[str, TestSummary]],
    dataset_alerts: dict[str, dict[str, int]],
    benign: list[str],
    commit: str,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """Assemble one history record (without its regressions).

    ``dataset_alerts`` maps a dataset label to alerts per rule_id; the
    datasets named in ``benign`` add up to each rule's ``baseline_alerts``.
    """
    stamp = (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rules_record: dict[str, Any] = {}
    for rule in rules:
        key = rule.rule_id or str(rule.path)
        backends = {}
        for backend, summaries in results.items():
            summary = summaries.get(str(rule.path))
            if summary is None:
                continue
            cases = {case.case: case.passed for case in summary.cases}
            if summary.error:
                cases[CASE_FILE_ERROR] = False
            backends[backend] = {
                "passed": summary.passed,
                "failed": summary.failed,
                "cases": cases,
                "error": summary.error,
            }
        record: dict[str, Any] = {
            "name": rule.display_name,
            "severity": rule.severity,
            "backends": backends,
        }
        # A rule left out of a replay has no count there, rather than zero.
        replayed = {
            label: counts[key]
            for label, counts in dataset_alerts.items()
            if key in counts
        }
        if replayed:
            record["datasets"] = replayed
        benign_counts = [replayed[label] for label in benign if label in replayed]
        if benign_counts:
            record["baseline_alerts"] = sum(benign_counts)
        rules_record[key] = record
    return {
        "format": 1,
        "timestamp": stamp,
        "commit": commit,
        "backends": sorted(results),
        "datasets": sorted(dataset_alerts),
        "benign_datasets": sorted(benign),
        "rules": rules_record,
        "regressions": [],
    }


def baseline_files(directory: Path = BASELINE_DIR) -> list[Path]:
    """Return the replayable files of the benign baseline directory, sorted.

    An absent directory gives an empty list.
    """
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_file() and path.suffix.lower() in BASELINE_SUFFIXES
    )


def count_alerts(rules: list[Rule], dataset: Path) -> dict[str, int]:
    """Replay ``dataset`` through ``rules`` in one pass; count alerts per rule_id.

    Rules the embedded engine cannot compile (no EQL query, a query the
    engine rejects) are left out with a warning, so that one such rule does
    not stop the replay of the others. Their count is absent, not zero.
    """
    from dac.replay import iter_documents, replay
    from dac.testing.backend import EmbeddedBackend

    backend = EmbeddedBackend()
    runnable = []
    for rule in rules:
        try:
            backend.compile(rule)
        except DacError as exc:
            log.warning("rule %s left out of the replay: %s", rule.display_name, exc)
            continue
        runnable.append(rule)
    result = replay(runnable, iter_documents(dataset))
    counts = {rule.rule_id or str(rule.path): 0 for rule in runnable}
    for alert in result.alerts:
        key = alert.rule_id or ""
        counts[key] = counts.get(key, 0) + 1
    return counts


def dataset_labels(datasets: list[Dataset]) -> list[str]:
    """Name each dataset by its file name, or by its full path when names clash."""
    names = [d.label for d in datasets]
    return [d.label if names.count(d.label) == 1 else str(d.path) for d in datasets]


def replay_datasets(
    rules: list[Rule], datasets: list[Dataset], replayer: Replayer
) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Replay each dataset; return alerts per dataset label, and the benign labels."""
    alerts: dict[str, dict[str, int]] = {}
    benign: list[str] = []
    for dataset, label in zip(datasets, dataset_labels(datasets), strict=True):
        log.info("replaying %s (%s)", dataset.path, dataset.kind)
        alerts[label] = replayer(rules, dataset.path)
        if dataset.kind == "benign":
            benign.append(label)
    return alerts, benign


def run_nightly(
    rules: list[Rule],
    *,
    backend_names: list[str],
    datasets: list[Dataset],
    history_path: Path,
    commit: str,
    replayer: Replayer,
    runner: CaseRunner | None = None,
) -> NightlyResult:
    """Run the cases and replays, detect regressions and append the record.

    Writes nothing but the history file; :func:`write_nightly_reports`
    renders the reports from the returned record.
    """
    runner = runner or default_runner()
    results, skipped = run_backends(rules, backend_names, runner)
    alerts, benign = replay_datasets(rules, datasets, replayer)
    record = build_record(rules, results, alerts, benign, commit)
    record["skipped_backends"] = skipped
    history = read_history(history_path)
    previous = history[-1] if history else None
    # The previous run's timestamp, or None on the first run.
    record["previous_run"] = (
        str(previous.get("timestamp") or "unknown") if previous else None
    )
    record["regressions"] = find_regressions(previous, record)
    append_run(history_path, record)
    history.append(record)
    log.info(
        "nightly run recorded in %s: %d regressions, %d failing cases",
        history_path,
        len(record["regressions"]),
        len(failing_cases(record)),
    )
    return NightlyResult(record, skipped, history)
