"""Explain a failed case: which condition was false, or which events matched."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from dac.errors import DacError
from dac.events.fields import get_path
from dac.rules import Rule
from dac.testing.backend import DEFAULT_TIMESTAMP_FIELD, Alert, field_types_for
from dac.testing.indexes import data_stream_of, index_filter

log = logging.getLogger(__name__)

# Fields shown to tell the events of an unexpected alert apart.
_SUMMARY_FIELDS = (
    "event.category",
    "event.type",
    "process.name",
    "process.parent.name",
)


def explain_missing_alert(rule: Rule, events: Sequence[dict[str, Any]]) -> str:
    """Say, per event, why the rule did not alert on it.

    An event outside the rule's index patterns, or without the rule's
    timestamp field, is named as such. For every other event the engine
    lists the query's false conditions with the values it saw.
    """
    visible = index_filter(rule.index)
    timestamp_field = rule.timestamp_override or DEFAULT_TIMESTAMP_FIELD
    field_types = field_types_for(rule.index)
    reasons: list[str] = []
    matching: list[int] = []
    for index, event in enumerate(events):
        if not visible(event):
            reasons.append(
                f"event {index}: index {data_stream_of(event)!r} is not matched by "
                f"the rule's index patterns {rule.index}"
            )
            continue
        if get_path(event, timestamp_field) is None:
            reasons.append(
                f"event {index}: has no {timestamp_field} (the rule's timestamp field)"
            )
            continue
        false_conditions = _explain(rule, event, field_types)
        if false_conditions:
            reasons.append(f"event {index}: " + "; ".join(false_conditions))
        else:
            matching.append(index)
    if matching:
        reasons.append(
            f"events {matching} meet the query's conditions one by one; a "
            "sequence or sample also needs their order, maxspan and join keys "
            "to agree"
        )
    return "\n".join(reasons) if reasons else "the case has no events"


def _explain(rule: Rule, event: dict[str, Any], field_types: Any) -> list[str]:
    """List the false conditions of the query step ``event`` comes closest to.

    An event query has one step; for a sequence or sample an event that
    matches any step gets an empty list.
    """
    try:
        from dac.engine import explain_step
    except ImportError as exc:
        return [f"no explanation: the engine is not available ({exc})"]
    per_step: list[list[str]] = []
    while True:
        try:
            reasons = explain_step(
                rule.query or "", event, len(per_step), field_types=field_types
            )
        except IndexError:
            break
        except DacError as exc:
            log.debug("explain failed for %s: %s", rule.display_name, exc)
            return [f"no explanation: {exc}"]
        if not reasons:
            return []
        per_step.append(list(reasons))
    if len(per_step) <= 1:
        return per_step[0] if per_step else []
    closest = min(range(len(per_step)), key=lambda step: len(per_step[step]))
    return [f"closest to step {closest + 1}:", *per_step[closest]]


def describe_alerts(alerts: Sequence[Alert], events: Sequence[dict[str, Any]]) -> str:
    """Describe alerts by the case indexes and key fields of their events."""
    from dac.testing.runner import alert_indexes

    parts = []
    for alert in alerts:
        indexes = alert_indexes(alert, events)
        details = [_summary(event) for event in alert.events if event is not None]
        parts.append(f"events {indexes} ({'; '.join(details)})")
    count = len(alerts)
    return f"{count} alert{'s' if count != 1 else ''}: " + ", ".join(parts)


def _summary(event: dict[str, Any]) -> str:
    values = []
    for name in _SUMMARY_FIELDS:
        value = get_path(event, name)
        if value is not None:
            values.append(f"{name}={value!r}")
    return ", ".join(values)
