"""Checks of ``regex`` and ``regex~`` patterns, which use Lucene's syntax.

Codes:
  DAC407  a pattern is not a valid Lucene regular expression, or is beyond
          the embedded engine's limits (over 4096 characters, a repeat
          count above 1000)
  DAC505  a pattern starts with ``^`` or ends with ``$`` as if they were
          anchors. Lucene treats both as literal characters, and a pattern
          always matches the whole value.
"""

from __future__ import annotations

from collections.abc import Iterator

from dac.diagnostics import Diagnostic, Severity
from dac.engine import check_regex
from dac.eql import ast
from dac.rules import Rule
from dac.validation.context import ValidationContext
from dac.validation.positions import query_position
from dac.validation.types import walk


def check_syntax(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Report each ``regex`` pattern that Lucene's parser rejects (DAC407)."""
    for pattern in _regex_patterns(rule, context):
        problem = check_regex(pattern.value)
        if problem is None:
            continue
        yield _diagnostic(
            rule,
            pattern,
            "error",
            "DAC407",
            f"invalid regular expression {_quote(pattern.value)}: {problem}; "
            "regex patterns use Lucene syntax, not PCRE",
        )


def check_anchors(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Warn about ``^`` and ``$`` written as anchors in a ``regex`` pattern (DAC505)."""
    for pattern in _regex_patterns(rule, context):
        text = pattern.value
        if check_regex(text) is not None:
            continue
        found = []
        if text.startswith("^"):
            found.append("starts with '^'")
        if text.endswith("$") and not _escaped(text, len(text) - 1):
            found.append("ends with '$'")
        if not found:
            continue
        yield _diagnostic(
            rule,
            pattern,
            "warning",
            "DAC505",
            f"regex pattern {_quote(text)} {' and '.join(found)}, which Lucene "
            "matches as a literal character, not an anchor; a pattern always "
            "matches the whole value, so remove it, or escape it with a backslash to "
            "match the character itself",
        )


def _regex_patterns(rule: Rule, context: ValidationContext) -> Iterator[ast.Literal]:
    if rule.language != "eql":
        return
    parsed = context.parsed_query(rule)
    if parsed is None or parsed.tree is None:
        return
    for node in walk(parsed.tree):
        if not isinstance(node, ast.Match) or node.op != "regex":
            continue
        for pattern in node.patterns:
            if isinstance(pattern.value, str):
                yield pattern


def _escaped(text: str, index: int) -> bool:
    """Return whether an odd number of backslashes precede ``text[index]``."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _quote(text: str, limit: int = 60) -> str:
    quoted = repr(text)
    return quoted if len(quoted) <= limit else f"{quoted[: limit - 3]}..."


def _diagnostic(
    rule: Rule, pattern: ast.Literal, severity: Severity, code: str, message: str
) -> Diagnostic:
    line, column = query_position(rule, pattern.line, pattern.column)
    return Diagnostic(
        str(rule.path), line, column, severity, code, message, rule.rule_id
    )
