"""Rule test cases: the ``.tests.yaml`` format, backends and the case runner.

Each rule carries cases beside it: events that must alert and near misses
that must not. :func:`run_cases` builds each case's events with the event
factory, runs the rule on a :class:`Backend` and compares the alerts with
the case's expectation, explaining any difference.
"""

from dac.testing.backend import Alert, Backend, EmbeddedBackend, get_backend
from dac.testing.cases import (
    Case,
    CaseFile,
    Expectation,
    case_file_for,
    load_case_file,
    parse_case_file,
)
from dac.testing.runner import CaseResult, RuleCases, load_rule_cases, run_cases

__all__ = [
    "Alert",
    "Backend",
    "Case",
    "CaseFile",
    "CaseResult",
    "EmbeddedBackend",
    "Expectation",
    "RuleCases",
    "case_file_for",
    "get_backend",
    "load_case_file",
    "load_rule_cases",
    "parse_case_file",
    "run_cases",
]
