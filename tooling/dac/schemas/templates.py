"""Elasticsearch composable index templates built from the field tables.

Integration tests index events through these templates, so Elasticsearch maps
each field with the type that validation checked the rule against.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dac.errors import SchemaError
from dac.schemas.tables import FieldTable, defend_streams, load_table

log = logging.getLogger(__name__)

# The built-in ``logs`` template matches ``logs-*-*`` with priority 100; a
# higher priority makes Elasticsearch pick this template instead.
TEMPLATE_PRIORITY = 500
MIN_TOTAL_FIELDS_LIMIT = 2000
# Elasticsearch's default for index.mapping.nested_fields.limit.
DEFAULT_NESTED_FIELDS_LIMIT = 50
KEYWORD_IGNORE_ABOVE = 1024
CONTAINER_TYPES = frozenset({"object", "nested", "group"})
# Mapping parameters copied from the table into a field's mapping.
MAPPING_PARAMS = (
    "index",
    "doc_values",
    "enabled",
    "path",
    "scaling_factor",
    "normalizer",
    "norms",
    "ignore_above",
)
SYSMON_STREAM = "sysmon"


def template_streams() -> tuple[str, ...]:
    """Return the stream names :func:`index_template` accepts."""
    return (*(f"defend-{name}" for name in defend_streams()), SYSMON_STREAM)


def leaf_mapping(name: str, field_type: str, params: Mapping[str, Any]) -> dict:
    """Return one field's mapping: its type plus the parameters that matter."""
    mapping: dict[str, Any] = {"type": field_type}
    for key in MAPPING_PARAMS:
        if key in params:
            mapping[key] = params[key]
    if field_type == "keyword":
        mapping.setdefault("ignore_above", KEYWORD_IGNORE_ABOVE)
        if name.endswith(".caseless"):
            mapping.setdefault("normalizer", "lowercase")
    return mapping


def container_node(field_type: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return an object or nested mapping with empty properties."""
    node: dict[str, Any] = {}
    if field_type == "nested":
        node["type"] = "nested"
    if "enabled" in params:
        node["enabled"] = params["enabled"]
    if "object_type" in params:
        # Sub-fields are mapped by a dynamic template, which only runs where
        # dynamic mapping is on.
        node["dynamic"] = True
    node["properties"] = {}
    return node


def build_properties(table: FieldTable) -> dict[str, Any]:
    """Build nested ``properties`` (and ``fields`` for multi-fields) from dotted names.

    A key whose parent is a leaf field becomes a multi-field of that parent
    (``process.command_line.text``).

    Raises:
        SchemaError: a name would need a leaf field to also be an object.
    """
    root: dict[str, Any] = {}
    for name in sorted(table.fields, key=lambda key: (key.count("."), key)):
        field_type = table.fields[name]
        params = table.params.get(name, {})
        parent_name, _, leaf = name.rpartition(".")
        parent_type = table.fields.get(parent_name)
        if parent_type is not None and parent_type not in CONTAINER_TYPES:
            parent = _node_at(root, parent_name, table)
            parent.setdefault("fields", {})[leaf] = leaf_mapping(
                name, field_type, params
            )
            continue
        properties = _properties_at(root, parent_name, table) if parent_name else root
        if field_type in CONTAINER_TYPES:
            existing = properties.get(leaf)
            if existing is None:
                properties[leaf] = container_node(field_type, params)
            continue
        if leaf in properties:
            raise SchemaError(
                f"{table.name}: field {name!r} is both a leaf and an object"
            )
        properties[leaf] = leaf_mapping(name, field_type, params)
    return root


def _node_at(root: dict[str, Any], dotted: str, table: FieldTable) -> dict[str, Any]:
    parent_name, _, leaf = dotted.rpartition(".")
    properties = _properties_at(root, parent_name, table) if parent_name else root
    return properties[leaf]


def _properties_at(root: dict[str, Any], dotted: str, table: FieldTable) -> dict:
    """Return the ``properties`` dict of the object at ``dotted``, creating objects."""
    properties = root
    walked = []
    for part in dotted.split("."):
        walked.append(part)
        node = properties.get(part)
        if node is None:
            field_type = table.fields.get(".".join(walked), "object")
            node = container_node(field_type, table.params.get(".".join(walked), {}))
            properties[part] = node
        if "properties" not in node:
            raise SchemaError(
                f"{table.name}: {'.'.join(walked)!r} is a leaf field but "
                f"{dotted!r} needs it to be an object"
            )
        properties = node["properties"]
    return properties


def dynamic_templates(table: FieldTable) -> list[dict[str, Any]]:
    """Map sub-fields of ``object_type`` objects (``winlog.event_data.*``)."""
    templates = []
    for name in sorted(table.typed_objects):
        mapping: dict[str, Any] = {"type": table.typed_objects[name]}
        if mapping["type"] == "keyword":
            mapping["ignore_above"] = KEYWORD_IGNORE_ABOVE
        templates.append({name: {"path_match": f"{name}.*", "mapping": mapping}})
    return templates


def _count_nested(properties: Mapping[str, Any]) -> int:
    count = 0
    for node in properties.values():
        if node.get("type") == "nested":
            count += 1
        count += _count_nested(node.get("properties", {}))
    return count


def index_template(stream: str) -> dict[str, Any]:
    """Build the composable index template for a data stream family.

    ``stream`` is ``defend-process`` (or another Defend event stream) or
    ``sysmon``. The template maps exactly the table's fields with
    ``dynamic: false``, as Elastic Defend does, so a query on an unmapped
    field fails in tests as it does in production.

    Raises:
        SchemaError: the stream is unknown or its table cannot be mapped.
    """
    if stream not in template_streams():
        known = ", ".join(template_streams())
        raise SchemaError(f"no index template for {stream!r}; known: {known}")
    table = load_table(stream)
    properties = build_properties(table)
    mappings: dict[str, Any] = {
        "dynamic": False,
        "date_detection": False,
        "properties": properties,
    }
    templates = dynamic_templates(table)
    if templates:
        mappings["dynamic_templates"] = templates
    field_count = len(table.fields) + len(table.objects)
    settings: dict[str, Any] = {
        "index.mode": "standard",
        "index.mapping.total_fields.limit": max(
            MIN_TOTAL_FIELDS_LIMIT, -(-2 * field_count // 1000) * 1000
        ),
        "index.mapping.nested_fields.limit": max(
            DEFAULT_NESTED_FIELDS_LIMIT, _count_nested(properties)
        ),
    }
    log.debug("index template for %s: %d fields", stream, field_count)
    return {
        "index_patterns": list(table.index_patterns),
        "data_stream": {},
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": settings, "mappings": mappings},
        "_meta": {
            "managed_by": "dac",
            "table": table.name,
            "source": table.source,
            "version": table.version,
        },
    }


def all_index_templates() -> dict[str, dict[str, Any]]:
    """Build every index template, keyed by template name (``dac-defend-process``)."""
    return {f"dac-{stream}": index_template(stream) for stream in template_streams()}
