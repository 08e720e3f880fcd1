"""Streaming sequence matching with Elasticsearch's state-machine rules.

Each positive step is a state. Per join key, a state contains at most one
pending sequence: a newer one replaces the older, and an event that
matches step ``n`` takes the pending sequence of step ``n - 1`` (events in
a sequence are strictly ordered, so one event can both start a sequence
and extend an older one). A sequence is rejected when its last event is
more than ``maxspan`` after its first (a span equal to ``maxspan`` is
accepted), or when an ``until`` event with the same key came after its
latest event. Completed sequences are reported in the order of their first
event.

Missing steps ``![...]`` do not take part in matching. A completed
candidate is rejected when an event matching a missing step (with the same
key) lies strictly between the two positive events around that step, or,
for missing steps before the first or after the last positive step, when
such events exist in order and the whole sequence including them would fit
in ``maxspan``. That rule reproduces every case of Elasticsearch's
missing-events specification (test_missing_events.toml).

Memory: pending sequences older than ``maxspan`` and remembered
missing-step events outside the ``maxspan`` window are dropped as the
stream advances, so memory is bounded by the events of one ``maxspan``
window. Without ``maxspan`` it grows with the number of distinct join keys.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Ordinal = tuple  # (timestamp millis, tiebreaker sort key, input position)
KeyFn = Callable[[Any], "tuple | None"]
Predicate = Callable[[Any], Any]


@dataclass
class Step:
    """One expanded sequence step (``runs=N`` gives N steps)."""

    matches: Predicate
    key: KeyFn
    missing: bool = False


@dataclass
class Pending:
    """A partial or completed sequence."""

    key: tuple
    start: Ordinal
    last: Ordinal
    events: list[Any]  # (ordinal, document) per step, None for missing steps
    leading_ts: int | None = None


@dataclass(order=True)
class _Waiting:
    deadline: int
    start: Ordinal
    sequence: Pending = field(compare=False)


class SequenceMatcher:
    """Feed events in ordinal order with :meth:`push`; read completed sequences."""

    def __init__(self, steps: list[Step], until: Step | None, maxspan: int | None):
        self.steps = steps
        self.until = until
        self.maxspan = maxspan
        self.positive = [i for i, s in enumerate(steps) if not s.missing]
        self.first_positive = self.positive[0]
        self.last_positive = self.positive[-1]
        self.leading = [i for i in range(self.first_positive)]
        self.trailing = [i for i in range(self.last_positive + 1, len(steps))]
        self.has_missing = len(self.positive) != len(steps)
        # pending[i][key]: the sequence waiting for positive step i + 1.
        self.pending: list[dict[tuple, Pending]] = [{} for _ in self.positive]
        self.untils: dict[tuple, Ordinal] = {}
        self.missing_seen: dict[int, dict[tuple, list[Ordinal]]] = {
            i: {} for i, s in enumerate(steps) if s.missing
        }
        self.waiting: list[_Waiting] = []
        self.head_ts: int | None = None
        self._last_sweep: int | None = None

    # -- stream ------------------------------------------------------------

    def push(self, ordinal: Ordinal, document: Any) -> list[Pending]:
        """Process one event; return the sequences it completes or releases."""
        self.head_ts = ordinal[0]
        done = self._release_waiting(ordinal[0])
        for rank in range(len(self.positive) - 1, -1, -1):
            step = self.steps[self.positive[rank]]
            if step.matches(document) is not True:
                continue
            key = step.key(document)
            if key is None:
                continue
            done.extend(self._advance(rank, key, ordinal, document))
        for index, seen in self.missing_seen.items():
            step = self.steps[index]
            if step.matches(document) is True:
                key = step.key(document)
                if key is not None:
                    seen.setdefault(key, []).append(ordinal)
        if self.until is not None and self.until.matches(document) is True:
            key = self.until.key(document)
            if key is not None:
                self.untils[key] = ordinal
        self._maybe_sweep(ordinal[0])
        return done

    def finish(self) -> list[Pending]:
        """Release every candidate still waiting for its trailing window."""
        released = []
        while self.waiting:
            item = heapq.heappop(self.waiting)
            if self._trailing_ok(item.sequence):
                released.append(item.sequence)
        return released

    # -- matching ----------------------------------------------------------

    def _advance(
        self, rank: int, key: tuple, ordinal: Ordinal, document: Any
    ) -> list[Pending]:
        step_index = self.positive[rank]
        if rank == 0:
            sequence = Pending(key, ordinal, ordinal, [None] * len(self.steps))
            sequence.events[step_index] = (ordinal, document)
        else:
            sequence = self.pending[rank - 1].pop(key, None)
            if sequence is None:
                return []
            if (
                self.maxspan is not None
                and ordinal[0] - sequence.start[0] > self.maxspan
            ):
                return []
            until = self.untils.get(key)
            if until is not None and sequence.last < until < ordinal:
                return []
            sequence.events = list(sequence.events)
            sequence.events[step_index] = (ordinal, document)
            sequence.last = ordinal
        if rank < len(self.positive) - 1:
            self.pending[rank][key] = sequence
            return []
        return self._complete(sequence)

    def _complete(self, sequence: Pending) -> list[Pending]:
        if not self.has_missing:
            return [sequence]
        if not self._inner_ok(sequence) or not self._leading_ok(sequence):
            return []
        if not self.trailing:
            return [sequence]
        deadline = (
            sequence.start[0] + self.maxspan if self.maxspan is not None else None
        )
        if deadline is None:
            deadline = 2**63
        heapq.heappush(self.waiting, _Waiting(deadline, sequence.start, sequence))
        return []

    def _seen(self, index: int, key: tuple) -> list[Ordinal]:
        return self.missing_seen[index].get(key, [])

    def _inner_ok(self, sequence: Pending) -> bool:
        for before, after in zip(self.positive, self.positive[1:], strict=False):
            low = sequence.events[before][0]
            high = sequence.events[after][0]
            for index in range(before + 1, after):
                seen = self._seen(index, sequence.key)
                position = bisect_right(seen, low)
                if position < len(seen) and seen[position] < high:
                    return False
        return True

    def _leading_ok(self, sequence: Pending) -> bool:
        if not self.leading:
            return True
        cursor = sequence.start
        for index in reversed(self.leading):
            seen = self._seen(index, sequence.key)
            position = bisect_left(seen, cursor)
            if position == 0:
                return True
            cursor = seen[position - 1]
        sequence.leading_ts = cursor[0]
        if self.trailing:
            return True  # decided together with the trailing steps
        return not self._fits(cursor[0], sequence.last[0])

    def _trailing_ok(self, sequence: Pending) -> bool:
        if self.leading and sequence.leading_ts is None:
            return True  # the leading missing steps have no events
        cursor = sequence.last
        for index in self.trailing:
            seen = self._seen(index, sequence.key)
            position = bisect_right(seen, cursor)
            if position == len(seen):
                return True
            cursor = seen[position]
        first_ts = (
            sequence.leading_ts
            if sequence.leading_ts is not None
            else sequence.start[0]
        )
        return not self._fits(first_ts, cursor[0])

    def _fits(self, first_ts: int, last_ts: int) -> bool:
        return self.maxspan is None or last_ts - first_ts <= self.maxspan

    def _release_waiting(self, now: int) -> list[Pending]:
        released = []
        while self.waiting and self.waiting[0].deadline < now:
            item = heapq.heappop(self.waiting)
            if self._trailing_ok(item.sequence):
                released.append(item.sequence)
        return released

    # -- memory ------------------------------------------------------------

    def _maybe_sweep(self, now: int) -> None:
        if self.maxspan is None:
            return
        if self._last_sweep is not None and now - self._last_sweep < max(
            self.maxspan, 1
        ):
            return
        self._last_sweep = now
        horizon = now - self.maxspan
        for stage in self.pending:
            expired = [k for k, s in stage.items() if s.start[0] < horizon]
            for key in expired:
                del stage[key]
        stale = [k for k, o in self.untils.items() if o[0] < horizon]
        for key in stale:
            del self.untils[key]
        for seen_by_key in self.missing_seen.values():
            for key in list(seen_by_key):
                seen = seen_by_key[key]
                cut = bisect_left(seen, (horizon,))
                if cut == len(seen):
                    del seen_by_key[key]
                elif cut:
                    del seen[:cut]

    def state_size(self) -> int:
        """Count the pending sequences and remembered events (for benchmarks)."""
        total = sum(len(stage) for stage in self.pending) + len(self.untils)
        total += sum(len(v) for d in self.missing_seen.values() for v in d.values())
        return total + len(self.waiting)


def iter_completed(
    matcher: SequenceMatcher, stream: Iterator[tuple[Ordinal, Any]]
) -> Iterator[Pending]:
    """Drive ``matcher`` over ``(ordinal, document)`` pairs; yield completions."""
    for ordinal, document in stream:
        yield from matcher.push(ordinal, document)
    yield from matcher.finish()
