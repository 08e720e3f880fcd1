"""``dac version``: keep the version lock (version.lock.json) in step with the rules."""

from __future__ import annotations

from pathlib import Path

import click

from dac.deploy.plan import PlanError
from dac.deploy.versions import LOCK_FILE, VersionLock, bump_versions
from dac.rules import load_rules


@click.group("version")
def command() -> None:
    """Manage rule versions and the version lock."""


@command.command("bump")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--lock",
    "lock_path",
    default=LOCK_FILE,
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Version lock file to update.",
)
def bump(paths: tuple[Path, ...], lock_path: Path) -> None:
    """Record new and changed rules in the lock, raising their version.

    PATHS are rule files or directories (default: detections). A rule whose
    content changed since it was locked gets one more than the higher of
    its locked and TOML versions, and a ``version`` line in its TOML is
    updated in place. An unchanged rule whose TOML version is above the
    lock has that version recorded.
    """
    rules, errors = load_rules(paths or (Path("detections"),))
    if errors:
        listed = "\n".join(f"  {error}" for error in errors)
        raise PlanError(f"fix these rule files before bumping versions:\n{listed}")
    duplicates = _duplicate_rule_ids(rules)
    if duplicates:
        raise PlanError(
            "fix duplicate rule_ids before bumping versions, since one lock entry "
            "cannot hold two rules:\n" + "\n".join(duplicates)
        )
    lock = VersionLock.load(lock_path)
    bumps = bump_versions(rules, lock)
    for item in bumps:
        old = "new" if item.old_version is None else f"{item.old_version} ->"
        edited = " (TOML updated)" if item.file_changed else ""
        click.echo(f"{item.path}: {item.rule_id} {old} {item.new_version}{edited}")
    click.echo(f"{len(bumps)} rules bumped; lock written to {lock_path}.")


def _duplicate_rule_ids(rules: list) -> list[str]:
    """Return one line per rule_id that more than one file uses, naming the files."""
    paths: dict[str, list[str]] = {}
    for rule in rules:
        if rule.rule_id:
            paths.setdefault(rule.rule_id, []).append(str(rule.path))
    return [
        f"  {rule_id}: {', '.join(files)}"
        for rule_id, files in sorted(paths.items())
        if len(files) > 1
    ]
