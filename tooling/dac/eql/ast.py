"""Abstract syntax tree of Elasticsearch EQL.

The tree keeps every distinction Elasticsearch makes, so the engine and the
validator can reproduce its behaviour. ``in`` and ``in~`` are one node with a
``case_insensitive`` flag, while ``:``, ``like``, ``like~``, ``regex`` and
``regex~`` stay distinct operators. A function keeps whether it was called
with ``~``, a field whether it was written ``?optional``, and a string
whether it was written as a ``\"\"\"raw\"\"\"`` literal.

Every node carries the 1-based ``line`` and ``column`` where it starts in the
query text. Nodes are frozen dataclasses, so compare them with ``==`` and
hash them freely. Positions are excluded from comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as _Literal

# --------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True)
class Node:
    """Base of every node; ``line``/``column`` locate its first character."""

    line: int = field(default=1, compare=False, kw_only=True)
    column: int = field(default=1, compare=False, kw_only=True)


LiteralKind = _Literal["string", "integer", "long", "double", "boolean", "null"]


@dataclass(frozen=True)
class Literal(Node):
    """A constant: string, number, boolean or null.

    ``kind`` follows Elasticsearch's data types: an integer literal that fits
    in 32 bits is ``integer``, a larger one ``long``, one with a fraction or
    exponent ``double``. ``raw`` is true for ``\"\"\"...\"\"\"`` strings, whose
    backslashes are not escapes. ``value`` is the decoded value.
    """

    value: str | int | float | bool | None
    kind: LiteralKind
    raw: bool = False


@dataclass(frozen=True)
class Field(Node):
    """A field reference such as ``process.parent.name`` or ``?process.Ext.foo``.

    ``path`` is the dotted name split into its parts, each unquoted (a
    backquoted part keeps its dots inside one element). ``name`` is the
    dotted name used to look the field up in a document and a schema.
    ``optional`` is true for ``?field``: a field missing from the mapping is
    then null instead of a verification error.
    """

    path: tuple[str, ...]
    optional: bool = False

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Not(Node):
    """``not <operand>``."""

    operand: Expr


@dataclass(frozen=True)
class And(Node):
    """``<left> and <right>``."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or(Node):
    """``<left> or <right>``."""

    left: Expr
    right: Expr


ComparisonOp = _Literal["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Comparison(Node):
    """``<left> <op> <right>`` with one of ``== != < <= > >=``."""

    op: ComparisonOp
    left: Expr
    right: Expr


@dataclass(frozen=True)
class In(Node):
    """``<value> in (...)``, ``in~``, ``not in`` and ``not in~``.

    ``negated`` records the ``not in`` spelling (distinct from ``not (x in
    ...)`` in the source, equal in meaning).
    """

    value: Expr
    options: tuple[Expr, ...]
    case_insensitive: bool = False
    negated: bool = False


MatchOp = _Literal[":", "like", "regex"]


@dataclass(frozen=True)
class Match(Node):
    """A pattern operator on a field: ``:``, ``like``, ``like~``, ``regex``, ``regex~``.

    ``patterns`` contains one or more constants (``x like ("a*", "b*")``).
    ``:`` is always case-insensitive and matches wildcards ``*`` and ``?``
    for strings, and ``like`` uses the same wildcard syntax. ``regex`` uses
    Lucene's regular-expression syntax anchored to the whole value.
    ``case_insensitive`` is true for ``:``, ``like~`` and ``regex~``.
    """

    op: MatchOp
    value: Expr
    patterns: tuple[Literal, ...]
    case_insensitive: bool = False


ArithmeticOp = _Literal["+", "-", "*", "/", "%"]


@dataclass(frozen=True)
class Arithmetic(Node):
    """Binary arithmetic ``<left> <op> <right>``."""

    op: ArithmeticOp
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negate(Node):
    """Unary minus ``-<operand>`` (unary plus is dropped by the parser)."""

    operand: Expr


@dataclass(frozen=True)
class FunctionCall(Node):
    """A function call such as ``startsWith~(process.name, "cmd")``.

    ``name`` is the canonical spelling Elasticsearch documents (for example
    ``startsWith``, ``cidrMatch``). Elasticsearch looks function names up
    case-insensitively, so ``endswith~(...)`` is stored as ``endsWith``.
    ``case_insensitive`` is true when the call was written with ``~``.
    """

    name: str
    args: tuple[Expr, ...]
    case_insensitive: bool = False


Expr = (
    Literal
    | Field
    | Not
    | And
    | Or
    | Comparison
    | In
    | Match
    | Arithmetic
    | Negate
    | FunctionCall
)

# --------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class EventFilter(Node):
    """``<category> where <condition>``; ``category`` is None for ``any``."""

    category: str | None
    condition: Expr


@dataclass(frozen=True)
class EventQuery(Node):
    """A single-event query."""

    filter: EventFilter


TimeUnit = _Literal["ms", "s", "m", "h", "d"]

_UNIT_MILLIS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass(frozen=True)
class TimeSpan(Node):
    """A duration such as ``maxspan=30s``."""

    value: int
    unit: TimeUnit

    @property
    def millis(self) -> int:
        return self.value * _UNIT_MILLIS[self.unit]


@dataclass(frozen=True)
class SequenceTerm(Node):
    """One step ``[filter] by keys with runs=N`` or a missing step ``![filter]``."""

    filter: EventFilter
    join_keys: tuple[Expr, ...] = ()
    runs: int | None = None
    missing: bool = False


@dataclass(frozen=True)
class Sequence(Node):
    """``sequence [by keys] [with maxspan=...] step step... [until step]``.

    ``join_keys`` are the keys written after ``sequence by``; the effective
    keys of a step are these followed by the step's own ``join_keys``.
    """

    terms: tuple[SequenceTerm, ...]
    join_keys: tuple[Expr, ...] = ()
    maxspan: TimeSpan | None = None
    until: SequenceTerm | None = None


@dataclass(frozen=True)
class SampleTerm(Node):
    """One filter of a sample with its own join keys."""

    filter: EventFilter
    join_keys: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Sample(Node):
    """``sample [by keys] [filter] [filter]...``."""

    terms: tuple[SampleTerm, ...]
    join_keys: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Pipe(Node):
    """A ``| head N`` or ``| tail N`` pipe."""

    name: _Literal["head", "tail"]
    count: int


QueryBody = EventQuery | Sequence | Sample


@dataclass(frozen=True)
class Query(Node):
    """A complete EQL statement: the query body and its pipes."""

    body: QueryBody
    pipes: tuple[Pipe, ...] = ()
