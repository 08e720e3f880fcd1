"""Describe how one field's value changes, compactly enough for a plan.

Plans show long values (queries, descriptions, tag lists), where printing
both values cut to a fixed width would hide a change near the end. So a
multi-line string becomes a unified diff of its lines, a long single-line
string shows the text around the first difference in ``[-old-]{+new+}``
form (the notation of ``git diff --word-diff``), and a list shows the items
added and removed.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

MAX_VALUE_CHARS = 70
# Characters of unchanged text shown on each side of a string difference.
CONTEXT_CHARS = 20
# Maximum length of the old or new part of a string difference; longer
# parts are cut.
MAX_PART_CHARS = 60


def describe_change(old: Any, new: Any) -> list[str]:
    """Return lines that show how ``old`` became ``new``.

    One line for short values (``old -> new``), several for a multi-line
    string (a unified diff without file headers) or a list (``+ item`` and
    ``- item``).
    """
    if isinstance(old, str) and isinstance(new, str):
        if "\n" in old.strip() or "\n" in new.strip():
            return _line_diff(old, new)
        if len(_json(old)) > MAX_VALUE_CHARS or len(_json(new)) > MAX_VALUE_CHARS:
            return [_inline_diff(old, new)]
    if isinstance(old, list) and isinstance(new, list):
        return _list_diff(old, new)
    if old is None and isinstance(new, list):
        return _list_diff([], new)
    if new is None and isinstance(old, list):
        return _list_diff(old, [])
    return [f"{short(old)} -> {short(new)}"]


def short(value: Any) -> str:
    """Return ``value`` as JSON, cut to ``MAX_VALUE_CHARS`` with ``...``."""
    text = _json(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _line_diff(old: str, new: str) -> list[str]:
    lines = difflib.unified_diff(_lines(old), _lines(new), n=1, lineterm="")
    # Drop the ``---``/``+++`` file headers; the field name stands for them.
    return [line for line in lines if not line.startswith(("---", "+++"))]


def _lines(text: str) -> list[str]:
    # Blank lines and indentation around a TOML multi-line string are noise.
    return text.strip("\n").rstrip().splitlines()


def _inline_diff(old: str, new: str) -> str:
    """Show the text around the first difference as ``[-old-]{+new+}``.

    Control characters such as a trailing newline are shown as escapes.
    """
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]
    ):
        suffix += 1
    before = _escape(old[max(0, prefix - CONTEXT_CHARS) : prefix])
    after = _escape(old[len(old) - suffix :][:CONTEXT_CHARS])
    removed = _cut(_escape(old[prefix : len(old) - suffix]))
    added = _cut(_escape(new[prefix : len(new) - suffix]))
    head = "..." if prefix > CONTEXT_CHARS else ""
    tail = "..." if suffix > CONTEXT_CHARS else ""
    middle = ""
    if removed:
        middle += f"[-{removed}-]"
    if added:
        middle += f"{{+{added}+}}"
    return f"{head}{before}{middle}{after}{tail}"


# Control characters written as escapes, so one value stays on one line.
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in range(32)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def _escape(text: str) -> str:
    return text.translate(_CONTROL_ESCAPES)


def _cut(text: str) -> str:
    if len(text) <= MAX_PART_CHARS:
        return text
    return text[: MAX_PART_CHARS - 3] + "..."


def _list_diff(old: list[Any], new: list[Any]) -> list[str]:
    old_items = [_json(item) for item in old]
    new_items = [_json(item) for item in new]
    removed = [item for item in old_items if item not in new_items]
    added = [item for item in new_items if item not in old_items]
    lines = [f"- {_cut_item(item)}" for item in removed]
    lines += [f"+ {_cut_item(item)}" for item in added]
    if not lines:
        lines.append("same items, new order: " + short(new))
    return lines


def _cut_item(item: str) -> str:
    # Show a string item without its JSON quotes, as in ``+ analyst:reviewed``.
    if item.startswith('"') and '"' not in item[1:-1] and "\\" not in item:
        item = item[1:-1]
    return _cut(item)
