"""Compile EQL condition expressions to Python closures.

Elasticsearch runs a condition in one of two ways, and the engine mirrors
both because they differ on arrays and missing fields:

* A comparison of a field with constants (``==``, ``!=``, ``<`` ...,
  ``in``, ``:``, ``like``, ``regex`` and ``startsWith``-like functions on a
  field) becomes a Lucene query. It matches when any value of a
  multi-valued field matches, and ``not``/``!=``/``not in`` become
  ``must_not`` clauses, which also match a document without the field.
  These leaves return True or False, never None.
* Anything else (arithmetic, nested functions) runs as a script on doc
  values: a multi-valued field reads its first doc value, a missing field
  is null, and null propagates, so ``not`` of a null is still null and the
  document does not match.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from dac.engine._functions import ARITHMETIC_FUNCTIONS, FUNCTIONS
from dac.engine._numbers import (
    DOUBLE,
    INTEGER,
    LONG,
    arithmetic,
    is_number,
    negate,
    result_kind,
)
from dac.engine._regex import Regex, RegexSyntaxError
from dac.engine._types import (
    compatible,
    indexed_value,
    literal_family,
    numeric_kind,
    type_family,
)
from dac.engine._values import doc_value, field_path, make_getter
from dac.engine._wildcard import compile_lucene_wildcard, compile_wildcard
from dac.eql import ast
from dac.errors import EqlSemanticError

Document = Mapping[str, Any]
Predicate = Callable[[Document], "bool | None"]
ValueFn = Callable[[Document], Any]


def _error(node: ast.Node, message: str) -> EqlSemanticError:
    return EqlSemanticError(message, node.line, node.column)


def contains_field(expr: ast.Node) -> bool:
    """Tell whether ``expr`` refers to a document field anywhere."""
    if isinstance(expr, ast.Field):
        return True
    for child in getattr(expr, "__dict__", {}).values():
        if isinstance(child, ast.Node) and contains_field(child):
            return True
        if isinstance(child, tuple):
            if any(isinstance(c, ast.Node) and contains_field(c) for c in child):
                return True
    return False


class FieldRef:
    """A resolved field: its name, mapped type family and value getter."""

    def __init__(self, node: ast.Field, es_type: str | None):
        self.node = node
        self.name = node.name
        self.es_type = es_type
        self.family = type_family(es_type)
        raw = make_getter(field_path(node.name))
        family = self.family
        if family in (None, "ip"):
            self.values = raw
        else:

            def converted(document: Document) -> list[Any]:
                out = []
                for value in raw(document):
                    value = indexed_value(value, family)
                    if value is not None:
                        out.append(value)
                return out

            self.values = converted


class ExpressionCompiler:
    """Turn AST expressions into predicates and value functions."""

    def __init__(self, field_types: Mapping[str, str] | None = None):
        self.field_types = field_types

    # -- fields ------------------------------------------------------------

    def field(self, node: ast.Field) -> FieldRef | None:
        """Resolve a field; None for an ``?optional`` field the mapping lacks."""
        if self.field_types is None:
            return FieldRef(node, None)
        es_type = self.field_types.get(node.name)
        if es_type is None:
            if node.optional:
                return None
            raise _error(
                node,
                f"unknown field [{node.name}]: it is not in the index mapping; "
                f"fix the name or write ?{node.name} to treat it as optional",
            )
        return FieldRef(node, es_type)

    # -- predicates --------------------------------------------------------

    def predicate(self, expr: ast.Expr) -> Predicate:
        """Compile a condition to a function returning True, False or None."""
        if isinstance(expr, ast.And):
            return all_of([self.predicate(e) for e in _conjuncts(expr)])
        if isinstance(expr, ast.Or):
            return _or(self.predicate(expr.left), self.predicate(expr.right))
        if isinstance(expr, ast.Not):
            return _not(self.predicate(expr.operand))
        if isinstance(expr, ast.Comparison):
            return self._comparison(expr)
        if isinstance(expr, ast.In):
            return self._in(expr)
        if isinstance(expr, ast.Match):
            return self._match(expr)
        if isinstance(expr, ast.Literal):
            if expr.kind == "boolean" or expr.value is None:
                constant = expr.value
                return lambda document: constant
            raise _error(expr, f"condition must be boolean, found [{expr.value!r}]")
        if isinstance(expr, ast.Field):
            return self._boolean_field(expr)
        if isinstance(expr, ast.FunctionCall):
            return self._function_predicate(expr)
        raise _error(expr, "condition must be boolean, found an arithmetic expression")

    def _boolean_field(self, node: ast.Field) -> Predicate:
        ref = self.field(node)
        if ref is None:
            return lambda document: None
        if ref.family not in (None, "boolean"):
            raise _error(
                node,
                f"condition must be boolean, field [{ref.name}] is [{ref.es_type}]",
            )
        values = ref.values
        return lambda document: any(v is True for v in values(document))

    def _comparison(self, expr: ast.Comparison) -> Predicate:
        left = self._fold_optional(expr.left)
        right = self._fold_optional(expr.right)
        op = expr.op
        if _is_null_literal(left) and not isinstance(right, ast.Literal):
            left, right = right, left  # Elasticsearch moves literals right
        if _is_null_literal(left) and not _is_null_literal(right):
            # Both sides are constants and one is null: the result is null.
            return lambda document: None
        if contains_field(left) and contains_field(right):
            raise _error(
                expr,
                "comparing a field to another field is not supported by "
                "Elasticsearch EQL; compare each field to a constant",
            )
        if isinstance(left, ast.Literal) and isinstance(right, ast.Field):
            left, right, op = right, left, _FLIPPED[op]
        if isinstance(left, ast.Field) and isinstance(right, ast.Literal):
            return self._field_comparison(expr, left, op, right.value)
        return self._script_comparison(op, left, right)

    def _fold_optional(self, expr: ast.Expr) -> ast.Expr:
        """Replace an ``?optional`` field absent from the mapping by null."""
        if isinstance(expr, ast.Field) and self.field(expr) is None:
            return ast.Literal(None, "null", line=expr.line, column=expr.column)
        return expr

    def _field_comparison(
        self, expr: ast.Comparison, node: ast.Field, op: str, literal: Any
    ) -> Predicate:
        ref = self.field(node)
        if ref is None:
            # An ?optional field missing from the mapping is the constant null.
            if literal is None and op in ("==", "!="):
                result = op == "=="
                return lambda document: result
            return lambda document: None
        if literal is None:
            if op not in ("==", "!="):
                return lambda document: None
            values = ref.values
            if op == "==":
                return lambda document: not values(document)
            return lambda document: bool(values(document))
        if self.field_types is not None and not compatible(ref.family, literal):
            raise _error(
                expr,
                f"cannot compare field [{ref.name}] of type [{ref.es_type}] "
                f"with [{literal!r}] of type [{literal_family(literal)}]",
            )
        test = _value_test(op, _literal_for(literal, ref.family), ref.family)
        values = ref.values
        if op == "!=":
            equal = _value_test("==", _literal_for(literal, ref.family), ref.family)
            return lambda document: not any(equal(v) for v in values(document))
        if op == "==" and isinstance(literal, str) and ref.family in (None, "string"):
            # Only an equal string equals a string, so list containment is exact.
            return lambda document: literal in values(document)
        return _any_value(values, test)

    def _script_comparison(self, op: str, left: ast.Expr, right: ast.Expr) -> Predicate:
        left_fn, _ = self.value(left)
        right_fn, _ = self.value(right)
        null_check = _is_null_literal(left) or _is_null_literal(right)
        if null_check and op in ("==", "!="):
            other = right_fn if _is_null_literal(left) else left_fn
            if op == "==":
                return lambda document: other(document) is None
            return lambda document: other(document) is not None

        def compare(document: Document) -> bool | None:
            a = left_fn(document)
            b = right_fn(document)
            if a is None or b is None:
                return None
            return compare_values(op, a, b)

        return compare

    def _in(self, expr: ast.In) -> Predicate:
        for option in expr.options:
            if contains_field(option):
                raise _error(
                    option, "the options of [in] must be constants, not fields"
                )
        constants = [self.constant(option) for option in expr.options]
        ignore_case = expr.case_insensitive
        if isinstance(expr.value, ast.Field):
            ref = self.field(expr.value)
            if ref is not None:
                if self.field_types is not None:
                    for option, constant in zip(expr.options, constants, strict=True):
                        if not compatible(ref.family, constant):
                            raise _error(
                                option,
                                f"cannot compare field [{ref.name}] of type "
                                f"[{ref.es_type}] with [{constant!r}]",
                            )
                member = _membership(
                    [_literal_for(c, ref.family) for c in constants],
                    ignore_case,
                    ref.family,
                )
                values = ref.values
                if expr.negated:
                    return lambda document: not any(member(v) for v in values(document))
                return _any_value(values, member)
        value_fn, _ = self.value(expr.value)
        member = _membership(constants, ignore_case, None)
        negated = expr.negated

        def script_in(document: Document) -> bool | None:
            value = value_fn(document)
            if value is None:
                return None
            return member(value) != negated

        return script_in

    def _match(self, expr: ast.Match) -> Predicate:
        matchers = []
        exact: set[str] = set()
        others: list[Any] = []  # ``:`` also compares numbers, booleans and null
        ignore_case = expr.case_insensitive
        for pattern in expr.patterns:
            if not isinstance(pattern.value, str):
                if expr.op != ":":
                    raise _error(
                        pattern,
                        f"[{expr.op}] needs string patterns, "
                        f"found [{format_literal(pattern.value)}]",
                    )
                others.append(pattern.value)
                continue
            text = pattern.value
            if expr.op != "regex" and "*" not in text and "?" not in text:
                # A wildcard pattern without wildcards is an equality test.
                exact.add(text.lower() if ignore_case else text)
            else:
                matchers.append(self._pattern(expr, pattern))
        strings = exact or matchers
        test = _pattern_test(exact, matchers, ignore_case) if strings else None
        equal = [_value_test("==", v, None) for v in others if v is not None]
        null_test = None in others

        def value_test(value: Any) -> bool:
            if type(value) is str:
                return test is not None and test(value)
            return any(check(value) for check in equal)

        if isinstance(expr.value, ast.Field):
            ref = self.field(expr.value)
            if ref is not None:
                if (
                    strings
                    and self.field_types is not None
                    and ref.family not in ("string", None)
                ):
                    raise _error(
                        expr,
                        f"[{expr.op}] with a string pattern works on string "
                        f"fields only; field [{ref.name}] is [{ref.es_type}]",
                    )
                if not others:
                    return _any_value(ref.values, test, strings_only=True)
                values = ref.values

                def field_match(document: Document) -> bool:
                    found = values(document)
                    if null_test and not found:
                        return True
                    return any(value_test(v) for v in found)

                return field_match
        value_fn, _ = self.value(expr.value)

        def script_match(document: Document) -> bool | None:
            value = value_fn(document)
            if value is None:
                return True if null_test else None
            return value_test(value)

        return script_match

    def _pattern(self, expr: ast.Match, pattern: ast.Literal) -> Callable[[str], bool]:
        if expr.op == "regex":
            try:
                return Regex(pattern.value, expr.case_insensitive).fullmatch
            except RegexSyntaxError as exc:
                shown = pattern.value
                if len(shown) > 80:
                    shown = shown[:77] + "..."
                raise _error(
                    pattern, f"invalid regular expression [{shown}]: {exc}"
                ) from exc
        return compile_wildcard(pattern.value, expr.case_insensitive)

    def _function_predicate(self, call: ast.FunctionCall) -> Predicate:
        spec = self._function_spec(call)
        if not spec[4]:
            raise _error(
                call, f"condition must be boolean, [{call.name}] returns a value"
            )
        first = call.args[0]
        rest = call.args[1:]
        translatable = (
            isinstance(first, ast.Field)
            and all(isinstance(a, ast.Literal) for a in rest)
            and all(a.value is not None for a in rest)
        )
        if translatable:
            ref = self.field(first)
            if ref is not None and call.name in _WILDCARD_TRANSLATED:
                # Elasticsearch runs these as a wildcard query built by plain
                # concatenation, so * ? and \ in the argument are wildcard syntax.
                text = rest[0].value
                if isinstance(text, str):
                    prefix, suffix = _WILDCARD_TRANSLATED[call.name]
                    test = compile_lucene_wildcard(
                        prefix + text + suffix, call.case_insensitive
                    )
                    return _any_value(ref.values, test, strings_only=True)
            if ref is not None:
                impl = spec[0]
                constants = [a.value for a in rest]
                ignore_case = call.case_insensitive
                values = ref.values
                # Translated to a query, so any value counts and a missing
                # field is simply a non-match.
                return lambda document: any(
                    impl([v, *constants], ignore_case, LONG) is True
                    for v in values(document)
                )
        value_fn, _ = self.value(call)
        return value_fn

    # -- values ------------------------------------------------------------

    def constant(self, expr: ast.Expr) -> Any:
        """Fold a constant expression (literal, negated literal) to its value."""
        fn, _ = self.value(expr)
        return fn({})

    def value(self, expr: ast.Expr) -> tuple[ValueFn, str | None]:
        """Compile an expression to a value function and its numeric kind."""
        if isinstance(expr, ast.Literal):
            constant = expr.value
            kind = {"integer": INTEGER, "long": LONG, "double": DOUBLE}.get(expr.kind)
            return (lambda document: constant), kind
        if isinstance(expr, ast.Field):
            ref = self.field(expr)
            if ref is None:
                return (lambda document: None), None
            values = ref.values
            return (lambda document: doc_value(values(document))), numeric_kind(
                ref.es_type
            )
        if isinstance(expr, ast.Arithmetic):
            return self._arithmetic(expr.op, expr.left, expr.right, expr)
        if isinstance(expr, ast.Negate):
            operand, kind = self.value(expr.operand)
            kind = kind or LONG
            return (lambda document: negate(operand(document), kind)), kind
        if isinstance(expr, ast.FunctionCall):
            return self._function_value(expr)
        return self.predicate(expr), None

    def _arithmetic(
        self, op: str, left: ast.Expr, right: ast.Expr, node: ast.Node
    ) -> tuple[ValueFn, str | None]:
        left_fn, left_kind = self.value(left)
        right_fn, right_kind = self.value(right)
        for side, side_kind in ((left, left_kind), (right, right_kind)):
            if (
                isinstance(side, ast.Literal)
                and side.value is not None
                and side_kind is None
            ):
                raise _error(side, f"[{op}] needs numbers, found [{side.value!r}]")
            if isinstance(side, ast.Field) and self.field_types is not None:
                ref = self.field(side)
                if ref is not None and ref.family not in ("number", None):
                    raise _error(
                        side,
                        f"[{op}] needs numbers, field [{ref.name}] is [{ref.es_type}]",
                    )
        kind = result_kind(left_kind or LONG, right_kind or LONG)

        def compute(document: Document) -> Any:
            a = left_fn(document)
            if a is None:
                return None
            b = right_fn(document)
            if b is None:
                return None
            return arithmetic(op, a, b, kind)

        return compute, kind

    def _function_spec(self, call: ast.FunctionCall) -> tuple:
        spec = FUNCTIONS.get(call.name)
        if spec is None:
            raise _error(call, f"unknown function [{call.name}]")
        _, low, high, accepts_tilde, _ = spec
        count = len(call.args)
        if count < low or (high is not None and count > high):
            expected = (
                f"{low}"
                if low == high
                else f"{low} to {high if high is not None else 'any'}"
            )
            raise _error(
                call, f"[{call.name}] takes {expected} arguments, found {count}"
            )
        if call.case_insensitive and not accepts_tilde:
            raise _error(call, f"[{call.name}] has no case-insensitive (~) variant")
        for position, arg in enumerate(call.args):
            self._check_argument(call, position, arg)
        return spec

    def _check_argument(
        self, call: ast.FunctionCall, position: int, arg: ast.Expr
    ) -> None:
        expected = _ARGUMENT_FAMILIES.get(call.name, {}).get(position)
        if expected is None:
            return
        if isinstance(arg, ast.Literal):
            found = literal_family(arg.value)
            found_text = f"value [{format_literal(arg.value)}]"
            accepted = expected if expected != "ip" else "string"
        elif isinstance(arg, ast.Field) and self.field_types is not None:
            ref = self.field(arg)
            if ref is None:
                return
            found, found_text, accepted = ref.family, f"field [{ref.name}]", expected
        else:
            return
        if found is None or found == accepted:
            return
        if expected == "number" and found == "number":
            return
        raise _error(
            arg,
            f"argument {position + 1} of [{call.name}] must be a {expected}, "
            f"found {found_text} of type [{found}]",
        )

    def _function_value(self, call: ast.FunctionCall) -> tuple[ValueFn, str | None]:
        spec = self._function_spec(call)
        if call.name in ARITHMETIC_FUNCTIONS:
            return self._arithmetic(
                ARITHMETIC_FUNCTIONS[call.name], call.args[0], call.args[1], call
            )
        compiled = [self.value(arg)[0] for arg in call.args]
        impl = spec[0]
        ignore_case = call.case_insensitive
        kind = LONG if call.name in ("length", "indexOf") else None

        def apply(document: Document) -> Any:
            return impl([fn(document) for fn in compiled], ignore_case, LONG)

        return apply, kind


# Functions Elasticsearch turns into a wildcard query on a field, with the
# text placed before and after the constant argument.
_WILDCARD_TRANSLATED = {"stringContains": ("*", "*"), "endsWith": ("*", "")}

# Per function, the type family each argument position needs (checked for
# literals, and for fields when the mapping is known).
_STRING_ARGS = {
    "between": (0, 1, 2),
    "endsWith": (0, 1),
    "indexOf": (0, 1),
    "length": (0,),
    "number": (0,),
    "startsWith": (0, 1),
    "stringContains": (0, 1),
    "substring": (0,),
}
_ARGUMENT_FAMILIES: dict[str, dict[int, str]] = {
    name: {i: "string" for i in positions} for name, positions in _STRING_ARGS.items()
}
for _name in ARITHMETIC_FUNCTIONS:
    _ARGUMENT_FAMILIES[_name] = {0: "number", 1: "number"}
_ARGUMENT_FAMILIES["between"][3] = "boolean"
_ARGUMENT_FAMILIES["indexOf"][2] = "number"
_ARGUMENT_FAMILIES["substring"].update({1: "number", 2: "number"})
_ARGUMENT_FAMILIES["number"][1] = "number"
_ARGUMENT_FAMILIES["cidrMatch"] = {0: "ip"}


def format_literal(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return "null" if value is None else str(value).lower()


_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _is_null_literal(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.Literal) and expr.value is None


def _any_value(
    values: Callable[[Document], list[Any]],
    test: Callable[[Any], bool],
    strings_only: bool = False,
) -> Predicate:
    """Match when any value of a field passes ``test`` (a query's semantics)."""

    def any_value(document: Document) -> bool:
        found = values(document)
        if len(found) == 1:
            value = found[0]
            if strings_only and type(value) is not str:
                return False
            return bool(test(value))
        for value in found:
            if strings_only and type(value) is not str:
                continue
            if test(value):
                return True
        return False

    return any_value


def _pattern_test(
    exact: set[str], matchers: list[Callable[[str], bool]], ignore_case: bool
) -> Callable[[str], bool]:
    """Combine exact strings (a set lookup) and pattern matchers into one test."""
    if not matchers:
        if ignore_case:
            return lambda text: text.lower() in exact
        return lambda text: text in exact
    if not exact and len(matchers) == 1:
        return matchers[0]

    def test(text: str) -> bool:
        if exact and (text.lower() if ignore_case else text) in exact:
            return True
        for matcher in matchers:
            if matcher(text):
                return True
        return False

    return test


def _conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """Flatten nested ``and`` into its operands, left to right."""
    if isinstance(expr, ast.And):
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def all_of(predicates: list[Predicate]) -> Predicate:
    """Three-valued ``and`` of many predicates: False wins, then null."""
    if len(predicates) == 1:
        return predicates[0]
    chain = tuple(predicates)

    def conjunction(document: Document) -> bool | None:
        result: bool | None = True
        for predicate in chain:
            value = predicate(document)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return conjunction


def _or(left: Predicate, right: Predicate) -> Predicate:
    def either(document: Document) -> bool | None:
        a = left(document)
        if a is True:
            return True
        b = right(document)
        if b is True:
            return True
        if a is None or b is None:
            return None
        return False

    return either


def _not(operand: Predicate) -> Predicate:
    def negated(document: Document) -> bool | None:
        value = operand(document)
        return None if value is None else not value

    return negated


def _literal_for(literal: Any, family: str | None) -> Any:
    if family == "ip" and isinstance(literal, str):
        try:
            if "/" in literal:
                return ipaddress.ip_network(literal, strict=False)
            return ipaddress.ip_address(literal)
        except ValueError:
            return literal
    if family == "date":
        return indexed_value(literal, "date")
    return literal


def _as_ip(value: Any) -> Any:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return None


def _value_test(op: str, literal: Any, family: str | None) -> Callable[[Any], bool]:
    if family == "ip":
        return _ip_test(op, literal)
    if op == "==":
        if isinstance(literal, str):
            return lambda v: v == literal
        if isinstance(literal, bool):
            return lambda v: v is literal
        return lambda v: is_number(v) and v == literal
    return lambda v: compare_values(op, v, literal) is True


def _ip_test(op: str, literal: Any) -> Callable[[Any], bool]:
    if isinstance(literal, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        # A term query on an ip field accepts CIDR notation.
        def in_network(v: Any) -> bool:
            address = _as_ip(v)
            return (
                address is not None
                and address.version == literal.version
                and address in literal
            )

        return in_network

    def compare(v: Any) -> bool:
        address = _as_ip(v)
        if address is None or not isinstance(
            literal, (ipaddress.IPv4Address, ipaddress.IPv6Address)
        ):
            return False
        if address.version != literal.version:
            return op == "!=" if op in ("==", "!=") else False
        return compare_values(op, int(address), int(literal)) is True

    return compare


def _key(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    return ("s", value)


def _membership(
    constants: list[Any], ignore_case: bool, family: str | None
) -> Callable[[Any], bool]:
    if family == "ip":
        tests = [_ip_test("==", c) for c in constants]
        return lambda v: any(t(v) for t in tests)
    if all(isinstance(c, str) for c in constants):
        if ignore_case:
            lowered = {c.lower() for c in constants}
            return lambda v: type(v) is str and v.lower() in lowered
        strings = set(constants)
        return lambda v: type(v) is str and v in strings
    keys = {
        _key(c.lower() if ignore_case and isinstance(c, str) else c)
        for c in constants
        if c is not None
    }

    def member(v: Any) -> bool:
        if ignore_case and isinstance(v, str):
            v = v.lower()
        return _key(v) in keys

    return member


def compare_values(op: str, a: Any, b: Any) -> bool | None:
    """Compare two scalars the way EQL does; None when they are not comparable."""
    if isinstance(a, bool) or isinstance(b, bool):
        if not (isinstance(a, bool) and isinstance(b, bool)):
            return None
    elif is_number(a) != is_number(b):
        return None
    elif not is_number(a) and type(a) is not type(b):
        return None
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:
        return None
