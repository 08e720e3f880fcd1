"""``dac import``: convert rules from other formats into TOML rule files.

Subcommands are ``ndjson`` (a Kibana rule export, defined here) plus the
``command`` of every ``dac.importers.<name>.cli`` module, so an importer
package adds its own subcommand without editing this file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from pathlib import Path

import click

import dac.importers
from dac.deploy.config import DEFAULT_MANAGED_TAG
from dac.importers.kibana_ndjson import import_ndjson

log = logging.getLogger(__name__)


@click.group("import")
def command() -> None:
    """Convert rules from other formats (Kibana ndjson, ...) into TOML files."""


@command.command("ndjson")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory that receives one <rule name>.toml per rule.",
)
@click.option(
    "--managed-tag",
    default=DEFAULT_MANAGED_TAG,
    show_default=True,
    help="Tag to strip from imported rules (deploy adds it back).",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace existing files of the same rule."
)
def ndjson(file: Path, out_dir: Path, managed_tag: str, overwrite: bool) -> None:
    """Turn a Kibana rule export (.ndjson, export details last) into TOML rules.

    Exception lists, connectors and the export-details line are skipped.
    Exit 0 when every rule was written, 1 when any line was skipped.
    """
    report = import_ndjson(file, out_dir, managed_tag, overwrite)
    for path in report.written:
        click.echo(f"wrote {path}")
    for reason in report.skipped:
        click.echo(f"skipped {reason}", err=True)
    click.echo(f"{len(report.written)} rules written, {len(report.skipped)} skipped.")
    sys.exit(1 if report.skipped else 0)


def _add_importer_commands() -> None:
    for info in pkgutil.iter_modules(dac.importers.__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"dac.importers.{info.name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"dac.importers.{info.name}.cli":
                log.warning("dac import %s unavailable: %s", info.name, exc)
            continue
        subcommand = getattr(module, "command", None)
        if isinstance(subcommand, click.Command):
            command.add_command(subcommand)


_add_importer_commands()
