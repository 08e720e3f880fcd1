"""``dac import sigma``: the click command, added to the ``dac import`` group."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dac.importers.sigma.importer import ImportReport, import_sigma


@click.command("sigma")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for <name>.toml and <name>.tests.yaml of each converted rule.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace rule and test-case files that already exist (hand edits are lost).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format on stdout.",
)
def command(
    paths: tuple[Path, ...], out_dir: Path, overwrite: bool, output_format: str
) -> None:
    """Convert Sigma rules (files or directories) into validated, tested EQL rules.

    Exit 0 when every rule converted, 1 when any was rejected (each rejection
    names the rule, the reason and the field), 2 on a usage error.
    """
    report = import_sigma(paths, out_dir, overwrite=overwrite)
    if output_format == "json":
        click.echo(json.dumps(_as_json(report), indent=2))
    else:
        _print_text(report)
    sys.exit(1 if report.rejected else 0)


def _as_json(report: ImportReport) -> dict:
    return {
        "written": [str(p) for p in report.written],
        "rejected": [
            {
                "source": r.source,
                "title": r.title,
                "reason": r.reason,
                "category": r.category,
                "field": r.field,
            }
            for r in report.rejected
        ],
        "summary": {
            "converted": len(report.written),
            "rejected": len(report.rejected),
            "rejected_by_reason": dict(report.rejections_by_reason()),
            "seconds": round(report.seconds, 3),
        },
    }


def _print_text(report: ImportReport) -> None:
    for path in report.written:
        click.echo(f"wrote {path} and {path.with_suffix('.tests.yaml')}")
    for rejection in report.rejected:
        click.echo(
            f"{rejection.source}: rejected {rejection.title!r}: {rejection.reason}"
        )
    click.echo(
        f"{len(report.written)} converted, {len(report.rejected)} rejected "
        f"in {report.seconds:.2f} s"
    )
