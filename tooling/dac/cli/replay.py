"""``dac replay``: run rules over recorded logs and list the alerts."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from dac.errors import DacError
from dac.replay import (
    assign_index,
    check_timestamps,
    index_name_error,
    input_path_error,
    iter_documents,
    merge_by_time,
    replay,
)
from dac.replay.runner import MAX_UNSEEN_INDEXES, ReplayAlert, ReplayResult
from dac.review.history import QUIET_SEVERITIES
from dac.rules import load_rules
from dac.terminal import escape_control

DEFAULT_RULES = "detections"


def _check_index(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    if value is not None:
        problem = index_name_error(value)
        if problem is not None:
            raise click.BadParameter(problem)
    return value


@click.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="Rule file or directory of rules to run.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format: one line per alert, or a JSON document.",
)
@click.option(
    "--baseline",
    is_flag=True,
    help="Treat the files as benign activity: exit 1 if a rule above low "
    "severity alerts on them, 2 if no rule's index patterns matched any "
    "document.",
)
@click.option(
    "--index",
    "default_index",
    metavar="NAME",
    callback=_check_index,
    help="Index name to give documents that have neither _index nor "
    "data_stream.*, such as logs-endpoint.events.process-default.",
)
def command(
    files: tuple[Path, ...],
    rules_path: Path,
    output_format: str,
    baseline: bool,
    default_index: str | None,
) -> None:
    """Run rules over recorded logs: ECS NDJSON, Windows JSON or .evtx.

    Each FILE is read as a stream, so large exports need little memory.
    Each must be in time order. Several files are merged by the timestamp
    field most of the rules use.

    A rule reads a document only when its index patterns match the
    document's _index or data_stream.* fields. Documents that no rule saw
    are counted in a warning on stderr.

    Exit status: 0 (with --baseline: no alert above low severity), 1 when
    --baseline finds noisy rules, 2 for a missing path, an unreadable rule,
    a malformed input file, or --baseline when no rule saw any document.
    The message names the file and line.
    """
    if not rules_path.exists():
        raise click.UsageError(f"rules path not found: {rules_path}")
    for path in files:
        problem = input_path_error(path)
        if problem is not None:
            raise click.UsageError(f"{path}: {problem}")
    rules, rule_errors = load_rules([rules_path])
    if rule_errors:
        for error in rule_errors:
            click.echo(f"error: {error}", err=True)
        sys.exit(2)
    rules = [rule for rule in rules if rule.language == "eql" and rule.query]
    if not rules:
        click.echo(
            f"error: no rules found in {rules_path}: replay runs rule files "
            "(*.toml) with an EQL query",
            err=True,
        )
        sys.exit(2)

    # Files are merged by time, so a sequence may span them. The merge uses
    # the timestamp field most rules use (Elastic's rules mostly set
    # timestamp_override = event.ingested).
    fields = Counter(rule.timestamp_override or "@timestamp" for rule in rules)
    timestamp_field = fields.most_common(1)[0][0]
    streams = [iter_documents(path) for path in files]
    if default_index is not None:
        streams = [assign_index(stream, default_index) for stream in streams]
    documents = merge_by_time(streams, timestamp_field)
    try:
        result = replay(rules, check_timestamps(documents, fields))
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)

    _print(result, output_format)
    _warn_unseen(result)
    if baseline and result.unseen == result.events:
        if result.events:
            reason = (
                f"no rule's index patterns matched any of the {result.events} documents"
            )
        else:
            reason = "the files contain no documents"
        click.echo(
            f"error: nothing was checked: {reason}, so --baseline cannot pass",
            err=True,
        )
        sys.exit(2)
    if baseline:
        noisy = sorted(
            {
                alert.rule_name
                for alert in result.alerts
                if (alert.severity or "").lower() not in QUIET_SEVERITIES
            }
        )
        for name in noisy:
            click.echo(f"noisy rule on baseline: {escape_control(name)}", err=True)
        sys.exit(1 if noisy else 0)
    sys.exit(0)


def _warn_unseen(result: ReplayResult) -> None:
    """Print on stderr how many documents no rule saw, and how to route them."""
    if result.unseen_without_index:
        click.echo(
            f"warning: {result.unseen_without_index} of {result.events} documents "
            "have no index (no _index, and no data_stream.type, "
            "data_stream.dataset and data_stream.namespace), so no rule's "
            "index patterns matched them and no rule checked them. Add "
            "data_stream.* to the documents, export them as search hits with "
            "_index, or pass --index NAME (see docs/replay.md).",
            err=True,
        )
    with_index = result.unseen - result.unseen_without_index
    if with_index:
        names = ", ".join(
            f"{name} ({count})" for name, count in result.unseen_indexes.items()
        )
        if len(result.unseen_indexes) == MAX_UNSEEN_INDEXES:
            names += ", ..."
        click.echo(
            f"warning: {with_index} of {result.events} documents are in indexes "
            f"that no rule's index patterns match, so no rule checked them: {names}",
            err=True,
        )


def _print(result: ReplayResult, output_format: str) -> None:
    alerts = sorted(result.alerts, key=ReplayAlert.sort_key)
    if output_format == "json":
        document = {
            "alerts": [alert.to_dict() for alert in alerts],
            "summary": {
                "events": result.events,
                "rules": result.rules,
                "alerts": len(alerts),
                "unseen": result.unseen,
                "unseen_without_index": result.unseen_without_index,
            },
        }
        click.echo(json.dumps(document, indent=2, default=str))
        return
    for alert in alerts:
        count = len(alert.events)
        # Rule names and severities come from rule files, and file names from
        # the command line or an archive, so none of them is printed raw.
        source = escape_control(alert.source)
        name = escape_control(alert.rule_name)
        severity = escape_control(alert.severity or "no severity")
        click.echo(f"{source}: {name} ({severity}, {count} event{'s' * (count != 1)})")
    click.echo(f"{result.events} events, {result.rules} rules, {len(alerts)} alerts")
