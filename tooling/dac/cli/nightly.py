"""``dac nightly``: the nightly regression run and its reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dac.errors import DacError
from dac.terminal import escape_control


@click.command("nightly")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--backend",
    "backends",
    multiple=True,
    type=click.Choice(["elasticsearch", "kibana"]),
    help="Also run the cases on this Docker backend when it is reachable "
    "(repeatable); the embedded backend always runs.",
)
@click.option(
    "--dataset",
    "dataset_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Also replay this benign dataset (repeatable), in addition to the "
    "bundled baseline and the [nightly] datasets of the config file.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("dac.toml"),
    show_default=True,
    help="Environment config file whose [nightly] datasets are replayed.",
)
@click.option(
    "--baseline-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("detections/baseline"),
    show_default=True,
    help="Directory of benign baseline files (.ndjson, .json, .evtx) to replay.",
)
@click.option(
    "--no-baseline",
    is_flag=True,
    help="Skip the benign baseline directory.",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports/history.jsonl"),
    show_default=True,
    help="History file (JSON lines, one run per line) to compare with and append to.",
)
@click.option(
    "--reports-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Directory for the HTML report, Navigator layer and Markdown summary.",
)
def command(
    paths: tuple[Path, ...],
    backends: tuple[str, ...],
    dataset_paths: tuple[Path, ...],
    config_path: Path,
    baseline_dir: Path,
    no_baseline: bool,
    history_path: Path,
    reports_dir: Path,
) -> None:
    """Run every rule's cases and the baseline replays, and record regressions.

    A regression is a case that passed in the previous run and fails now, or
    a rule that now raises alerts on a benign dataset after raising none.
    Every failing case and every rule alerting on a benign dataset is listed
    too, regression or not. Exits 1 when there is a regression, a failing
    case, a rule above low severity that alerts on a benign dataset (as
    dac replay --baseline) or a rule file that does not load, and 2 on a
    configuration error.
    """
    from dac.review import gitrev
    from dac.review.coverage import load_attack_table
    from dac.review.nightly import (
        Dataset,
        baseline_files,
        count_alerts,
        datasets_from_config,
        run_nightly,
    )
    from dac.review.nightly_report import render_summary, write_nightly_reports
    from dac.rules import load_rules

    rules, load_errors = load_rules(paths or (Path("detections"),))
    for error in load_errors:
        click.echo(f"error: {error}", err=True)
    try:
        baselines = [] if no_baseline else baseline_files(baseline_dir)
        if not baselines and not no_baseline:
            click.echo(
                f"warning: no benign baseline files in {baseline_dir}; replaying "
                "only the configured datasets",
                err=True,
            )
        datasets = [Dataset(path) for path in baselines]
        datasets += datasets_from_config(config_path)
        datasets += [Dataset(path) for path in dataset_paths]
        try:
            commit = gitrev.resolve_revision(Path.cwd(), "HEAD")
        except gitrev.GitError:
            commit = "unknown"
        result = run_nightly(
            rules,
            backend_names=["embedded", *backends],
            datasets=datasets,
            history_path=history_path,
            commit=commit,
            replayer=count_alerts,
        )
        written = write_nightly_reports(
            rules,
            result.record,
            result.skipped_backends,
            result.history,
            reports_dir,
            load_attack_table(),
        )
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    # Rule and case names come from files: escape control characters so they
    # cannot drive the terminal.
    lines = render_summary(result.record, result.skipped_backends).split("\n")
    click.echo("\n".join(escape_control(line) for line in lines))
    for path in written:
        click.echo(f"wrote {path}")
    for entry in result.blocking_noise:
        click.echo(
            f"error: noisy rule on benign dataset {escape_control(entry['dataset'])}: "
            f"{escape_control(entry['name'])} ({entry['severity'] or 'no severity'}, "
            f"{entry['alerts']} alerts)",
            err=True,
        )
    failed = result.regressions or result.failing or result.blocking_noise
    sys.exit(1 if failed or load_errors else 0)
