"""Make untrusted text safe to print on a terminal."""

from __future__ import annotations

import unicodedata

# Control characters (C0, DEL, C1) and the line and paragraph separators.
# Printed raw, ESC and CSI start terminal escape sequences that can move the
# cursor, rewrite earlier lines or change the window title.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def escape_control(text: str) -> str:
    """Replace control characters in ``text`` with Python-style escapes.

    ESC becomes ``\\x1b``, a newline ``\\n`` and U+2028 ``\\u2028``, so a
    rule name or case name taken from a file prints as one visible line.
    Tabs and other characters, including non-ASCII letters, are kept. Returns
    ``text`` itself when it contains nothing to escape.
    """
    if text.isprintable():
        return text
    parts = []
    for character in text:
        if character != "\t" and unicodedata.category(character) in _UNSAFE_CATEGORIES:
            parts.append(repr(character)[1:-1])
        else:
            parts.append(character)
    return "".join(parts)
