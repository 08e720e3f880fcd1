"""Document index names, index pattern matching and timestamp parsing."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from dac.schemas import match_pattern

# A data stream's backing index: .ds-<data stream>-<yyyy.MM.dd>-<generation>.
_BACKING_INDEX = re.compile(r"^\.ds-(.+)-\d{4}\.\d{2}\.\d{2}-\d{6}$")
_FRACTION = re.compile(r"\.(\d{6})\d+")


def data_stream_of(document: Mapping[str, Any]) -> str | None:
    """Return the index a document belongs to, as index patterns see it.

    ``_index`` wins (a backing index ``.ds-x-2025.01.01-000001`` counts as
    its data stream ``x``); otherwise ``data_stream.{type,dataset,namespace}``
    gives ``<type>-<dataset>-<namespace>``, the name Fleet writes to.
    """
    index = document.get("_index")
    if isinstance(index, str) and index:
        match = _BACKING_INDEX.match(index)
        return match.group(1) if match else index
    stream = document.get("data_stream")
    if isinstance(stream, Mapping):
        parts = (stream.get("type"), stream.get("dataset"), stream.get("namespace"))
        if all(isinstance(part, str) and part for part in parts):
            return "-".join(parts)  # type: ignore[arg-type]
    return None


def _split(patterns: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Split patterns into included ones and ``-excluded`` ones."""
    include: list[str] = []
    exclude: list[str] = []
    for entry in patterns:
        for pattern in entry.split(","):
            pattern = pattern.strip()
            if not pattern or ":" in pattern:
                # A remote cluster's index (cluster:index) is never a local document.
                continue
            if pattern.startswith("-") and include:
                exclude.append(pattern[1:])
            else:
                include.append(pattern)
    return include, exclude


def index_filter(patterns: Sequence[str]) -> Callable[[Mapping[str, Any]], bool]:
    """Return a predicate telling whether a document is in an index ``patterns`` match.

    Patterns follow Elasticsearch's multi-target syntax: ``*`` wildcards,
    comma-separated lists, and ``-pattern`` to exclude what earlier patterns
    matched. A rule with no index patterns sees every document (Kibana then
    uses the space's default data view). A document whose index is unknown
    is seen only by such a rule.
    """
    name_matches = index_name_filter(patterns)

    def matches(document: Mapping[str, Any]) -> bool:
        return name_matches(data_stream_of(document))

    return matches


def index_name_filter(patterns: Sequence[str]) -> Callable[[str | None], bool]:
    """Return a predicate on index names (see :func:`index_filter`), cached per name."""
    if not patterns:
        return lambda name: True
    include, exclude = _split(tuple(patterns))

    @functools.lru_cache(maxsize=1024)
    def name_matches(name: str | None) -> bool:
        if name is None:
            return False
        if not any(match_pattern(pattern, name) for pattern in include):
            return False
        return not any(match_pattern(pattern, name) for pattern in exclude)

    return name_matches


def timestamp_millis(value: Any) -> float | None:
    """Convert a date field value to milliseconds since the epoch.

    Accepts epoch milliseconds (number) and ISO 8601 strings, including
    Windows' seven-digit fractions (``14:22:31.5120371Z``), which are cut
    to microseconds. Returns None for anything else.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r".\1", value.strip()).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        # Elasticsearch reads a date without a zone as UTC.
        return (moment - datetime(1970, 1, 1)).total_seconds() * 1000
    return moment.timestamp() * 1000
