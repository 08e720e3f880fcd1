"""``dac diff-engines``: cases where the embedded engine and Elasticsearch differ."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import yaml

from dac.errors import DacError, ElasticsearchConnectionError
from dac.rules import load_rules
from dac.testing.backend import get_backend
from dac.testing.engine_diff import DiffReport, Disagreement, diff_engines
from dac.testing.runner import load_rule_cases

DEFAULT_PATH = "detections"


@click.command("diff-engines")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--es-url",
    default=None,
    help="Elasticsearch URL (default: $DAC_ES_URL, else http://127.0.0.1:9200). "
    "Credentials come from DAC_ES_API_KEY or DAC_ES_USERNAME/DAC_ES_PASSWORD.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format: text (one block per disagreement) or JSON.",
)
def command(paths: tuple[Path, ...], es_url: str | None, output_format: str) -> None:
    """Run every test case on the embedded engine and on Elasticsearch.

    PATHS are rule files or directories (default: detections/). Each case
    whose alerts differ between the two is listed with its rule, query,
    events and both results. Exit status: 0 when they agree on every case,
    1 when any case differs, 2 when Elasticsearch cannot be reached or a
    rule or test-case file is invalid.
    """
    targets = list(paths or (Path(DEFAULT_PATH),))
    for target in targets:
        if not target.exists():
            raise click.UsageError(f"path not found: {target}")

    rules, rule_errors = load_rules(targets)
    loaded, case_errors = load_rule_cases(rules)
    try:
        elasticsearch = get_backend("elasticsearch", es_url=es_url)
    except DacError as exc:
        _fail(str(exc))
    try:
        elasticsearch.client.info()
        report = diff_engines(loaded, get_backend("embedded"), elasticsearch)
    except ElasticsearchConnectionError as exc:
        _fail(f"Elasticsearch is not reachable: {exc}")
    finally:
        elasticsearch.close()

    _print(report, output_format)
    for error in [*rule_errors, *case_errors, *report.errors]:
        click.echo(f"error: {error}", err=True)
    if rule_errors or case_errors or report.errors:
        sys.exit(2)
    sys.exit(1 if report.disagreements else 0)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _print(report: DiffReport, output_format: str) -> None:
    if output_format == "json":
        document = {
            "disagreements": [item.to_dict() for item in report.disagreements],
            "summary": {
                "cases": report.cases,
                "disagreements": len(report.disagreements),
            },
        }
        click.echo(json.dumps(document, indent=2, default=str))
        return
    for item in report.disagreements:
        click.echo(_render(item))
    click.echo(
        f"{report.cases} cases compared, {len(report.disagreements)} disagreements"
    )


def _render(item: Disagreement) -> str:
    """Render one disagreement with the case's events in the compact form written."""
    query = (item.rule.query or "").strip()
    events = yaml.safe_dump(
        [dict(event) for event in item.case.events], sort_keys=False
    ).rstrip()
    lines = [
        f"{item.path}: rule {item.rule.display_name!r} ({item.rule.rule_id}), "
        f"case {item.case.name!r}",
        "  query:",
        *(f"    {line}" for line in query.splitlines()),
        "  events (as written in the case; positions count from 0):",
        *(f"    {line}" for line in events.splitlines()),
        f"  embedded:      {item.embedded.describe()}",
        f"  elasticsearch: {item.elasticsearch.describe()}",
        "",
    ]
    return "\n".join(lines)
