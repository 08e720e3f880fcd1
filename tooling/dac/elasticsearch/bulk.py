"""Route test events to data streams and build and check ``_bulk`` requests.

Each event goes to the data stream its ``data_stream.*`` fields name, with
the namespace replaced by a per-run namespace (``dactest<hex>``), so that
runs never see each other's documents and cleanup deletes only their own.
Data streams accept only ``create`` actions, so every action is a create.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dac.errors import ElasticsearchError, TestCaseError

NAMESPACE_PREFIX = "dactest"

# Failed bulk items quoted in one error message; the rest are counted.
_MAX_REPORTED_FAILURES = 5


@dataclass(frozen=True)
class IndexedEvent:
    """One event as sent to Elasticsearch: target data stream, ``_id`` and body."""

    data_stream: str
    doc_id: str
    source: dict[str, Any]


def new_namespace() -> str:
    """Return a fresh data stream namespace such as ``dactest3f9a0c1d``."""
    return f"{NAMESPACE_PREFIX}{secrets.token_hex(4)}"


def route_events(
    events: Sequence[Mapping[str, Any]], namespace: str
) -> list[IndexedEvent]:
    """Give each event its data stream in ``namespace`` and a unique ``_id``.

    Keys starting with ``_`` (such as ``_index``) are Elasticsearch metadata,
    not document fields, so they are left out of the body. The event's own
    ``data_stream.namespace`` value is kept, so a query on that field
    matches as it would in production.
    Raises :class:`TestCaseError` for an event without ``data_stream.type``
    and ``data_stream.dataset``.
    """
    routed = []
    for position, event in enumerate(events):
        stream_type = _field(event, "data_stream.type")
        dataset = _field(event, "data_stream.dataset")
        if not isinstance(stream_type, str) or not isinstance(dataset, str):
            raise TestCaseError(
                f"event {position} has no data_stream.type and data_stream.dataset, "
                "so it cannot be routed to a data stream; build events with the "
                "event factory or set both fields"
            )
        source = {key: value for key, value in event.items() if not key.startswith("_")}
        routed.append(
            IndexedEvent(
                data_stream=f"{stream_type}-{dataset}-{namespace}",
                doc_id=f"{namespace}-{position}",
                source=source,
            )
        )
    return routed


def build_bulk_body(events: Sequence[IndexedEvent]) -> str:
    """Return the NDJSON ``_bulk`` body: one ``create`` action and source per event."""
    lines = []
    for event in events:
        action = {"create": {"_index": event.data_stream, "_id": event.doc_id}}
        lines.append(json.dumps(action))
        lines.append(json.dumps(event.source, default=str))
    return "\n".join(lines) + "\n"


def check_bulk_response(
    response: Mapping[str, Any], events: Sequence[IndexedEvent]
) -> None:
    """Raise :class:`ElasticsearchError` unless every item of a ``_bulk`` succeeded.

    The message names each failed event by position, data stream and the
    error Elasticsearch gave, such as a mapping conflict.
    """
    items = response.get("items")
    if not isinstance(items, list) or len(items) != len(events):
        raise ElasticsearchError(
            f"unexpected _bulk response: expected {len(events)} items, "
            f"got {len(items) if isinstance(items, list) else 'none'}"
        )
    if not response.get("errors"):
        return

    failures = []
    for position, item in enumerate(items):
        result = next(iter(item.values()), {}) if isinstance(item, dict) else {}
        status = result.get("status", 0)
        if isinstance(status, int) and status < 300:
            continue
        error = result.get("error") or {}
        reason = (
            f"{error.get('type')}: {error.get('reason')}"
            if isinstance(error, dict)
            else str(error)
        )
        failures.append(
            f"event {position} -> {events[position].data_stream}: {status} {reason}"
        )
    if not failures:
        return
    shown = "; ".join(failures[:_MAX_REPORTED_FAILURES])
    more = len(failures) - _MAX_REPORTED_FAILURES
    suffix = f"; and {more} more" if more > 0 else ""
    raise ElasticsearchError(
        f"{len(failures)} of {len(events)} events were not indexed: {shown}{suffix}"
    )


def _field(event: Mapping[str, Any], dotted: str) -> Any:
    """Read ``dotted`` from nested objects or from a literal dotted key."""
    if dotted in event:
        return event[dotted]
    value: Any = event
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
