"""Generate test cases for an imported Sigma rule.

The generator reads the converted query's condition and searches for field
values that make it true: a value for each pattern a selection needs, and
for each filter (``not``) a value that stays outside it. It writes one
alerting case per satisfiable branch of the top-level ``or`` (at most a few).
It adds a near miss, where one selection value is changed so the rule must
stay quiet. It also adds an event of the same category that the log source's
event filter must exclude, such as a process end or a registry query. Every
case is then run on the embedded engine with the test runner, and a rule
whose cases do not behave as generated is rejected.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dac.engine import compile_query, shortest_match
from dac.eql import ast, parse_query
from dac.errors import DacError, EqlError

if TYPE_CHECKING:
    from dac.importers.sigma.convert import ConvertedRule

Assignment = dict[str, Any]

MAX_ALERT_CASES = 3
_MAX_CANDIDATES = 200

# Values that stand in for "something ordinary" when a filter must stay false.
_NEUTRAL_VALUES: dict[str, tuple[Any, ...]] = {
    "process.executable": (
        "C:\\Program Files\\Contoso\\app.exe",
        "C:\\Windows\\System32\\notepad.exe",
        # Outside Program Files and System32, which many Sigma filters exclude.
        "D:\\Tools\\Contoso\\app.exe",
    ),
    "process.parent.executable": (
        "C:\\Windows\\explorer.exe",
        "C:\\Program Files\\Contoso\\launcher.exe",
    ),
    "process.command_line": (
        '"C:\\Program Files\\Contoso\\app.exe" --report',
        "app.exe",
    ),
    "process.parent.command_line": ("C:\\Windows\\Explorer.EXE", "launcher.exe /s"),
    "process.pe.original_file_name": ("app.exe", "notepad.exe"),
    "process.working_directory": ("C:\\Users\\Public\\", "D:\\work\\"),
    "user.name": ("jdoe", "svc_report"),
    "host.name": ("WKS-0042", "SRV-7"),
    "network.direction": ("ingress", "egress"),
}
_NEUTRAL_TEXT = ("contoso-report", "ordinary value 7")
_NEUTRAL_NUMBER = (4242, 7)
# Both documentation and private ranges, so a cidrMatch selection finds a
# match and a filter finds an address outside it.
_NEUTRAL_IP = ("198.51.100.7", "10.1.2.3", "192.168.1.20", "172.16.0.5", "127.0.0.1")
_NEUTRAL_PORT = (8443, 445)
_IP_FIELDS = ("destination.ip", "source.ip")


class CaseGenerationError(DacError):
    """No set of events could be found that makes the rule behave as required."""


def generate_cases(converted: ConvertedRule) -> dict[str, Any]:
    """Return the ``.tests.yaml`` document for a converted rule.

    Raises :class:`CaseGenerationError` when no alerting event or near miss
    can be found, or when the generated cases fail on the embedded engine.
    """
    query = parse_query(converted.query)
    condition = query.body.filter.condition
    guard, selection = _split_guard(condition)

    alerting = _alerting_assignments(selection)
    if not alerting:
        raise CaseGenerationError("no event satisfies the detection")
    cases = []
    for number, assignment in enumerate(alerting, start=1):
        cases.append(_case(f"selection matches ({number})", assignment, True))
    near_miss = _near_miss(selection, alerting[0])
    if near_miss is None:
        raise CaseGenerationError("no near miss found: every change still alerts")
    cases.append(_case("near miss: a selection value differs", near_miss, False))
    log_source = converted.log_source
    cases = [_in_log_source(case, log_source.case_event) for case in cases]
    excluded = dict(alerting[0], **log_source.excluded_event)
    cases.append(_case(log_source.excluded_name, excluded, False))
    document = {"cases": cases}
    _verify(converted, document)
    return document


def _case(name: str, assignment: Assignment, alert: bool) -> dict[str, Any]:
    event = {"host.os.type": "windows", **assignment}
    return {"name": name, "events": [event], "expect": {"alert": alert}}


def _in_log_source(case: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    # The log source's fields go first so the event's own values still win.
    case["events"] = [{**fields, **event} for event in case["events"]]
    return case


def _split_guard(condition: ast.Expr) -> tuple[list[ast.Expr], ast.Expr]:
    # The query is "<guard> and <guard> and (<selection>)": And nodes nest to
    # the left, so the selection is the right operand of the outermost And.
    if not isinstance(condition, ast.And):
        return [], condition
    guard = []
    left: ast.Expr = condition.left
    while isinstance(left, ast.And):
        guard.append(left.right)
        left = left.left
    guard.append(left)
    return guard, condition.right


def _alerting_assignments(selection: ast.Expr) -> list[Assignment]:
    """Return up to MAX_ALERT_CASES assignments, from different ``or`` branches."""
    branches = list(_or_branches(selection))
    found: list[Assignment] = []
    for branch in branches:
        for assignment in itertools.islice(_satisfy(branch, True, {}), _MAX_CANDIDATES):
            if _holds(selection, assignment):
                if assignment not in found:
                    found.append(assignment)
                break
        if len(found) >= MAX_ALERT_CASES:
            break
    return found


def _or_branches(expr: ast.Expr) -> Iterator[ast.Expr]:
    if isinstance(expr, ast.Or):
        yield from _or_branches(expr.left)
        yield from _or_branches(expr.right)
    else:
        yield expr


def _near_miss(selection: ast.Expr, assignment: Assignment) -> Assignment | None:
    for field in assignment:
        for value in _neutral_values(field):
            changed = dict(assignment, **{field: value})
            if not _holds(selection, changed):
                return changed
    return None


def _satisfy(
    expr: ast.Expr, want: bool, assignment: Assignment
) -> Iterator[Assignment]:
    """Yield extensions of ``assignment`` under which ``expr`` evaluates to ``want``."""
    if isinstance(expr, ast.Not):
        yield from _satisfy(expr.operand, not want, assignment)
    elif isinstance(expr, ast.And | ast.Or):
        both = isinstance(expr, ast.And) == want
        if both:
            for partial in _satisfy(expr.left, want, assignment):
                yield from _satisfy(expr.right, want, partial)
        else:
            yield from _satisfy(expr.left, want, assignment)
            yield from _satisfy(expr.right, want, assignment)
    else:
        yield from _satisfy_leaf(expr, want, assignment)


def _satisfy_leaf(
    expr: ast.Expr, want: bool, assignment: Assignment
) -> Iterator[Assignment]:
    names = sorted({f.name for f in _fields(expr)})
    unassigned = [name for name in names if name not in assignment]
    if not unassigned:
        if _holds(expr, assignment) == want:
            yield assignment
        elif want and len(names) == 1:
            # Another condition already set this field: extend its value so
            # both hold (two "contains" on one command line, for example).
            name = names[0]
            for value in _combined(expr, name, assignment[name]):
                extended = dict(assignment, **{name: value})
                if _holds(expr, extended):
                    yield extended
        return
    if len(unassigned) > 1:
        return
    name = unassigned[0]
    candidates = _candidates(expr, name) if want else ()
    for value in itertools.islice(
        itertools.chain(candidates, _neutral_values(name)), _MAX_CANDIDATES
    ):
        extended = dict(assignment, **{name: value})
        if _holds(expr, extended) == want:
            yield extended


def _fields(expr: ast.Node) -> Iterator[ast.Field]:
    from dac.eql import fields

    return fields(expr)


def _neutral_values(name: str) -> tuple[Any, ...]:
    if name.endswith((".pid", ".ppid")):
        return _NEUTRAL_NUMBER
    if name.endswith(".port"):
        return _NEUTRAL_PORT
    if name in _IP_FIELDS:
        return _NEUTRAL_IP
    return _NEUTRAL_VALUES.get(name, _NEUTRAL_TEXT)


def _candidates(expr: ast.Expr, name: str) -> Iterator[Any]:
    """Yield values for ``name`` that are likely to make the leaf true."""
    if isinstance(expr, ast.Match) and expr.op == "regex":
        for pattern in expr.patterns:
            if isinstance(pattern.value, str):
                example = shortest_match(pattern.value)
                if example is not None:
                    yield example
    elif isinstance(expr, ast.Match):
        for pattern in expr.patterns:
            if isinstance(pattern.value, str):
                yield from _from_wildcard(pattern.value, name)
    elif isinstance(expr, ast.In):
        for option in expr.options:
            if isinstance(option, ast.Literal) and option.value is not None:
                yield option.value
    elif isinstance(expr, ast.Comparison):
        for side in (expr.left, expr.right):
            if isinstance(side, ast.Literal) and side.value is not None:
                yield side.value
                if isinstance(side.value, int | float):
                    yield side.value + 1
                    yield side.value - 1


def _combined(expr: ast.Expr, name: str, current: Any) -> Iterator[str]:
    """Yield values that keep ``current`` and add what the pattern needs.

    Which order works depends on the other conditions on the field (an
    "ends with" wants the new text before, a "starts with" after), so both
    orders are offered and the caller checks the whole condition.
    """
    if not isinstance(current, str) or not isinstance(expr, ast.Match):
        return
    if expr.op == "regex":
        # A translated Sigma regex matches anywhere (".*x.*"), so the current
        # value can stand before or after an example of it.
        for pattern in expr.patterns:
            example = shortest_match(pattern.value) if pattern.value else None
            if example is not None:
                yield from (current + " " + example, example + " " + current)
        return
    for pattern in expr.patterns:
        if not isinstance(pattern.value, str):
            continue
        text = pattern.value
        inner = _fill(text.strip("*"), "", "", " ")
        if text.startswith("*") and text.endswith("*"):
            yield from (inner + current, current + inner)
            yield from (inner + " " + current, current + " " + inner)
        elif text.startswith("*"):
            yield current + inner
        elif text.endswith("*"):
            yield inner + current


def _from_wildcard(pattern: str, name: str) -> Iterator[str]:
    """Instantiate a ``*``/``?`` pattern with realistic filler, then with none."""
    if name == "registry.path":
        lead = "HKLM"
    elif "executable" in name or name.endswith(".path"):
        lead = "C:\\Windows\\System32"
    else:
        lead = "cmd.exe /c "
    for filler in ((lead, " x", " "), ("", "", "")):
        yield _fill(pattern, *filler)


def _fill(pattern: str, lead: str, trail: str, middle: str) -> str:
    # Elasticsearch's EQL wildcards have no escape: a backslash is literal.
    out = []
    last = len(pattern) - 1
    for i, char in enumerate(pattern):
        if char == "*":
            if i == 0:
                out.append(lead)
            elif i == last:
                out.append(trail)
            else:
                out.append(middle)
        elif char == "?":
            out.append("a")
        else:
            out.append(char)
    return "".join(out)


def _holds(expr: ast.Expr, assignment: Assignment) -> bool:
    compiled = _compile_leaf(expr)
    document: dict[str, Any] = {"@timestamp": "2024-01-01T00:00:00.000Z"}
    for name, value in assignment.items():
        node = document
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    try:
        return any(True for _ in compiled.run([document]))
    except DacError:
        return False


@lru_cache(maxsize=4096)
def _compile_leaf(expr: ast.Expr) -> Any:
    query = ast.Query(
        body=ast.EventQuery(filter=ast.EventFilter(category=None, condition=expr))
    )
    try:
        return compile_query(query)
    except EqlError as exc:
        raise CaseGenerationError(f"cannot evaluate part of the query: {exc}") from exc


def _verify(converted: ConvertedRule, document: dict[str, Any]) -> None:
    """Run the generated cases with the test runner; raise if any fails."""
    from pathlib import Path

    import tomli_w
    import yaml

    from dac.rules import parse_rule
    from dac.testing.backend import get_backend
    from dac.testing.cases import parse_case_file
    from dac.testing.runner import run_case

    path = Path("imported.toml")
    rule = parse_rule(tomli_w.dumps(converted.document), path)
    case_file = parse_case_file(
        yaml.safe_dump(document), path.with_name("imported.tests.yaml")
    )
    backend = get_backend("embedded")
    for case in case_file.cases:
        result = run_case(rule, case, backend, case_file)
        if not result.passed:
            raise CaseGenerationError(
                f"generated case {case.name!r} fails: {result.message}"
            )
