"""``dac export``: write an environment's managed rules from Kibana as TOML."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dac.cli._kibana_options import environment_options, resolve_environment
from dac.deploy.export import export_environment


@click.command("export")
@environment_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory that receives one <rule name>.toml per rule.",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace existing files of the same rule."
)
def command(env_name: str, config_path: str, out_dir: Path, overwrite: bool) -> None:
    """Export the rules carrying the managed tag from Kibana as TOML files.

    Deploying the written files to the same environment plans no change.
    Exit 0 when every rule was written, 1 when any was skipped.
    """
    _, environment = resolve_environment(config_path, env_name)
    with environment.client() as client:
        report = export_environment(environment, client, out_dir, overwrite)
    for path in report.written:
        click.echo(f"wrote {path}")
    for reason in report.skipped:
        click.echo(f"skipped {reason}", err=True)
    click.echo(f"{len(report.written)} rules written, {len(report.skipped)} skipped.")
    sys.exit(1 if report.skipped else 0)
