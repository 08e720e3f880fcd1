"""Compiled EQL queries: event queries, sequences and samples.

:func:`compile_query` turns a query into a :class:`CompiledQuery`, whose
:meth:`~CompiledQuery.run` takes documents in any order and returns hits in
Elasticsearch's order: events sort by timestamp, then the tiebreaker field,
then input position (standing in for Elasticsearch's implicit
``_shard_doc`` order). :meth:`~CompiledQuery.stream` is the replay path: it
expects documents already in timestamp order and keeps only the state a
sequence needs within ``maxspan``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dac.engine._expressions import ExpressionCompiler, all_of
from dac.engine._sample import SampleCollector
from dac.engine._sequence import Pending, SequenceMatcher, Step
from dac.engine._values import doc_value, make_getter, parse_timestamp
from dac.eql import ast
from dac.errors import EqlSemanticError

log = logging.getLogger(__name__)

Document = Mapping[str, Any]
_NO_TIMESTAMP = 2**63  # sorts events without a timestamp last


@dataclass(frozen=True)
class Hit:
    """One result: a matching event, a sequence or a sample.

    ``events`` are the documents in step order, with None for a missing
    step ``![...]``. ``positions`` are their 0-based positions in the input,
    also None for a missing step, and ``join_keys`` are the join-key values.
    """

    kind: Literal["event", "sequence", "sample"]
    events: tuple[Document | None, ...]
    positions: tuple[int | None, ...]
    join_keys: tuple = ()


def _parse(query: str) -> ast.Query:
    from dac.eql import parse_query  # the parser module imports nothing from here

    return parse_query(query)


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (1,)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, 0, value)
    return (0, 1, str(value))


class CompiledQuery:
    """A query ready to run over documents; build it with :func:`compile_query`."""

    def __init__(
        self,
        query: ast.Query,
        compiler: ExpressionCompiler,
        timestamp_field: str,
        tiebreaker_field: str | None,
        event_category_field: str,
        max_samples_per_key: int,
    ):
        self.query = query
        self.timestamp_field = timestamp_field
        self._compiler = compiler
        self._timestamp = make_getter(tuple(timestamp_field.split(".")))
        self._tiebreaker = (
            make_getter(tuple(tiebreaker_field.split(".")))
            if tiebreaker_field
            else None
        )
        self._category = make_getter(tuple(event_category_field.split(".")))
        self._max_samples = max_samples_per_key
        body = query.body
        if isinstance(body, ast.EventQuery):
            self.kind = "event"
            self._filter = self._compile_filter(body.filter)
        elif isinstance(body, ast.Sequence):
            self.kind = "sequence"
            self._steps, self._until, self._maxspan = self._compile_sequence(body)
        else:
            self.kind = "sample"
            self._sample_filters = [
                (
                    self._compile_filter(t.filter),
                    self._compile_keys(body.join_keys + t.join_keys),
                )
                for t in body.terms
            ]

    # -- compilation -------------------------------------------------------

    def _compile_filter(
        self, event_filter: ast.EventFilter
    ) -> Callable[[Document], Any]:
        condition = self._compiler.predicate(event_filter.condition)
        category = event_filter.category
        if category is None:
            return condition
        categories = self._category

        def category_matches(document: Document) -> bool:
            return category in categories(document)

        return all_of([category_matches, condition])

    def _compile_keys(
        self, keys: tuple[ast.Expr, ...]
    ) -> Callable[[Document], tuple | None]:
        extractors = []
        for key in keys:
            value_fn, _ = self._compiler.value(key)
            optional = isinstance(key, ast.Field) and key.optional
            extractors.append((value_fn, optional))

        def key_of(document: Document) -> tuple | None:
            out = []
            for value_fn, optional in extractors:
                value = value_fn(document)
                if value is None and not optional:
                    # Elasticsearch drops events whose non-optional join key is null.
                    return None
                out.append(value)
            return tuple(out)

        return key_of

    def _compile_sequence(
        self, body: ast.Sequence
    ) -> tuple[list[Step], Step | None, int | None]:
        steps: list[Step] = []
        for term in body.terms:
            step = Step(
                self._compile_filter(term.filter),
                self._compile_keys(body.join_keys + term.join_keys),
                term.missing,
            )
            steps.extend([step] * (term.runs or 1))
        if all(s.missing for s in steps):
            raise EqlSemanticError(
                "a sequence needs at least one step that is not a missing event ![...]",
                body.line,
                body.column,
            )
        until = None
        if body.until is not None:
            until = Step(
                self._compile_filter(body.until.filter),
                self._compile_keys(body.join_keys + body.until.join_keys),
            )
        maxspan = body.maxspan.millis if body.maxspan is not None else None
        return steps, until, maxspan

    # -- evaluation --------------------------------------------------------

    def ordinal(self, document: Document, position: int) -> tuple:
        """Return the sort key of a document: timestamp, tiebreaker, position."""
        timestamp = parse_timestamp(doc_value(self._timestamp(document)))
        tiebreaker = doc_value(self._tiebreaker(document)) if self._tiebreaker else None
        return (
            _NO_TIMESTAMP if timestamp is None else timestamp,
            _sort_key(tiebreaker),
            position,
        )

    def matches(self, document: Document) -> bool:
        """Tell whether an event query's filter matches one document."""
        if self.kind != "event":
            raise TypeError("matches() applies to event queries; use run()")
        return self._filter(document) is True

    def step_matches(self, index: int, document: Document) -> bool:
        """Tell whether one document matches sequence step ``index`` (after runs)."""
        return self._steps[index].matches(document) is True

    def run(self, events: Iterable[Document]) -> Iterator[Hit]:
        """Evaluate the query over ``events`` in any order; yield hits in ES order.

        Event queries keep only matching events; sequences and samples keep
        only events matching some step, sort them, then stream them.
        """
        if self.kind == "event":
            matched = [
                (self.ordinal(doc, pos), doc)
                for pos, doc in enumerate(events)
                if self._filter(doc) is True
            ]
            matched.sort(key=lambda item: item[0])
            return self._finish_events(iter(matched))
        candidates = [
            (self.ordinal(doc, pos), doc)
            for pos, doc in enumerate(events)
            if self._relevant(doc)
        ]
        candidates.sort(key=lambda item: item[0])
        return self._evaluate(iter(candidates))

    def stream(self, events: Iterable[Document]) -> Iterator[Hit]:
        """Evaluate documents already sorted by timestamp, keeping little state.

        Sequence state is bounded by ``maxspan``. Hits come out as they are
        found, so a sequence that ends with a missing step ``![...]`` comes
        out once its ``maxspan`` window has passed, possibly after sequences
        that completed later. Out-of-order documents are processed where
        they stand and counted in a warning.
        """
        ordered = self._ordered(events)
        if self.kind == "event":
            hits = ((o, d) for o, d in ordered if self._filter(d) is True)
            return self._finish_events(hits)
        return self._evaluate(ordered, streaming=True)

    def _ordered(self, events: Iterable[Document]) -> Iterator[tuple[tuple, Document]]:
        previous = None
        late = 0
        for position, document in enumerate(events):
            ordinal = self.ordinal(document, position)
            if previous is not None and ordinal < previous:
                late += 1
            else:
                previous = ordinal
            yield ordinal, document
        if late:
            log.warning(
                "%d events arrived out of timestamp order; results may differ", late
            )

    def _relevant(self, document: Document) -> bool:
        if self.kind == "sample":
            return any(f(document) is True for f, _ in self._sample_filters)
        if any(step.matches(document) is True for step in self._steps):
            return True
        return self._until is not None and self._until.matches(document) is True

    def _evaluate(
        self, ordered: Iterator[tuple[tuple, Document]], streaming: bool = False
    ) -> Iterator[Hit]:
        if self.kind == "sample":
            return self._finish_samples(ordered)
        matcher = SequenceMatcher(self._steps, self._until, self._maxspan)

        def completions() -> Iterator[Pending]:
            for ordinal, document in ordered:
                if ordinal[0] == _NO_TIMESTAMP:
                    continue  # a sequence needs timestamps to order its events
                yield from matcher.push(ordinal, document)
            yield from matcher.finish()

        self.last_matcher = matcher
        return self._finish_sequences(completions(), streaming)

    # -- pipes and results -------------------------------------------------

    def _finish_events(
        self, matched: Iterator[tuple[tuple, Document]]
    ) -> Iterator[Hit]:
        hits = (Hit("event", (doc,), (ordinal[2],)) for ordinal, doc in matched)
        return _apply_pipes(hits, self.query.pipes)

    def _finish_sequences(
        self, completed: Iterator[Pending], streaming: bool
    ) -> Iterator[Hit]:
        pipes = self.query.pipes
        if streaming:
            return _apply_pipes((self._sequence_hit(p) for p in completed), pipes)
        # Elasticsearch orders sequences by their last event (the order they
        # complete in), and a ``head`` stops once enough have completed.
        ordered: Iterable[Pending] = completed
        for pipe in pipes:
            if pipe.name == "head":
                ordered = sorted(_take(ordered, pipe.count), key=_end)
            else:
                ordered = sorted(ordered, key=_end)
                ordered = ordered[-pipe.count :] if pipe.count > 0 else []
        if not pipes:
            ordered = sorted(ordered, key=_end)
        return (self._sequence_hit(p) for p in ordered)

    def _sequence_hit(self, sequence: Pending) -> Hit:
        documents = tuple(None if e is None else e[1] for e in sequence.events)
        positions = tuple(None if e is None else e[0][2] for e in sequence.events)
        return Hit("sequence", documents, positions, sequence.key)

    def _finish_samples(
        self, ordered: Iterator[tuple[tuple, Document]]
    ) -> Iterator[Hit]:
        collector = SampleCollector(self._sample_filters, self._max_samples)
        for ordinal, document in ordered:
            # Samples ignore timestamps: Elasticsearch takes each filter's
            # events in index order, which input position stands for.
            collector.push((ordinal[2],), document)
        hits = (
            Hit(
                "sample",
                tuple(d for _, d in events),
                tuple(o[0] for o, _ in events),
                key,
            )
            for key, events in collector.samples()
        )
        return _apply_pipes(hits, self.query.pipes)


def _end(sequence: Pending) -> tuple:
    return sequence.last


def _take(hits: Iterable[Any], count: int) -> list[Any]:
    out = []
    if count <= 0:
        return out
    for hit in hits:
        out.append(hit)
        if len(out) >= count:
            break
    return out


def _apply_pipes(hits: Iterable[Hit], pipes: tuple[ast.Pipe, ...]) -> Iterator[Hit]:
    result: Iterable[Hit] = hits
    for pipe in pipes:
        if pipe.name == "head":
            result = _take(result, pipe.count)
        else:
            result = list(deque(result, maxlen=pipe.count)) if pipe.count > 0 else []
    return iter(result)


def compile_query(
    query: str | ast.Query,
    *,
    field_types: Mapping[str, str] | None = None,
    timestamp_field: str = "@timestamp",
    tiebreaker_field: str | None = None,
    event_category_field: str = "event.category",
    max_samples_per_key: int = 1,
) -> CompiledQuery:
    """Compile an EQL query for the embedded engine.

    ``field_types`` maps field names to Elasticsearch types (a mapping);
    when given, a field outside it is an error unless written ``?field``,
    and comparisons are type-checked as Elasticsearch's verifier does.
    Raises EqlSyntaxError or EqlSemanticError.
    """
    parsed = _parse(query) if isinstance(query, str) else query
    compiler = ExpressionCompiler(field_types)
    return CompiledQuery(
        parsed,
        compiler,
        timestamp_field,
        tiebreaker_field,
        event_category_field,
        max_samples_per_key,
    )
