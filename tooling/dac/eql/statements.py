"""Statement-level rules of the tree builder: queries, sequences, samples, pipes.

The checks follow what Elasticsearch's ``LogicalPlanBuilder`` rejects after
parsing and what its EQL syntax reference states (8.x/9.x):

- ``by`` comes before ``with`` on a sequence;
- ``maxspan`` is a positive integer with a unit of ms, s, m, h or d;
- ``runs`` is from 1 to 100;
- every step has the same number of join keys;
- a sequence with missing events has ``with maxspan`` and a positive step;
- the only pipes are ``head`` and ``tail``, with one non-negative integer;
- ``join`` is not supported.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lark import Token

from dac.eql import ast
from dac.eql.literals import decode_string, small_integer
from dac.errors import EqlSemanticError

TIME_UNITS = ("ms", "s", "m", "h", "d")
MAX_RUNS = 100
SUPPORTED_PIPES = ("head", "tail")
# Pipes from the original EQL language that Elasticsearch recognises but
# rejects.
UNSUPPORTED_PIPES = ("count", "filter", "sort", "unique", "unique_count")


@dataclass(frozen=True)
class JoinKeys:
    """The expressions after ``by`` and the ``by`` token itself."""

    keys: tuple[ast.Expr, ...]
    keyword: Token


@dataclass(frozen=True)
class Subquery:
    """A bracketed event filter; ``missing`` is true for ``![...]``."""

    filter: ast.EventFilter
    missing: bool
    opener: Token


@dataclass(frozen=True)
class Header:
    """The ``by`` keys and ``with maxspan`` written after ``sequence``."""

    join_keys: JoinKeys | None
    maxspan: ast.TimeSpan | None


@dataclass(frozen=True)
class Until:
    """The ``until`` step of a sequence or join."""

    term: object


@dataclass(frozen=True)
class KeyedTerm:
    """A step with its own ``by`` keys (a sample or join step)."""

    subquery: Subquery
    join_keys: JoinKeys | None


class StatementBuilderMixin:
    """Rules from ``statement`` down to the sequence and sample steps.

    Mixed into TreeBuilder, which provides ``defer``.
    """

    def defer(self, error: EqlSemanticError) -> None:  # pragma: no cover
        raise NotImplementedError

    def statement(self, children: list) -> ast.Query:
        body, *pipes = children
        return ast.Query(body, tuple(pipes), line=body.line, column=body.column)

    def event_query(self, children: list) -> ast.EventQuery:
        event_filter = children[0]
        return ast.EventQuery(
            event_filter, line=event_filter.line, column=event_filter.column
        )

    def event_filter(self, children: list) -> ast.EventFilter:
        category_token, _, condition = children
        category: str | None
        if category_token.type == "ANY":
            category = None
        elif category_token.type == "STRING":
            try:
                category, _ = decode_string(category_token)
            except EqlSemanticError as error:
                self.defer(error)
                category = ""
        else:
            category = category_token.value
        return ast.EventFilter(
            category,
            condition,
            line=category_token.line,
            column=category_token.column,
        )

    # -------------------------------------------------------------- sequences

    def sequence(self, children: list) -> ast.Sequence:
        keyword = children[0]
        header = Header(None, None)
        terms: list[ast.SequenceTerm] = []
        until: ast.SequenceTerm | None = None
        for child in children[1:]:
            if isinstance(child, Header):
                header = child
            elif isinstance(child, Until):
                until = child.term
            else:
                terms.append(child)

        parent_keys = header.join_keys.keys if header.join_keys else ()
        self._check_key_counts(terms + ([until] if until else []))
        self._check_sequence_length(keyword, terms)
        self._check_missing_events(keyword, terms, header.maxspan)
        return ast.Sequence(
            tuple(terms),
            join_keys=parent_keys,
            maxspan=header.maxspan,
            until=until,
            line=keyword.line,
            column=keyword.column,
        )

    def sequence_header(self, children: list) -> Header:
        first = children[0]
        second = children[1] if len(children) > 1 else None
        if isinstance(first, JoinKeys):
            return Header(first, second)
        if isinstance(second, JoinKeys):
            self.defer(
                EqlSemanticError(
                    "write `sequence by` before `with maxspan`, as in "
                    "`sequence by host.id with maxspan=1m`",
                    second.keyword.line,
                    second.keyword.column,
                )
            )
        return Header(second, first)

    def sequence_params(self, children: list) -> ast.TimeSpan:
        number = children[3]
        unit = children[4] if len(children) > 4 else None
        where = {"line": number.line, "column": number.column}
        if number.type != "INTEGER_VALUE":
            self.defer(
                EqlSemanticError(
                    f"maxspan={number.value} is not an integer; use a positive "
                    "integer with a unit, such as maxspan=1500ms",
                    **where,
                )
            )
            return ast.TimeSpan(1, "s", **where)
        value = small_integer(number.value)
        if value is None:
            self.defer(
                EqlSemanticError(
                    f"maxspan={_shorten(number.value)} is too large; use a larger "
                    "unit, such as d for days",
                    **where,
                )
            )
            return ast.TimeSpan(1, "s", **where)
        if value <= 0:
            self.defer(
                EqlSemanticError(f"maxspan must be positive, found {value}", **where)
            )
        if unit is None:
            self.defer(
                EqlSemanticError(
                    f"maxspan={value} has no time unit; add one of "
                    f"{', '.join(TIME_UNITS)}, such as maxspan={value}s",
                    **where,
                )
            )
            return ast.TimeSpan(value, "s", **where)
        if unit.value not in TIME_UNITS:
            self.defer(
                EqlSemanticError(
                    f"unknown time unit {unit.value!r} in maxspan="
                    f"{value}{unit.value}; use one of {', '.join(TIME_UNITS)}",
                    unit.line,
                    unit.column,
                )
            )
            return ast.TimeSpan(value, "s", **where)
        return ast.TimeSpan(value, unit.value, **where)

    def sequence_term(self, children: list) -> ast.SequenceTerm:
        subquery: Subquery = children[0]
        join_keys: JoinKeys | None = None
        runs: int | None = None
        for child in children[1:]:
            if isinstance(child, JoinKeys):
                join_keys = child
            else:
                runs = child
        return ast.SequenceTerm(
            subquery.filter,
            join_keys=join_keys.keys if join_keys else (),
            runs=runs,
            missing=subquery.missing,
            line=subquery.opener.line,
            column=subquery.opener.column,
        )

    def sequence_term_option(self, children: list) -> int | None:
        key, number = children[1], children[3]
        if key.value != "runs":
            self.defer(
                EqlSemanticError(
                    f"unknown sequence step option {key.value!r}; the only "
                    "option is runs, as in `with runs=3`",
                    key.line,
                    key.column,
                )
            )
            return None
        if number.type != "INTEGER_VALUE":
            self.defer(
                EqlSemanticError(
                    f"runs={number.value} is not an integer; use an integer from "
                    f"1 to {MAX_RUNS}",
                    number.line,
                    number.column,
                )
            )
            return None
        runs = small_integer(number.value)
        if runs is None or not 1 <= runs <= MAX_RUNS:
            self.defer(
                EqlSemanticError(
                    f"runs must be from 1 to {MAX_RUNS}, found "
                    f"{_shorten(number.value)}",
                    number.line,
                    number.column,
                )
            )
            return None
        return runs

    def sequence_until(self, children: list) -> Until:
        return Until(children[1])

    def subquery(self, children: list) -> Subquery:
        opener, event_filter, _ = children
        return Subquery(event_filter, opener.type == "MISSING_EVENT_OPEN", opener)

    def join_keys(self, children: list) -> JoinKeys:
        keyword = children[0]
        keys = tuple(child for child in children[1:] if isinstance(child, ast.Node))
        for key in keys:
            if not isinstance(key, ast.Field):
                self.defer(
                    EqlSemanticError(
                        "a join key must be a field name, such as `by "
                        "process.entity_id`, not an expression",
                        key.line,
                        key.column,
                    )
                )
        return JoinKeys(keys, keyword)

    # -------------------------------------------------------- samples, joins

    def sample(self, children: list) -> ast.Sample:
        keyword = children[0]
        parent = next((c for c in children[1:] if isinstance(c, JoinKeys)), None)
        keyed_terms = [child for child in children[1:] if isinstance(child, KeyedTerm)]
        terms = []
        for keyed in keyed_terms:
            if keyed.subquery.missing:
                self.defer(
                    EqlSemanticError(
                        "a sample cannot have missing events (![...]); missing "
                        "events are only allowed in a sequence",
                        keyed.subquery.opener.line,
                        keyed.subquery.opener.column,
                    )
                )
            terms.append(
                ast.SampleTerm(
                    keyed.subquery.filter,
                    join_keys=keyed.join_keys.keys if keyed.join_keys else (),
                    line=keyed.subquery.opener.line,
                    column=keyed.subquery.opener.column,
                )
            )
        self._check_key_counts(terms)
        # NOTE: whether Elasticsearch also caps the number of sample filters is
        # not confirmed from its source; no cap is enforced here.
        if len(terms) < 2:
            self.defer(
                EqlSemanticError(
                    f"a sample needs at least 2 filters, found {len(terms)}",
                    keyword.line,
                    keyword.column,
                )
            )
        return ast.Sample(
            tuple(terms),
            join_keys=parent.keys if parent else (),
            line=keyword.line,
            column=keyword.column,
        )

    def join(self, children: list) -> ast.EventQuery:
        keyword = children[0]
        self.defer(
            EqlSemanticError(
                "join queries are not supported by Elasticsearch; use a sequence "
                "or a sample with `by` keys instead",
                keyword.line,
                keyword.column,
            )
        )
        # Placeholder: the deferred error is raised once the text has parsed.
        placeholder = ast.EventFilter(None, ast.Literal(True, "boolean"))
        return ast.EventQuery(placeholder, line=keyword.line, column=keyword.column)

    def join_until(self, children: list) -> Until:
        return Until(children[1])

    def join_term(self, children: list) -> KeyedTerm:
        subquery = children[0]
        join_keys = children[1] if len(children) > 1 else None
        return KeyedTerm(subquery, join_keys)

    # ------------------------------------------------------------------ pipes

    def pipe_arguments(self, children: list) -> list[ast.Expr]:
        return [child for child in children if isinstance(child, ast.Node)]

    def pipe(self, children: list) -> ast.Pipe:
        name_token = children[1]
        args = children[2] if len(children) > 2 else []
        name = name_token.value
        where = {"line": name_token.line, "column": name_token.column}
        if name not in SUPPORTED_PIPES:
            self.defer(_pipe_name_error(name_token))
            return ast.Pipe("head", 0, **where)
        if len(args) != 1:
            self.defer(
                EqlSemanticError(
                    f"pipe {name} takes exactly one argument, the number of "
                    f"results, found {len(args)}",
                    **where,
                )
            )
            return ast.Pipe(name, 0, **where)
        count = fold_integer(args[0])
        if count is None or count < 0 or count > 2**31 - 1:
            self.defer(
                EqlSemanticError(
                    f"pipe {name} takes a non-negative integer, such as `| {name} 10`",
                    args[0].line,
                    args[0].column,
                )
            )
            return ast.Pipe(name, 0, **where)
        return ast.Pipe(name, count, **where)

    # ----------------------------------------------------------------- checks

    def _check_key_counts(self, terms: list) -> None:
        expected: int | None = None
        for term in terms:
            count = len(term.join_keys)
            if expected is None:
                expected = count
            elif count != expected:
                self.defer(
                    EqlSemanticError(
                        f"inconsistent number of join keys: the first step has "
                        f"{_keys(expected)}, this step has {_keys(count)}; give "
                        "every step the same number of `by` keys",
                        term.line,
                        term.column,
                    )
                )

    def _check_sequence_length(self, keyword: Token, terms: list) -> None:
        queries = sum(term.runs or 1 for term in terms)
        if queries < 2:
            self.defer(
                EqlSemanticError(
                    f"a sequence needs at least 2 steps (counting `with runs`), "
                    f"found {queries}",
                    keyword.line,
                    keyword.column,
                )
            )

    def _check_missing_events(
        self, keyword: Token, terms: list, maxspan: ast.TimeSpan | None
    ) -> None:
        # NOTE: `until` and `with runs` on a missing step are accepted; whether
        # Elasticsearch rejects them is not confirmed from its source.
        missing = [term for term in terms if term.missing]
        if not missing:
            return
        if maxspan is None:
            self.defer(
                EqlSemanticError(
                    "a sequence with missing events (![...]) needs `with "
                    "maxspan=...`, such as `sequence with maxspan=5m`",
                    missing[0].line,
                    missing[0].column,
                )
            )
        if len(missing) == len(terms):
            self.defer(
                EqlSemanticError(
                    "a sequence needs at least one step that is not a missing "
                    "event (![...])",
                    keyword.line,
                    keyword.column,
                )
            )


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _keys(count: int) -> str:
    return f"{count} join key" if count == 1 else f"{count} join keys"


def fold_integer(expression: ast.Expr) -> int | None:
    """Return the value of a constant integer expression, or None.

    Elasticsearch folds a pipe argument before checking it, so ``head 2*5`` is
    ``head 10``. Division and remainder truncate toward zero, as in Java.
    """
    if isinstance(expression, ast.Literal):
        if expression.kind in ("integer", "long"):
            return expression.value
        return None
    if isinstance(expression, ast.Negate):
        operand = fold_integer(expression.operand)
        return None if operand is None else -operand
    if isinstance(expression, ast.Arithmetic):
        left = fold_integer(expression.left)
        right = fold_integer(expression.right)
        if left is None or right is None:
            return None
        return _java_integer_arithmetic(expression.op, left, right)
    return None


def _java_integer_arithmetic(op: str, left: int, right: int) -> int | None:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return None
    quotient = abs(left) // abs(right)
    if (left < 0) != (right < 0):
        quotient = -quotient
    if op == "/":
        return quotient
    return left - quotient * right


def _pipe_name_error(token: Token) -> EqlSemanticError:
    name = token.value
    if name in UNSUPPORTED_PIPES:
        message = (
            f"pipe {name} is not supported by Elasticsearch; the supported pipes "
            "are head and tail"
        )
    else:
        known = SUPPORTED_PIPES + UNSUPPORTED_PIPES
        close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
        message = f"unknown pipe {name}; the supported pipes are head and tail"
        if close:
            message += f" (did you mean {' or '.join(close)}?)"
    return EqlSemanticError(message, token.line, token.column)
