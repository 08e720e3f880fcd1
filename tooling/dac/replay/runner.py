"""Stream recorded documents through many compiled rules in one pass.

Each document is read once. Its index is resolved once and its
``event.category`` looked up once; then only the rules whose index patterns
and query categories can match it evaluate it, and among event queries only
those whose required field value it contains (:mod:`dac.replay.prefilter`):

* event queries (without pipes) are evaluated inline with
  ``CompiledQuery.matches``;
* sequences, samples and piped queries need the engine's own iteration, and
  ``CompiledQuery.stream`` pulls events from an iterator, so each of them
  runs in a thread fed through a bounded queue of batches. The threads add
  no parallelism (the engine is pure Python); they let one pass feed every
  rule while memory stays bounded by the queue size.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dac.engine import field_getter
from dac.eql import ast
from dac.errors import DacError, EqlError
from dac.replay.prefilter import RuleIndex, query_filters, requirement_of
from dac.replay.sources import SOURCE_KEY
from dac.rules import Rule
from dac.testing.backend import EmbeddedBackend, query_error_at
from dac.testing.indexes import data_stream_of, index_name_filter

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Batches waiting per threaded rule; with BATCH_SIZE this bounds memory to
# about QUEUE_DEPTH * BATCH_SIZE documents per rule in flight.
QUEUE_DEPTH = 4
_END = None
ANY_CATEGORY = "*"
# Index names kept for the unseen-documents report; input may hold many.
MAX_UNSEEN_INDEXES = 10


@dataclass
class ReplayAlert:
    """One alert of a replay: the rule and its matched events, in order."""

    rule_id: str | None
    rule_name: str
    severity: str | None
    source: str
    events: list[dict[str, Any] | None]

    def sort_key(self) -> tuple[str, str, int]:
        """Return the key that sorts alerts by rule, file, then line number."""
        for separator in (":", "#"):
            file, _, number = self.source.rpartition(separator)
            if file and number.isdigit():
                return (self.rule_name, file, int(number))
        return (self.rule_name, self.source, 0)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``dac replay --format json``."""
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "source": self.source,
            "events": [_public(event) for event in self.events],
        }


@dataclass
class ReplayResult:
    """Every alert of a replay, the number of documents read and of rules run.

    ``unseen`` counts the documents that no rule's index patterns matched, so
    no rule checked them. ``unseen_without_index`` is the part of them that
    has no index at all (neither ``_index`` nor ``data_stream.*``), and
    ``unseen_indexes`` counts the others by index name, for at most
    ``MAX_UNSEEN_INDEXES`` names.
    """

    alerts: list[ReplayAlert] = field(default_factory=list)
    events: int = 0
    rules: int = 0
    unseen: int = 0
    unseen_without_index: int = 0
    unseen_indexes: dict[str, int] = field(default_factory=dict)

    def count_unseen(self, index: str | None) -> None:
        """Count one document that no rule saw, under its index name."""
        self.unseen += 1
        if index is None:
            self.unseen_without_index += 1
        elif index in self.unseen_indexes:
            self.unseen_indexes[index] += 1
        elif len(self.unseen_indexes) < MAX_UNSEEN_INDEXES:
            self.unseen_indexes[index] = 1


def _public(event: dict[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {key: value for key, value in event.items() if key != SOURCE_KEY}


def _alert(rule: Rule, events: list[dict[str, Any] | None]) -> ReplayAlert:
    first = next((event for event in events if event is not None), {})
    return ReplayAlert(
        rule_id=rule.rule_id,
        rule_name=rule.display_name,
        severity=rule.severity,
        source=str(first.get(SOURCE_KEY, "")),
        events=events,
    )


class _RuleWorker(threading.Thread):
    """Run one compiled sequence, sample or piped query over queued batches."""

    def __init__(self, rule: Rule, compiled: Any):
        super().__init__(name=f"replay-{rule.rule_id or rule.path.name}", daemon=True)
        self.rule = rule
        self.compiled = compiled
        self.inbox: queue.Queue[list[dict] | None] = queue.Queue(QUEUE_DEPTH)
        self.pending: list[dict[str, Any]] = []
        self.alerts: list[ReplayAlert] = []
        self.error: BaseException | None = None
        self._finished = False

    def offer(self, document: dict[str, Any], batch_size: int) -> None:
        """Queue a document for this rule, sending a batch when it is full."""
        self.pending.append(document)
        if len(self.pending) >= batch_size:
            self.flush()

    def flush(self) -> None:
        """Send the documents collected so far."""
        if self.pending:
            self.inbox.put(self.pending)
            self.pending = []

    def _events(self) -> Iterator[dict]:
        while True:
            batch = self.inbox.get()
            if batch is _END:
                self._finished = True
                return
            yield from batch

    def run(self) -> None:
        # ``stream`` keeps sequence state bounded for time-ordered input;
        # ``run`` collects the candidate events first.
        evaluate = getattr(self.compiled, "stream", self.compiled.run)
        try:
            for hit in evaluate(self._events()):
                self.alerts.append(_alert(self.rule, list(hit.events)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.error = exc
        finally:
            # Keep taking batches until the end, so the reader never blocks on
            # a rule that stopped early (an error, or a head pipe satisfied).
            while not self._finished:
                self._finished = self.inbox.get() is _END


@dataclass
class _InlineRule:
    rule: Rule
    matches: Callable[[dict[str, Any]], bool]


@dataclass
class _IndexGroup:
    """The rules that share one list of index patterns, by query category."""

    name_matches: Callable[[str | None], bool]
    inline: dict[str, RuleIndex[_InlineRule]] = field(default_factory=dict)
    threaded: dict[str, RuleIndex[_RuleWorker]] = field(default_factory=dict)


def _plan(rules: Iterable[Rule]) -> tuple[list[_IndexGroup], list[_RuleWorker]]:
    backend = EmbeddedBackend()
    groups: dict[tuple[str, ...], _IndexGroup] = {}
    workers: list[_RuleWorker] = []
    for rule in rules:
        try:
            compiled = backend.compile(rule)
        except EqlError as exc:
            raise DacError(query_error_at(rule, exc)) from exc
        key = tuple(rule.index)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _IndexGroup(index_name_filter(rule.index))
        if compiled.kind == "event" and not compiled.query.pipes:
            entry = _InlineRule(rule, compiled.matches)
            (event_filter,) = query_filters(compiled.query)
            _index_into(group.inline, event_filter, entry)
        else:
            worker = _RuleWorker(rule, compiled)
            workers.append(worker)
            # A sequence reads a document when any of its steps might match.
            for event_filter in query_filters(compiled.query):
                _index_into(group.threaded, event_filter, worker)
    return list(groups.values()), workers


def _index_into(
    by_category: dict[str, RuleIndex], event_filter: ast.EventFilter, item: Any
) -> None:
    category = event_filter.category or ANY_CATEGORY
    if category not in by_category:
        by_category[category] = RuleIndex(field_getter)
    by_category[category].add(item, requirement_of(event_filter))


def _categories_of(document: dict[str, Any]) -> list[str]:
    event = document.get("event")
    value = event.get("category") if isinstance(event, dict) else None
    if value is None:
        value = document.get("event.category")
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def replay(
    rules: Iterable[Rule],
    documents: Iterable[dict[str, Any]],
    batch_size: int = BATCH_SIZE,
) -> ReplayResult:
    """Run every rule over ``documents`` in one pass and collect the alerts.

    Each rule receives only the documents its index patterns match. Documents must
    come in time order, as sequences depend on it. Raises
    :class:`DacError` when a rule cannot be compiled or the engine fails.
    """
    rules = list(rules)
    rule_count = len(rules)
    groups, workers = _plan(rules)
    for worker in workers:
        worker.start()
    result = ReplayResult(rules=rule_count)
    try:
        for document in documents:
            result.events += 1
            if not _dispatch(document, groups, result.alerts, batch_size):
                result.count_unseen(data_stream_of(document))
        for worker in workers:
            worker.flush()
    finally:
        for worker in workers:
            worker.inbox.put(_END)
        for worker in workers:
            worker.join()
    for worker in workers:
        if worker.error is not None:
            if isinstance(worker.error, DacError):
                raise worker.error
            raise DacError(
                f"rule {worker.rule.display_name!r} failed during replay: "
                f"{type(worker.error).__name__}: {worker.error}"
            ) from worker.error
        result.alerts.extend(worker.alerts)
    log.info(
        "replayed %d events through %d rules: %d alerts, %d events seen by no rule",
        result.events,
        rule_count,
        len(result.alerts),
        result.unseen,
    )
    return result


def _dispatch(
    document: dict[str, Any],
    groups: list[_IndexGroup],
    alerts: list[ReplayAlert],
    batch_size: int,
) -> bool:
    """Evaluate one document against the rules that can see it.

    Returns whether any rule's index patterns matched the document.
    """
    name = data_stream_of(document)
    categories = _categories_of(document)
    seen = False
    for group in groups:
        if not group.name_matches(name):
            continue
        seen = True
        # An event query reads one category, so it sits in one list only.
        for category in (*categories, ANY_CATEGORY):
            index = group.inline.get(category)
            if index is None:
                continue
            for entry in index.candidates(document):
                if entry.matches(document):
                    alerts.append(_alert(entry.rule, [document]))
        if group.threaded:
            offered: set[int] = set()
            for category in (*categories, ANY_CATEGORY):
                index = group.threaded.get(category)
                if index is None:
                    continue
                for worker in index.candidates(document):
                    if id(worker) not in offered:
                        offered.add(id(worker))
                        worker.offer(document, batch_size)
    return seen
