"""Elasticsearch EQL: parser, syntax tree and tree traversal.

``parse_query`` and ``parse_expression`` accept what Elasticsearch 8.x/9.x
accepts and raise EqlSyntaxError or EqlSemanticError (from ``dac.errors``)
with a line and column for the rest.
"""

from dac.eql.parser import parse_expression, parse_query
from dac.eql.traversal import fields, walk

__all__ = ["fields", "parse_expression", "parse_query", "walk"]
