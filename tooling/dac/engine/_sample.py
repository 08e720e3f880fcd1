"""``sample`` queries: one group of distinct events per join-key combination.

For every combination of join-key values, a sample takes one event per
filter, never the same event twice, preferring events in timestamp order
(then input order). Events without a timestamp take part, as in
Elasticsearch. Up to ``max_samples_per_key`` disjoint samples are built per
combination, and samples are reported ordered by their join-key values with
null first, the order of Elasticsearch's composite aggregation.

Only the first ``filters x max_samples_per_key`` candidates of each filter
are kept per key: that many always suffice to find the disjoint samples when
they exist, so memory grows with the number of keys, not of events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Ordinal = tuple


class SampleCollector:
    """Collect candidate events per key and filter, then build samples."""

    def __init__(
        self,
        filters: list[tuple[Callable[[Any], Any], Callable[[Any], tuple | None]]],
        max_samples_per_key: int = 1,
    ):
        self.filters = filters
        self.max_samples = max_samples_per_key
        self.limit = len(filters) * max_samples_per_key
        self.candidates: dict[tuple, list[list[tuple[Ordinal, Any]]]] = {}

    def push(self, ordinal: Ordinal, document: Any) -> None:
        for index, (matches, key_fn) in enumerate(self.filters):
            if matches(document) is not True:
                continue
            key = key_fn(document)
            if key is None:
                continue
            lists = self.candidates.get(key)
            if lists is None:
                lists = [[] for _ in self.filters]
                self.candidates[key] = lists
            bucket = lists[index]
            if len(bucket) < self.limit:
                bucket.append((ordinal, document))
            elif ordinal < bucket[-1][0]:
                bucket[-1] = (ordinal, document)
                bucket.sort(key=lambda item: item[0])

    def samples(self) -> list[tuple[tuple, list[tuple[Ordinal, Any]]]]:
        """Return ``(key, events)`` pairs in Elasticsearch's output order."""
        out = []
        for key in sorted(self.candidates, key=_key_order):
            lists = [sorted(b, key=lambda item: item[0]) for b in self.candidates[key]]
            if any(not b for b in lists):
                continue
            used: set[Ordinal] = set()
            for _ in range(self.max_samples):
                chosen = _assign(lists, 0, used)
                if chosen is None:
                    break
                used.update(item[0] for item in chosen)
                out.append((key, chosen))
        return out


def _assign(
    lists: list[list[tuple[Ordinal, Any]]], index: int, used: set[Ordinal]
) -> list | None:
    if index == len(lists):
        return []
    for item in lists[index]:
        if item[0] in used:
            continue
        used.add(item[0])
        rest = _assign(lists, index + 1, used)
        used.discard(item[0])
        if rest is not None:
            return [item, *rest]
    return None


def _value_order(value: Any) -> tuple:
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    return (3, str(value).encode("utf-8"))


def _key_order(key: tuple) -> tuple:
    return tuple(_value_order(v) for v in key)
