"""Map the alert documents Kibana's detection engine writes back to test events.

Kibana writes one alert per matching event, whose ``kibana.alert.ancestors``
entry of depth 0 contains the source document's ``_id``. For an EQL sequence it
writes one building-block alert per event, with ``kibana.alert.group.index``
giving the event's position, plus one shell alert without a position; all of
them share ``kibana.alert.group.id``. Alert documents store these fields
under literal dotted keys; nested objects are read too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dac.errors import KibanaError
from dac.testing.backend import Alert

EventLookup = Callable[[str | None], Mapping[str, Any] | None]


def alerts_from_documents(
    documents: Sequence[Mapping[str, Any]], event_for: EventLookup
) -> list[Alert]:
    """Group alert documents into alerts whose events are the caller's own objects.

    Single-event alerts come first, in document order, then one alert per
    sequence with its events ordered by ``kibana.alert.group.index``.
    Raises :class:`KibanaError` for an alert without a source event.
    """
    singles: list[Alert] = []
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for document in documents:
        group_id = alert_field(document, "kibana.alert.group.id")
        if group_id is None:
            singles.append(Alert(events=(_event(document, event_for),)))
            continue
        position = alert_field(document, "kibana.alert.group.index")
        if position is None:
            continue  # the shell alert of a sequence names no single event
        groups[str(group_id)].append((int(position), source_id(document)))

    sequences = []
    for members in groups.values():
        members.sort()
        sequences.append(
            Alert(events=tuple(_lookup(doc_id, event_for) for _, doc_id in members))
        )
    return singles + sequences


def source_id(document: Mapping[str, Any]) -> str:
    """Return the ``_id`` of the source event an alert document was built from.

    Raises :class:`KibanaError` when ``kibana.alert.ancestors`` has no entry
    of depth 0.
    """
    ancestors = alert_field(document, "kibana.alert.ancestors") or []
    if isinstance(ancestors, Mapping):
        ancestors = [ancestors]
    for ancestor in ancestors:
        if isinstance(ancestor, Mapping) and ancestor.get("depth") == 0:
            doc_id = ancestor.get("id")
            if isinstance(doc_id, str) and doc_id:
                return doc_id
    rule_id = alert_field(document, "kibana.alert.rule.rule_id")
    raise KibanaError(
        f"alert of rule {rule_id!r} has no source event "
        "(no kibana.alert.ancestors entry of depth 0)"
    )


def alert_field(document: Mapping[str, Any], dotted: str) -> Any:
    """Read ``dotted`` from literal dotted keys, nested objects or a mix of both."""
    if dotted in document:
        return document[dotted]
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        child = document.get(head)
        if isinstance(child, Mapping):
            value = alert_field(child, ".".join(parts[cut:]))
            if value is not None:
                return value
    return None


def _event(document: Mapping[str, Any], event_for: EventLookup) -> Any:
    return _lookup(source_id(document), event_for)


def _lookup(doc_id: str, event_for: EventLookup) -> Any:
    """Return the caller's event object itself, so alerts compare by content."""
    return event_for(doc_id)
