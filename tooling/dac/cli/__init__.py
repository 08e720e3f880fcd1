"""The ``dac`` command line.

Each module in this package defines one verb as a click command named
``command`` (or a list ``commands``); :func:`main` discovers them, so adding a
verb never edits this file. Exit codes: 0 clean, 1 findings, 2 usage or
environment error.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import click

from dac import __version__
from dac.errors import DacError

log = logging.getLogger("dac")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dac")
@click.option(
    "-v", "--verbose", count=True, help="Log progress (-v) or debug (-vv) to stderr."
)
def cli(verbose: int) -> None:
    """Validate, test and deploy Elastic Security detection rules kept as code."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "commands", [getattr(module, "command", None)]):
            if command is not None:
                cli.add_command(command)


_register_commands()


def main() -> None:
    """Run the CLI; a toolkit error becomes a one-line message and exit code 2."""
    try:
        cli.main(standalone_mode=True)
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
