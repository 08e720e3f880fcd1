"""The engine's own error for failures while evaluating documents."""

from __future__ import annotations

from dac.errors import EqlError


class EqlRuntimeError(EqlError):
    """Evaluation failed the way Elasticsearch fails the whole search.

    Examples: integer overflow, integer division by zero, and ``number()``
    on a string that is not a number. Elasticsearch returns an error for the
    request in those cases instead of skipping the document.
    """
