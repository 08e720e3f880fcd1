"""Retry policy for Kibana requests: exponential backoff with full jitter.

Kibana responds with 429 when a route's concurrency limit is reached (5
concurrent ``_bulk_action`` requests per node, 10 previews), and proxies
respond with 502/503/504 while Kibana restarts. Those statuses and connection errors are
retried a bounded number of times. A ``Retry-After`` header, in seconds or as
an HTTP date, replaces the computed delay, capped so a hostile or broken
server cannot stall a deploy.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts the first try. Delays are in seconds: attempt
    ``n`` (0-based) waits a random time in ``[0, min(max_delay, base_delay *
    2**n)]``, unless the response carries ``Retry-After``, which is honoured
    up to ``max_retry_after``.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0
    random_source: Callable[[float, float], float] = field(
        default=random.uniform, repr=False, compare=False
    )

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Return the seconds to wait before retry number ``attempt + 1``."""
        from_header = parse_retry_after(retry_after)
        if from_header is not None:
            return min(from_header, self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return self.random_source(0.0, ceiling)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header into seconds from now.

    Accepts a non-negative integer of seconds or an HTTP date (RFC 9110).
    Returns None for a missing or unparsable value, 0 for a date in the past.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
