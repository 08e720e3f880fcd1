"""Read test-case YAML safely and keep the position of every value.

Test-case files arrive in pull requests, so the reader rejects what a small
file could use to exhaust memory or the stack. It rejects anchors and
aliases, because a file of under 1 KiB with nested aliases expands to
gigabytes (the "billion laughs" attack). It also rejects nesting deeper than
:data:`MAX_CASE_NESTING`. The YAML is composed into nodes first, so errors
found later in the data can be placed at a line and column of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

# Hand-written cases nest a few levels (cases -> case -> events -> event ->
# values); deeper data is not a test case.
MAX_CASE_NESTING = 64


class CaseYamlError(Exception):
    """The text is not YAML this reader accepts; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _CaseLoader(yaml.SafeLoader):
    """A safe loader that rejects anchors, aliases and deep nesting."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise CaseYamlError(
                "YAML anchors and aliases (&name, *name, <<: *name) are not "
                "allowed in test-case files; write each value out, or put shared "
                "fields under defaults:",
                event.start_mark.line + 1,
                event.start_mark.column + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_CASE_NESTING:
                raise CaseYamlError(
                    f"values nested deeper than {MAX_CASE_NESTING} levels; a "
                    "test case does not nest that deep",
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class CaseDocument:
    """Parsed YAML: the data and the node tree it was built from (None if empty)."""

    data: Any
    node: yaml.Node | None

    def position(self, path: list[Any], key: str | None = None) -> tuple[int, int]:
        """Return the 1-based line and column of the value at ``path``.

        With ``key``, return the position of that key in the mapping at
        ``path``. Falls back to the nearest enclosing node that exists.
        """
        node = self.node
        if node is None:
            return 1, 1
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        if key is not None and isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.value == key:
                    node = key_node
                    break
        return node.start_mark.line + 1, node.start_mark.column + 1


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == str(part):
                return value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part]
    return None


def read_case_yaml(text: str) -> CaseDocument:
    """Parse ``text`` with the restricted loader.

    Raises :class:`CaseYamlError` for invalid YAML, anchors or aliases, and
    nesting deeper than :data:`MAX_CASE_NESTING`.
    """
    loader = _CaseLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        where = f" at line {line}, column {column}" if mark else ""
        raise CaseYamlError(f"invalid YAML{where}: {problem}", line, column) from exc
    except yaml.YAMLError as exc:
        raise CaseYamlError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise CaseYamlError(
            "values nested too deeply for the YAML reader; a test case does not "
            "nest that deep"
        ) from exc
    finally:
        loader.dispose()
    return CaseDocument(data, node)
