"""Short constructors for expected syntax trees in the parser tests."""

from __future__ import annotations

from dac.eql import ast


def field(name: str, *, optional: bool = False) -> ast.Field:
    """Return a Field for a dotted name without backquotes."""
    return ast.Field(tuple(name.split(".")), optional=optional)


def string(value: str, *, raw: bool = False) -> ast.Literal:
    return ast.Literal(value, "string", raw=raw)


def integer(value: int) -> ast.Literal:
    return ast.Literal(value, "integer")


def long(value: int) -> ast.Literal:
    return ast.Literal(value, "long")


def double(value: float) -> ast.Literal:
    return ast.Literal(value, "double")


def boolean(value: bool) -> ast.Literal:
    return ast.Literal(value, "boolean")


NULL = ast.Literal(None, "null")
TRUE = boolean(True)


def eq(left: ast.Expr, right: ast.Expr) -> ast.Comparison:
    return ast.Comparison("==", left, right)


def event(category: str | None, condition: ast.Expr = TRUE) -> ast.EventFilter:
    return ast.EventFilter(category, condition)


def event_query(
    category: str | None, condition: ast.Expr = TRUE, *pipes: ast.Pipe
) -> ast.Query:
    return ast.Query(ast.EventQuery(event(category, condition)), tuple(pipes))
