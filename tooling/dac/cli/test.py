"""``dac test``: run each rule's test cases and report which pass."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dac.errors import DacError, TestCaseError
from dac.rules import load_rules
from dac.testing.backend import BACKEND_NAMES, get_backend
from dac.testing.cases import SUFFIX, rule_file_for
from dac.testing.report import render_json, render_junit, render_text
from dac.testing.runner import CaseResult, load_rule_cases, query_error, run_case

DEFAULT_PATH = "detections"


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
    help="Output format: text (failures and a count), JSON or JUnit XML.",
)
@click.option(
    "--backend",
    "backend_name",
    type=click.Choice(BACKEND_NAMES),
    default="embedded",
    show_default=True,
    help="Where rules run: in-process engine, Elasticsearch _eql/search or Kibana.",
)
@click.option(
    "--es-url",
    help="Elasticsearch URL for the elasticsearch and kibana backends "
    "(default: $DAC_ES_URL, else http://127.0.0.1:9200). Credentials come "
    "from DAC_ES_API_KEY or DAC_ES_USERNAME/DAC_ES_PASSWORD.",
)
@click.option(
    "--kibana-url",
    help="Kibana URL for the kibana backend (default: the --env environment's "
    "kibana_url, else $DAC_KIBANA_URL, else http://127.0.0.1:5601).",
)
@click.option(
    "--env",
    "env_name",
    help="Take the Kibana URL and credentials of this environment of the "
    "config file (kibana backend).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("dac.toml"),
    show_default=True,
    help="Environment config file read with --env.",
)
@click.option(
    "--kibana-mode",
    type=click.Choice(["rule", "preview"]),
    default="rule",
    show_default=True,
    help="kibana backend: create and run the rule in a throwaway space, or use "
    "the preview API.",
)
@click.option("--verbose-results", is_flag=True, help="List passing cases too (text).")
def command(
    paths: tuple[Path, ...],
    output_format: str,
    backend_name: str,
    es_url: str | None,
    kibana_url: str | None,
    env_name: str | None,
    config_path: Path,
    kibana_mode: str,
    verbose_results: bool,
) -> None:
    """Run the test cases in <rule>.tests.yaml beside each rule.

    PATHS are rule files, test-case files or directories (default:
    detections/).

    Exit status: 0 when every case passes, 1 when a case fails, 2 for a
    usage or environment error. Such errors are a missing path, an
    unreadable rule, a query the embedded engine rejects, a malformed
    test-case file (the message names the file and case), or a backend that
    cannot be reached. A rejected query is reported once per rule, at its
    line and column in the rule file.
    """
    targets = [_rule_target(path) for path in (paths or (Path(DEFAULT_PATH),))]
    for target in targets:
        if not target.exists():
            raise click.UsageError(f"path not found: {target}")

    rules, rule_errors = load_rules(targets)
    loaded, errors = load_rule_cases(rules)
    base_time = None if backend_name != "embedded" else _embedded_base_time()
    try:
        backend = get_backend(
            backend_name,
            **_backend_options(es_url, kibana_url, env_name, config_path, kibana_mode),
        )
    except DacError as exc:
        raise click.UsageError(str(exc)) from exc

    results: list[CaseResult] = []
    try:
        for item in loaded:
            invalid_query = query_error(item.rule, backend)
            if invalid_query is not None:
                errors.append(invalid_query)
                continue
            for case in item.case_file.cases:
                try:
                    results.append(
                        run_case(item.rule, case, backend, item.case_file, base_time)
                    )
                except TestCaseError as exc:
                    errors.append(exc)
    except DacError as exc:
        # The backend is unreachable or misconfigured: no case can run.
        click.echo(f"error: {backend_name} backend: {exc}", err=True)
        sys.exit(2)
    finally:
        backend.close()

    _print(results, [*errors, *rule_errors], output_format, verbose_results)
    if errors or rule_errors:
        sys.exit(2)
    sys.exit(1 if any(not result.passed for result in results) else 0)


def _rule_target(path: Path) -> Path:
    """A test-case file stands for the rule beside it."""
    if path.name.endswith(SUFFIX):
        return rule_file_for(path)
    return path


def _embedded_base_time():
    from dac.events import DEFAULT_BASE_TIME

    return DEFAULT_BASE_TIME


def _print(
    results: list[CaseResult],
    errors: list[DacError],
    output_format: str,
    verbose: bool,
) -> None:
    if output_format == "json":
        click.echo(render_json(results, errors))
    elif output_format == "junit":
        click.echo(render_junit(results, errors))
    else:
        click.echo(render_text(results, verbose))
    for error in errors:
        click.echo(f"error: {error}", err=True)


def _backend_options(
    es_url: str | None,
    kibana_url: str | None,
    env_name: str | None,
    config_path: Path,
    kibana_mode: str,
) -> dict:
    """Collect the connection options the Docker backends accept."""
    options: dict = {"es_url": es_url, "kibana_url": kibana_url, "mode": kibana_mode}
    if env_name:
        from dac.deploy.config import load_config

        options["environment"] = load_config(config_path).environment(env_name)
    return options
