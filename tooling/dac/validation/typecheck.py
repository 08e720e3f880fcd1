"""Check an EQL tree against a field table as Elasticsearch's verifier would."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dac.diagnostics import Severity
from dac.eql import ast
from dac.validation.types import (
    FUNCTION_RESULTS,
    LITERAL_FAMILIES,
    Family,
    argument_family,
    compatible,
    family_of_type,
    walk,
)

_ARTICLE = {"ip": "an ip", "other": "another type"}


@dataclass(frozen=True)
class Finding:
    """A problem at a 1-based position in the query text."""

    line: int
    column: int
    severity: Severity
    code: str
    message: str


class TypeChecker:
    """Find unmapped fields and type mismatches in one query.

    ``table`` is a field table with ``type_of(name)``. ``complete`` is False
    when some index pattern of the rule has no table: a field missing from
    ``table`` may then exist in those indexes, so it is only a warning.
    """

    def __init__(self, table: Any, complete: bool = True):
        self.table = table
        self.complete = complete

    def check(self, tree: ast.Query) -> Iterator[Finding]:
        """Yield every finding in ``tree``, in query order."""
        findings = []
        for node in walk(tree):
            findings.extend(self._check_node(node))
        findings.sort(key=lambda f: (f.line, f.column, f.code))
        yield from findings

    def _check_node(self, node: ast.Node) -> Iterator[Finding]:
        if isinstance(node, ast.Field):
            yield from self._check_field(node)
        elif isinstance(node, ast.Comparison):
            yield from self._check_pair(node, node.left, node.right, node.op)
        elif isinstance(node, ast.In):
            # One finding per In node: the first option of a mismatched type.
            for option in node.options:
                findings = list(self._check_pair(node, node.value, option, "in"))
                if findings:
                    yield findings[0]
                    break
        elif isinstance(node, ast.Match):
            yield from self._expect(node.value, "string", f"operator '{_op(node)}'")
        elif isinstance(node, ast.Arithmetic):
            for operand in (node.left, node.right):
                yield from self._expect(operand, "number", f"operator '{node.op}'")
        elif isinstance(node, ast.Negate):
            yield from self._expect(node.operand, "number", "unary '-'")
        elif isinstance(node, ast.FunctionCall):
            for position, argument in enumerate(node.args):
                expected = argument_family(node.name, position)
                if expected is not None:
                    where = f"argument {position + 1} of {node.name}()"
                    yield from self._expect(argument, expected, where)

    def _check_field(self, node: ast.Field) -> Iterator[Finding]:
        es_type = self.table.type_of(node.name)
        if es_type is None:
            if node.optional:
                return
            yield self._unmapped(node)
        elif es_type in ("object", "nested"):
            yield _finding(
                node,
                "error",
                "DAC403",
                f"field '{node.name}' is of type {es_type}; query one of its "
                "sub-fields instead",
            )

    def _unmapped(self, node: ast.Field) -> Finding:
        if self.complete:
            message = f"field '{node.name}' is not mapped in the rule's indexes"
        else:
            message = (
                f"field '{node.name}' is not in the shipped schemas of the rule's "
                "indexes, but an index or integration without a schema may map it"
            )
        close = difflib.get_close_matches(node.name, self._candidates(node), n=1)
        if close:
            message += f"; did you mean '{close[0]}'?"
        else:
            message += f"; fix the name, or write ?{node.name} if it may be missing"
        if self.complete:
            return _finding(node, "error", "DAC402", message)
        return _finding(node, "warning", "DAC406", message)

    def _candidates(self, node: ast.Field) -> list[str]:
        """Return mapped fields under the same top-level object, to suggest from."""
        prefix = node.name.split(".")[0] + "."
        return [name for name in self.table.fields if name.startswith(prefix)]

    def _check_pair(
        self, node: ast.Node, left: ast.Expr, right: ast.Expr, op: str
    ) -> Iterator[Finding]:
        left_family = self.family(left)
        right_family = self.family(right)
        if compatible(left_family, right_family):
            return
        yield _finding(
            node,
            "error",
            "DAC404",
            f"'{op}' compares {self.describe(left, left_family)} with "
            f"{self.describe(right, right_family)}; Elasticsearch rejects this, so "
            "compare values of the same type",
        )

    def _expect(
        self, expr: ast.Expr, expected: Family, where: str
    ) -> Iterator[Finding]:
        actual = self.family(expr)
        if actual is None or actual == "null" or actual == expected:
            return
        yield _finding(
            expr,
            "error",
            "DAC403",
            f"{where} needs {_ARTICLE.get(expected, 'a ' + expected)}, but "
            f"{self.describe(expr, actual)} is given; Elasticsearch rejects this",
        )

    def family(self, expr: ast.Expr) -> Family | None:
        """Return the family of an expression's value (None when unknown)."""
        if isinstance(expr, ast.Literal):
            return LITERAL_FAMILIES.get(expr.kind)
        if isinstance(expr, ast.Field):
            return family_of_type(self.table.type_of(expr.name))
        if isinstance(expr, ast.Arithmetic | ast.Negate):
            return "number"
        if isinstance(expr, ast.FunctionCall):
            return FUNCTION_RESULTS.get(expr.name)
        return "boolean"

    def describe(self, expr: ast.Expr, family: Family | None) -> str:
        """Name an expression and its type for a message."""
        if isinstance(expr, ast.Field):
            return f"field '{expr.name}' ({self.table.type_of(expr.name)})"
        if isinstance(expr, ast.Literal):
            return f"{expr.kind} literal {expr.value!r}"
        return f"a {family} expression"


def _op(node: ast.Match) -> str:
    if node.op == ":":
        return ":"
    return node.op + ("~" if node.case_insensitive else "")


def _finding(node: ast.Node, severity: Severity, code: str, message: str) -> Finding:
    return Finding(node.line, node.column, severity, code, message)
