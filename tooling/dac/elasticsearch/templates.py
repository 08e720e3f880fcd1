"""Choose and install the index templates that test data streams need.

The templates come from :mod:`dac.schemas`, generated from the same field
tables that validation uses, so a field that validation accepts is mapped
with the same type in Elasticsearch. A data stream that no template covers
is an error: Elasticsearch would map it dynamically with its built-in
``logs`` template, and results would differ from production.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from dac.elasticsearch.client import ElasticsearchClient
from dac.errors import SchemaError

log = logging.getLogger(__name__)

TEMPLATE_NAME_PREFIX = "dac-"


def templates_for_streams(
    streams: Iterable[str], templates: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """Return the templates (by name) whose ``index_patterns`` cover ``streams``.

    When several templates match one data stream, the one with the highest
    ``priority`` is chosen, as Elasticsearch does.
    Raises :class:`SchemaError` naming a data stream that none covers.
    """
    chosen: dict[str, Mapping[str, Any]] = {}
    for stream in sorted(set(streams)):
        candidates = [
            (template.get("priority", 0), name)
            for name, template in templates.items()
            if any(
                fnmatch.fnmatchcase(stream, pattern)
                for pattern in template.get("index_patterns", ())
            )
        ]
        if not candidates:
            known = ", ".join(sorted(templates)) or "none"
            raise SchemaError(
                f"no index template covers data stream {stream!r} "
                f"(templates: {known}); add a schema for its dataset or use an "
                "event category that has one"
            )
        _, name = max(candidates)
        chosen[name] = templates[name]
    return chosen


def install_templates(
    client: ElasticsearchClient, templates: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Create or replace each template; return the names used.

    Names get the ``dac-`` prefix unless they have it, so the toolkit's
    templates are easy to find and never replace a built-in one.
    """
    installed = []
    for name, template in sorted(templates.items()):
        full_name = (
            name
            if name.startswith(TEMPLATE_NAME_PREFIX)
            else (f"{TEMPLATE_NAME_PREFIX}{name}")
        )
        client.put_index_template(full_name, template)
        installed.append(full_name)
    log.info("installed %d index templates: %s", len(installed), ", ".join(installed))
    return installed
