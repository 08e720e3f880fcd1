"""Lucene ``RegExp`` patterns, matched in time linear in the input.

Elasticsearch runs EQL ``regex`` as a Lucene regexp query, so a pattern uses
Lucene's syntax (not PCRE) and must match the whole value. With the default
``ALL`` flags, the syntax has ``|``, ``&`` (intersection), ``~``
(complement), ``*``, ``+``, ``?``, ``{n}``, ``{n,}``, ``{n,m}``, ``.``,
``[...]`` and ``[^...]`` classes, ``"..."`` literal strings, ``()``, ``#``
(empty language), ``@`` (any string), ``<n-m>`` (decimal interval) and the
``\\d \\s \\w`` shorthands. There are no anchors, so ``^`` and ``$`` are
ordinary characters.

The pattern is parsed into a small term algebra and matched with Brzozowski
derivatives: each distinct derivative is a DFA state, built on demand and
cached, so matching never backtracks. Intersection and complement come for
free in that representation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_PATTERN_LENGTH = 4096
MAX_REPEAT = 1000
MAX_CACHED_STATES = 20_000

# Terms are tuples so that equal terms hash and compare equal.
NOTHING = ("0",)
EMPTY = ("e",)
ANY_CHAR = ("c", (), True)
ANYTHING = ("not", NOTHING)

_DIGITS = ((48, 57),)
_SPACES = ((9, 13), (32, 32))
_WORD = ((48, 57), (65, 90), (95, 95), (97, 122))


class RegexSyntaxError(ValueError):
    """A pattern is not valid Lucene regular-expression syntax."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} at position {position}")
        self.position = position


def chars(ranges: Iterable[tuple[int, int]], negated: bool = False) -> tuple:
    return ("c", tuple(sorted(set(ranges))), negated)


def char(ch: str) -> tuple:
    return ("c", ((ord(ch), ord(ch)),), False)


def cat(left: tuple, right: tuple) -> tuple:
    if left is NOTHING or right is NOTHING or left == NOTHING or right == NOTHING:
        return NOTHING
    if left == EMPTY:
        return right
    if right == EMPTY:
        return left
    if left[0] == "cat":
        return cat(left[1], cat(left[2], right))
    return ("cat", left, right)


def alt(terms: Iterable[tuple]) -> tuple:
    members: set[tuple] = set()
    for term in terms:
        if term[0] == "alt":
            members.update(term[1])
        elif term != NOTHING:
            members.add(term)
    if ANYTHING in members:
        return ANYTHING
    if not members:
        return NOTHING
    if len(members) == 1:
        return next(iter(members))
    return ("alt", frozenset(members))


def both(terms: Iterable[tuple]) -> tuple:
    members: set[tuple] = set()
    for term in terms:
        if term == NOTHING:
            return NOTHING
        if term[0] == "and":
            members.update(term[1])
        elif term != ANYTHING:
            members.add(term)
    if not members:
        return ANYTHING
    if len(members) == 1:
        return next(iter(members))
    return ("and", frozenset(members))


def star(term: tuple) -> tuple:
    if term == NOTHING or term == EMPTY:
        return EMPTY
    if term[0] == "star":
        return term
    return ("star", term)


def complement(term: tuple) -> tuple:
    if term[0] == "not":
        return term[1]
    return ("not", term)


def repeat(term: tuple, low: int, high: int | None) -> tuple:
    """Return ``term{low,high}``, where a ``high`` of None means unbounded."""
    result = EMPTY
    for _ in range(low):
        result = cat(result, term)
    if high is None:
        return cat(result, star(term))
    optional = alt([term, EMPTY])
    tail = EMPTY
    for _ in range(high - low):
        tail = alt([EMPTY, cat(optional, tail)]) if tail != EMPTY else optional
    return cat(result, tail)


def interval(low: int, high: int, width: int) -> tuple:
    # ("int", low, high, width, value so far, digits so far)
    return ("int", low, high, width, 0, 0)


def nullable(term: tuple) -> bool:
    kind = term[0]
    if kind == "e" or kind == "star":
        return True
    if kind == "0" or kind == "c":
        return False
    if kind == "cat":
        return nullable(term[1]) and nullable(term[2])
    if kind == "alt":
        return any(nullable(t) for t in term[1])
    if kind == "and":
        return all(nullable(t) for t in term[1])
    if kind == "not":
        return not nullable(term[1])
    _, low, high, width, value, count = term
    return count > 0 and low <= value <= high and (width == 0 or count == width)


def _in_class(term: tuple, code: int) -> bool:
    found = any(lo <= code <= hi for lo, hi in term[1])
    return found != term[2]


def _class_accepts(term: tuple, ch: str, ignore_case: bool) -> bool:
    if _in_class(term, ord(ch)):
        return True
    if not ignore_case:
        return False
    for variant in (ch.lower(), ch.upper()):
        if len(variant) == 1 and variant != ch and _in_class(term, ord(variant)):
            return True
    return False


def derive(term: tuple, ch: str, ignore_case: bool) -> tuple:
    """Return the derivative of ``term`` by the character ``ch``."""
    kind = term[0]
    if kind == "c":
        return EMPTY if _class_accepts(term, ch, ignore_case) else NOTHING
    if kind == "e" or kind == "0":
        return NOTHING
    if kind == "cat":
        first = cat(derive(term[1], ch, ignore_case), term[2])
        if nullable(term[1]):
            return alt([first, derive(term[2], ch, ignore_case)])
        return first
    if kind == "alt":
        return alt(derive(t, ch, ignore_case) for t in term[1])
    if kind == "and":
        return both(derive(t, ch, ignore_case) for t in term[1])
    if kind == "star":
        return cat(derive(term[1], ch, ignore_case), term)
    if kind == "not":
        return complement(derive(term[1], ch, ignore_case))
    return _derive_interval(term, ch)


def _derive_interval(term: tuple, ch: str) -> tuple:
    _, low, high, width, value, count = term
    if not ("0" <= ch <= "9"):
        return NOTHING
    if width and count == width:
        return NOTHING
    value = value * 10 + (ord(ch) - 48)
    if value > high:
        return NOTHING
    return ("int", low, high, width, value, count + 1)


class Regex:
    """A compiled pattern; :meth:`fullmatch` tests a whole string."""

    def __init__(self, pattern: str, ignore_case: bool = False):
        self.pattern = pattern
        self.ignore_case = ignore_case
        self._start = parse(pattern)
        self._states: dict[tuple, tuple[bool, dict[str, tuple]]] = {}

    @classmethod
    def from_term(cls, term: tuple, ignore_case: bool = False) -> Regex:
        """Build a matcher from a term made with this module's constructors."""
        regex = cls.__new__(cls)
        regex.pattern = ""
        regex.ignore_case = ignore_case
        regex._start = term
        regex._states = {}
        return regex

    def fullmatch(self, text: str) -> bool:
        states = self._states
        state = self._start
        for ch in text:
            entry = states.get(state)
            if entry is None:
                entry = self._add_state(state)
            following = entry[1].get(ch)
            if following is None:
                following = derive(state, ch, self.ignore_case)
                entry[1][ch] = following
            state = following
            if state == NOTHING:
                return False
        entry = states.get(state)
        if entry is None:
            entry = self._add_state(state)
        return entry[0]

    def _add_state(self, state: tuple) -> tuple[bool, dict[str, tuple]]:
        if len(self._states) >= MAX_CACHED_STATES:
            # The cache only saves work; dropping it keeps memory bounded.
            self._states.clear()
        entry = (nullable(state), {})
        self._states[state] = entry
        return entry


def parse(pattern: str) -> tuple:
    """Parse a Lucene regular expression into a term; raise RegexSyntaxError."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexSyntaxError(
            f"pattern is longer than {MAX_PATTERN_LENGTH} characters", 0
        )
    parser = _Parser(pattern)
    try:
        term = parser.union()
    except RecursionError:
        # The parser recurses once per group; Python's stack limit comes first.
        raise RegexSyntaxError("pattern nests groups too deeply", parser.pos) from None
    if parser.pos != len(pattern):
        raise RegexSyntaxError(f"unexpected {pattern[parser.pos]!r}", parser.pos)
    return term


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def take(self) -> str:
        if self.pos >= len(self.text):
            raise RegexSyntaxError("unexpected end of pattern", self.pos)
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def union(self) -> tuple:
        terms = [self.intersection()]
        while self.peek() == "|":
            self.pos += 1
            terms.append(self.intersection())
        return alt(terms)

    def intersection(self) -> tuple:
        terms = [self.concatenation()]
        while self.peek() == "&":
            self.pos += 1
            terms.append(self.concatenation())
        return both(terms) if len(terms) > 1 else terms[0]

    def concatenation(self) -> tuple:
        result = EMPTY
        while self.peek() not in (None, "|", "&", ")"):
            result = cat(result, self.repetition())
        return result

    def repetition(self) -> tuple:
        term = self.complemented()
        while True:
            ch = self.peek()
            if ch == "*":
                self.pos += 1
                term = star(term)
            elif ch == "+":
                self.pos += 1
                term = cat(term, star(term))
            elif ch == "?":
                self.pos += 1
                term = alt([term, EMPTY])
            elif ch == "{":
                term = self.bounded(term)
            else:
                return term

    def bounded(self, term: tuple) -> tuple:
        start = self.pos
        self.pos += 1
        low = self.number()
        high: int | None = low
        if self.peek() == ",":
            self.pos += 1
            high = self.number() if self.peek() != "}" else None
        if self.take() != "}":
            raise RegexSyntaxError("expected '}'", self.pos - 1)
        if high is not None and high < low:
            raise RegexSyntaxError("repeat maximum is below its minimum", start)
        if low > MAX_REPEAT or (high or 0) > MAX_REPEAT:
            raise RegexSyntaxError(f"repeat count above {MAX_REPEAT}", start)
        return repeat(term, low, high)

    def number(self) -> int:
        start = self.pos
        while (ch := self.peek()) is not None and ch.isdigit() and ch.isascii():
            self.pos += 1
        if start == self.pos:
            raise RegexSyntaxError("expected a number", start)
        return int(self.text[start : self.pos])

    def complemented(self) -> tuple:
        if self.peek() == "~":
            self.pos += 1
            return complement(self.complemented())
        return self.atom()

    def atom(self) -> tuple:
        start = self.pos
        ch = self.take()
        if ch == ".":
            return ANY_CHAR
        if ch == "#":
            return NOTHING
        if ch == "@":
            return ANYTHING
        if ch == "(":
            if self.peek() == ")":
                self.pos += 1
                return EMPTY
            term = self.union()
            if self.peek() != ")":
                raise RegexSyntaxError("expected ')'", self.pos)
            self.pos += 1
            return term
        if ch == '"':
            end = self.text.find('"', self.pos)
            if end < 0:
                raise RegexSyntaxError("unterminated string", start)
            term = EMPTY
            for literal in self.text[self.pos : end]:
                term = cat(term, char(literal))
            self.pos = end + 1
            return term
        if ch == "[":
            return self.char_class()
        if ch == "<":
            return self.interval(start)
        if ch in ")]}*+?{|&":
            raise RegexSyntaxError(f"unexpected {ch!r}", start)
        if ch == "\\":
            return self.escape()
        return char(ch)

    def escape(self) -> tuple:
        ch = self.take()
        shorthand = _SHORTHANDS.get(ch)
        if shorthand is not None:
            return chars(shorthand[0], shorthand[1])
        return char(ch)

    def char_class(self) -> tuple:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        excluded: list[Any] = []
        first = True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                break
            first = False
            if ch == "\\":
                escaped = self.take()
                shorthand = _SHORTHANDS.get(escaped)
                if shorthand is not None:
                    if shorthand[1]:
                        excluded.append(shorthand[0])
                    else:
                        ranges.extend(shorthand[0])
                    continue
                ch = escaped
            low = ord(ch)
            if self.peek() == "-" and self.pos + 1 < len(self.text):
                if self.text[self.pos + 1] != "]":
                    self.pos += 1
                    end = self.take()
                    if end == "\\":
                        end = self.take()
                    if ord(end) < low:
                        raise RegexSyntaxError("invalid character range", self.pos)
                    ranges.append((low, ord(end)))
                    continue
            ranges.append((low, low))
        term = chars(ranges)
        if excluded:
            # [\D] and friends: a union with the complement of a class.
            term = alt([term] + [chars(r, True) for r in excluded])
        if negated:
            return both([ANY_CHAR, complement(term)])
        return term

    def interval(self, start: int) -> tuple:
        end = self.text.find(">", self.pos)
        if end < 0:
            raise RegexSyntaxError("unterminated interval", start)
        body = self.text[self.pos : end]
        low_text, dash, high_text = body.partition("-")
        if not dash or not low_text.isdigit() or not high_text.isdigit():
            raise RegexSyntaxError("only numeric intervals <n-m> are supported", start)
        self.pos = end + 1
        low, high = int(low_text), int(high_text)
        if low > high:
            low, high = high, low
        width = len(low_text) if len(low_text) == len(high_text) else 0
        return interval(low, high, width)


_SHORTHANDS = {
    "d": (_DIGITS, False),
    "D": (_DIGITS, True),
    "s": (_SPACES, False),
    "S": (_SPACES, True),
    "w": (_WORD, False),
    "W": (_WORD, True),
}


# Characters tried, in order, when building a string for a regex: the
# search finds the shortest string and prefers the earlier characters.
_REGEX_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz0123456789 .-_:/\\ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "\"'!#$%&()*+,;<=>?@[]^`{|}~\t"
)
_MAX_REGEX_STATES = 3000


def shortest_match(pattern: str) -> str | None:
    """Return a shortest string that Lucene ``pattern`` matches whole, or None.

    A breadth-first search over the pattern's derivatives (each derivative is
    a state of its automaton), bounded in states, so it ends on any pattern.
    """
    try:
        start = parse(pattern)
    except RegexSyntaxError:
        return None
    seen = {start}
    queue = [(start, "")]
    for term, text in queue:
        if nullable(term):
            return text
        for char in _REGEX_ALPHABET:
            following = derive(term, char, False)
            if following == NOTHING or following in seen:
                continue
            if len(seen) >= _MAX_REGEX_STATES:
                return None
            seen.add(following)
            queue.append((following, text + char))
    return None
