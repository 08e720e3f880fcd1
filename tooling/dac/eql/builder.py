"""Build the EQL syntax tree from lark's parse, with Elasticsearch's checks.

lark calls these methods while it parses (an inline LALR transformer), so no
intermediate parse tree is built. Each method receives the children of one
grammar rule: tokens and already-built nodes.

Elasticsearch rejects some queries only after they parse (its
``LogicalPlanBuilder`` and ``ExpressionBuilder``, then the verifier for
function names). Those checks raise EqlSemanticError. Elasticsearch's parser
reports process relationships and array indexes as soon as it reduces them, so
those raise at once. All other semantic errors are deferred until the whole
text has parsed: a syntax error anywhere wins, as in Elasticsearch, and of
several semantic errors the first in the text is reported.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lark import Token, Transformer

from dac.eql import ast
from dac.eql.functions import FUNCTIONS, lookup_function
from dac.eql.literals import decimal_literal, decode_string, integer_literal
from dac.eql.statements import StatementBuilderMixin
from dac.errors import EqlSemanticError

_MATCH_OPERATORS = {
    "SEQ": (":", True),
    "LIKE": ("like", False),
    "LIKE_INSENSITIVE": ("like", True),
    "REGEX": ("regex", False),
    "REGEX_INSENSITIVE": ("regex", True),
}


@dataclass(frozen=True)
class InPredicate:
    """The ``[not] in[~] (...)`` part of a predicate, before its value is known."""

    options: tuple[ast.Expr, ...]
    case_insensitive: bool
    negated: bool


@dataclass(frozen=True)
class MatchPredicate:
    """The ``: / like / regex`` part of a predicate, before its value is known."""

    op: ast.MatchOp
    case_insensitive: bool
    patterns: tuple[ast.Literal, ...]


def position(item: Token | ast.Node) -> dict[str, int]:
    """Return the ``line``/``column`` keyword arguments locating ``item``."""
    return {"line": item.line, "column": item.column}


class TreeBuilder(StatementBuilderMixin, Transformer):
    """Inline lark transformer that returns ast nodes for each grammar rule.

    This class collects deferred semantic errors on the instance, so each
    instance serves one parse. The parser module subclasses it to keep them
    per thread instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.deferred_errors: list[EqlSemanticError] = []

    def defer(self, error: EqlSemanticError) -> None:
        """Record a semantic error to raise once the whole text has parsed."""
        self.deferred_errors.append(error)

    # ------------------------------------------------------------ expressions

    def single_expression(self, children: list) -> ast.Expr:
        return children[0]

    def logical_or(self, children: list) -> ast.Or:
        left, _, right = children
        return ast.Or(left, right, **position(left))

    def logical_and(self, children: list) -> ast.And:
        left, _, right = children
        return ast.And(left, right, **position(left))

    def logical_not(self, children: list) -> ast.Not:
        keyword, operand = children
        return ast.Not(operand, **position(keyword))

    def process_check(self, children: list) -> ast.Expr:
        relationship = children[0]
        raise EqlSemanticError(
            f'process relationships such as "{relationship} of [...]" are not '
            "supported by Elasticsearch; join the events with a sequence and "
            "`by` keys instead",
            relationship.line,
            relationship.column,
        )

    def comparison_operator(self, children: list) -> Token:
        return children[0]

    def comparison(self, children: list) -> ast.Comparison:
        left, operator, right = children
        return ast.Comparison(operator.value, left, right, **position(left))

    def arithmetic(self, children: list) -> ast.Arithmetic:
        left, operator, right = children
        return ast.Arithmetic(operator.value, left, right, **position(left))

    def arithmetic_unary(self, children: list) -> ast.Expr:
        operator, operand = children
        if operator.type == "PLUS":
            return operand
        return ast.Negate(operand, **position(operator))

    def predicate_expression(self, children: list) -> ast.Expr:
        value, predicate = children
        if isinstance(predicate, InPredicate):
            return ast.In(
                value,
                predicate.options,
                case_insensitive=predicate.case_insensitive,
                negated=predicate.negated,
                **position(value),
            )
        return ast.Match(
            predicate.op,
            value,
            predicate.patterns,
            case_insensitive=predicate.case_insensitive,
            **position(value),
        )

    def in_predicate(self, children: list) -> InPredicate:
        negated = children[0].type == "NOT"
        keyword = children[1] if negated else children[0]
        options = tuple(child for child in children if isinstance(child, ast.Node))
        return InPredicate(options, keyword.type == "IN_INSENSITIVE", negated)

    def match_operator(self, children: list) -> Token:
        return children[0]

    def match_predicate(self, children: list) -> MatchPredicate:
        operator = children[0]
        op, case_insensitive = _MATCH_OPERATORS[operator.type]
        patterns = tuple(child for child in children if isinstance(child, ast.Node))
        return MatchPredicate(op, case_insensitive, patterns)

    def parenthesized(self, children: list) -> ast.Expr:
        return children[1]

    def function_expression(self, children: list) -> ast.Expr:
        name_token = children[0]
        args = tuple(child for child in children[2:] if isinstance(child, ast.Node))
        written = name_token.value
        case_insensitive = written.endswith("~")
        name = written[:-1] if case_insensitive else written
        signature = lookup_function(name)

        if signature is None:
            self.defer(_unknown_function(name_token, name))
        elif case_insensitive and not signature.case_insensitive_variant:
            self.defer(
                EqlSemanticError(
                    f"function {signature.name} has no case-insensitive variant; "
                    f"remove the ~ after {name}",
                    name_token.line,
                    name_token.column,
                )
            )
        elif not _arity_fits(signature.min_args, signature.max_args, len(args)):
            self.defer(
                EqlSemanticError(
                    f"function {signature.name} takes {signature.describe_arity()} "
                    f"arguments, found {len(args)}",
                    name_token.line,
                    name_token.column,
                )
            )
        canonical = signature.name if signature else name
        return ast.FunctionCall(
            canonical, args, case_insensitive=case_insensitive, **position(name_token)
        )

    def qualified_name(self, children: list) -> ast.Field:
        optional = children[0].type == "OPTIONAL"
        parts = children[1:] if optional else children
        path = tuple(_identifier_text(part) for part in parts if part.type != "DOT")
        return ast.Field(path, optional=optional, **position(children[0]))

    def array_index(self, children: list) -> None:
        index = children[1]
        raise EqlSemanticError(
            "array indexes such as [0] are not supported by Elasticsearch; "
            "compare the whole field, which matches when any value matches",
            index.line,
            index.column,
        )

    def constant(self, children: list) -> ast.Literal:
        token = children[0]
        kind = token.type
        where = position(token)
        if kind == "STRING":
            try:
                value, raw = decode_string(token)
            except EqlSemanticError as error:
                self.defer(error)
                value, raw = "", False
            return ast.Literal(value, "string", raw=raw, **where)
        if kind == "INTEGER_VALUE":
            value, integer_kind = self.checked_integer(token)
            return ast.Literal(value, integer_kind, **where)
        if kind == "DECIMAL_VALUE":
            return ast.Literal(self.checked_decimal(token), "double", **where)
        if kind == "NULL":
            return ast.Literal(None, "null", **where)
        return ast.Literal(kind == "TRUE", "boolean", **where)

    def checked_integer(self, token: Token) -> tuple[int | float, str]:
        """Return an integer literal's value and kind, deferring an overflow."""
        try:
            return integer_literal(token)
        except EqlSemanticError as error:
            self.defer(error)
            return 0, "integer"

    def checked_decimal(self, token: Token) -> float:
        """Return a decimal literal's value, deferring an overflow."""
        try:
            return decimal_literal(token)
        except EqlSemanticError as error:
            self.defer(error)
            return 0.0


def _identifier_text(token: Token) -> str:
    if token.type == "QUOTED_IDENTIFIER":
        return token.value[1:-1].replace("``", "`")
    return token.value


def _arity_fits(minimum: int, maximum: int | None, count: int) -> bool:
    return count >= minimum and (maximum is None or count <= maximum)


def _unknown_function(token: Token, name: str) -> EqlSemanticError:
    names = [signature.name for signature in FUNCTIONS.values()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else (f"; the functions are {', '.join(names)}")
    )
    return EqlSemanticError(f"unknown function {name}{hint}", token.line, token.column)
