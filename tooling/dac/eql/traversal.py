"""Iterate over the nodes of an EQL syntax tree."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from dac.eql import ast


def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Yield ``node`` and every node below it, parents before children.

    Siblings come in source order, because the tree stores some of them apart
    (a sequence keeps its ``by`` keys after its steps). The walk uses an
    explicit stack, so deeply nested queries cannot exhaust Python's recursion
    limit.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = sorted(_children(current), key=_start)
        stack.extend(reversed(children))


def fields(node: ast.Node) -> Iterator[ast.Field]:
    """Yield every field reference under ``node``, in source order."""
    for item in walk(node):
        if isinstance(item, ast.Field):
            yield item


def _start(node: ast.Node) -> tuple[int, int]:
    return node.line, node.column


def _children(node: ast.Node) -> Iterator[ast.Node]:
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
