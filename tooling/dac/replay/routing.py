"""Index names for replayed documents that were exported without one.

A rule reads a document only when its index patterns match the document's
index (``_index``, else ``data_stream.*``). An export of bare ``_source``
documents often has neither, so :func:`assign_index` gives such documents
an index chosen on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dac.errors import DacError
from dac.testing.indexes import data_stream_of

# Index name rules of Elasticsearch's create index API (reference 7.8):
# lower case only, none of these characters, no leading "-", "_" or "+",
# not "." or "..", and at most 255 bytes.
_FORBIDDEN_CHARACTERS = frozenset('\\/*?"<>| ,#:')
_FORBIDDEN_STARTS = ("-", "_", "+")
MAX_INDEX_NAME_BYTES = 255


def index_name_error(name: str) -> str | None:
    """Return why ``name`` is not a valid Elasticsearch index name, or None."""
    if not name:
        return "the index name is empty"
    if name in (".", ".."):
        return f"{name!r} is not a valid index name"
    if name != name.lower():
        return f"{name!r} contains upper-case letters; index names are lower case"
    forbidden = sorted(set(name) & _FORBIDDEN_CHARACTERS)
    if forbidden:
        listed = " ".join(repr(character) for character in forbidden)
        return f"{name!r} contains characters an index name cannot contain: {listed}"
    if name.startswith(_FORBIDDEN_STARTS):
        return f"{name!r} starts with {name[0]!r}; an index name cannot"
    if len(name.encode("utf-8")) > MAX_INDEX_NAME_BYTES:
        return f"the index name is longer than {MAX_INDEX_NAME_BYTES} bytes"
    return None


def assign_index(
    documents: Iterable[dict[str, Any]], index: str
) -> Iterator[dict[str, Any]]:
    """Set ``_index`` to ``index`` on each document that has no index.

    A document keeps its own ``_index`` or ``data_stream.*`` index. The
    documents are read lazily. Raises :class:`DacError` at once when
    ``index`` is not a valid index name.
    """
    problem = index_name_error(index)
    if problem is not None:
        raise DacError(f"invalid index name: {problem}")
    return _with_index(documents, index)


def _with_index(
    documents: Iterable[dict[str, Any]], index: str
) -> Iterator[dict[str, Any]]:
    for document in documents:
        if data_stream_of(document) is None:
            document["_index"] = index
        yield document
