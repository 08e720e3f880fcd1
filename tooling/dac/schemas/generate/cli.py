"""Command line of the table generators (``python -m dac.schemas.generate``)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from dac.errors import DacError, SchemaError
from dac.schemas.generate.common import make_meta, repo_commit, write_table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
GENERATOR = "dac.schemas.generate"

source_option = click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Local checkout of the source repository at the pinned tag.",
)
commit_option = click.option(
    "--commit",
    default=None,
    help="Source commit (default: HEAD of --source when it is a git checkout).",
)
out_option = click.option(
    "--out",
    default=DATA_DIR,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory the table is written to.",
)


def load_json(path: Path) -> Any:
    """Read a JSON table written earlier by this generator."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaError(f"table not found: {path}; generate it first") from exc
    except (OSError, ValueError) as exc:
        raise SchemaError(f"failed to read table {path}: {exc}") from exc


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def cli(verbose: bool) -> None:
    """Generate field tables and the ATT&CK table from public sources."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@cli.command("ecs")
@source_option
@click.option("--version", "version", required=True, help="ECS release, e.g. 9.4.0.")
@commit_option
@out_option
def ecs_command(source: Path, version: str, commit: str | None, out: Path) -> None:
    """Write ecs-VERSION.json from generated/ecs/ecs_flat.yml."""
    from dac.schemas.generate.ecs import ECS_REPOSITORY, ecs_document

    meta = make_meta(
        ECS_REPOSITORY,
        version,
        repo_commit(source, commit),
        GENERATOR,
        license="Apache-2.0",
    )
    write_table(out / f"ecs-{version}.json", ecs_document(source, meta))


@cli.command("defend")
@source_option
@click.option(
    "--ecs-table",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="ECS table (ecs-VERSION.json) the overlay is computed against.",
)
@commit_option
@out_option
def defend_command(
    source: Path, ecs_table: Path, commit: str | None, out: Path
) -> None:
    """Write defend-VERSION.json, the Elastic Defend per-stream overlay."""
    from dac.schemas.generate.defend import (
        DEFEND_REPOSITORY,
        defend_document,
        read_package_version,
    )

    version = read_package_version(source)
    meta = make_meta(
        DEFEND_REPOSITORY,
        version,
        repo_commit(source, commit),
        GENERATOR,
        license="Elastic License Agreement; only field names and types are kept",
    )
    document = defend_document(source, meta, load_json(ecs_table))
    write_table(out / f"defend-{version}.json", document)


@cli.command("attack")
@click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="enterprise-attack.json bundle, or mitre/cti's enterprise-attack/ folder.",
)
@click.option("--version", "version", required=True, help="ATT&CK release, e.g. 18.1.")
@click.option(
    "--repository",
    default="mitre/cti",
    show_default=True,
    help="Repository the source was taken from, recorded in _meta.",
)
@commit_option
@out_option
def attack_command(
    source: Path, version: str, repository: str, commit: str | None, out: Path
) -> None:
    """Write attack-VERSION.json: tactics, techniques and sub-techniques."""
    from dac.schemas.generate.attack import attack_document, read_license

    checkout = source if source.is_dir() else source.parent
    meta = make_meta(
        repository,
        version,
        repo_commit(checkout, commit),
        GENERATOR,
        domain="enterprise-attack",
        license=read_license(source),
    )
    write_table(out / f"attack-{version}.json", attack_document(source, meta))


@cli.command("windows")
@click.option(
    "--integration",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="elastic/integrations packages/windows directory.",
)
@click.option(
    "--beats",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="elastic/beats checkout (reads winlogbeat/_meta/fields.common.yml).",
)
@click.option(
    "--ecs-table",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="ECS table that external: ecs fields are resolved against.",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="Windows package version (default: version in --integration/manifest.yml).",
)
@click.option(
    "--winlogbeat-version", required=True, help="Winlogbeat version of --beats."
)
@click.option("--commit", default=None, help="elastic/integrations commit.")
@click.option("--beats-commit", default=None, help="elastic/beats commit.")
@click.option("--note", default=None, help="Provenance remark stored in _meta.")
@out_option
def windows_command(
    integration: Path,
    beats: Path,
    ecs_table: Path,
    version: str | None,
    winlogbeat_version: str,
    commit: str | None,
    beats_commit: str | None,
    note: str | None,
    out: Path,
) -> None:
    """Write windows-VERSION.json with the sysmon and winlogbeat tables."""
    from dac.schemas.generate.windows import read_package_version, windows_document

    version = version or read_package_version(integration)
    meta = make_meta(
        "elastic/integrations",
        version,
        repo_commit(integration, commit),
        GENERATOR,
        beats_commit=repo_commit(beats, beats_commit),
        license="Elastic License 2.0 (integrations), Apache-2.0 (winlogbeat); "
        "only field names and types are kept",
        **({"note": note} if note else {}),
    )
    document = windows_document(
        integration, beats, meta, load_json(ecs_table), winlogbeat_version
    )
    write_table(out / f"windows-{version}.json", document)


def main() -> None:
    """Run the generator CLI; a toolkit error becomes one line and exit code 2."""
    try:
        cli.main(standalone_mode=True)
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
