"""Query checks: the EQL query parses and fits the fields of its index patterns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dac.diagnostics import Diagnostic, Severity
from dac.eql import ast
from dac.errors import EqlSyntaxError
from dac.rules import Rule
from dac.validation.context import ValidationContext
from dac.validation.positions import query_position
from dac.validation.typecheck import TypeChecker

QUERY_LANGUAGES = ("eql", "kuery", "lucene", "esql")

# Fleet packages whose fields the shipped tables describe. Another package
# named in metadata.integration (problemchild, for one) can add mappings to
# the same indexes, so a field missing from the tables is then a warning.
TABLE_PACKAGES = frozenset({"endpoint", "windows"})


def check_language(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Warn that queries in languages other than EQL are not checked (DAC411)."""
    language = rule.language
    if language in QUERY_LANGUAGES and language != "eql" and rule.query is not None:
        yield _at_key(
            rule,
            ("rule", "language"),
            "warning",
            "DAC411",
            f"query language '{language}' is not supported by dac validate; "
            "the metadata was checked but the query was not",
        )


def check_syntax(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Report a query that fails to parse or that the parser rejects (DAC400/401)."""
    parsed = context.parsed_query(rule)
    if parsed is None or parsed.error is None:
        return
    error = parsed.error
    line, column = query_position(rule, error.line, error.column)
    code = "DAC400" if isinstance(error, EqlSyntaxError) else "DAC401"
    kind = "syntax error" if code == "DAC400" else "invalid query"
    yield Diagnostic(
        str(rule.path),
        line,
        column,
        "error",
        code,
        f"EQL {kind}: {error.message}",
        rule.rule_id,
    )


def check_fields(rule: Rule, context: ValidationContext) -> Iterator[Diagnostic]:
    """Check fields and types against the rule's index schema (DAC402-406, DAC410)."""
    if rule.language != "eql" or not rule.index:
        return
    schema = context.index_schema(rule.index)
    if schema is None:
        return
    yield from _unknown_patterns(rule, schema)
    parsed = context.parsed_query(rule)
    if parsed is None or parsed.tree is None:
        return
    table = getattr(schema, "table", None)
    if table is None:
        return
    complete = not getattr(schema, "unknown", ()) and not _extra_packages(rule)
    checker = TypeChecker(table, complete=complete)
    for finding in checker.check(parsed.tree):
        line, column = query_position(rule, finding.line, finding.column)
        yield Diagnostic(
            str(rule.path),
            line,
            column,
            finding.severity,
            finding.code,
            finding.message,
            rule.rule_id,
        )
    if rule.rule.get("event_category_override"):
        return
    yield from _categories(rule, schema, parsed.tree)


def _extra_packages(rule: Rule) -> set[str]:
    """Return the rule's integration packages that the shipped tables do not cover."""
    packages = rule.metadata.get("integration")
    if isinstance(packages, str):
        packages = [packages]
    if not isinstance(packages, list):
        return set()
    return {p for p in packages if isinstance(p, str)} - TABLE_PACKAGES


def _unknown_patterns(rule: Rule, schema: Any) -> Iterator[Diagnostic]:
    unknown = list(getattr(schema, "unknown", ()) or ())
    if not unknown:
        return
    listed = ", ".join(unknown)
    yield _at_key(
        rule,
        ("rule", "index"),
        "warning",
        "DAC410",
        f"no field schema ships for index pattern(s) {listed}; fields that only "
        "those indexes map cannot be checked",
    )


def _categories(rule: Rule, schema: Any, tree: ast.Query) -> Iterator[Diagnostic]:
    """Warn about an event category that none of the indexes contains (DAC405).

    Elasticsearch accepts such a query, which then never matches, so this is
    a warning.
    """
    known = getattr(schema, "categories", None)
    if not known or getattr(schema, "unknown", ()):
        return
    for event_filter in _filters(tree):
        category = event_filter.category
        if category is None or category in known:
            continue
        line, column = query_position(rule, event_filter.line, event_filter.column)
        expected = ", ".join(sorted(known))
        yield Diagnostic(
            str(rule.path),
            line,
            column,
            "warning",
            "DAC405",
            f"event category '{category}' is not in the rule's indexes "
            f"(they hold: {expected}); fix the category or add the index",
            rule.rule_id,
        )


def _filters(tree: ast.Query) -> Iterator[ast.EventFilter]:
    body = tree.body
    if isinstance(body, ast.EventQuery):
        yield body.filter
    elif isinstance(body, ast.Sequence):
        for term in body.terms:
            yield term.filter
        if body.until is not None:
            yield body.until.filter
    elif isinstance(body, ast.Sample):
        for term in body.terms:
            yield term.filter


def _at_key(
    rule: Rule,
    path: tuple[str | int, ...],
    severity: Severity,
    code: str,
    message: str,
) -> Diagnostic:
    line = rule.line_of(*path)
    return Diagnostic(str(rule.path), line, 1, severity, code, message, rule.rule_id)
