"""Say why an event did not match: the leaf conditions that failed.

The test runner uses this to explain a failing case, for example
``process.parent.name == "rundll32.exe" was false: process.parent.name is
"RunDLL32.EXE"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dac.engine._expressions import ExpressionCompiler
from dac.engine._values import field_path, field_values
from dac.eql import ast


def format_expr(expr: ast.Node) -> str:
    """Render an expression back to EQL text."""
    if isinstance(expr, ast.Literal):
        if expr.value is None:
            return "null"
        if isinstance(expr.value, bool):
            return "true" if expr.value else "false"
        if isinstance(expr.value, str):
            return json.dumps(expr.value, ensure_ascii=False)
        return repr(expr.value)
    if isinstance(expr, ast.Field):
        parts = [
            p if p.replace("_", "a").isalnum() and not p[:1].isdigit() else f"`{p}`"
            for p in expr.path
        ]
        return ("?" if expr.optional else "") + ".".join(parts)
    if isinstance(expr, ast.Not):
        return f"not {_wrap(expr.operand)}"
    if isinstance(expr, ast.And):
        return f"{_wrap(expr.left, ast.Or)} and {_wrap(expr.right, ast.Or)}"
    if isinstance(expr, ast.Or):
        return f"{format_expr(expr.left)} or {format_expr(expr.right)}"
    if isinstance(expr, ast.Comparison):
        return f"{format_expr(expr.left)} {expr.op} {format_expr(expr.right)}"
    if isinstance(expr, ast.In):
        options = ", ".join(format_expr(o) for o in expr.options)
        keyword = ("not in" if expr.negated else "in") + (
            "~" if expr.case_insensitive else ""
        )
        return f"{format_expr(expr.value)} {keyword} ({options})"
    if isinstance(expr, ast.Match):
        patterns = [format_expr(p) for p in expr.patterns]
        text = patterns[0] if len(patterns) == 1 else f"({', '.join(patterns)})"
        op = expr.op if expr.op == ":" or not expr.case_insensitive else expr.op + "~"
        return f"{format_expr(expr.value)} {op} {text}"
    if isinstance(expr, ast.Arithmetic):
        left = _wrap(expr.left, ast.Arithmetic)
        right = _wrap(expr.right, ast.Arithmetic)
        return f"{left} {expr.op} {right}"
    if isinstance(expr, ast.Negate):
        return f"-{_wrap(expr.operand, ast.Arithmetic)}"
    if isinstance(expr, ast.FunctionCall):
        args = ", ".join(format_expr(a) for a in expr.args)
        return f"{expr.name}{'~' if expr.case_insensitive else ''}({args})"
    return repr(expr)


def _wrap(expr: ast.Node, *kinds: type) -> str:
    kinds = kinds or (ast.And, ast.Or)
    text = format_expr(expr)
    return f"({text})" if isinstance(expr, kinds) else text


def _fields(expr: ast.Node) -> list[ast.Field]:
    if isinstance(expr, ast.Field):
        return [expr]
    found: list[ast.Field] = []
    for child in vars(expr).values():
        children = child if isinstance(child, tuple) else (child,)
        for item in children:
            if isinstance(item, ast.Node):
                for f in _fields(item):
                    if f not in found:
                        found.append(f)
    return found


def _describe_value(values: list[Any]) -> str:
    if len(values) == 1:
        return json.dumps(values[0], ensure_ascii=False, default=str)
    return json.dumps(values, ensure_ascii=False, default=str)


class Explainer:
    """Evaluate each leaf of a condition on one event and report failures."""

    def __init__(self, field_types: Mapping[str, str] | None = None):
        self.compiler = ExpressionCompiler(field_types)

    def filter_reasons(
        self,
        event_filter: ast.EventFilter,
        event: Mapping[str, Any],
        category_field: str,
    ) -> list[str]:
        reasons = []
        if event_filter.category is not None:
            categories = field_values(event, field_path(category_field))
            if event_filter.category not in categories:
                found = "missing"
                if categories:
                    found = _describe_value(categories)
                reasons.append(
                    f"event category {json.dumps(event_filter.category)} "
                    f"did not match: {category_field} is {found}"
                )
        reasons.extend(self.reasons(event_filter.condition, event, True))
        return reasons

    def reasons(
        self, expr: ast.Expr, event: Mapping[str, Any], want: bool
    ) -> list[str]:
        """Return why ``expr`` did not evaluate to ``want`` on ``event``."""
        if isinstance(expr, ast.Not):
            return self.reasons(expr.operand, event, not want)
        if isinstance(expr, (ast.And, ast.Or)):
            # "and" wanting true and "or" wanting false fail on any child.
            every_child = isinstance(expr, ast.And) == want
            outcomes = [self._value(child, event) for child in (expr.left, expr.right)]
            if every_child:
                return [
                    reason
                    for child, got in zip(
                        (expr.left, expr.right), outcomes, strict=True
                    )
                    if got is not want
                    for reason in self.reasons(child, event, want)
                ]
            if any(got is want for got in outcomes):
                return []
            return self.reasons(expr.left, event, want) + self.reasons(
                expr.right, event, want
            )
        got = self._value(expr, event)
        if got is want:
            return []
        if got is None:
            outcome = "null"
        else:
            outcome = "true" if got else "false"
        details = []
        for node in _fields(expr):
            values = field_values(event, field_path(node.name))
            if values:
                details.append(f"{node.name} is {_describe_value(values)}")
            else:
                details.append(f"{node.name} is missing")
        text = f"{format_expr(expr)} was {outcome}"
        return [f"{text}: {'; '.join(details)}" if details else text]

    def _value(self, expr: ast.Expr, event: Mapping[str, Any]) -> bool | None:
        return self.compiler.predicate(expr)(event)
