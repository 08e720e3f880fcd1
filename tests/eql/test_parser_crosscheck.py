"""Cross-check against the `eql` package (Endgame's EQL) where both accept.

The `eql` package parses a superset of Elasticsearch's syntax with a coarser
tree, so it is no oracle for what Elasticsearch accepts. Where it does parse a
query in its Elasticsearch mode, both parsers must find the same field names
and the same decoded string constants.
"""

from __future__ import annotations

from collections import Counter

import pytest
from dac.eql import ast, fields, parse_query, walk
from test_parser_accepts import QUERIES, SUPPORTED

eql = pytest.importorskip("eql")

EXTRA = [
    'process where process.name : ("cmd.exe", "powershell.exe") and '
    'process.args : "-enc*" and not process.parent.name == "explorer.exe"',
    'file where file.path : "C:\\\\Windows\\\\*.dll" and file.extension in~ ("dll")',
    'registry where registry.path like~ "*\\\\Run\\\\*" and '
    'stringContains~(registry.data.strings, "http")',
    "sequence by host.id, user.name with maxspan=30s "
    '[authentication where event.outcome == "failure"] with runs=5 '
    '[authentication where event.outcome == "success"]',
    'network where cidrMatch(destination.ip, "10.0.0.0/8", "192.168.0.0/16") '
    "and destination.port in (445, 3389)",
    'process where process.command_line regex~ ".*\\\\temp\\\\.*" and '
    'endsWith~(process.executable, ".exe")',
    'any where event.dataset == "okta.system" and okta.actor.alternate_id != null',
    "process where length(process.args) > 2 and process.args_count >= 3 and "
    '?process.Ext.token.integrity_level_name == "high"',
]


def _theirs(text: str) -> object | None:
    from eql.parser import elasticsearch_syntax, ignore_missing_functions

    try:
        with elasticsearch_syntax, ignore_missing_functions:
            return eql.parse_query(text)
    except eql.EqlError:
        return None


def _their_fields(tree: object) -> set[str]:
    # eql renders a name that needs quoting with its backquotes.
    return {
        node.render().replace("`", "")
        for node in tree
        if isinstance(node, eql.ast.Field)
    }


def _their_strings(tree: object) -> Counter:
    return Counter(node.value for node in tree if isinstance(node, eql.ast.String))


def _our_strings(tree: ast.Node) -> Counter:
    return Counter(
        node.value
        for node in walk(tree)
        if isinstance(node, ast.Literal) and node.kind == "string"
    )


CANDIDATES = [case[1] for case in QUERIES] + SUPPORTED + EXTRA


def test_crosscheck_fields_and_strings() -> None:
    compared = 0
    for text in CANDIDATES:
        theirs = _theirs(text)
        if theirs is None:
            continue
        ours = parse_query(text)
        assert {field.name for field in fields(ours)} == _their_fields(theirs), text
        # eql rewrites the CIDR blocks of cidrMatch to their network address.
        if "cidrMatch" not in text:
            assert _our_strings(ours) == _their_strings(theirs), text
        compared += 1
    assert compared >= 30, f"only {compared} queries compared"
