"""``dac plan``: show what a deploy to an environment would change in Kibana."""

from __future__ import annotations

import click

from dac.cli._kibana_options import (
    environment_options,
    format_option,
    resolve_environment,
)
from dac.deploy import VersionLock, build_plan, render_plan


@click.command("plan")
@environment_options
@format_option
@click.option("--prune", is_flag=True, help="Show deletions as they would be applied.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 1 instead of 0 when the plan would change Kibana.",
)
def command(
    env_name: str, config_path: str, fmt: str, prune: bool, detailed_exitcode: bool
) -> None:
    """Compare the repository's rules with Kibana and print the plan.

    Lists each rule to create, update (with the changed fields), disable
    (in the repository but excluded by the environment's filters), delete
    or leave unchanged. Flags rules edited in Kibana since the last deploy,
    and lists the validation errors of rules that block deploy. Nothing is
    changed.
    """
    config, environment = resolve_environment(config_path, env_name)
    lock = VersionLock.load(config.version_lock)
    with environment.client() as client:
        plan = build_plan(environment, client, lock=lock, prune=prune)
    click.echo(render_plan(plan, fmt, prune))
    if detailed_exitcode and plan.has_changes(prune):
        raise SystemExit(1)
