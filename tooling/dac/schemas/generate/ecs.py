"""Generate the ECS field table from ``generated/ecs/ecs_flat.yml``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dac.errors import SchemaError
from dac.schemas.generate.common import FlatFields, kept_params, read_yaml

log = logging.getLogger(__name__)

ECS_REPOSITORY = "elastic/ecs"
ECS_FLAT_PATH = Path("generated/ecs/ecs_flat.yml")


def flatten_ecs(flat: Any) -> FlatFields:
    """Turn a parsed ``ecs_flat.yml`` into names, types, array flags and params.

    Raises:
        SchemaError: the document is not a mapping of field definitions.
    """
    if not isinstance(flat, dict):
        raise SchemaError("ecs_flat.yml must be a mapping of field name to definition")
    table = FlatFields()
    for name, definition in flat.items():
        if not isinstance(definition, dict) or "type" not in definition:
            raise SchemaError(f"ecs_flat.yml: field {name!r} has no type")
        normalize = definition.get("normalize") or ()
        table.add(
            str(definition.get("flat_name", name)),
            definition["type"],
            kept_params(definition),
            array="array" in normalize,
        )
        table.add_multi_fields(name, definition.get("multi_fields"))
    return table


def ecs_document(source: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Build the ECS table document from an elastic/ecs checkout at ``source``."""
    table = flatten_ecs(read_yaml(source / ECS_FLAT_PATH))
    log.info("ECS %s: %d fields", meta["version"], len(table.types))
    return {
        "_meta": meta,
        "fields": dict(sorted(table.types.items())),
        "arrays": sorted(table.arrays),
        "params": {name: table.params[name] for name in sorted(table.params)},
    }
