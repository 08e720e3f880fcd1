"""``dac schema``: look up field types and write the test index templates."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from dac.schemas import load_table, table_names
from dac.schemas.templates import all_index_templates

MAX_SUGGESTIONS = 3


@click.group("schema")
def schema() -> None:
    """Inspect the shipped field tables and write index templates."""


@schema.command("show")
@click.argument("field")
def show(field: str) -> None:
    """Print FIELD's Elasticsearch type in every shipped table.

    Exits 1 when no table maps the field, after listing similar names.
    """
    known_anywhere = False
    all_fields: set[str] = set()
    for name in table_names():
        table = load_table(name)
        field_type = table.type_of(field)
        if field_type is not None:
            known_anywhere = True
        all_fields.update(table.fields)
        type_text = field_type if field_type is not None else "-"
        click.echo(f"{name:<18} {table.version:<10} {type_text}")
    if known_anywhere:
        return
    click.echo(f"{field}: not mapped in any table", err=True)
    suggestions = difflib.get_close_matches(field, sorted(all_fields), MAX_SUGGESTIONS)
    if suggestions:
        click.echo(f"did you mean: {', '.join(suggestions)}", err=True)
    sys.exit(1)


@schema.command("templates")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write one <template name>.json file per data stream into.",
)
def templates(out: Path) -> None:
    """Write the composable index templates used by the integration tests."""
    out.mkdir(parents=True, exist_ok=True)
    for name, template in all_index_templates().items():
        path = out / f"{name}.json"
        path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")
        click.echo(f"wrote {path}")


command = schema
