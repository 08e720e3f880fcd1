"""Dotted and nested field paths: expand, flatten, read and write documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# A compact event value of None removes the field from the generated document.
REMOVE = None


def expand(compact: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a mapping with dotted or nested keys into one nested dict.

    ``{"process.name": "a", "process": {"pid": 1}}`` becomes
    ``{"process": {"name": "a", "pid": 1}}``. Raises ValueError when a key
    is used both as a value and as an object (``process: x`` and
    ``process.name: y``).
    """
    result: dict[str, Any] = {}
    for key, value in compact.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"invalid field name {key!r}: use a dotted ECS name")
        if isinstance(value, Mapping):
            value = expand(value)
        set_path(result, key, value, merge=True)
    return result


def set_path(doc: dict[str, Any], dotted: str, value: Any, merge: bool = False) -> None:
    """Set ``dotted`` in ``doc``, creating objects on the way.

    With ``merge``, a dict value is merged into an existing object instead of
    replacing it. Raises ValueError when a parent of the path contains a
    non-object value.
    """
    parts = dotted.split(".")
    node = doc
    for index, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            prefix = ".".join(parts[: index + 1])
            raise ValueError(
                f"field {prefix!r} is a value, so {dotted!r} cannot be set under it"
            )
        node = child
    last = parts[-1]
    existing = node.get(last)
    if merge and isinstance(value, dict) and isinstance(existing, dict):
        for key, item in value.items():
            set_path(existing, key, item, merge=True)
    elif merge and isinstance(existing, dict) and value is not REMOVE:
        raise ValueError(f"field {dotted!r} is an object, so it cannot hold a value")
    else:
        node[last] = value


def get_path(doc: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    """Read ``dotted`` from a nested document, or from a flat key of that name."""
    if dotted in doc:
        return doc[dotted]
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def has_path(doc: Mapping[str, Any], dotted: str) -> bool:
    """Tell whether ``dotted`` is present in ``doc``, even with a None value."""
    marker = object()
    return get_path(doc, dotted, marker) is not marker


def delete_path(doc: dict[str, Any], dotted: str) -> None:
    """Remove ``dotted`` from ``doc`` and any objects left empty by the removal."""
    parts = dotted.split(".")
    trail = []
    node: Any = doc
    for part in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return
        trail.append((node, part))
        node = node[part]
    node.pop(parts[-1], None)
    for parent, part in reversed(trail):
        if parent[part]:
            break
        del parent[part]


def iter_leaves(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted name, value)`` per leaf, descending into lists of objects."""
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from iter_leaves(value, f"{name}.")
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for item in value:
                if isinstance(item, Mapping):
                    yield from iter_leaves(item, f"{name}.")
                else:
                    yield name, item
        else:
            yield name, value


def deep_merge(
    base: dict[str, Any], overlay: Mapping[str, Any], keep_none: bool = False
) -> dict[str, Any]:
    """Merge ``overlay`` into a copy of ``base``; overlay values win.

    A None value in ``overlay`` removes the key. With ``keep_none`` the None
    is kept instead, as a marker for a later merge.
    """
    result = dict(base)
    for key, value in overlay.items():
        current = result.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            result[key] = deep_merge(current, value, keep_none)
        elif value is REMOVE and not keep_none:
            result.pop(key, None)
        elif isinstance(value, Mapping):
            result[key] = deep_merge({}, value, keep_none)
        else:
            result[key] = value
    return result
