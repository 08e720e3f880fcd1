"""The EQL functions Elasticsearch provides, with their arity.

Source: the Elasticsearch EQL function reference (8.x/9.x). Elasticsearch
looks function names up case-insensitively (its EQL function registry
lower-cases the name), so ``endswith~(...)`` in a rule resolves to
``endsWith``. Only the functions the reference shows with a ``~`` variant
accept ``~``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionSignature:
    """Canonical name, accepted argument counts and ``~`` support of a function.

    ``max_args`` is None for functions that take any number of arguments from
    ``min_args`` up.
    """

    name: str
    min_args: int
    max_args: int | None
    case_insensitive_variant: bool = False

    def describe_arity(self) -> str:
        """Return the accepted argument count in words, such as "2 or 3"."""
        if self.max_args is None:
            return f"{self.min_args} or more"
        if self.max_args == self.min_args:
            return str(self.min_args)
        if self.max_args == self.min_args + 1:
            return f"{self.min_args} or {self.max_args}"
        return f"{self.min_args} to {self.max_args}"


_SIGNATURES = (
    FunctionSignature("add", 2, 2),
    FunctionSignature("between", 3, 4, case_insensitive_variant=True),
    FunctionSignature("cidrMatch", 2, None),
    FunctionSignature("concat", 1, None),
    FunctionSignature("divide", 2, 2),
    FunctionSignature("endsWith", 2, 2, case_insensitive_variant=True),
    FunctionSignature("indexOf", 2, 3, case_insensitive_variant=True),
    FunctionSignature("length", 1, 1),
    FunctionSignature("modulo", 2, 2),
    FunctionSignature("multiply", 2, 2),
    FunctionSignature("number", 1, 2),
    FunctionSignature("startsWith", 2, 2, case_insensitive_variant=True),
    FunctionSignature("string", 1, 1),
    FunctionSignature("stringContains", 2, 2, case_insensitive_variant=True),
    FunctionSignature("substring", 2, 3),
    FunctionSignature("subtract", 2, 2),
)

FUNCTIONS: dict[str, FunctionSignature] = {
    signature.name.lower(): signature for signature in _SIGNATURES
}


def lookup_function(name: str) -> FunctionSignature | None:
    """Return the signature of ``name`` in any letter case, or None if unknown."""
    return FUNCTIONS.get(name.lower())
