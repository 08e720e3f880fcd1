"""Build complete Elastic Defend documents from the compact events of a test case."""

from __future__ import annotations

import base64
import difflib
import logging
import random
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from dac.errors import DacError, TestCaseError
from dac.events.categories import Category, category_of
from dac.events.fields import REMOVE, deep_merge, delete_path, expand, iter_leaves
from dac.events.hosts import ECS_VERSION, OS_TYPES, HostProfile, make_profile
from dac.events.processes import ProcessTable, fill_process
from dac.events.times import DEFAULT_BASE_TIME, format_time, parse_time
from dac.events.values import value_problem

log = logging.getLogger(__name__)

# Keys of a compact event that steer the factory and are not ECS fields.
META_KEYS = ("at", "category")

# Time from the event happening to Elasticsearch indexing it. Defend sends
# batches every few seconds; a fixed delay keeps event order under either
# @timestamp or event.ingested.
INGEST_DELAY = timedelta(seconds=2)

# Without an ``at``, each event of a case comes this long after the previous.
DEFAULT_STEP = timedelta(seconds=1)

NAMESPACE = "default"


class FieldTable(Protocol):
    """The part of a schema table the factory reads."""

    fields: Mapping[str, str]

    def has_field(self, name: str) -> bool: ...


TableLookup = Callable[[str], "FieldTable | None"]


def schema_for_stream(data_stream: str) -> FieldTable | None:
    """Load the field table of an Elastic Defend data stream such as
    ``logs-endpoint.events.process-default``; None when no table exists."""
    from dac.schemas import resolve_indexes

    try:
        return resolve_indexes([data_stream]).table
    except DacError as exc:
        log.warning("no field table for %s: %s", data_stream, exc)
        return None


class EventFactory:
    """Turn compact events into complete, schema-checked Elastic Defend documents.

    Output depends only on ``seed`` and ``base_time``: the same case always
    yields the same documents. ``base_time=None`` means the current time,
    which real Elasticsearch and Kibana backends need because rules search
    only recent events. ``tables`` maps a data stream name to its field
    table; the default loads the project's Elastic Defend tables.
    """

    def __init__(
        self,
        seed: int | str = 0,
        base_time: datetime | None = DEFAULT_BASE_TIME,
        tables: TableLookup | None = None,
    ):
        self.seed = zlib.crc32(seed.encode()) if isinstance(seed, str) else seed
        self.base_time = base_time
        self._tables = tables or schema_for_stream
        self._table_cache: dict[str, FieldTable | None] = {}

    def build_case(
        self,
        events: Sequence[Mapping[str, Any]],
        case: str = "",
        path: str = "",
        defaults: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Build every event of one case; they share a host, agent and process table.

        ``defaults`` are compact fields applied under each event's own fields.
        Raises :class:`TestCaseError` naming ``path``, ``case``, the event
        index and the field for anything invalid.
        """
        rng = random.Random(self.seed ^ zlib.crc32(case.encode()))
        start = self.base_time or datetime.now(UTC)
        hosts: dict[str, HostProfile] = {}
        processes: dict[str, ProcessTable] = {}
        documents = []
        when = start
        for index, compact in enumerate(events):
            where = f"event {index}"
            try:
                merged = _merge_defaults(defaults, compact)
                when = _event_time(merged, start, when, index)
                expanded = expand(
                    {k: v for k, v in merged.items() if k not in META_KEYS}
                )
                os_type = _os_type(expanded)
                if os_type not in hosts:
                    hosts[os_type] = make_profile(os_type, rng)
                    processes[os_type] = ProcessTable(rng, hosts[os_type], start)
                category = category_of(expanded, merged.get("category"))
                document = _build(
                    expanded, category, hosts[os_type], processes[os_type], when, rng
                )
            except ValueError as exc:
                raise TestCaseError(f"{where}: {exc}", path, case) from exc
            self._check_fields(document, expanded, category, where, path, case)
            documents.append(document)
        return documents

    def build(self, compact: Mapping[str, Any], case: str = "", path: str = "") -> dict:
        """Build one event on its own (a case of one event)."""
        return self.build_case([compact], case, path)[0]

    def table_for(self, data_stream: str) -> FieldTable | None:
        """Return the field table of ``data_stream``, loading it once."""
        if data_stream not in self._table_cache:
            self._table_cache[data_stream] = self._tables(data_stream)
        return self._table_cache[data_stream]

    def _check_fields(
        self,
        document: dict[str, Any],
        case_fields: Mapping[str, Any],
        category: Category,
        where: str,
        path: str,
        case: str,
    ) -> None:
        """Reject case fields the data stream does not map; drop unmapped defaults.

        Elastic Defend's templates use ``dynamic: false``, so an unmapped field
        is stored but never searchable: a case naming one would test nothing.
        """
        data_stream = document["data_stream"]
        stream_name = f"logs-{data_stream['dataset']}-{data_stream['namespace']}"
        table = self.table_for(stream_name)
        if table is None:
            return
        given_names = {name for name, _ in iter_leaves(case_fields)}
        for name, value in list(iter_leaves(document)):
            if table.has_field(name):
                problem = value_problem(table.type_of(name), value)
                if problem is not None and name in given_names:
                    raise TestCaseError(
                        f"{where}: field {name!r} is {table.type_of(name)} in the "
                        f"{stream_name} schema, and {problem}; Elasticsearch would "
                        "reject this event",
                        path,
                        case,
                    )
                continue
            if name in given_names:
                raise TestCaseError(
                    f"{where}: field {name!r} is not in the {stream_name} "
                    f"schema{_suggest(name, table)}",
                    path,
                    case,
                )
            delete_path(document, name)


def _suggest(name: str, table: FieldTable) -> str:
    close = difflib.get_close_matches(name, list(table.fields), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _merge_defaults(
    defaults: Mapping[str, Any] | None, compact: Mapping[str, Any]
) -> dict[str, Any]:
    if not isinstance(compact, Mapping):
        raise ValueError(f"an event must be a mapping of fields, not {compact!r}")
    if not defaults:
        return dict(compact)
    merged = expand({k: v for k, v in defaults.items() if k not in META_KEYS})
    own = expand({k: v for k, v in compact.items() if k not in META_KEYS})
    merged = deep_merge(merged, own, keep_none=True)
    for key in META_KEYS:
        if key in compact:
            merged[key] = compact[key]
        elif key in defaults:
            merged[key] = defaults[key]
    return merged


def _event_time(
    compact: Mapping[str, Any], start: datetime, previous: datetime, index: int
) -> datetime:
    value = compact.get("at", compact.get("@timestamp"))
    if value is None:
        return start if index == 0 else previous + DEFAULT_STEP
    return parse_time(value, start)


def _os_type(expanded: Mapping[str, Any]) -> str:
    host = expanded.get("host")
    os_info = host.get("os") if isinstance(host, dict) else None
    value = os_info.get("type") if isinstance(os_info, dict) else None
    if value is None:
        return "windows"
    if value not in OS_TYPES:
        raise ValueError(
            f"unknown host.os.type {value!r}: use one of {', '.join(OS_TYPES)}"
        )
    return value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _build(
    case_fields: dict[str, Any],
    category: Category,
    host: HostProfile,
    processes: ProcessTable,
    when: datetime,
    rng: random.Random,
) -> dict[str, Any]:
    case_event = case_fields.get("event")
    case_event = case_event if isinstance(case_event, dict) else {}
    event_types = _as_list(case_event.get("type", list(category.event_type)))
    document = _base_document(category, host, when, rng, event_types)
    document = deep_merge(document, category.extra(host, rng))
    if category.has_process:
        case_process = case_fields.get("process")
        case_process = case_process if isinstance(case_process, dict) else {}
        is_start = category.name == "process" and "start" in event_types
        document["process"] = fill_process(
            case_process, host, processes, when, is_start
        )
        if category.name == "process" and "end" in event_types:
            document["process"]["exit_code"] = 0

    document = deep_merge(document, case_fields)
    for key in ("category", "type"):
        value = document["event"].get(key)
        if value is not None and not isinstance(value, list):
            document["event"][key] = [value]
    if "@timestamp" in case_fields:
        # The case gave the time as an offset; write it resolved.
        document["@timestamp"] = format_time(when)
    return document


def _base_document(
    category: Category,
    host: HostProfile,
    when: datetime,
    rng: random.Random,
    event_types: list[str],
) -> dict[str, Any]:
    """Return the fields every Elastic Defend event of ``category`` carries."""
    return {
        "@timestamp": format_time(when),
        "agent": host.agent(),
        "data_stream": {
            "dataset": category.dataset,
            "namespace": NAMESPACE,
            "type": "logs",
        },
        "ecs": {"version": ECS_VERSION},
        "event": {
            "action": category.action_for(event_types),
            "agent_id_status": "verified",
            "category": list(category.event_category),
            "created": format_time(when),
            "dataset": category.dataset,
            "id": _event_id(rng),
            "ingested": format_time(when + INGEST_DELAY),
            "kind": "event",
            "module": "endpoint",
            "sequence": rng.randint(10_000, 9_999_999),
            "type": list(category.event_type),
        },
        "host": host.host(),
        "message": f"Endpoint {category.stream} event",
        "user": host.user(),
    }


def _event_id(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(12)).decode()


__all__ = ["EventFactory", "FieldTable", "REMOVE", "schema_for_stream"]
