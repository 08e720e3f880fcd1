"""``dac query``: run an EQL query over event files with the embedded engine."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from dac.engine import field_getter, infer_field_types, search, timestamp_error
from dac.errors import DacError, EqlError


class InputError(DacError):
    """An input file cannot be read or contains something other than JSON objects."""


# Python's JSON decoder recurses once per level of nesting, so about 1,000
# levels (the default recursion limit) raise RecursionError.
TOO_DEEP = (
    "nesting too deep: the JSON decoder stops at about 1,000 levels "
    "of objects and arrays"
)


def _documents_from_text(name: str, stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each JSON object of an NDJSON or array text."""
    text = stream.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from _array_elements(name, text, len(text) - len(stripped))
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
        except RecursionError as exc:
            raise InputError(f"{name}:{number}: {TOO_DEEP}") from exc
        if not isinstance(item, dict):
            raise InputError(f"{name}:{number}: the line is not a JSON object")
        yield number, item


def _array_elements(name: str, text: str, start: int) -> Iterator[tuple[int, Any]]:
    """Decode a JSON array one element at a time, so errors carry a line.

    ``start`` is the position of the opening bracket.
    """
    decoder = json.JSONDecoder()
    position = start + 1
    line = 1 + text.count("\n", 0, position)
    counted = position
    index = 0
    while True:
        position = _skip_space(text, position)
        line += text.count("\n", counted, position)
        counted = position
        if position < len(text) and text[position] == "]" and index == 0:
            position += 1
            break
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name}:{exc.lineno}:{exc.colno}: invalid JSON array: {exc.msg}"
            ) from exc
        except RecursionError as exc:
            raise InputError(f"{name}:{line}: {TOO_DEEP}") from exc
        if not isinstance(item, dict):
            raise InputError(
                f"{name}:{line}: element {index} of the array is not a JSON object"
            )
        yield line, item
        index += 1
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position += 1
        elif text.startswith("]", position):
            position += 1
            break
        else:
            line += text.count("\n", counted, position)
            raise InputError(
                f"{name}:{line}: invalid JSON array: expected ',' or ']' "
                f"after element {index - 1}"
            )
    if text[position:].strip():
        line += text.count("\n", counted, position)
        raise InputError(f"{name}:{line}: invalid JSON array: extra data after ']'")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _check_timestamp(name: str, line: int, document: Any, getter: Any, field: str):
    source = document.get("_source")
    for value in getter(source if isinstance(source, dict) else document):
        problem = timestamp_error(value)
        if problem is not None:
            shown = json.dumps(value)
            raise InputError(f"{name}:{line}: invalid {field} {shown}: {problem}")


def read_documents(
    paths: tuple[str, ...], timestamp_field: str = "@timestamp"
) -> list[dict[str, Any]]:
    """Read NDJSON or JSON-array files (``-`` is stdin) in the order given.

    Raises :class:`InputError` naming the file and line for invalid JSON,
    nesting too deep to decode, and a ``timestamp_field`` value that is not
    a finite number of milliseconds within a 64-bit integer.
    """
    getter = field_getter(tuple(timestamp_field.split(".")))
    documents: list[dict[str, Any]] = []
    for path in paths or ("-",):
        name = "<stdin>" if path == "-" else path
        try:
            if path == "-":
                items = list(_documents_from_text(name, sys.stdin))
            else:
                with open(path, encoding="utf-8") as handle:
                    items = list(_documents_from_text(name, handle))
        except IsADirectoryError as exc:
            raise InputError(f"{path}: is a directory; pass NDJSON files") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read the file: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: the file is not UTF-8 text: {exc}") from exc
        for line, item in items:
            _check_timestamp(name, line, item, getter, timestamp_field)
            documents.append(item)
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

    Without FILE, reads standard input unless it is a terminal.

    Prints a response shaped like Elasticsearch's _eql/search. An event's
    _id is its own _id field or its 0-based position across all files.
    """
    if not files and click.get_text_stream("stdin").isatty():
        raise click.UsageError("no input: pass FILE... or - to read stdin")
    try:
        documents = read_documents(files, timestamp_field)
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
