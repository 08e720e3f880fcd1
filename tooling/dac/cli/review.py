"""``dac review``: what a rule change does, for a pull-request comment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dac.errors import DacError
from dac.terminal import escape_control


@click.command("review")
@click.option(
    "--base",
    required=True,
    metavar="REF",
    help="Git revision to compare against, such as origin/main.",
)
@click.option(
    "--head",
    default="HEAD",
    show_default=True,
    metavar="REF",
    help="Git revision with the change.",
)
@click.option(
    "--worktree",
    is_flag=True,
    help="Compare the working tree (uncommitted files included) instead of --head.",
)
@click.option(
    "--rules-dir",
    default="detections",
    show_default=True,
    help="Directory of rule files, relative to the repository root.",
)
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Any directory inside the git repository.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown fits a pull-request comment; JSON is for other tools.",
)
def command(
    base: str,
    head: str,
    worktree: bool,
    rules_dir: str,
    repo: Path,
    output_format: str,
) -> None:
    """Review the rules added, changed, moved and removed between two revisions.

    For each rule: metadata and query diff, validation findings, test results
    at head (and at base for changed rules), version bump when the deployed
    content changed, fields newly used and ATT&CK techniques gained or lost.
    Exits 1 when an added, changed or moved rule has validation errors or
    failing cases, 2 when a revision is not found.
    """
    from dac.review.markdown import render_markdown
    from dac.review.pr import build_review

    try:
        review = build_review(repo, base, None if worktree else head, rules_dir)
    except DacError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(review.to_dict(), indent=2))
    else:
        # Names and query diffs come from the pull request: escape control
        # characters, line by line, so they cannot drive the terminal.
        lines = render_markdown(review).split("\n")
        click.echo("\n".join(escape_control(line) for line in lines))
    sys.exit(0 if review.ok else 1)
