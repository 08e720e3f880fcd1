"""Field tables: which fields an index maps and with which Elasticsearch type."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dac.errors import SchemaError

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class FieldTable:
    """The fields one index (or a union of indexes) maps, with their types.

    ``fields`` maps a dotted field name, multi-fields included
    (``process.command_line.text``), to its Elasticsearch type. Object
    parents of known leaves (``process``) are known too but not keys of
    ``fields``. ``categories`` contains the ``event.category`` values the data
    streams carry; empty means any. ``dynamic`` is False when the index
    does not map unknown fields, so they cannot be searched.
    """

    name: str
    version: str
    source: str
    fields: Mapping[str, str]
    categories: frozenset[str] = frozenset()
    arrays: frozenset[str] = frozenset()
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    index_patterns: tuple[str, ...] = ()
    dynamic: bool = True
    objects: frozenset[str] = field(init=False, repr=False)
    typed_objects: Mapping[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        parents = {
            name[:index]
            for name in self.fields
            for index, char in enumerate(name)
            if char == "."
        }
        object.__setattr__(self, "objects", frozenset(parents - set(self.fields)))
        # An object with ``object_type`` (``winlog.event_data``) maps any
        # sub-field through a dynamic template with that type.
        typed = {
            name: str(params["object_type"])
            for name, params in self.params.items()
            if "object_type" in params
        }
        object.__setattr__(self, "typed_objects", MappingProxyType(typed))

    def type_of(self, field_name: str) -> str | None:
        """Return the field's Elasticsearch type, ``object`` for a parent, else None.

        A sub-field of an object declared with ``object_type`` gets that type.
        """
        field_type = self.fields.get(field_name)
        if field_type is not None:
            return field_type
        if field_name in self.objects:
            return "object"
        return self._typed_object_type(field_name)

    def has_field(self, field_name: str) -> bool:
        """Return True for a mapped field or an object parent of one."""
        return self.type_of(field_name) is not None

    def _typed_object_type(self, field_name: str) -> str | None:
        if not self.typed_objects:
            return None
        position = field_name.rfind(".")
        while position > 0:
            object_type = self.typed_objects.get(field_name[:position])
            if object_type is not None:
                return object_type
            position = field_name.rfind(".", 0, position)
        return None

    def is_searchable(self, field_name: str) -> bool:
        """Return True when the field is mapped and indexed.

        Fields mapped with ``index: false`` and fields under an object with
        ``enabled: false`` stay in ``_source`` but cannot be queried.
        """
        if field_name not in self.fields:
            return False
        if self.params.get(field_name, EMPTY).get("index") is False:
            return False
        parts = field_name.split(".")
        for end in range(1, len(parts)):
            parent = ".".join(parts[:end])
            if self.params.get(parent, EMPTY).get("enabled") is False:
                return False
        return True

    def is_array(self, field_name: str) -> bool:
        """Return True when the source marks the field as usually holding a list."""
        return field_name in self.arrays


def union_tables(tables: Iterable[FieldTable], name: str | None = None) -> FieldTable:
    """Merge tables the way Elasticsearch resolves fields across several indexes.

    A field is known when any index maps it. When two indexes map a field
    with different types, the first table's type is kept.
    """
    tables = list(tables)
    if not tables:
        raise SchemaError("cannot merge an empty list of field tables")
    if len(tables) == 1:
        return tables[0]
    fields: dict[str, str] = {}
    params: dict[str, Mapping[str, Any]] = {}
    for table in tables:
        for key, value in table.fields.items():
            fields.setdefault(key, value)
        for key, value in table.params.items():
            params.setdefault(key, value)
    any_category = any(not table.categories for table in tables)
    categories = frozenset().union(*(table.categories for table in tables))
    return FieldTable(
        name=name or "+".join(table.name for table in tables),
        version=",".join(sorted({table.version for table in tables})),
        source=",".join(sorted({table.source for table in tables})),
        fields=fields,
        categories=frozenset() if any_category else categories,
        arrays=frozenset().union(*(table.arrays for table in tables)),
        params=params,
        index_patterns=tuple(p for table in tables for p in table.index_patterns),
        dynamic=any(table.dynamic for table in tables),
    )


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.stem))


@functools.cache
def read_data_file(kind: str) -> dict[str, Any]:
    """Read the newest shipped ``<kind>-<version>.json`` table.

    Raises:
        SchemaError: no such table is shipped, or it is not valid JSON.
    """
    candidates = sorted(DATA_DIR.glob(f"{kind}-*.json"), key=_version_key)
    if not candidates:
        raise SchemaError(
            f"no {kind} table in {DATA_DIR}; regenerate it with "
            "`python -m dac.schemas.generate` (see docs/schemas.md)"
        )
    path = candidates[-1]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"failed to read field table {path}: {exc}") from exc
    if not isinstance(document, dict) or "_meta" not in document:
        raise SchemaError(f"field table {path} has no _meta object")
    log.debug("read %s", path)
    return document


def _ecs_table() -> FieldTable:
    document = read_data_file("ecs")
    meta = document["_meta"]
    return FieldTable(
        name="ecs",
        version=meta["version"],
        source=meta["source"],
        fields=document["fields"],
        arrays=frozenset(document.get("arrays", ())),
        params=document.get("params", {}),
    )


def _overlay_table(
    name: str, entry: Mapping[str, Any], meta: Mapping[str, Any]
) -> FieldTable:
    """Build a data stream's table: its ECS field names plus its own overlay."""
    ecs = load_table("ecs")
    ecs_base = entry.get("ecs_base", meta.get("ecs_base"))
    if ecs_base and ecs_base != ecs.version:
        raise SchemaError(
            f"table {name} was generated against ECS {ecs_base}, but ECS "
            f"{ecs.version} is shipped; regenerate it with --ecs-table"
        )
    fields: dict[str, str] = {}
    params: dict[str, Mapping[str, Any]] = {}
    for field_name in entry.get("ecs", ()):
        fields[field_name] = ecs.fields[field_name]
        if field_name in ecs.params:
            params[field_name] = ecs.params[field_name]
    fields.update(entry.get("fields", {}))
    params.update(entry.get("params", {}))
    dynamic = bool(entry.get("dynamic", True))
    if dynamic:
        # An index that maps unknown fields dynamically gets every ECS field
        # with its ECS type from the ecs@mappings dynamic templates that Fleet
        # and Elasticsearch 8.13+ add to integration templates. Elastic Agent
        # adds host.* and agent.* to every event this way.
        # NOTE: the ecs@mappings inclusion is not checked against a live
        # cluster here; it is why host.os.type is valid on Sysmon indexes.
        for field_name, field_type in ecs.fields.items():
            fields.setdefault(field_name, field_type)
    return FieldTable(
        name=name,
        version=entry.get("version", meta["version"]),
        source=entry.get("source", meta["source"]),
        fields=fields,
        categories=frozenset(entry.get("categories", ())),
        arrays=frozenset(f for f in fields if f in ecs.arrays),
        params=params,
        index_patterns=(entry["index_pattern"],),
        dynamic=dynamic,
    )


def defend_streams() -> tuple[str, ...]:
    """Return the Elastic Defend event data streams with a shipped table."""
    return tuple(sorted(read_data_file("defend")["streams"]))


# The Windows file contains two tables: Sysmon from Elastic's Windows integration
# and the winlogbeat index from Winlogbeat.
WINDOWS_TABLES = ("sysmon", "winlogbeat")


def table_names() -> tuple[str, ...]:
    """Return every name :func:`load_table` accepts."""
    defend = tuple(f"defend-{stream}" for stream in defend_streams())
    return ("ecs", "defend", *defend, *WINDOWS_TABLES)


@functools.cache
def load_table(name: str) -> FieldTable:
    """Load a shipped field table by name.

    Names: ``ecs``; ``defend`` (every Elastic Defend event stream merged);
    ``defend-process``, ``defend-file`` and the other Defend streams;
    ``sysmon``; ``winlogbeat``. Results are cached.

    Raises:
        SchemaError: the name is unknown or the table is missing or invalid.
    """
    if name == "ecs":
        return _ecs_table()
    if name == "defend":
        streams = [load_table(f"defend-{stream}") for stream in defend_streams()]
        return union_tables(streams, name="defend")
    if name.startswith("defend-"):
        document = read_data_file("defend")
        entry = document["streams"].get(name.removeprefix("defend-"))
        if entry is not None:
            return _overlay_table(name, entry, document["_meta"])
    if name in WINDOWS_TABLES:
        document = read_data_file("windows")
        entry = document["tables"].get(name)
        if entry is not None:
            return _overlay_table(name, entry, document["_meta"])
    known = ", ".join(table_names())
    raise SchemaError(f"unknown field table {name!r}; known tables: {known}")
