"""Synthetic Elastic Defend events: compact test-case events made complete.

:class:`EventFactory` fills in what a real Elastic Defend document carries
(timestamps, ``event.*``, host, agent, data stream, process tree and entity
ids) around the few fields a test case names, and rejects fields the data
stream's schema does not map.
"""

from dac.events.categories import CATEGORIES, Category
from dac.events.factory import EventFactory, schema_for_stream
from dac.events.times import DEFAULT_BASE_TIME, parse_offset, parse_time

__all__ = [
    "CATEGORIES",
    "DEFAULT_BASE_TIME",
    "Category",
    "EventFactory",
    "parse_offset",
    "parse_time",
    "schema_for_stream",
]
