"""``dac query``: run an EQL query over event files with the embedded engine."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from dac.engine import infer_field_types, search
from dac.errors import DacError, EqlError


class InputError(DacError):
    """An input file cannot be read or contains something other than JSON objects."""


def _documents_from_text(name: str, stream: IO[str]) -> Iterator[dict[str, Any]]:
    text = stream.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name}:{exc.lineno}:{exc.colno}: invalid JSON array: {exc.msg}"
            ) from exc
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise InputError(
                    f"{name}: element {index} of the array is not a JSON object"
                )
            yield item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name}:{number}:{exc.colno}: invalid JSON line: {exc.msg}; "
                "each line of an NDJSON file must be one JSON object"
            ) from exc
        if not isinstance(item, dict):
            raise InputError(f"{name}:{number}: the line is not a JSON object")
        yield item


def read_documents(paths: tuple[str, ...]) -> list[dict[str, Any]]:
    """Read NDJSON or JSON-array files (``-`` is stdin) in the order given."""
    documents: list[dict[str, Any]] = []
    for path in paths or ("-",):
        if path == "-":
            documents.extend(_documents_from_text("<stdin>", sys.stdin))
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                documents.extend(_documents_from_text(path, handle))
        except OSError as exc:
            raise InputError(f"{path}: cannot read the file: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: the file is not UTF-8 text: {exc}") from exc
    return documents


def _field_types(schema: str, documents: list[dict[str, Any]]) -> dict[str, str]:
    sources = [
        d["_source"] if isinstance(d.get("_source"), dict) else d for d in documents
    ]
    inferred = infer_field_types(sources)
    if schema == "none":
        return inferred
    from dac.schemas import load_table

    # A field counts as mapped when the schema or any input document has it.
    return {**inferred, **load_table(schema).fields}


@click.command("query")
@click.argument("query_text", metavar="QUERY")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--size",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Maximum number of events or sequences to print.",
)
@click.option(
    "--timestamp-field",
    default="@timestamp",
    show_default=True,
    help="Field holding each event's time (ISO-8601 or epoch milliseconds).",
)
@click.option(
    "--tiebreaker-field",
    default=None,
    help="Field that orders events with the same timestamp.",
)
@click.option(
    "--event-category-field",
    default="event.category",
    show_default=True,
    help="Field holding the event category that 'process where' tests.",
)
@click.option(
    "--schema",
    type=click.Choice(["defend", "ecs", "none"]),
    default="defend",
    show_default=True,
    help="Field types: a shipped table, or 'none' to infer them from the input.",
)
def command(
    query_text: str,
    files: tuple[str, ...],
    size: int,
    timestamp_field: str,
    tiebreaker_field: str | None,
    event_category_field: str,
    schema: str,
) -> None:
    """Run an EQL QUERY over FILE... (NDJSON or a JSON array; - for stdin).

    Prints a response shaped like Elasticsearch's _eql/search. An event's
    _id is its own _id field or its 0-based position across all files.
    """
    try:
        documents = read_documents(files)
        response = search(
            query_text,
            documents,
            size=size,
            schema=_field_types(schema, documents),
            timestamp_field=timestamp_field,
            tiebreaker_field=tiebreaker_field,
            event_category_field=event_category_field,
        )
    except EqlError as exc:
        click.echo(f"query:{exc.line}:{exc.column}: {exc.message}", err=True)
        sys.exit(2)
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(response, indent=2, ensure_ascii=False, default=str))
