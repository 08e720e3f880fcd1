"""Generate the Elastic Defend overlay from an elastic/endpoint-package checkout.

The package's licence (the Elastic License Agreement) does not allow copying
its files, so the table keeps only field names, Elasticsearch types and the
few mapping parameters an index template needs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dac.errors import SchemaError
from dac.schemas.generate.common import FlatFields, flatten_package_fields, read_yaml

log = logging.getLogger(__name__)

DEFEND_REPOSITORY = "elastic/endpoint-package"
DATA_STREAM_DIR = Path("package/endpoint/data_stream")
PACKAGE_MANIFEST = Path("package/endpoint/manifest.yml")
EVENT_DATASET_PREFIX = "endpoint.events."

# event.category values each event data stream carries. The first value of
# each list is the one in the stream's sample_event.json (package 9.5.0).
# DNS lookups go to the network stream.
# NOTE: the further values are inferred from the event actions the package
# documents per stream (log on/off, user accounts, services, scheduled tasks,
# driver loads). The package states no category list, so they are not read
# from it. A list that is too short makes validation warn about valid rules.
STREAM_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "api": ("api", "intrusion_detection"),
    "device": ("volume_device", "host"),
    "file": ("file",),
    "library": ("library", "driver"),
    "network": ("network",),
    "process": ("process",),
    "registry": ("registry", "configuration"),
    "security": (
        "authentication",
        "session",
        "iam",
        "configuration",
        "intrusion_detection",
        "process",
    ),
}


def read_package_version(source: Path) -> str:
    """Return ``version`` from the package manifest."""
    manifest = read_yaml(source / PACKAGE_MANIFEST)
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not version:
        raise SchemaError(f"{source / PACKAGE_MANIFEST} has no version")
    return str(version)


def event_streams(source: Path) -> dict[str, dict[str, Any]]:
    """Read each ``endpoint.events.*`` data stream's manifest and flat fields."""
    streams: dict[str, dict[str, Any]] = {}
    for stream_dir in sorted((source / DATA_STREAM_DIR).iterdir()):
        manifest = read_yaml(stream_dir / "manifest.yml") or {}
        dataset = manifest.get("dataset", "")
        if not dataset.startswith(EVENT_DATASET_PREFIX):
            continue
        fields = FlatFields()
        for fields_file in sorted((stream_dir / "fields").glob("*.yml")):
            flatten_package_fields(read_yaml(fields_file), fields)
        template = manifest.get("elasticsearch", {}).get("index_template", {})
        dynamic = template.get("mappings", {}).get("dynamic", True)
        streams[stream_dir.name] = {
            "index_pattern": f"{manifest.get('type', 'logs')}-{dataset}-*",
            "dynamic": dynamic not in (False, "false", "strict"),
            "fields": fields,
        }
    if not streams:
        raise SchemaError(f"no endpoint.events.* data streams under {source}")
    return streams


def split_overlay(
    fields: FlatFields, ecs: Mapping[str, Any]
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """Split a stream's fields into ECS names and the overlay that differs.

    A field joins the ECS list only when ECS has it with the same type and
    the same recorded parameters. Every other field goes into the overlay.
    """
    ecs_types = ecs["fields"]
    ecs_params = ecs.get("params", {})
    same: list[str] = []
    overlay: dict[str, str] = {}
    overlay_params: dict[str, Any] = {}
    for name in sorted(fields.types):
        field_type = fields.types[name]
        params = fields.params.get(name, {})
        if ecs_types.get(name) == field_type and ecs_params.get(name, {}) == params:
            same.append(name)
            continue
        overlay[name] = field_type
        if params:
            overlay_params[name] = params
    return same, overlay, overlay_params


def defend_document(
    source: Path, meta: dict[str, Any], ecs: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the Defend table document from a checkout and the ECS base table."""
    streams = {}
    for name, stream in event_streams(source).items():
        same, overlay, params = split_overlay(stream["fields"], ecs)
        unknown_categories = name not in STREAM_CATEGORIES
        if unknown_categories:
            log.warning("no event.category list for Defend stream %s", name)
        streams[name] = {
            "index_pattern": stream["index_pattern"],
            "dynamic": stream["dynamic"],
            "categories": list(STREAM_CATEGORIES.get(name, ())),
            "ecs": same,
            "fields": overlay,
            "params": params,
        }
        log.info(
            "Defend %s: %d ECS fields, %d overlay fields",
            name,
            len(same),
            len(overlay),
        )
    meta = dict(meta, ecs_base=ecs["_meta"]["version"])
    return {"_meta": meta, "streams": streams}
