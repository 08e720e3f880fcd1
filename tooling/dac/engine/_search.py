"""``search``: the embedded engine behind an ``_eql/search``-shaped response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dac.engine._query import Hit, compile_query
from dac.eql import ast
from dac.errors import SchemaError

_META_KEYS = ("_id", "_index")


def split_document(document: Mapping[str, Any], position: int) -> tuple[dict, Mapping]:
    """Separate hit metadata (``_id``, ``_index``) from the event source.

    A document shaped like a search hit (with ``_source``) uses that source.
    Otherwise the document is the source, and its top-level ``_id`` and
    ``_index`` keys are metadata. Without ``_id`` the id is the position.
    """
    meta: dict[str, Any] = {}
    if isinstance(document.get("_source"), Mapping):
        source = document["_source"]
    else:
        source = {k: v for k, v in document.items() if k not in _META_KEYS}
    if "_index" in document:
        meta["_index"] = document["_index"]
    meta["_id"] = str(document["_id"]) if "_id" in document else str(position)
    return meta, source


def _leaf_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "keyword"
    return None


def _walk_types(node: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_types(item, prefix, out)
        return
    if isinstance(node, Mapping):
        for key, value in node.items():
            _walk_types(value, f"{prefix}.{key}" if prefix else str(key), out)
        return
    leaf = _leaf_type(node)
    if leaf is not None and prefix:
        previous = out.get(prefix)
        if previous is None:
            out[prefix] = leaf
        elif previous != leaf:
            out[prefix] = _widen(previous, leaf)


def _widen(first: str, second: str) -> str:
    if {first, second} == {"long", "double"}:
        return "double"
    return "keyword"


def infer_field_types(sources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Infer a mapping from documents as dynamic mapping would (roughly).

    Strings map to keyword, integers to long, fractions to double and
    booleans to boolean. NOTE: Elasticsearch's dynamic mapping also detects
    dates in strings and maps them to ``date``; inference keeps them keyword.
    """
    out: dict[str, str] = {}
    for source in sources:
        _walk_types(source, "", out)
    return out


def resolve_schema(
    schema: str | Mapping[str, str], sources: list[Mapping]
) -> Mapping[str, str] | None:
    """Return the field types for ``schema``: a table name, "none" or a mapping."""
    if isinstance(schema, Mapping):
        return schema
    if schema == "none":
        return infer_field_types(sources)
    if schema in ("defend", "ecs"):
        try:
            from dac.schemas import load_table
        except ImportError as exc:
            raise SchemaError(
                f"the {schema} field table is not available: {exc}"
            ) from exc
        return load_table(schema).fields
    raise SchemaError(f"unknown schema {schema!r}: use defend, ecs, none or a mapping")


def _event_entry(
    hit_index: int | None, metas: list[dict], sources: list[Mapping]
) -> dict:
    if hit_index is None:
        return {"_index": "", "_id": "", "missing": True}
    entry = dict(metas[hit_index])
    entry["_source"] = sources[hit_index]
    return entry


def search(
    query: str | ast.Query,
    documents: Iterable[Mapping[str, Any]],
    *,
    size: int = 10,
    schema: str | Mapping[str, str] = "defend",
    timestamp_field: str = "@timestamp",
    tiebreaker_field: str | None = None,
    event_category_field: str = "event.category",
    max_samples_per_key: int = 1,
) -> dict[str, Any]:
    """Run ``query`` over ``documents`` and return an ``_eql/search``-shaped response.

    ``size`` caps the events or sequences returned, after the query's own
    pipes. Raises EqlSyntaxError, EqlSemanticError, EqlRuntimeError or
    SchemaError.
    """
    metas: list[dict] = []
    sources: list[Mapping] = []
    for position, document in enumerate(documents):
        meta, source = split_document(document, position)
        metas.append(meta)
        sources.append(source)
    compiled = compile_query(
        query,
        field_types=resolve_schema(schema, sources),
        timestamp_field=timestamp_field,
        tiebreaker_field=tiebreaker_field,
        event_category_field=event_category_field,
        max_samples_per_key=max_samples_per_key,
    )
    hits: list[Hit] = []
    for hit in compiled.run(sources):
        if len(hits) >= size:
            break
        hits.append(hit)
    body: dict[str, Any] = {"total": {"value": len(hits), "relation": "eq"}}
    if compiled.kind == "event":
        body["events"] = [_event_entry(h.positions[0], metas, sources) for h in hits]
    else:
        body["sequences"] = [
            {
                "join_keys": list(h.join_keys),
                "events": [_event_entry(p, metas, sources) for p in h.positions],
            }
            for h in hits
        ]
    return {"is_partial": False, "is_running": False, "timed_out": False, "hits": body}
