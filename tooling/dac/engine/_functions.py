"""EQL functions with Elasticsearch's null handling and edge cases.

Every function returns None (EQL ``null``) when a required argument is
null, as Elasticsearch documents for each of them. Functions with a ``~``
variant take ``ignore_case``. The arithmetic functions share the operators'
rules in :mod:`dac.engine._numbers`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from dac.engine._errors import EqlRuntimeError
from dac.engine._numbers import arithmetic, is_number, java_string

Function = Callable[[Sequence[Any], bool, str], Any]


def _text(value: Any, ignore_case: bool) -> Any:
    if not isinstance(value, str):
        return None
    return value.lower() if ignore_case else value


def fn_between(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source, left, right = args[0], args[1], args[2]
    greedy = args[3] if len(args) > 3 else False
    if not all(isinstance(v, str) for v in (source, left, right)):
        return None
    if greedy is None:
        greedy = False
    if not source or not left or not right:
        # Elasticsearch returns the source unchanged when any text is empty.
        return source
    haystack = source.lower() if ignore_case else source
    if ignore_case:
        left, right = left.lower(), right.lower()
    start = haystack.find(left)
    if start < 0:
        return ""
    start += len(left)
    end = haystack.rfind(right) if greedy else haystack.find(right, start)
    if end < 0:
        return ""
    if end < start:
        # Java's substring fails here, so Elasticsearch fails the search.
        raise EqlRuntimeError(
            f"between(): the last {args[2]!r} comes before the end of {args[1]!r}"
        )
    return source[start:end]


@lru_cache(maxsize=1024)
def _network(cidr: str) -> Any:
    return ipaddress.ip_network(cidr.strip(), strict=False)


def _address(value: str) -> Any:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def fn_cidr_match(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    if args[0] is None or any(block is None for block in args[1:]):
        return None
    address = _address(str(args[0]))
    if address is None:
        return False
    for block in args[1:]:
        try:
            network = _network(str(block))
        except ValueError as exc:
            raise EqlRuntimeError(f"invalid CIDR block [{block}]: {exc}") from exc
        if network.version == address.version and address in network:
            return True
    return False


def fn_concat(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    if any(value is None for value in args):
        return None
    return "".join(java_string(value) for value in args)


def _binary_math(op: str) -> Function:
    def apply(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
        return arithmetic(op, args[0], args[1], kind)

    return apply


def fn_ends_with(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source, suffix = _text(args[0], ignore_case), _text(args[1], ignore_case)
    if source is None or suffix is None:
        return None
    return source.endswith(suffix)


def fn_starts_with(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source, prefix = _text(args[0], ignore_case), _text(args[1], ignore_case)
    if source is None or prefix is None:
        return None
    return source.startswith(prefix)


def fn_string_contains(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source, needle = _text(args[0], ignore_case), _text(args[1], ignore_case)
    if source is None or needle is None:
        return None
    return needle in source


def fn_index_of(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source, needle = _text(args[0], ignore_case), _text(args[1], ignore_case)
    start = args[2] if len(args) > 2 else 0
    if source is None or needle is None or not is_number(start):
        return None
    start = max(int(start), 0)
    if start > len(source):
        return None
    found = source.find(needle, start)
    return None if found < 0 else found


def fn_length(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    value = args[0]
    return len(value) if isinstance(value, str) else None


def fn_number(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    value = args[0]
    base = args[1] if len(args) > 1 else None
    if value is None:
        return None
    text = str(value).strip()
    sign = ""
    if text[:1] in "+-" and text:
        sign, text = text[0], text[1:]
    if text[:2].lower() == "0x" and base in (None, 16):
        base, text = 16, text[2:]
    if base is None:
        base = 10
    if "_" in text:
        # Python's int() and float() accept digit separators; Java's do not.
        raise EqlRuntimeError(f"cannot convert [{value}] to a number of base [{base}]")
    if not isinstance(base, int) or not 2 <= base <= 36:
        raise EqlRuntimeError(f"invalid base [{base}] for number()")
    try:
        return int(sign + text, base)
    except ValueError:
        pass
    if base == 10 and text and text.lower() not in ("nan", "infinity", "inf"):
        try:
            return float(sign + text)
        except ValueError:
            pass
    raise EqlRuntimeError(f"cannot convert [{value}] to a number of base [{base}]")


def fn_string(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    value = args[0]
    return None if value is None else java_string(value)


def fn_substring(args: Sequence[Any], ignore_case: bool, kind: str) -> Any:
    source = args[0]
    start = args[1]
    end = args[2] if len(args) > 2 else None
    if not isinstance(source, str) or not is_number(start):
        return None
    if end is not None and not is_number(end):
        return None
    # Python slicing has the documented semantics: negative positions count
    # from the end, and a start past the end or past ``end`` gives "".
    return source[int(start) : None if end is None else int(end)]


# name -> (implementation, minimum arguments, maximum arguments or None,
#          accepts ``~``, returns a boolean)
FUNCTIONS: dict[str, tuple[Function, int, int | None, bool, bool]] = {
    "add": (_binary_math("+"), 2, 2, False, False),
    "between": (fn_between, 3, 4, True, False),
    "cidrMatch": (fn_cidr_match, 2, None, False, True),
    "concat": (fn_concat, 1, None, False, False),
    "divide": (_binary_math("/"), 2, 2, False, False),
    "endsWith": (fn_ends_with, 2, 2, True, True),
    "indexOf": (fn_index_of, 2, 3, True, False),
    "length": (fn_length, 1, 1, False, False),
    "modulo": (_binary_math("%"), 2, 2, False, False),
    "multiply": (_binary_math("*"), 2, 2, False, False),
    "number": (fn_number, 1, 2, False, False),
    "startsWith": (fn_starts_with, 2, 2, True, True),
    "string": (fn_string, 1, 1, False, False),
    "stringContains": (fn_string_contains, 2, 2, True, True),
    "substring": (fn_substring, 2, 3, False, False),
    "subtract": (_binary_math("-"), 2, 2, False, False),
}

ARITHMETIC_FUNCTIONS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "modulo": "%",
}
