"""The ``elasticsearch`` test backend: a rule's query on a real cluster.

For each case the backend indexes the events into throwaway data streams,
with the index templates generated from the field tables. It runs the
rule's query with ``_eql/search`` the way Kibana's EQL rule executor does,
maps each hit or sequence back to the caller's events, and deletes the data
streams. The alerts it returns have the same shape as the embedded
backend's, so the two can be compared event for event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from dac.elasticsearch import ElasticsearchClient, config_from_env
from dac.elasticsearch.eql import (
    DEFAULT_SIZE,
    EqlMatch,
    build_eql_request,
    parse_eql_response,
)
from dac.elasticsearch.testrun import IndexedCase, TemplateSource, schema_templates
from dac.rules import Rule
from dac.testing.backend import Alert, Backend

log = logging.getLogger(__name__)


class ElasticsearchBackend(Backend):
    """Run rules with ``_eql/search`` on the cluster at ``es_url``.

    Options: ``es_url`` (else ``DAC_ES_URL``), ``client`` (a ready
    :class:`ElasticsearchClient`, for tests), ``size`` (maximum hits per
    search), ``window_start``/``window_end`` (date math bounds of the
    timestamp range filter) and ``keep_data`` (leave the data streams for
    inspection). Credentials come from the ``DAC_ES_*`` environment variables.
    Options meant for other backends (such as ``kibana_url``) are ignored, so
    one option set can serve every backend.
    """

    name = "elasticsearch"

    def __init__(
        self,
        es_url: str | None = None,
        *,
        client: ElasticsearchClient | None = None,
        templates: TemplateSource = schema_templates,
        size: int = DEFAULT_SIZE,
        window_start: str = "now-1d",
        window_end: str = "now+1h",
        keep_data: bool = False,
        **_ignored: Any,
    ) -> None:
        self.client = client or ElasticsearchClient(config_from_env(es_url))
        self._templates = templates
        self._installed: set[str] = set()
        self._size = size
        self._window = (window_start, window_end)
        self._keep_data = keep_data

    def run(self, rule: Rule, events: list[dict]) -> list[Alert]:
        """Index ``events``, run ``rule``'s query over them and return the alerts."""
        with self.index(events) as case:
            request = build_eql_request(
                rule,
                extra_filters=[case.index_filter()],
                size=self._size,
                window_start=self._window[0],
                window_end=self._window[1],
            )
            response = self.client.eql_search(request.indexes, request.body)
            matches = parse_eql_response(response)
            alerts = [alert_from_match(match, case) for match in matches]
        log.info(
            "rule %s: %d alerts from %d events on Elasticsearch",
            rule.display_name,
            len(alerts),
            len(events),
        )
        return alerts

    def index(self, events: Sequence[Mapping[str, Any]]) -> IndexedCase:
        """Return a context manager that indexes ``events`` and removes them after."""
        return IndexedCase(
            self.client,
            events,
            templates=self._templates,
            installed_templates=self._installed,
            keep_data=self._keep_data,
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()


def alert_from_match(match: EqlMatch, case: IndexedCase) -> Alert:
    """Build the alert for one hit or sequence, with the caller's own event objects."""
    events = tuple(case.event_for(doc_id) for doc_id in match.ids)
    return Alert(events=events)


def create_backend(**options: Any) -> ElasticsearchBackend:
    """Create the backend; ``get_backend("elasticsearch", **options)`` calls this."""
    return ElasticsearchBackend(**options)
