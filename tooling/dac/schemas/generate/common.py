"""Helpers shared by the table generators: provenance, flattening, output."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from dac.errors import SchemaError

log = logging.getLogger(__name__)

# Mapping parameters kept beside a field's type because an index template needs
# them (scaled_float without scaling_factor or alias without path is invalid)
# or because they make a field unsearchable (index, enabled).
KEPT_PARAMS = (
    "index",
    "doc_values",
    "enabled",
    "path",
    "scaling_factor",
    "normalizer",
    "norms",
    "ignore_above",
    "object_type",
)

# Elasticsearch's keyword default in ECS and Elastic packages; only other values
# are recorded.
DEFAULT_IGNORE_ABOVE = 1024


def repo_commit(source: Path, commit: str | None) -> str:
    """Return ``commit`` or, when it is None, the HEAD commit of the git checkout.

    Raises:
        SchemaError: ``commit`` is None and ``source`` is not a git checkout.
    """
    if commit:
        return commit
    try:
        result = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SchemaError(
            f"{source} is not a git checkout, so its commit is unknown; "
            "pass --commit with the source commit"
        ) from exc
    return result.stdout.strip()


def make_meta(
    repository: str, version: str, commit: str, generator: str, **extra: Any
) -> dict[str, Any]:
    """Build the ``_meta`` object that records where a table comes from."""
    meta = {
        "source": repository,
        "version": version,
        "commit": commit,
        "generator": generator,
        "generated": dt.date.today().isoformat(),
    }
    meta.update(extra)
    return meta


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with ``yaml.safe_load``.

    Raises:
        SchemaError: the file is missing or is not valid YAML.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise SchemaError(f"source file not found: {path}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"failed to read {path}: {exc}") from exc


def kept_params(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Return the mapping parameters of a field definition worth recording."""
    params = {key: definition[key] for key in KEPT_PARAMS if key in definition}
    if params.get("ignore_above") == DEFAULT_IGNORE_ABOVE:
        del params["ignore_above"]
    return params


class FlatFields:
    """A flat field table under construction: types, array flags and parameters."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.arrays: set[str] = set()
        self.params: dict[str, dict[str, Any]] = {}

    def add(
        self,
        name: str,
        field_type: str,
        params: Mapping[str, Any] | None = None,
        array: bool = False,
    ) -> None:
        """Record one field; a second definition of a name replaces the first."""
        self.types[name] = field_type
        if array:
            self.arrays.add(name)
        if params:
            self.params[name] = dict(params)
        else:
            self.params.pop(name, None)

    def add_multi_fields(self, parent: str, multi_fields: Iterable[Any]) -> None:
        """Record a field's multi-fields as their own keys (``parent.text``)."""
        for multi in multi_fields or ():
            self.add(f"{parent}.{multi['name']}", multi["type"], kept_params(multi))


def flatten_package_fields(
    items: Any,
    into: FlatFields,
    prefix: str = "",
    default_type: str | None = None,
) -> None:
    """Flatten an Elastic package or Beats ``fields.yml`` list.

    Groups nest and names may be dotted. Entries marked ``external: ecs``, or
    Beats' ``overwrite: true`` entries without a type, take their type from
    ECS; they are recorded with type ``external`` and their multi-fields, for
    the caller to resolve. Beats give an untyped field the type keyword, so
    Beats callers pass ``default_type="keyword"``.

    Raises:
        SchemaError: a field has no type and no default applies.
    """
    for item in items or ():
        name = f"{prefix}{item['name']}"
        field_type = item.get("type")
        if field_type == "group" or (field_type is None and "fields" in item):
            flatten_package_fields(item.get("fields"), into, f"{name}.", default_type)
            continue
        if field_type is None and (item.get("external") or item.get("overwrite")):
            field_type = "external"
        field_type = field_type or default_type
        if field_type is None:
            raise SchemaError(f"field {name!r} has no type and is not external")
        into.add(name, field_type, kept_params(item))
        into.add_multi_fields(name, item.get("multi_fields"))


def write_table(path: Path, document: Mapping[str, Any]) -> None:
    """Write a table as sorted, compact JSON (one line per top-level key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    log.info("wrote %s (%d bytes)", path, path.stat().st_size)


def resolve_external(fields: FlatFields, ecs: Mapping[str, Any]) -> FlatFields:
    """Give ``external`` fields their ECS type, parameters and multi-fields.

    Multi-fields the package declares itself replace ECS's multi-fields of
    the same name, as the package build does (``process.name.caseless``).

    Raises:
        SchemaError: an external field is not in the ECS table.
    """
    ecs_types = ecs["fields"]
    ecs_params = ecs.get("params", {})
    resolved = FlatFields()
    for name, field_type in fields.types.items():
        if field_type != "external":
            continue
        if name not in ecs_types:
            raise SchemaError(
                f"field {name!r} is marked external: ecs but ECS "
                f"{ecs['_meta']['version']} has no such field"
            )
        resolved.add(name, ecs_types[name], ecs_params.get(name))
        for multi in ecs_types:
            if multi.startswith(f"{name}.") and "." not in multi[len(name) + 1 :]:
                if ecs_types[name] not in ("object", "nested", "group"):
                    resolved.add(multi, ecs_types[multi], ecs_params.get(multi))
    for name, field_type in fields.types.items():
        if field_type != "external":
            resolved.add(name, field_type, fields.params.get(name))
    return resolved
