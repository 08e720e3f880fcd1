"""Options shared by the verbs that talk to Kibana: plan, deploy and export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from dac.deploy import DEFAULT_CONFIG, DeployConfig, Environment, load_config


def environment_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--env`` and ``--config`` to a command."""
    function = click.option(
        "--config",
        "config_path",
        default=DEFAULT_CONFIG,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Deploy config file with the environments.",
    )(function)
    return click.option(
        "--env",
        "env_name",
        required=True,
        help="Environment name, an [environments.<name>] table of the config.",
    )(function)


def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format text|json|markdown`` to a command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="Output format.",
    )(function)


def resolve_environment(
    config_path: str, env_name: str
) -> tuple[DeployConfig, Environment]:
    """Load the config and return it with the named environment.

    Raises ConfigError when the file is invalid or has no such environment.
    """
    config = load_config(config_path)
    return config, config.environment(env_name)
