"""``dac coverage``: ATT&CK Navigator layer and HTML coverage report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dac.errors import DacError

DEFAULT_HISTORY = Path("reports/history.jsonl")


@click.command("coverage")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--navigator",
    "navigator_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an ATT&CK Navigator layer (JSON) to this file.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the self-contained HTML report to this file.",
)
@click.option(
    "--results",
    "results_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read case results from this JSON file instead of running the cases.",
)
@click.option(
    "--no-tests",
    is_flag=True,
    help="Do not run the cases; the report shows test status as not run. "
    "Cannot be combined with --results.",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_HISTORY,
    show_default=True,
    help="Nightly history file (JSON lines) drawn as the regression trend.",
)
def command(
    paths: tuple[Path, ...],
    navigator_path: Path | None,
    html_path: Path | None,
    results_path: Path | None,
    no_tests: bool,
    history_path: Path,
) -> None:
    """Report which ATT&CK techniques the rules under PATHS cover (default: detections).

    Test status comes from --results, or from running each rule's cases on
    the embedded backend. Exits 1 when a rule file does not load.
    """
    from dac.review.checks import default_runner, get_backend, run_rule_cases
    from dac.review.coverage import load_attack_table
    from dac.review.history import read_history
    from dac.review.report import load_results, write_coverage
    from dac.rules import load_rules

    if navigator_path is None and html_path is None:
        raise click.UsageError("give --navigator FILE, --html FILE or both")
    if results_path is not None and no_tests:
        raise click.UsageError(
            "--results and --no-tests exclude each other: --results reads test "
            "status from a file, --no-tests reports it as not run"
        )
    rules, load_errors = load_rules(paths or (Path("detections"),))
    for error in load_errors:
        click.echo(f"error: {error}", err=True)
    try:
        attack = load_attack_table()
        tests = None
        if results_path is not None:
            tests = load_results(results_path)
        elif not no_tests and html_path is not None:
            by_path = run_rule_cases(rules, get_backend("embedded"), default_runner())
            tests = {
                rule.rule_id or str(rule.path): by_path[str(rule.path)]
                for rule in rules
            }
        history = read_history(history_path)
        alerts = _latest_baseline_alerts(history)
        write_coverage(rules, navigator_path, html_path, attack, tests, alerts, history)
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for label, path in (
        ("Navigator layer", navigator_path),
        ("HTML report", html_path),
    ):
        if path is not None:
            click.echo(f"{label}: {path}")
    sys.exit(1 if load_errors else 0)


def _latest_baseline_alerts(history: list[dict]) -> dict[str, int] | None:
    """Return the baseline alert count per rule_id from the newest run, if any."""
    if not history:
        return None
    rules = history[-1].get("rules") or {}
    return {
        rule_id: record["baseline_alerts"]
        for rule_id, record in rules.items()
        if isinstance(record, dict) and isinstance(record.get("baseline_alerts"), int)
    }
