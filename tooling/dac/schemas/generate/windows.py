"""Generate the Sysmon and Winlogbeat tables.

Sysmon events from Elastic's Windows integration land in
``logs-windows.sysmon_operational-*``. The integration lists most ECS fields
as ``external: ecs``. It adds ``winlog.*``, ``sysmon.*`` and ``.caseless``
sub-fields on ``process.name`` and ``process.executable``. Winlogbeat writes
to ``winlogbeat-*``, whose template maps every ECS field plus ``winlog.*``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dac.errors import SchemaError
from dac.schemas.generate.common import (
    FlatFields,
    flatten_package_fields,
    read_yaml,
    resolve_external,
)
from dac.schemas.generate.defend import split_overlay

log = logging.getLogger(__name__)

SYSMON_STREAM_DIR = Path("data_stream/sysmon_operational")
PACKAGE_MANIFEST = Path("manifest.yml")
WINLOGBEAT_FIELDS = Path("winlogbeat/_meta/fields.common.yml")

# NOTE: the event.category values of Sysmon events are set by the
# integration's ingest pipeline, which the generator does not read, so the
# table allows any category (an empty list).
SYSMON_CATEGORIES: tuple[str, ...] = ()


def read_package_version(integration: Path) -> str:
    """Return ``version`` from the Windows package manifest."""
    manifest = read_yaml(integration / PACKAGE_MANIFEST)
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not version:
        raise SchemaError(f"{integration / PACKAGE_MANIFEST} has no version")
    return str(version)


def sysmon_fields(integration: Path, ecs: Mapping[str, Any]) -> FlatFields:
    """Flatten the sysmon_operational data stream's fields, ECS ones resolved."""
    fields = FlatFields()
    for fields_file in sorted(
        (integration / SYSMON_STREAM_DIR / "fields").glob("*.yml")
    ):
        flatten_package_fields(read_yaml(fields_file), fields)
    return resolve_external(fields, ecs)


def winlogbeat_fields(beats: Path, ecs: Mapping[str, Any]) -> FlatFields:
    """Return every ECS field plus Winlogbeat's own ``winlog.*`` fields."""
    fields = FlatFields()
    for name, field_type in ecs["fields"].items():
        fields.add(name, field_type, ecs.get("params", {}).get(name))
    beat_fields = FlatFields()
    for section in read_yaml(beats / WINLOGBEAT_FIELDS) or ():
        flatten_package_fields(
            section.get("fields"), beat_fields, default_type="keyword"
        )
    for name, field_type in resolve_external(beat_fields, ecs).types.items():
        fields.add(name, field_type, beat_fields.params.get(name))
    return fields


def table_entry(
    fields: FlatFields,
    ecs: Mapping[str, Any],
    index_pattern: str,
    categories: tuple[str, ...],
    **extra: Any,
) -> dict[str, Any]:
    """Build one table entry: ECS field names plus the overlay that differs."""
    same, overlay, params = split_overlay(fields, ecs)
    return {
        "index_pattern": index_pattern,
        "dynamic": True,
        "categories": list(categories),
        "ecs": same,
        "fields": overlay,
        "params": params,
        **extra,
    }


def windows_document(
    integration: Path,
    beats: Path,
    meta: dict[str, Any],
    ecs: Mapping[str, Any],
    winlogbeat_version: str,
) -> dict[str, Any]:
    """Build the Windows document holding the ``sysmon`` and ``winlogbeat`` tables."""
    sysmon = table_entry(
        sysmon_fields(integration, ecs),
        ecs,
        "logs-windows.sysmon_operational-*",
        SYSMON_CATEGORIES,
    )
    winlogbeat = table_entry(
        winlogbeat_fields(beats, ecs),
        ecs,
        "winlogbeat-*",
        (),
        source="elastic/beats",
        version=winlogbeat_version,
    )
    log.info(
        "Sysmon: %d fields; Winlogbeat: %d fields",
        len(sysmon["ecs"]) + len(sysmon["fields"]),
        len(winlogbeat["ecs"]) + len(winlogbeat["fields"]),
    )
    meta = dict(meta, ecs_base=ecs["_meta"]["version"])
    return {"_meta": meta, "tables": {"sysmon": sysmon, "winlogbeat": winlogbeat}}
