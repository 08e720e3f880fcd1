"""The ``kibana`` test backend: a rule run by Kibana's detection engine.

For each case the backend indexes the events (as the ``elasticsearch``
backend does) and creates a throwaway Kibana space. With ``mode="rule"``,
closest to production, it creates the rule there, enabled with a wide
look-back, and waits for its first run. With ``mode="preview"`` it runs the
rule through the preview API instead, synchronously and without a persisted
rule. It then reads the rule's alerts from the space's alerts index, maps
them back to the caller's events, and deletes the space, the space's alert
indexes and the data streams.

Kibana writes one alert per matching event. For a sequence it writes one
building-block alert per event, with ``kibana.alert.group.index`` giving the
event's position, plus one shell alert; all of them share
``kibana.alert.group.id``. Each alert's ``kibana.alert.ancestors`` entry of
depth 0 names the source document's ``_id``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dac.elasticsearch import ElasticsearchClient, config_from_env
from dac.elasticsearch.testrun import IndexedCase, TemplateSource, schema_templates
from dac.errors import ConfigError, DacError, KibanaError
from dac.kibana.client import KibanaClient
from dac.kibana.credentials import (
    Credentials,
    api_key_credentials,
    basic_credentials,
)
from dac.rules import Rule
from dac.testing.backend import Alert, Backend

if TYPE_CHECKING:
    from dac.deploy import Environment
from dac.testing.kibana_alerts import alerts_from_documents

log = logging.getLogger(__name__)

DEFAULT_KIBANA_URL = "http://127.0.0.1:5601"
ENV_KIBANA_URL = "DAC_KIBANA_URL"
ENV_KIBANA_API_KEY = "DAC_KIBANA_API_KEY"
ENV_KIBANA_USERNAME = "DAC_KIBANA_USERNAME"
ENV_KIBANA_PASSWORD = "DAC_KIBANA_PASSWORD"
ENV_KIBANA_CA_BUNDLE = "DAC_KIBANA_CA_BUNDLE"

# Fields of the deployed rule body left out of the test rule: connectors,
# exception lists and response actions do not exist in a throwaway space.
_DROPPED_RULE_FIELDS = ("actions", "exceptions_list", "response_actions", "throttle")

# execution_summary.last_execution statuses. Kibana reports "partial
# failure" for warnings after a completed run, for example an index pattern
# of the rule that matches no index, so its alerts are still read.
_COMPLETED_STATUSES = frozenset({"succeeded", "partial failure"})
_FAILED_STATUS = "failed"


class KibanaBackend(Backend):
    """Run rules through Kibana's detection engine in throwaway spaces.

    Options: ``kibana_url`` (else ``DAC_KIBANA_URL``), ``es_url`` (else
    ``DAC_ES_URL``), ``mode`` (``rule`` or ``preview``), ``timeout`` (seconds
    to wait for a rule's first run), ``poll_interval`` (seconds between
    status reads), ``window_start``/``window_end`` (the rule's ``from`` and
    ``to``), ``environment`` (a :class:`dac.deploy.Environment` from
    dac.toml whose Kibana URL, credentials and TLS settings are used), and
    for tests ``kibana_factory`` (space id -> client) and ``es_client``.
    Other options are ignored, so one option set can serve every backend.
    """

    name = "kibana"

    def __init__(
        self,
        kibana_url: str | None = None,
        es_url: str | None = None,
        *,
        mode: str = "rule",
        timeout: float = 120.0,
        poll_interval: float = 2.0,
        window_start: str = "now-1d",
        window_end: str = "now+1h",
        environment: Environment | None = None,
        kibana_factory: Callable[[str], KibanaClient] | None = None,
        es_client: ElasticsearchClient | None = None,
        templates: TemplateSource = schema_templates,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        **_ignored: Any,
    ) -> None:
        if mode not in ("rule", "preview"):
            raise ConfigError(
                f"invalid Kibana backend mode {mode!r}: use rule or preview"
            )
        self.mode = mode
        if kibana_factory is None and environment is not None:
            kibana_factory = _kibana_factory_from_environment(environment, kibana_url)
        self._kibana_for = kibana_factory or _kibana_factory_from_env(kibana_url)
        self.kibana = self._kibana_for("default")
        self.es = es_client or ElasticsearchClient(config_from_env(es_url))
        self._templates = templates
        self._installed: set[str] = set()
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._window = (window_start, window_end)
        self._sleep = sleep
        self._clock = clock

    def run(self, rule: Rule, events: list[dict]) -> list[Alert]:
        """Index ``events``, let Kibana run ``rule`` over them and return the alerts."""
        case = IndexedCase(
            self.es,
            events,
            templates=self._templates,
            installed_templates=self._installed,
        )
        with case:
            space = case.namespace
            self._create_space(space)
            try:
                documents = self._run_in_space(rule, space)
                alerts = alerts_from_documents(documents, case.event_for)
            finally:
                self._delete_space(space)
        log.info(
            "rule %s: %d alerts from %d events on Kibana (%s mode)",
            rule.display_name,
            len(alerts),
            len(events),
            self.mode,
        )
        return alerts

    def close(self) -> None:
        """Close both HTTP sessions."""
        self.kibana.close()
        self.es.close()

    # -- one run ----------------------------------------------------------

    def _run_in_space(self, rule: Rule, space: str) -> list[Mapping[str, Any]]:
        body = kibana_rule_body(rule, *self._window)
        client = self._kibana_for(space)
        if self.mode == "preview":
            result = client.preview_rule(
                body, invocation_count=1, timeframe_end=_utc_now()
            )
            check_preview_result(result, rule)
            index = f".preview.alerts-security.alerts-{space}"
            return self._alert_documents(index, result["previewId"])

        created = client.create_rule(body)
        wait_for_first_run(
            lambda: client.read_rule(id=created["id"]),
            rule,
            timeout=self._timeout,
            interval=self._poll_interval,
            sleep=self._sleep,
            clock=self._clock,
        )
        return self._alert_documents(f".alerts-security.alerts-{space}", created["id"])

    def _alert_documents(self, index: str, rule_uuid: str) -> list[Mapping[str, Any]]:
        """Return the ``_source`` of every alert the run wrote, after a refresh.

        Kibana writes alerts without a refresh unless the rule has actions,
        so the index is refreshed before the search.
        """
        self.es.refresh(index)
        body = {
            "query": {
                "bool": {"filter": [{"term": {"kibana.alert.rule.uuid": rule_uuid}}]}
            },
            "size": 10_000,
        }
        response = self.es.search(index, body)
        hits = response.get("hits", {}).get("hits", [])
        return [hit.get("_source", {}) for hit in hits]

    # -- spaces -----------------------------------------------------------

    def _create_space(self, space: str) -> None:
        body = {"id": space, "name": f"dac test {space}", "disabledFeatures": []}
        self.kibana.request("POST", "/api/spaces/space", json_body=body)
        log.debug("created Kibana space %s", space)

    def _delete_space(self, space: str) -> None:
        """Delete the space (with its rules) and its alert indexes; log failures."""
        try:
            self.kibana.request("DELETE", f"/api/spaces/space/{space}")
        except KibanaError as exc:
            log.warning("could not delete Kibana space %s: %s", space, exc)
        patterns = (
            f".internal.alerts-security.alerts-{space}-*",
            f".internal.preview.alerts-security.alerts-{space}-*",
        )
        try:
            names = self.es.resolve_indexes(patterns)
            self.es.delete_indexes(names)
        except DacError as exc:
            log.warning("could not delete alert indexes of space %s: %s", space, exc)


def kibana_rule_body(rule: Rule, window_start: str, window_end: str) -> dict[str, Any]:
    """Build the Kibana create-rule body that runs ``rule`` once over the test window.

    The body is the one ``dac deploy`` sends (:func:`dac.deploy.to_kibana`)
    without connectors and exception lists. The rule is enabled, runs every
    minute and looks back from ``window_start`` to ``window_end``, so events
    indexed just before are in its first run's window.
    """
    from dac.deploy import to_kibana

    body = to_kibana(rule, None)
    for key in _DROPPED_RULE_FIELDS:
        body.pop(key, None)
    body.update(
        {
            "enabled": True,
            "interval": "1m",
            "from": window_start,
            "to": window_end,
            "max_signals": 1000,
        }
    )
    return body


def check_preview_result(result: Mapping[str, Any], rule: Rule) -> None:
    """Raise :class:`KibanaError` if a preview was aborted or logged errors."""
    if result.get("isAborted"):
        raise KibanaError(
            f"rule {rule.display_name}: the preview was aborted after Kibana's 60 s "
            "limit; use mode=rule for slow rules"
        )
    errors = [
        message
        for log_entry in result.get("logs") or []
        for message in log_entry.get("errors") or []
    ]
    if errors:
        raise KibanaError(
            f"rule {rule.display_name}: preview failed: {'; '.join(errors)}"
        )
    if not isinstance(result.get("previewId"), str):
        raise KibanaError(
            f"unexpected preview response without previewId: {sorted(result)}"
        )


def wait_for_first_run(
    read_rule: Callable[[], Mapping[str, Any]],
    rule: Rule,
    *,
    timeout: float,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Mapping[str, Any]:
    """Poll the rule until its first run completed; return the rule.

    A ``partial failure`` counts as completed and its message is logged as a
    warning. Raises :class:`KibanaError` with Kibana's message if the run
    failed, and when ``timeout`` seconds pass without a result.
    """
    deadline = clock() + timeout
    status = "none"
    while True:
        current = read_rule()
        last = (current.get("execution_summary") or {}).get("last_execution") or {}
        status = last.get("status") or "none"
        if status in _COMPLETED_STATUSES:
            if status != "succeeded":
                log.warning(
                    "rule %s: Kibana's run ended with %s: %s",
                    rule.display_name,
                    status,
                    last.get("message", "no message"),
                )
            return current
        if status == _FAILED_STATUS:
            raise KibanaError(
                f"rule {rule.display_name}: Kibana's run ended with status "
                f"{status!r}: {last.get('message', 'no message')}"
            )
        if clock() >= deadline:
            raise KibanaError(
                f"rule {rule.display_name}: no completed run after {timeout:g} s "
                f"(last status {status!r}); check Kibana's task manager and logs"
            )
        sleep(interval)


def _kibana_factory_from_environment(
    environment: Environment, url: str | None
) -> Callable[[str], KibanaClient]:
    """Return a function that builds a client for one space of a dac.toml environment.

    ``url`` (the ``--kibana-url`` flag) replaces the environment's Kibana URL.
    """
    target = dataclasses.replace(environment, kibana_url=url) if url else environment

    def for_space(space: str) -> KibanaClient:
        return target.client(space=space)

    return for_space


def _kibana_factory_from_env(url: str | None) -> Callable[[str], KibanaClient]:
    """Return a function that builds a client for one space from the environment."""
    base = url or os.environ.get(ENV_KIBANA_URL) or DEFAULT_KIBANA_URL
    credentials = _credentials_from_env()
    verify: bool | str = os.environ.get(ENV_KIBANA_CA_BUNDLE) or True

    def for_space(space: str) -> KibanaClient:
        return KibanaClient(base, space=space, credentials=credentials, verify=verify)

    return for_space


def _credentials_from_env() -> Credentials | None:
    """Read Kibana credentials, falling back to the Elasticsearch ones.

    A test stack usually has one user (``elastic``) for both services. A
    variable holding only whitespace counts as unset, as it does for the
    Elasticsearch client.
    """
    for key_env in (ENV_KIBANA_API_KEY, "DAC_ES_API_KEY"):
        if os.environ.get(key_env, "").strip():
            return api_key_credentials(env=key_env)
    for password_env, user_env in (
        (ENV_KIBANA_PASSWORD, ENV_KIBANA_USERNAME),
        ("DAC_ES_PASSWORD", "DAC_ES_USERNAME"),
    ):
        if os.environ.get(password_env, "").strip():
            username = os.environ.get(user_env) or "elastic"
            return basic_credentials(username, password_env=password_env)
    return None


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_backend(**options: Any) -> KibanaBackend:
    """Create the backend; ``get_backend("kibana", **options)`` calls this."""
    return KibanaBackend(**options)
