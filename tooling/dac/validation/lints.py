"""Lints: queries Elasticsearch accepts but that likely miss events or run slowly.

Every lint is a warning, so it never fails a build on its own.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from dac.diagnostics import Diagnostic
from dac.eql import ast
from dac.rules import Rule
from dac.validation.context import ValidationContext
from dac.validation.positions import query_position
from dac.validation.types import STRING_TYPES, walk

# Windows file systems and the registry ignore case, so these values arrive
# in whatever case the caller used (CMD.EXE, cmd.exe, Cmd.Exe).
CASE_VARYING_FIELDS = frozenset(
    {
        "process.name",
        "process.executable",
        "process.working_directory",
        "process.pe.original_file_name",
        "process.parent.name",
        "process.parent.executable",
        "process.parent.pe.original_file_name",
        "file.name",
        "file.path",
        "file.extension",
        "file.pe.original_file_name",
        "dll.name",
        "dll.path",
        "dll.pe.original_file_name",
        "registry.path",
        "registry.key",
        "registry.value",
    }
)

# Index patterns whose documents come only from Windows hosts.
WINDOWS_INDEX_PATTERNS = (
    "winlogbeat-*",
    "logs-windows.*",
    "logs-system.security*",
    "logs-system.system*",
    "logs-windows.sysmon_operational-*",
)
WINDOWS_TAGS = frozenset({"OS: Windows"})


def is_windows_rule(rule: Rule) -> bool:
    """Return whether the rule targets Windows by tag or by index pattern."""
    if WINDOWS_TAGS.intersection(rule.tags):
        return True
    return any(
        fnmatch.fnmatchcase(pattern, windows) or pattern == windows
        for pattern in rule.index
        for windows in WINDOWS_INDEX_PATTERNS
    )


def check_case_sensitive(
    rule: Rule, context: ValidationContext
) -> Iterator[Diagnostic]:
    """Warn about ``==``/``in`` on Windows fields whose case varies (DAC501)."""
    tree = _tree(rule, context)
    if tree is None or not is_windows_rule(rule):
        return
    for node in walk(tree):
        field = _case_sensitive_target(node)
        if field is None or field.name not in CASE_VARYING_FIELDS:
            continue
        if isinstance(node, ast.In):
            spelling = "not in" if node.negated else "in"
            fix = "not in~" if node.negated else "in~"
        else:
            spelling = node.op
            fix = ":" if node.op == "==" else f"not {field.name} : ..."
        yield _warning(
            rule,
            node,
            "DAC501",
            f"'{spelling}' on {field.name} is case-sensitive, but Windows "
            f"writes this value in varying case; use '{fix}' instead",
        )


def _case_sensitive_target(node: ast.Node) -> ast.Field | None:
    if isinstance(node, ast.Comparison) and node.op in ("==", "!="):
        pairs = ((node.left, node.right), (node.right, node.left))
        for field, value in pairs:
            if isinstance(field, ast.Field) and _is_string(value):
                return field
    if isinstance(node, ast.In) and not node.case_insensitive:
        if isinstance(node.value, ast.Field) and any(map(_is_string, node.options)):
            return node.value
    return None


def check_windows_guard(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Warn when a Windows rule does not filter on host.os.type (DAC502).

    A mixed index such as ``logs-endpoint.events.process-*`` holds Linux and
    macOS events too, and the guard lets Elasticsearch skip them early.
    """
    tree = _tree(rule, context)
    if tree is None or not is_windows_rule(rule):
        return
    if any(_is_windows_guard(node) for node in walk(tree)):
        return
    line, column = query_position(rule, tree.line, tree.column)
    yield Diagnostic(
        str(rule.path),
        line,
        column,
        "warning",
        "DAC502",
        'Windows rule without a host.os.type guard; add host.os.type == "windows"'
        " to the query",
        rule.rule_id,
    )


def _is_windows_guard(node: ast.Node) -> bool:
    if isinstance(node, ast.Comparison) and node.op == "==":
        operands = (node.left, node.right)
    elif isinstance(node, ast.Match):
        operands = (node.value, *node.patterns)
    elif isinstance(node, ast.In) and not node.negated:
        operands = (node.value, *node.options)
    else:
        return False
    has_field = any(
        isinstance(o, ast.Field) and o.name == "host.os.type" for o in operands
    )
    has_value = any(
        isinstance(o, ast.Literal)
        and isinstance(o.value, str)
        and o.value.lower() == "windows"
        for o in operands
    )
    return has_field and has_value


def check_maxspan(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Warn about a sequence without ``maxspan`` (DAC503).

    Without it, a partial match waits for its next step for the whole
    look-back window, which costs memory and joins unrelated events.
    """
    tree = _tree(rule, context)
    if tree is None or not isinstance(tree.body, ast.Sequence):
        return
    if tree.body.maxspan is not None:
        return
    yield _warning(
        rule,
        tree.body,
        "DAC503",
        "sequence without maxspan; add 'with maxspan=<time>' (such as 1m) "
        "so unrelated events are not joined",
    )


def check_leading_wildcard(
    rule: Rule, context: ValidationContext
) -> Iterator[Diagnostic]:
    """Warn about patterns starting with a wildcard on keyword fields (DAC504).

    Elasticsearch must scan every term of a keyword field for such a pattern;
    the wildcard field type (``*.command_line``) is built for it.
    """
    tree = _tree(rule, context)
    if tree is None:
        return
    table = _table(rule, context)
    for node in walk(tree):
        if not isinstance(node, ast.Match) or node.op == "regex":
            continue
        if not isinstance(node.value, ast.Field):
            continue
        es_type = table.type_of(node.value.name) if table is not None else None
        if es_type is None or es_type == "wildcard" or es_type not in STRING_TYPES:
            continue
        leading = [
            p.value
            for p in node.patterns
            if isinstance(p.value, str) and p.value[:1] in ("*", "?")
        ]
        if leading:
            yield _warning(
                rule,
                node,
                "DAC504",
                f"pattern {leading[0]!r} on keyword field {node.value.name} "
                "starts with a wildcard, which scans every term; anchor the "
                "pattern or match a wildcard-typed field",
            )


def _tree(rule: Rule, context: ValidationContext) -> ast.Query | None:
    parsed = context.parsed_query(rule)
    if parsed is None:
        return None
    return parsed.tree


def _table(rule: Rule, context: ValidationContext):
    if not rule.index:
        return None
    schema = context.index_schema(rule.index)
    return getattr(schema, "table", None)


def _is_string(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.Literal) and expr.kind == "string"


def _warning(rule: Rule, node: ast.Node, code: str, message: str) -> Diagnostic:
    line, column = query_position(rule, node.line, node.column)
    return Diagnostic(
        str(rule.path), line, column, "warning", code, message, rule.rule_id
    )
