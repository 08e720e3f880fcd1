"""Convert one Sigma rule into a detection-rules TOML rule for Elastic EQL."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sigma.exceptions import SigmaError
from sigma.processing.conditions import IncludeFieldCondition, LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    FieldMappingTransformation,
    MapStringTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaString

from dac.errors import EqlError
from dac.importers.sigma.backend import ElasticEqlBackend, SigmaConversionError
from dac.importers.sigma.mapping import LEVELS, LOG_SOURCES, LogSource

# rule_id = uuid5(this namespace, "sigma:" + Sigma id): the same Sigma rule
# always gets the same rule_id, so a re-import updates instead of duplicating.
RULE_ID_NAMESPACE = uuid.UUID("8d2c7a5e-4b1f-5e0a-9c3d-2f6b1a7e9d40")


@dataclass
class Rejection:
    """A Sigma rule that was not converted, and why."""

    source: str
    title: str
    reason: str
    category: str
    field: str | None = None


@dataclass
class ConvertedRule:
    """A converted rule: its TOML document as a dict and where it came from."""

    source: str
    sigma_id: str
    document: dict[str, Any]
    log_source: LogSource
    query: str
    notes: list[str] = field(default_factory=list)


def rule_name(title: str) -> str:
    """Return ``title`` trimmed to a valid rule name.

    detection-rules requires a name that starts with a letter or digit and
    ends with a letter, digit or bracket; Sigma titles sometimes end in a
    quote or a full stop.
    """
    name = title.strip().lstrip("'\"-_.,;: ")
    if name[-1:] in ("'", '"'):
        opening = name.rfind(name[-1], 0, len(name) - 1)
        if opening != -1:
            # Drop the quotes around the last word rather than leave one dangling.
            name = name[:opening] + name[opening + 1 : -1]
    return name.rstrip("'\".,;:!?- ") or title


def rule_id_for(sigma_id: str) -> str:
    """Derive the deterministic rule_id of an imported Sigma rule."""
    return str(uuid.uuid5(RULE_ID_NAMESPACE, f"sigma:{sigma_id.lower()}"))


def convert_rule(rule: SigmaRule, source: str) -> ConvertedRule | Rejection:
    """Convert one parsed Sigma rule, or explain why it cannot be converted."""
    title = rule.title or "(untitled)"
    if rule.id is None:
        return Rejection(source, title, "the Sigma rule has no id", "missing id")
    product = (rule.logsource.product or "").lower()
    category = (rule.logsource.category or "").lower()
    log_source = LOG_SOURCES.get((category, product))
    if log_source is None:
        supported = ", ".join(f"{c}/{p}" for c, p in sorted(LOG_SOURCES))
        return Rejection(
            source,
            title,
            f"log source {category or '-'}/{product or '-'} is not supported "
            f"(supported: {supported})",
            "unsupported log source",
        )
    problem = _check_fields(rule, log_source)
    if problem is not None:
        reason, category_name, field_name = problem
        return Rejection(source, title, reason, category_name, field_name)

    try:
        condition = _convert_condition(rule, log_source)
    except SigmaConversionError as exc:
        return Rejection(source, title, _clean(exc), "unsupported regex")
    except (SigmaError, NotImplementedError, ValueError, TypeError) as exc:
        return Rejection(
            source, title, f"pySigma cannot convert it: {_clean(exc)}", "pySigma error"
        )

    query = f"{log_source.event_filter} and\n  ({condition})"
    try:
        from dac.eql import parse_query

        parse_query(query)
    except EqlError as exc:
        return Rejection(
            source,
            title,
            f"the converted query is not valid Elasticsearch EQL: {exc}",
            "invalid EQL",
        )
    document = _build_document(rule, log_source, query)
    return ConvertedRule(source, str(rule.id), document, log_source, query)


def _clean(exc: Exception) -> str:
    # pySigma appends " (while converting rule <title>)", which the rejection
    # already carries as its own field.
    return str(exc).split(" (while converting rule")[0]


def _check_fields(
    rule: SigmaRule, log_source: LogSource
) -> tuple[str, str, str | None] | None:
    for item in _detection_items(rule):
        if item.field is None:
            return (
                "keyword search without a field cannot be expressed for these indexes",
                "keyword search",
                None,
            )
        base = item.field
        if base in log_source.unmapped:
            return (
                f"field {base}: {log_source.unmapped[base]}",
                "unmapped field",
                base,
            )
        if base not in log_source.fields:
            return (
                f"field {base} has no ECS mapping for "
                f"{log_source.category}/{log_source.product}",
                "unmapped field",
                base,
            )
        problem = _value_problem(item, log_source.fields[base])
        if problem is None and base in log_source.values:
            problem = _unmapped_value(item, log_source.values[base])
        if problem is not None:
            return (f"field {base}: {problem}", "unsupported value", base)
    return None


# Sysmon writes numeric and binary registry data in its own notation, which
# Elastic's Sysmon pipeline rewrites (DWORD (0x00000001) becomes "1") and
# Elastic Defend stores differently again, so such a value matches neither.
_SYSMON_DATA_NOTATIONS = ("DWORD (", "QWORD (", "Binary Data")
_IP_FIELDS = ("destination.ip", "source.ip")


def _unmapped_value(item: SigmaDetectionItem, values: dict[str, str]) -> str | None:
    accepted = ", ".join(repr(v) for v in values)
    for value in item.value:
        if not isinstance(value, SigmaString):
            return (
                f"value {value} is not a string; quote it as one of {accepted}, "
                "the values this field maps"
            )
        if str(value).lower() not in values:
            return f"value {str(value)!r} has no ECS equivalent (accepted: {accepted})"
    return None


def _value_problem(item: SigmaDetectionItem, ecs_field: str | list[str]) -> str | None:
    for value in item.value:
        if not isinstance(value, SigmaString):
            continue
        if ecs_field in _IP_FIELDS and value.contains_special():
            return (
                f"wildcard value {value} on the ip field {ecs_field}, which "
                "Elasticsearch cannot match with wildcards (use |cidr)"
            )
        if ecs_field == "registry.data.strings":
            text = str(value)
            notation = next((n for n in _SYSMON_DATA_NOTATIONS if n in text), None)
            if notation is not None:
                return (
                    f"value {text!r} uses Sysmon's {notation.strip(' (')} "
                    "notation, which registry.data.strings does not contain"
                )
    return None


def _detection_items(rule: SigmaRule) -> list[SigmaDetectionItem]:
    items: list[SigmaDetectionItem] = []
    pending: list[SigmaDetection | SigmaDetectionItem] = list(
        rule.detection.detections.values()
    )
    while pending:
        node = pending.pop()
        if isinstance(node, SigmaDetection):
            pending.extend(node.detection_items)
        else:
            items.append(node)
    return items


def _convert_condition(rule: SigmaRule, log_source: LogSource) -> str:
    value_items = [
        ProcessingItem(
            identifier=f"dac-values-{sigma_field}",
            transformation=MapStringTransformation(dict(values)),
            field_name_conditions=[IncludeFieldCondition([sigma_field])],
        )
        for sigma_field, values in log_source.values.items()
    ]
    pipeline = ProcessingPipeline(
        name="dac: Sigma Windows fields to Elastic Defend / Sysmon ECS",
        priority=20,
        items=[
            *value_items,
            ProcessingItem(
                identifier="dac-field-mapping",
                transformation=FieldMappingTransformation(dict(log_source.fields)),
                rule_conditions=[
                    LogsourceCondition(
                        category=log_source.category, product=log_source.product
                    )
                ],
            ),
        ],
    )
    backend = ElasticEqlBackend(pipeline)
    queries = backend.convert_rule(rule)
    if len(queries) != 1 or not isinstance(queries[0], str):
        raise SigmaConversionError("the rule converts to more than one query")
    return queries[0]


def _build_document(
    rule: SigmaRule, log_source: LogSource, query: str
) -> dict[str, Any]:
    level = rule.level.name.lower() if rule.level else "medium"
    severity, risk_score = LEVELS.get(level, LEVELS["medium"])
    created = rule.date or dt.date.today()
    updated = rule.modified or created
    sigma_id = str(rule.id)
    description = (rule.description or rule.title).strip()
    document: dict[str, Any] = {
        "metadata": {
            "creation_date": created.strftime("%Y/%m/%d"),
            "integration": ["endpoint", "windows"],
            "maturity": "development",
            "updated_date": updated.strftime("%Y/%m/%d"),
        },
        "rule": {
            "author": [rule.author] if rule.author else ["Sigma"],
            "description": description,
            "from": "now-9m",
            "index": list(log_source.index),
            "language": "eql",
            "license": "DRL-1.1",
            "name": rule_name(rule.title),
            "note": f"Imported from Sigma rule {sigma_id}.",
            "risk_score": risk_score,
            "rule_id": rule_id_for(sigma_id),
            "severity": severity,
            "tags": [
                "Domain: Endpoint",
                "OS: Windows",
                "Use Case: Threat Detection",
                "Data Source: Elastic Defend",
                "Data Source: Sysmon",
                "Source: Sigma",
            ],
            "timestamp_override": "event.ingested",
            "type": "eql",
            "query": query + "\n",
        },
    }
    if rule.references:
        document["rule"]["references"] = list(rule.references)
    if rule.falsepositives:
        document["rule"]["false_positives"] = list(rule.falsepositives)
    from dac.importers.sigma.attack import threat_from_tags

    threat = threat_from_tags(rule.tags)
    if threat:
        document["rule"]["threat"] = threat
    return document
