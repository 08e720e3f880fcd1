"""``dac deploy``: apply the plan for an environment to Kibana."""

from __future__ import annotations

import json
import sys

import click

from dac.cli._kibana_options import (
    environment_options,
    format_option,
    resolve_environment,
)
from dac.deploy import (
    ApplyResult,
    Plan,
    VersionLock,
    apply_plan,
    build_plan,
    render_plan,
    render_results,
)
from dac.deploy.apply import unadopted_message
from dac.deploy.render import plan_to_dict


@click.command("deploy")
@environment_options
@format_option
@click.option(
    "--prune",
    is_flag=True,
    help="Delete managed rules (carrying the managed tag) that no repository "
    "file defines or that the environment's filters exclude, instead of "
    "keeping or disabling them.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Replace Kibana rules that have a repository rule's rule_id but not "
    "the managed tag, which then become managed. Without it, deploy applies "
    "nothing when the plan has such a replacement.",
)
@click.option(
    "--yes", "-y", is_flag=True, help="Apply without asking for confirmation."
)
def command(
    env_name: str, config_path: str, fmt: str, prune: bool, adopt: bool, yes: bool
) -> None:
    """Print the plan, ask for confirmation, then apply it to Kibana.

    Creates and updates rules by rule_id, disables rules that the
    environment's filters exclude, and deletes only with --prune and only
    rules carrying the managed tag. Applies nothing when a selected rule has
    a validation error (as dac validate reports it) or a version lower than
    Kibana's, or when a rule_id belongs to a Kibana rule without the managed
    tag and --adopt is not given. One rule's failure does not stop the
    others. Exit codes: 0 all applied, 1 a rule failed or was blocked, 2
    config, connection or usage error (including no TTY to confirm on
    without --yes).
    """
    config, environment = resolve_environment(config_path, env_name)
    lock = VersionLock.load(config.version_lock)
    with environment.client() as client:
        plan = build_plan(environment, client, lock=lock, prune=prune)
        # JSON output is one document (plan and results) printed at the end.
        # When deploy prompts for confirmation, the plan goes to stderr as text.
        if fmt == "json":
            if not yes:
                click.echo(render_plan(plan, "text", prune), err=True)
        else:
            click.echo(render_plan(plan, fmt, prune))
        if plan.blocked:
            _reject_blocked(plan, prune, fmt)
        if plan.by_action("replace") and not adopt:
            if fmt == "json":
                click.echo(_json_report(plan, prune, []))
            message = unadopted_message(plan.by_action("replace"))
            click.echo(f"error: {message}", err=True)
            raise SystemExit(1)
        if not plan.has_changes(prune):
            if fmt == "json":
                click.echo(_json_report(plan, prune, []))
            else:
                click.echo("Nothing to apply.")
            return
        if not yes:
            if not _stdin_is_terminal():
                click.echo(
                    "error: nothing applied: confirmation is required but stdin "
                    "is not a terminal; rerun with --yes to apply "
                    "non-interactively",
                    err=True,
                )
                raise SystemExit(2)
            if not click.confirm(f"Apply this plan to {environment.name}?"):
                click.echo("Not applied.", err=True)
                raise SystemExit(2)
        results = apply_plan(plan, client, environment.managed_tag, prune, adopt)
    if fmt == "json":
        click.echo(_json_report(plan, prune, results))
    else:
        click.echo(render_results(results, fmt))
    if any(r.failed for r in results):
        raise SystemExit(1)


def _reject_blocked(plan: Plan, prune: bool, fmt: str) -> None:
    """Print the blocking diagnostics and exit 1 before anything is applied."""
    if fmt == "json":
        click.echo(_json_report(plan, prune, []))
    for diagnostic in plan.diagnostics:
        if diagnostic.severity == "error":
            click.echo(diagnostic.render(), err=True)
    listed = ", ".join(change.rule_id for change in plan.blocked)
    click.echo(
        f"error: nothing applied: {len(plan.blocked)} rule(s) have validation "
        f"errors ({listed}); fix them (dac validate lists them) and rerun",
        err=True,
    )
    raise SystemExit(1)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _json_report(plan: Plan, prune: bool, results: list[ApplyResult]) -> str:
    report = {
        "plan": plan_to_dict(plan, prune),
        "results": [r.to_dict() for r in results],
        "failed": sum(1 for r in results if r.failed),
    }
    return json.dumps(report, indent=2, sort_keys=True)
