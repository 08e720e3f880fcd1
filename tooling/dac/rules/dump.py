"""Write rules as TOML in the elastic/detection-rules layout: [metadata] and [rule].

Keys are written sorted, with ``query`` last among the ``[rule]`` values, so
the query closes the table as in detection-rules. Strings with line breaks
become multi-line strings, unless a value contains a carriage return, which
only an escaped one-line string preserves. Every written document is parsed back and
compared, so a file that would not load the same is never written.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from dac.errors import RuleLoadError

_SLUG_CHARACTERS = re.compile(r"[^a-z0-9]+")
MAX_STEM_CHARS = 80


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _ordered(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def dump_rule(data: dict[str, Any]) -> str:
    """Serialize a rule document (``metadata``, ``rule``...) to TOML text.

    Raises RuleLoadError when the data cannot be written as TOML that reads
    back equal (for example a ``None`` value).
    """
    document: dict[str, Any] = {}
    for table in ("metadata", "rule"):
        if table in data:
            document[table] = _ordered(data[table])
    for table in sorted(set(data) - {"metadata", "rule"}):
        document[table] = _ordered(data[table])
    rule = document.get("rule")
    if isinstance(rule, dict) and "query" in rule:
        rule["query"] = rule.pop("query")
    try:
        text = _with_literal_query(document)
        if text is not None and tomllib.loads(text) == document:
            return text
        text = tomli_w.dumps(document, multiline_strings=True)
        if tomllib.loads(text) == document:
            return text
        # TOML readers turn a CRLF inside a multi-line string into LF, so a
        # value with "\r\n" reads back changed. Escaped one-line strings keep
        # every character.
        text = tomli_w.dumps(document, multiline_strings=False)
    except TypeError as exc:
        raise RuleLoadError(f"cannot write rule as TOML: {exc}", "<dump>") from exc
    if tomllib.loads(text) != document:
        raise RuleLoadError("TOML output does not read back equal", "<dump>")
    return text


def rule_file_stem(name: str, rule_id: str) -> str:
    """Return a safe file stem from a rule name: lowercase words joined by ``_``."""
    stem = _SLUG_CHARACTERS.sub("_", name.lower()).strip("_")[:MAX_STEM_CHARS]
    return stem.strip("_") or _SLUG_CHARACTERS.sub("_", rule_id.lower()).strip("_")


def write_rule_file(
    data: dict[str, Any], directory: Path, overwrite: bool = False
) -> Path:
    """Write one rule under ``directory`` as ``<name>.toml`` and return the path.

    The path comes from :func:`choose_rule_path`, so a file that contains a
    different rule is never replaced. The same rule's file is replaced only
    with ``overwrite``. Otherwise FileExistsError is raised.
    """
    rule = data.get("rule", {})
    rule_id = str(rule.get("rule_id", ""))
    stem = rule_file_stem(str(rule.get("name", "")), rule_id)
    path = choose_rule_path(directory, stem, rule_id)
    if path.exists() and not overwrite:
        raise FileExistsError(path)
    text = dump_rule(data)
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def choose_rule_path(directory: Path, stem: str, rule_id: str) -> Path:
    """Return the path of the file that contains ``rule_id``, or a free one.

    Candidates are ``<stem>.toml``, ``<stem>_<rule_id>.toml``, then
    ``<stem>_<rule_id>_2.toml`` and so on up to the first missing number. A
    candidate that contains the same rule_id is returned. Otherwise the first
    missing candidate is. A file that contains another rule, or cannot be read,
    is never chosen, so rules with the same name never share a file.
    """
    id_stem = rule_file_stem("", rule_id)[:MAX_STEM_CHARS]
    base = f"{stem}_{id_stem}" if id_stem and id_stem != stem else stem
    named = [directory / f"{name}.toml" for name in dict.fromkeys([stem, base])]
    for path in named:
        if path.exists() and _rule_id_of(path) == rule_id:
            return path
    for number in itertools.count(2):
        numbered = directory / f"{base}_{number}.toml"
        if not numbered.exists():
            break
        if _rule_id_of(numbered) == rule_id:
            return numbered
    for path in named:
        if not path.exists():
            return path
    return numbered


def _rule_id_of(path: Path) -> str | None:
    try:
        return (
            tomllib.loads(path.read_text(encoding="utf-8"))
            .get("rule", {})
            .get("rule_id")
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return None


_QUERY_PLACEHOLDER = "__dac_query_placeholder__"


def _with_literal_query(document: dict[str, Any]) -> str | None:
    """Write the query as a literal ``\'\'\'`` string, as detection-rules does.

    A literal string has no escapes, so each character of the query sits at
    the same column in the file as in the query, and diagnostics point at
    the right place. Returns None when the query cannot be written literally
    (it contains ``\'\'\'`` or a control character other than tab and newline).
    """
    rule = document.get("rule")
    query = rule.get("query") if isinstance(rule, dict) else None
    if not isinstance(query, str) or "'''" in query or query.endswith("'"):
        return None
    if any(ord(char) < 32 and char not in "\t\n" for char in query) or "\x7f" in query:
        return None
    placeholder_document = dict(document, rule=dict(rule, query=_QUERY_PLACEHOLDER))
    text = tomli_w.dumps(placeholder_document, multiline_strings=True)
    line = f'query = "{_QUERY_PLACEHOLDER}"'
    if text.count(line) != 1:
        return None
    return text.replace(line, "query = '''\n" + query + "'''")
