"""Timestamps in test cases: relative offsets such as ``+3s`` and ISO 8601 times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_OFFSET = re.compile(r"^([+-])(\d{1,9})(ms|s|m|h|d)$")
_UNIT_MILLIS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}

# A fixed base time keeps generated events identical from run to run; real
# backends pass "now" instead, because rules look back only a few minutes.
DEFAULT_BASE_TIME = datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC)


def parse_offset(text: str) -> timedelta | None:
    """Parse ``+3s``, ``+500ms`` or ``-2m`` into a timedelta; None if not an offset."""
    match = _OFFSET.match(text.strip())
    if not match:
        return None
    sign, amount, unit = match.groups()
    millis = int(amount) * _UNIT_MILLIS[unit]
    return timedelta(milliseconds=-millis if sign == "-" else millis)


def parse_time(value: object, base: datetime) -> datetime:
    """Resolve a case time: an offset from ``base``, an ISO 8601 string or a datetime.

    Raises ValueError with the accepted forms when ``value`` is none of them.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        offset = parse_offset(value)
        if offset is not None:
            return base + offset
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(
        f"invalid time {value!r}: use an offset from the case start such as "
        "'+3s', '+500ms', '+2m', or an ISO 8601 time such as "
        "'2025-01-15T10:00:00Z'"
    )


def format_time(moment: datetime) -> str:
    """Format as Elasticsearch's default date format: ISO 8601, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def filetime(moment: datetime) -> int:
    """Return a Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC."""
    epoch = datetime(1601, 1, 1, tzinfo=UTC)
    delta = moment.astimezone(UTC) - epoch
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
