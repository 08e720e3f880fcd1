"""Backends run a rule over events and return its alerts.

Every backend has the same interface, so one set of cases runs in-process
(``embedded``), on Elasticsearch's ``_eql/search`` (``elasticsearch``) or
through Kibana's detection engine (``kibana``), and their alerts can be
compared event for event.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dac.errors import DacError, EqlError
from dac.events.fields import get_path
from dac.rules import Rule
from dac.testing.indexes import data_stream_of, index_filter, timestamp_millis

log = logging.getLogger(__name__)

EVENT_CATEGORY_FIELD = "event.category"
DEFAULT_TIMESTAMP_FIELD = "@timestamp"


@dataclass(frozen=True)
class Alert:
    """One alert: the matched events in order.

    A single-event query yields one event per alert; a sequence yields one
    event per step, with None for a missing-event step (``![...]``).
    """

    events: tuple[dict[str, Any] | None, ...]


class Backend(ABC):
    """Run one rule over a list of events and return the alerts it raises."""

    name: str = ""

    @abstractmethod
    def run(self, rule: Rule, events: list[dict]) -> list[Alert]:
        """Run ``rule`` over ``events`` (complete documents) and return its alerts."""

    def close(self) -> None:  # noqa: B027 - optional hook with nothing to release
        """Release connections or other resources; the default holds none."""


class EmbeddedBackend(Backend):
    """Evaluate rules in-process with :mod:`dac.engine`.

    It does what Elasticsearch and Kibana do around the query: a rule sees
    only documents whose index (from ``_index``, else from ``data_stream``)
    its index patterns match, events are ordered by the rule's timestamp
    field (``timestamp_override`` when set, as Kibana's rule executor uses
    it), and field types come from the schemas of the rule's indexes.
    """

    name = "embedded"

    def __init__(self, **_options: Any):
        self._compiled: dict[tuple[str, str, tuple[str, ...]], Any] = {}

    def compile(self, rule: Rule) -> Any:
        """Compile the rule's query once and return the engine's compiled query."""
        if rule.query is None:
            raise DacError(f"{rule.path}: rule has no query to run")
        if rule.language not in (None, "eql"):
            raise DacError(
                f"{rule.path}: the embedded backend runs EQL rules only, "
                f"not language {rule.language!r}"
            )
        timestamp_field = rule.timestamp_override or DEFAULT_TIMESTAMP_FIELD
        key = (rule.query, timestamp_field, tuple(rule.index))
        compiled = self._compiled.get(key)
        if compiled is None:
            from dac.engine import compile_query

            compiled = compile_query(
                rule.query,
                field_types=field_types_for(rule.index),
                timestamp_field=timestamp_field,
                event_category_field=EVENT_CATEGORY_FIELD,
            )
            self._compiled[key] = compiled
        return compiled

    def run(self, rule: Rule, events: list[dict]) -> list[Alert]:
        """Run ``rule`` over the events its index patterns match."""
        compiled = self.compile(rule)
        visible = [event for event in events if index_filter(rule.index)(event)]
        timestamp_field = rule.timestamp_override or DEFAULT_TIMESTAMP_FIELD
        visible = sort_by_time(visible, timestamp_field)
        alerts = [Alert(events=tuple(hit.events)) for hit in compiled.run(visible)]
        log.debug(
            "rule %s: %d alerts from %d of %d events",
            rule.display_name,
            len(alerts),
            len(visible),
            len(events),
        )
        return alerts


def query_error_at(rule: Rule, error: EqlError) -> str:
    """Format a query error at its place in the rule file.

    The result reads ``FILE:LINE:COLUMN: rule NAME: MESSAGE``, with the
    query's line and column mapped onto the file as ``dac validate`` does.
    """
    from dac.validation.positions import query_position

    line, column = query_position(rule, error.line, error.column)
    return f"{rule.path}:{line}:{column}: rule {rule.display_name!r}: {error.message}"


def field_types_for(patterns: Sequence[str]) -> Mapping[str, str] | None:
    """Return the field types of the indexes ``patterns`` match, or None if unknown."""
    if not patterns:
        return None
    try:
        from dac.schemas import resolve_indexes

        table = resolve_indexes(list(patterns)).table
    except (ImportError, DacError) as exc:
        log.warning("no field types for %s: %s", ", ".join(patterns), exc)
        return None
    return table.fields if table is not None else None


def sort_by_time(events: Iterable[dict], timestamp_field: str) -> list[dict]:
    """Order events by the timestamp field, keeping input order for ties.

    Events whose timestamp is missing or not a date go last, in input order;
    the engine decides what to do with them.
    """

    def key(item: tuple[int, dict]) -> tuple[int, float, int]:
        index, event = item
        millis = timestamp_millis(get_path(event, timestamp_field))
        if millis is None:
            return (1, 0.0, index)
        return (0, millis, index)

    return [event for _, event in sorted(enumerate(events), key=key)]


BACKEND_MODULES = {
    "elasticsearch": "dac.testing.backend_elasticsearch",
    "kibana": "dac.testing.backend_kibana",
}
BACKEND_NAMES = ("embedded", *BACKEND_MODULES)


def get_backend(name: str, **options: Any) -> Backend:
    """Create the backend called ``name``: embedded, elasticsearch or kibana.

    The last two are imported only when asked for, since they need a running
    cluster. Raises :class:`DacError` for an unknown name or a backend module
    that is not installed.
    """
    if name == "embedded":
        return EmbeddedBackend(**options)
    module_name = BACKEND_MODULES.get(name)
    if module_name is None:
        raise DacError(
            f"unknown backend {name!r}: use one of {', '.join(BACKEND_NAMES)}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DacError(f"backend {name!r} is not available: {exc}") from exc
    return module.create_backend(**options)


__all__ = [
    "Alert",
    "Backend",
    "EmbeddedBackend",
    "data_stream_of",
    "get_backend",
    "query_error_at",
]
