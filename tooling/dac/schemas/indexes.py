"""Resolve index patterns to the field tables of the data streams they cover."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from dac.errors import SchemaError
from dac.schemas.tables import FieldTable, load_table, union_tables

log = logging.getLogger(__name__)

# Elasticsearch limits an index name to 255 bytes; a longer pattern in a rule
# file is rejected before matching.
MAX_PATTERN_LENGTH = 255

# Concrete data stream and index names that rule index patterns are matched
# against, with the table that describes each (None: no schema is shipped, so
# a pattern covering it only gets warnings). Names follow the index naming of
# Elastic Agent (``<type>-<dataset>-<namespace>``) and Beats
# (``<beat>-<version>``).
CATALOG: dict[str, str | None] = {
    "logs-endpoint.events.api-default": "defend-api",
    "logs-endpoint.events.device-default": "defend-device",
    "logs-endpoint.events.file-default": "defend-file",
    "logs-endpoint.events.library-default": "defend-library",
    "logs-endpoint.events.network-default": "defend-network",
    "logs-endpoint.events.process-default": "defend-process",
    "logs-endpoint.events.registry-default": "defend-registry",
    "logs-endpoint.events.security-default": "defend-security",
    "logs-endpoint.alerts-default": None,
    "logs-endpoint.actions-default": None,
    "logs-endpoint.action.responses-default": None,
    "logs-endpoint.heartbeat-default": None,
    "logs-endpoint.diagnostic.collection-default": None,
    "logs-windows.sysmon_operational-default": "sysmon",
    "logs-windows.powershell-default": None,
    "logs-windows.powershell_operational-default": None,
    "logs-windows.forwarded-default": None,
    "logs-windows.windows_defender-default": None,
    "logs-system.security-default": None,
    "logs-system.system-default": None,
    "logs-system.auth-default": None,
    "logs-system.syslog-default": None,
    "logs-auditd_manager.auditd-default": None,
    "logs-aws.cloudtrail-default": None,
    "logs-azure.activitylogs-default": None,
    "logs-o365.audit-default": None,
    "logs-okta.system-default": None,
    "logs-crowdstrike.fdr-default": None,
    "logs-m365_defender.event-default": None,
    "logs-sentinel_one_cloud_funnel.event-default": None,
    "winlogbeat-9.0.0": "winlogbeat",
    "auditbeat-9.0.0": None,
    "filebeat-9.0.0": None,
    "packetbeat-9.0.0": None,
    "endgame-9.0.0": None,
    ".alerts-security.alerts-default": None,
}


@dataclass(frozen=True, eq=False)
class IndexSchema:
    """The schema a rule's index patterns resolve to.

    ``table`` merges the tables of every covered data stream with a shipped
    schema (None when no pattern covers one). ``unknown`` lists patterns that
    cover no data stream with a schema, or also cover some without one:
    validation warns about unknown fields there instead of rejecting them.
    ``categories`` are the covered streams' ``event.category`` values. It is
    empty, meaning any category, when a pattern is unknown or a covered
    stream allows any category.
    """

    table: FieldTable | None
    unknown: tuple[str, ...]
    categories: frozenset[str]
    streams: tuple[str, ...] = ()


def match_pattern(pattern: str, name: str) -> bool:
    """Match an index name against a pattern where ``*`` is the only wildcard.

    Elasticsearch index patterns know only ``*``. The match is greedy per
    literal segment, so its cost is linear in the lengths and never
    backtracks.
    """
    segments = pattern.split("*")
    if len(segments) == 1:
        return pattern == name
    first, last = segments[0], segments[-1]
    if not name.startswith(first) or not name.endswith(last):
        return False
    if len(first) + len(last) > len(name):
        return False
    position = len(first)
    end = len(name) - len(last)
    for segment in segments[1:-1]:
        found = name.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def split_patterns(patterns: Sequence[str]) -> list[str]:
    """Split comma-separated entries and drop blanks, as Elasticsearch does.

    Raises:
        SchemaError: a pattern is longer than an index name can be.
    """
    result = []
    for entry in patterns:
        for pattern in str(entry).split(","):
            pattern = pattern.strip()
            if not pattern:
                continue
            if len(pattern) > MAX_PATTERN_LENGTH:
                raise SchemaError(
                    f"index pattern {pattern[:40]!r}... is {len(pattern)} characters "
                    f"long; Elasticsearch allows at most {MAX_PATTERN_LENGTH}"
                )
            result.append(pattern)
    return result


def family_of(name: str) -> str:
    """Return the glob of a catalog name's family: its name with any namespace.

    ``logs-endpoint.events.process-default`` belongs to
    ``logs-endpoint.events.process-*`` and ``winlogbeat-9.0.0`` to
    ``winlogbeat-*``.
    """
    return name.rsplit("-", 1)[0] + "-*"


def covers(pattern: str, name: str) -> bool:
    """Return True when ``pattern`` matches ``name`` or another member of its family.

    The pattern with its wildcards removed is a name the pattern matches, so
    if the family matches it too, both share that name
    (``logs-endpoint.events.process-prod*`` covers the process stream).
    NOTE: this misses some overlaps, such as ``*-prod``, which then count as
    unknown patterns and get warnings instead of field checks.
    """
    if match_pattern(pattern, name):
        return True
    return match_pattern(family_of(name), pattern.replace("*", ""))


def covered_names(patterns: Sequence[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Return each inclusion pattern's catalog matches and the excluded names.

    A pattern that starts with ``-`` excludes the names it matches, and a
    ``cluster:index`` pattern names a remote cluster, which has no catalog.
    """
    included: dict[str, list[str]] = {}
    excluded: set[str] = set()
    for pattern in split_patterns(patterns):
        if pattern.startswith("-"):
            excluded.update(n for n in CATALOG if match_pattern(pattern[1:], n))
            continue
        if ":" in pattern:
            included[pattern] = []
            continue
        included[pattern] = [n for n in CATALOG if covers(pattern, n)]
    return included, excluded


def resolve_indexes(patterns: Sequence[str]) -> IndexSchema:
    """Resolve a rule's index patterns to the union of the covered field tables.

    Elasticsearch's EQL accepts a field mapped in at least one searched
    index, so the result's table is the union of every covered data stream
    with a shipped schema.

    Raises:
        SchemaError: a pattern is too long, or a shipped table is invalid.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    return _resolve(tuple(patterns))


@functools.cache
def _merged_tables(names: tuple[str, ...]) -> FieldTable:
    """Merge the named tables once per set; many pattern lists share a set."""
    return union_tables([load_table(name) for name in names])


@functools.cache
def _resolve(patterns: tuple[str, ...]) -> IndexSchema:
    included, excluded = covered_names(patterns)
    unknown: list[str] = []
    table_names: list[str] = []
    for pattern, names in included.items():
        names = [name for name in names if name not in excluded]
        schemas = [CATALOG[name] for name in names]
        if not names or None in schemas:
            unknown.append(pattern)
        for schema in schemas:
            if schema is not None and schema not in table_names:
                table_names.append(schema)
    if not table_names:
        return IndexSchema(None, tuple(unknown), frozenset())
    merged = _merged_tables(tuple(sorted(table_names)))
    log.debug("index patterns %s resolve to %s", list(patterns), merged.name)
    return IndexSchema(
        table=merged,
        unknown=tuple(unknown),
        categories=frozenset() if unknown else merged.categories,
        streams=tuple(sorted(table_names)),
    )
