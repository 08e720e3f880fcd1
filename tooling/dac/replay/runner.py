"""Stream recorded documents through many compiled rules at once.

The engine's ``CompiledQuery.run`` pulls events from an iterator, so each
rule runs in its own thread and reads the shared stream through a bounded
queue of batches. Documents are read once, every rule sees them in file
order, and memory stays bounded by the queue size however large the
input is. Threads do not add parallelism here (the engine is pure
Python); they only let one pass over the input feed every rule.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dac.errors import DacError
from dac.replay.sources import SOURCE_KEY
from dac.rules import Rule
from dac.testing.backend import EmbeddedBackend
from dac.testing.indexes import index_filter

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Batches waiting per rule; with BATCH_SIZE this bounds memory to about
# QUEUE_DEPTH * BATCH_SIZE documents in flight.
QUEUE_DEPTH = 4
_END = None


@dataclass
class ReplayAlert:
    """One alert of a replay: the rule and its matched events, in order."""

    rule_id: str | None
    rule_name: str
    severity: str | None
    source: str
    events: list[dict[str, Any] | None]

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
    """Every alert of a replay and the number of documents read."""

    alerts: list[ReplayAlert] = field(default_factory=list)
    events: int = 0


def _public(event: dict[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {key: value for key, value in event.items() if key != SOURCE_KEY}


class _RuleWorker(threading.Thread):
    """Run one compiled rule over the batches put on its queue."""

    def __init__(self, rule: Rule, compiled: Any):
        super().__init__(name=f"replay-{rule.rule_id or rule.path.name}", daemon=True)
        self.rule = rule
        self.compiled = compiled
        self.inbox: queue.Queue[list[dict] | None] = queue.Queue(QUEUE_DEPTH)
        self.alerts: list[ReplayAlert] = []
        self.error: BaseException | None = None
        self._visible = index_filter(rule.index)
        self._finished = False

    def _events(self) -> Iterator[dict]:
        visible = self._visible
        while True:
            batch = self.inbox.get()
            if batch is _END:
                self._finished = True
                return
            for document in batch:
                if visible(document):
                    yield document

    def run(self) -> None:
        # ``stream`` keeps sequence state bounded for time-ordered input;
        # ``run`` collects the candidate events first.
        evaluate = getattr(self.compiled, "stream", self.compiled.run)
        try:
            for hit in evaluate(self._events()):
                events = list(hit.events)
                first = next((e for e in events if e is not None), {})
                self.alerts.append(
                    ReplayAlert(
                        rule_id=self.rule.rule_id,
                        rule_name=self.rule.display_name,
                        severity=self.rule.severity,
                        source=str(first.get(SOURCE_KEY, "")),
                        events=events,
                    )
                )
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.error = exc
        finally:
            # Keep taking batches until the end, so the reader never blocks on
            # a rule that stopped early (an error, or a head pipe satisfied).
            while not self._finished:
                self._finished = self.inbox.get() is _END


def replay(
    rules: Iterable[Rule],
    documents: Iterable[dict[str, Any]],
    batch_size: int = BATCH_SIZE,
) -> ReplayResult:
    """Run every rule over ``documents`` in one pass and collect the alerts.

    Each rule sees only documents its index patterns match. Documents must
    come in time order, as sequences depend on it. Raises
    :class:`DacError` when a rule cannot be compiled or the engine fails.
    """
    backend = EmbeddedBackend()
    workers = [_RuleWorker(rule, backend.compile(rule)) for rule in rules]
    for worker in workers:
        worker.start()
    result = ReplayResult()
    try:
        batch: list[dict[str, Any]] = []
        for document in documents:
            batch.append(document)
            if len(batch) >= batch_size:
                _dispatch(workers, batch)
                result.events += len(batch)
                batch = []
        if batch:
            _dispatch(workers, batch)
            result.events += len(batch)
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
        "replayed %d events through %d rules: %d alerts",
        result.events,
        len(workers),
        len(result.alerts),
    )
    return result


def _dispatch(workers: list[_RuleWorker], batch: list[dict[str, Any]]) -> None:
    for worker in workers:
        worker.inbox.put(batch)
