"""Skip rules that cannot match a document, before the engine evaluates them.

Most event queries require one field to equal, or contain, one of a few
constants at the top level of an ``and``: ``process.name : ("cmd.exe",
"powershell.exe")`` or ``process.command_line : "*-enc*"``. Such a conjunct
is a necessary condition, so the rule only needs evaluating on documents
whose field passes a cheap test. This module finds one such condition per
rule and indexes rules by it. The engine still evaluates every candidate,
so replay alerts are the same as evaluating every rule on every document.

Qualifying conjuncts, with string constants only:

* equality: ``field == "x"``, ``field in ("x", ...)``, ``field in~ (...)``,
  and ``field : "x"`` or ``like``/``like~`` patterns without wildcards;
* containment: ``:``/``like``/``like~`` patterns with ``*`` or ``?``. A value
  that matches a pattern contains the pattern's longest run of characters
  without a wildcard.

Case-insensitive conditions lower-case the whole pattern and the whole value,
as the engine does (``dac.engine._wildcard``), so the test agrees with it.
In Elasticsearch EQL a backslash does not escape a wildcard, so backslashes
are ordinary characters here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dac.engine import field_path
from dac.eql import ast

Item = TypeVar("Item")

# Fields whose values are most selective come first when a query constrains
# several; then equality beats containment, and fewer values beat more.
PREFERRED_FIELDS = (
    "process.name",
    "process.parent.name",
    "process.pe.original_file_name",
    "file.name",
    "file.extension",
    "dll.name",
    "event.action",
)
# Fields that hold one of a handful of values in most documents: indexing a
# rule by them would skip almost nothing, so any other condition wins.
UNSELECTIVE_FIELDS = frozenset(
    {
        "event.type",
        "event.kind",
        "event.category",
        "event.outcome",
        "event.module",
        "event.dataset",
        "host.os.type",
        "host.os.family",
        "host.os.name",
        "host.os.platform",
        "data_stream.dataset",
    }
)
_WILDCARDS = re.compile(r"[*?]")
_NUMBER_KINDS = ("integer", "long", "double")


@dataclass(frozen=True)
class Requirement:
    """A necessary condition: ``field`` equals or contains one of ``values``.

    With ``ignore_case`` the values are lower-cased and compared with the
    lower-cased field value. A ``number`` requirement compares numerically;
    a string field value such as ``"4444"`` counts as its number, as
    Elasticsearch coerces it when indexing a numeric field.
    """

    field: str
    path: tuple[str, ...]
    kind: str  # "equals", "contains" or "number"
    values: frozenset[str]
    ignore_case: bool


def _conjuncts(node: ast.Expr) -> Iterator[ast.Expr]:
    if isinstance(node, ast.And):
        yield from _conjuncts(node.left)
        yield from _conjuncts(node.right)
    else:
        yield node


def _strings(nodes: Sequence[Any]) -> list[str] | None:
    values = []
    for node in nodes:
        if not isinstance(node, ast.Literal) or node.kind != "string":
            return None
        values.append(str(node.value))
    return values


def _numbers(nodes: Sequence[Any]) -> list[float] | None:
    values = []
    for node in nodes:
        if not isinstance(node, ast.Literal) or node.kind not in _NUMBER_KINDS:
            return None
        values.append(float(node.value))
    return values


def _number_requirement(field: Any, constants: Sequence[Any]) -> Requirement | None:
    numbers = _numbers(constants)
    if not isinstance(field, ast.Field) or not numbers:
        return None
    return Requirement(
        field.name, field_path(field.name), "number", frozenset(numbers), False
    )


def _requirement(node: ast.Expr) -> Requirement | None:
    if isinstance(node, ast.Comparison) and node.op == "==":
        field, constant = node.left, node.right
        if isinstance(constant, ast.Field):
            field, constant = constant, field
        number = _number_requirement(field, [constant])
        if number is not None:
            return number
        values, ignore_case, patterns = _strings([constant]), False, False
    elif isinstance(node, ast.In) and not node.negated:
        number = _number_requirement(node.value, node.options)
        if number is not None:
            return number
        field, values = node.value, _strings(node.options)
        ignore_case, patterns = node.case_insensitive, False
    elif isinstance(node, ast.Match) and node.op in (":", "like"):
        field, values = node.value, _strings(node.patterns)
        ignore_case, patterns = node.case_insensitive, True
    else:
        return None
    if not isinstance(field, ast.Field) or not values:
        return None
    if ignore_case:
        values = [value.lower() for value in values]
    if patterns and any(_WILDCARDS.search(value) for value in values):
        segments = [max(_WILDCARDS.split(value), key=len) for value in values]
        if not all(segments):
            return None  # a pattern such as "*" requires nothing
        return Requirement(
            field.name,
            field_path(field.name),
            "contains",
            frozenset(segments),
            ignore_case,
        )
    return Requirement(
        field.name, field_path(field.name), "equals", frozenset(values), ignore_case
    )


def requirement_of(event_filter: ast.EventFilter) -> Requirement | None:
    """Return the most selective necessary condition of one event filter, if any."""
    found = [r for r in map(_requirement, _conjuncts(event_filter.condition)) if r]
    if not found:
        return None

    def rank(requirement: Requirement) -> tuple[int, int, int]:
        if requirement.field in PREFERRED_FIELDS:
            preference = PREFERRED_FIELDS.index(requirement.field)
        elif requirement.field in UNSELECTIVE_FIELDS:
            preference = len(PREFERRED_FIELDS) + 1
        else:
            preference = len(PREFERRED_FIELDS)
        kind = 1 if requirement.kind == "contains" else 0
        return (preference, kind, len(requirement.values))

    return min(found, key=rank)


def query_filters(query: ast.Query) -> list[ast.EventFilter]:
    """Return every event filter of a query: its steps, and ``until``."""
    body = query.body
    if isinstance(body, ast.EventQuery):
        return [body.filter]
    filters = [term.filter for term in body.terms]
    until = getattr(body, "until", None)
    if until is not None:
        filters.append(until.filter)
    return filters


class _FieldIndex(Generic[Item]):
    """Items whose requirement reads one field."""

    def __init__(self, getter: Callable[[Any], list[Any]]):
        self.getter = getter
        self.exact: dict[str, list[Item]] = {}
        self.lowered: dict[str, list[Item]] = {}
        self.contains: list[tuple[Item, tuple[str, ...], bool]] = []
        self.numbers: dict[float, list[Item]] = {}

    def add(self, item: Item, requirement: Requirement) -> None:
        if requirement.kind == "number":
            for value in requirement.values:
                self.numbers.setdefault(value, []).append(item)
            return
        if requirement.kind == "contains":
            segments = tuple(sorted(requirement.values))
            self.contains.append((item, segments, requirement.ignore_case))
            return
        table = self.lowered if requirement.ignore_case else self.exact
        for value in requirement.values:
            table.setdefault(value, []).append(item)

    def candidates(self, document: Any) -> Iterator[Item]:
        found = self.getter(document)
        seen: set[int] = set()
        if self.numbers:
            for item in self._number_candidates(found):
                if id(item) not in seen:
                    seen.add(id(item))
                    yield item
        values = [value for value in found if isinstance(value, str)]
        if not values:
            return
        lowered = [value.lower() for value in values]
        for table, keys in ((self.exact, values), (self.lowered, lowered)):
            if not table:
                continue
            for key in keys:
                for item in table.get(key, ()):
                    if id(item) not in seen:
                        seen.add(id(item))
                        yield item
        for item, segments, ignore_case in self.contains:
            texts = lowered if ignore_case else values
            if any(segment in text for segment in segments for text in texts):
                if id(item) not in seen:
                    seen.add(id(item))
                    yield item

    def _number_candidates(self, found: list[Any]) -> Iterator[Item]:
        for value in found:
            if isinstance(value, bool):
                continue
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    continue
            if isinstance(value, int | float):
                yield from self.numbers.get(float(value), ())


class RuleIndex(Generic[Item]):
    """Items (rules) indexed by their requirement; the rest are always candidates."""

    def __init__(self, getter_for: Callable[[tuple[str, ...]], Callable]):
        self._getter_for = getter_for
        self.always: list[Item] = []
        self._fields: dict[str, _FieldIndex[Item]] = {}

    def add(self, item: Item, requirement: Requirement | None) -> None:
        """Index ``item`` under its requirement, or as always a candidate."""
        if requirement is None:
            self.always.append(item)
            return
        index = self._fields.get(requirement.field)
        if index is None:
            getter = self._getter_for(requirement.path)
            index = self._fields[requirement.field] = _FieldIndex(getter)
        index.add(item, requirement)

    def candidates(self, document: Any) -> Iterator[Item]:
        """Yield each item that may match ``document``; an item sits in one list."""
        yield from self.always
        for index in self._fields.values():
            yield from index.candidates(document)
