"""Validation must turn any well-formed TOML into diagnostics, never an exception."""

import copy

import pytest
from conftest import make_rule
from dac.rules import Rule
from dac.validation import validate_rules

ODD_VALUES = [1, -1, 1.5, "x", "", True, [], [1], ["x"], {}, {"a": 1}, [{"a": 1}]]


def _key_paths(data, prefix=()):
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _key_paths(value, (*prefix, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _key_paths(value[0], (*prefix, key, 0))


def _replace(data, path, value):
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _rule_errors(diagnostics):
    """Return the errors other than test-case presence (DAC6xx)."""
    return [
        d
        for d in diagnostics
        if d.severity == "error" and not d.code.startswith("DAC6")
    ]


BASE = make_rule()
PATHS = list(_key_paths(BASE.data))


@pytest.mark.parametrize("path", PATHS, ids=[".".join(map(str, p)) for p in PATHS])
def test_odd_values_never_raise(path):
    for value in ODD_VALUES:
        data = copy.deepcopy(BASE.data)
        _replace(data, path, value)
        rule = Rule(path=BASE.path, data=data, lines=BASE.lines, source=BASE.source)
        diagnostics = validate_rules([rule])
        assert all(d.path == "rule.toml" for d in diagnostics)


def test_deep_parentheses_are_accepted():
    depth = 5000
    query = "process where " + "(" * depth + "true" + ")" * depth
    diagnostics = validate_rules([make_rule(query=query)])
    assert _rule_errors(diagnostics) == []


def test_deep_negation_never_raises():
    query = "process where " + "not " * 5000 + "true"
    diagnostics = validate_rules([make_rule(query=query)])
    errors = _rule_errors(diagnostics)
    # Either the tree is built and checked, or the depth is reported.
    assert all("nests too deeply" in d.message for d in errors)


def test_long_query_is_checked():
    conditions = " or ".join(f'process.name : "p{i}.exe"' for i in range(2000))
    rule = make_rule(
        query=f'process where host.os.type == "windows" and ({conditions})'
    )
    diagnostics = validate_rules([rule])
    assert _rule_errors(diagnostics) == []
