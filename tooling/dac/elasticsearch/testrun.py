"""Index one test case's events into throwaway data streams, then remove them.

A :class:`IndexedCase` routes events to data streams in a fresh namespace
(``logs-endpoint.events.process-dactest<hex>``), installs the index
templates those data streams need, bulk-indexes with ``refresh=true`` and,
on exit, deletes the data streams it created. Searches add
:meth:`IndexedCase.index_filter` so they see only this case's documents even
when other runs share the cluster.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from dac.elasticsearch.bulk import (
    IndexedEvent,
    build_bulk_body,
    check_bulk_response,
    new_namespace,
    route_events,
)
from dac.elasticsearch.client import ElasticsearchClient
from dac.elasticsearch.templates import install_templates, templates_for_streams
from dac.errors import DacError, ElasticsearchError

log = logging.getLogger(__name__)

TemplateSource = Callable[[], Mapping[str, Mapping[str, Any]]]


def schema_templates() -> Mapping[str, Mapping[str, Any]]:
    """Return the index templates generated from the shipped field tables."""
    from dac.schemas.templates import all_index_templates

    return all_index_templates()


class IndexedCase:
    """The documents of one case, indexed for the duration of a ``with`` block.

    ``installed_templates`` is shared between cases (pass the same set) so
    each template is sent once per backend, not once per case. With
    ``keep_data`` true the data streams are left in place for debugging.
    """

    def __init__(
        self,
        client: ElasticsearchClient,
        events: Sequence[Mapping[str, Any]],
        *,
        templates: TemplateSource = schema_templates,
        installed_templates: set[str] | None = None,
        keep_data: bool = False,
    ) -> None:
        self.client = client
        self.events = list(events)
        self.namespace = new_namespace()
        self.routed: list[IndexedEvent] = route_events(self.events, self.namespace)
        self._templates = templates
        self._installed = (
            installed_templates if installed_templates is not None else set()
        )
        self._keep_data = keep_data
        pairs = zip(self.routed, self.events, strict=True)
        self._by_id = {routed.doc_id: event for routed, event in pairs}

    @property
    def data_streams(self) -> list[str]:
        """Return the names of the data streams this case writes to, sorted."""
        return sorted({routed.data_stream for routed in self.routed})

    def index_filter(self) -> dict[str, Any]:
        """Return a query clause matching only this case's backing indexes.

        Backing indexes are named ``.ds-<data stream>-<date>-<generation>``,
        so the namespace appears between dashes in each of them.
        """
        return {"wildcard": {"_index": {"value": f"*-{self.namespace}-*"}}}

    def event_for(self, doc_id: str | None) -> Mapping[str, Any] | None:
        """Return the caller's event that was indexed as ``doc_id`` (None stays None).

        Raises :class:`ElasticsearchError` for an id this case did not index.
        """
        if doc_id is None:
            return None
        try:
            return self._by_id[doc_id]
        except KeyError:
            raise ElasticsearchError(
                f"search returned document {doc_id!r}, which this test run did not "
                f"index (namespace {self.namespace}); another process may share "
                "the namespace"
            ) from None

    def __enter__(self) -> IndexedCase:
        if not self.routed:
            return self
        self._install_templates()
        body = build_bulk_body(self.routed)
        try:
            response = self.client.bulk(body, refresh="true")
            check_bulk_response(response, self.routed)
        except DacError:
            self._delete()
            raise
        log.info(
            "indexed %d events into %s", len(self.routed), ", ".join(self.data_streams)
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._keep_data:
            log.info("kept data streams %s", ", ".join(self.data_streams))
            return
        self._delete()

    def _install_templates(self) -> None:
        needed = templates_for_streams(self.data_streams, self._templates())
        missing = {
            name: body for name, body in needed.items() if name not in self._installed
        }
        if missing:
            install_templates(self.client, missing)
            self._installed.update(missing)

    def _delete(self) -> None:
        """Delete this case's data streams; a failure is logged, not raised."""
        if not self.routed:
            return
        try:
            self.client.delete_data_streams(self.data_streams)
        except DacError as exc:
            log.warning(
                "could not delete data streams %s: %s",
                ", ".join(self.data_streams),
                exc,
            )
