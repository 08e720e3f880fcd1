"""pySigma's EQL backend, adjusted to Elasticsearch's semantics.

The stock backend writes Sigma regexes verbatim (PCRE, unanchored) after a
case-insensitive ``regex~`` and wraps every query in ``any where``. This
subclass translates each regex to an anchored Lucene pattern, keeps Sigma's
case-sensitivity (``regex`` unless the rule uses ``(?i)`` or the ``i``
flag), compares numbers with ``==`` and lists of numbers with ``in``, and
returns the bare condition so the importer can put it under the log
source's own event filter.
"""

from __future__ import annotations

from typing import Any

from sigma.backends.elasticsearch import EqlBackend
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionOR,
)
from sigma.conversion.state import ConversionState
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
)

from dac.importers.sigma.regex import UnsupportedRegexError, translate


class SigmaConversionError(ValueError):
    """A Sigma construct has no faithful EQL equivalent, named in the message."""


class ElasticEqlBackend(EqlBackend):
    """EQL backend whose output means in Elasticsearch what the Sigma rule means."""

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        value = cond.value
        if not isinstance(value, SigmaRegularExpression):
            raise SigmaConversionError("regex modifier without a regex value")
        unsupported = value.flags - {SigmaRegularExpressionFlag.IGNORECASE}
        if unsupported:
            names = ", ".join(sorted(flag.name.lower() for flag in unsupported))
            raise SigmaConversionError(
                f"field {cond.field}: regex flag {names} has no Lucene equivalent"
            )
        try:
            lucene = translate(_regex_text(value))
        except UnsupportedRegexError as exc:
            raise SigmaConversionError(
                f"field {cond.field}: regex {_regex_text(value)!r} uses {exc}, "
                "which Lucene's RegExp syntax does not support"
            ) from exc
        insensitive = (
            lucene.case_insensitive
            or SigmaRegularExpressionFlag.IGNORECASE in value.flags
        )
        operator = "regex~" if insensitive else "regex"
        field = self.escape_and_quote_field(cond.field)
        return f"{field} {operator} {_eql_string(lucene.pattern)}"

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return f"{self.escape_and_quote_field(cond.field)} == {cond.value}"

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        # The stock backend writes a list of numbers as `field like~ (4444, 8080)`,
        # and `like~` takes strings only. A list of numbers becomes `in`; a list
        # that mixes numbers and strings stays a chain of `or`.
        if not super().decide_convert_condition_as_in_expression(cond, state):
            return False
        numbers = [arg for arg in cond.args if isinstance(arg.value, SigmaNumber)]
        if not numbers:
            return True
        return isinstance(cond, ConditionOR) and len(numbers) == len(cond.args)

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> Any:
        args = cond.args
        if not all(isinstance(arg.value, SigmaNumber) for arg in args):
            return super().convert_condition_as_in_expression(cond, state)
        field = self.escape_and_quote_field(args[0].field)
        values = ", ".join(str(arg.value) for arg in args)
        return f"{field} in ({values})"

    def finalize_query_default(
        self, rule: SigmaRule, query: str, index: int, state: ConversionState
    ) -> str:
        return query


def _eql_string(text: str) -> str:
    """Quote ``text`` as an EQL double-quoted string literal."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _regex_text(value: SigmaRegularExpression) -> str:
    """Return the regex as written in the rule; pySigma wraps it in a SigmaString."""
    regexp = value.regexp
    original = getattr(regexp, "original", None)
    return original if isinstance(original, str) else str(regexp)
