"""``dac validate``: check rule files and print one diagnostic per line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dac.diagnostics import Diagnostic
from dac.validation import ValidationReport, validate_paths

DEFAULT_PATH = "detections"
_COLORS = {"error": "red", "warning": "yellow"}


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format: text lines (path:line:col: severity CODE message) or JSON.",
)
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    metavar="CODE",
    help="Drop diagnostics whose code starts with CODE (DAC601, DAC5); repeatable.",
)
def command(
    paths: tuple[Path, ...], output_format: str, ignored: tuple[str, ...]
) -> None:
    """Validate rule files: metadata, ATT&CK mapping, EQL query and lints.

    PATHS are rule files or directories searched for *.toml (default:
    detections/). Exit status: 0 without errors, 1 with errors, 2 when a
    path does not exist or shipped data (ATT&CK, field tables) fails to load.
    """
    targets = list(paths) or [Path(DEFAULT_PATH)]
    try:
        report = validate_paths(targets)
    except FileNotFoundError as exc:
        raise click.UsageError(f"path not found: {exc.args[0]}") from exc
    if ignored:
        report.diagnostics = [
            d for d in report.diagnostics if not d.code.startswith(ignored)
        ]

    for name, message in report.load_errors.items():
        click.echo(
            f"error: cannot load the {name} data, so its checks were "
            f"skipped: {message}",
            err=True,
        )
    if output_format == "json":
        click.echo(json.dumps(_to_json(report), indent=2))
    else:
        _print_text(report)
    if report.load_errors:
        sys.exit(2)
    sys.exit(1 if report.errors else 0)


def _print_text(report: ValidationReport) -> None:
    color = sys.stdout.isatty()
    for diagnostic in report.diagnostics:
        click.echo(_render(diagnostic, color))
    summary = (
        f"{len(report.rules)} rules checked, {report.errors} errors, "
        f"{report.warnings} warnings"
    )
    click.echo(summary)


def _render(diagnostic: Diagnostic, color: bool) -> str:
    line = diagnostic.render()
    if not color:
        return line
    severity = click.style(diagnostic.severity, fg=_COLORS[diagnostic.severity])
    return line.replace(f" {diagnostic.severity} ", f" {severity} ", 1)


def _to_json(report: ValidationReport) -> dict:
    return {
        "rules": len(report.rules),
        "diagnostics": [d.to_dict() for d in report.diagnostics],
    }
