"""Turn Kibana rule JSON (an ``_export`` ndjson file or API responses) into TOML rules.

The result is the detection-rules layout: ``[metadata]`` with dates and
maturity, ``[rule]`` with the fields the repository owns. Server-managed
fields, ``enabled`` (set per environment by the deploy config), the
managed tag, content-hash tags and values equal to Kibana's defaults are
left out, so deploying the written file reproduces the rule.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dac.deploy.config import DEFAULT_MANAGED_TAG
from dac.deploy.convert import KIBANA_DEFAULTS, comparable
from dac.errors import RuleLoadError
from dac.rules.dump import write_rule_file

log = logging.getLogger(__name__)

# An export file larger than Kibana's default import payload limit
# (xpack.securitySolution.maxRuleImportPayloadBytes) is not a rule export.
MAX_NDJSON_BYTES = 10 * 1024 * 1024


# Types of the rule fields the converter reads (Kibana API 2023-10-31).
_FIELD_TYPES = {
    "rule_id": "string",
    "name": "string",
    "type": "string",
    "language": "string",
    "description": "string",
    "severity": "string",
    "query": "string",
    "risk_score": "integer",
    "max_signals": "integer",
    "version": "integer",
    "tags": "list of strings",
    "index": "list of strings",
    "author": "list of strings",
    "references": "list of strings",
    "false_positives": "list of strings",
    "required_fields": "list of objects",
    "actions": "list of objects",
}
_ITEM_TYPES = {"list of strings": str, "list of objects": dict}
_ARTICLES = {"string": "a string", "integer": "an integer"}
# bool before int, because bool is a subclass of int.
_JSON_TYPE_NAMES = (
    (bool, "a boolean"),
    (int, "a number"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


@dataclass
class ImportReport:
    """Files written and lines skipped, with the reason for each skip."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def rule_from_kibana(
    rule_json: dict[str, Any], managed_tag: str | None = DEFAULT_MANAGED_TAG
) -> dict[str, Any]:
    """Convert one Kibana rule object into a TOML rule document."""
    rule = comparable(rule_json)
    rule.pop("enabled", None)
    tags = [t for t in rule.get("tags", []) if t != managed_tag]
    if tags:
        rule["tags"] = tags
    else:
        rule.pop("tags", None)
    for key, default in KIBANA_DEFAULTS.items():
        if key in rule and rule[key] == default:
            del rule[key]
    metadata: dict[str, Any] = {"maturity": "production"}
    for source, target in (
        ("created_at", "creation_date"),
        ("updated_at", "updated_date"),
    ):
        stamp = rule_json.get(source)
        if isinstance(stamp, str) and len(stamp) >= 10:
            metadata[target] = stamp[:10].replace("-", "/")
    return {"metadata": metadata, "rule": rule}


def field_type_problem(rule_json: dict[str, Any]) -> str | None:
    """Describe the first field of ``rule_json`` whose type differs from Kibana's.

    Only the fields the converter reads or iterates are checked; ``dac
    validate`` checks the written TOML in full. Returns None when all fit.
    """
    for key, expected in _FIELD_TYPES.items():
        value = rule_json.get(key)
        if value is None:
            continue
        if expected in _ITEM_TYPES:
            if not isinstance(value, list):
                return f"{key} must be a {expected}, got {_json_type(value)}"
            item_type = _ITEM_TYPES[expected]
            for index, item in enumerate(value):
                if not isinstance(item, item_type):
                    return (
                        f"{key} must be a {expected}, but item {index} is "
                        f"{_json_type(item)}"
                    )
        elif not _has_type(value, expected):
            return f"{key} must be {_ARTICLES[expected]}, got {_json_type(value)}"
    return None


def _has_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _json_type(value: Any) -> str:
    """Name the JSON type of a decoded value, for messages."""
    for kind, name in _JSON_TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return "null"


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    """Read an ndjson file into objects; errors name the file and line."""
    return [item for _, item in read_ndjson_lines(path)]


def read_ndjson_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read an ndjson file into ``(line number, object)`` pairs.

    Line numbers count every line of the file, blank ones included, so they
    match an editor's. Errors name the file and line.
    """
    try:
        size = path.stat().st_size
        if size > MAX_NDJSON_BYTES:
            raise RuleLoadError(
                f"file is {size} bytes, over the {MAX_NDJSON_BYTES}-byte limit of a "
                "Kibana rule export",
                str(path),
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleLoadError(f"cannot read file: {exc.strerror}", str(path)) from exc
    except UnicodeDecodeError as exc:
        raise RuleLoadError("file is not UTF-8 text", str(path)) from exc
    objects = []
    # Split on "\n" only, as JSON Lines does: str.splitlines would also break
    # at characters such as U+2028 and shift the numbers.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise RuleLoadError(
                f"line is not JSON ({exc.msg}); each line must be one JSON object",
                str(path),
                number,
            ) from exc
        except RecursionError:
            raise RuleLoadError(
                "line is nested too deeply to be a Kibana rule", str(path), number
            ) from None
        if not isinstance(value, dict):
            raise RuleLoadError("line is not a JSON object", str(path), number)
        objects.append((number, value))
    return objects


def import_ndjson(
    path: Path,
    out_dir: Path,
    managed_tag: str | None = DEFAULT_MANAGED_TAG,
    overwrite: bool = False,
) -> ImportReport:
    """Write each rule of a Kibana export file as a TOML file under ``out_dir``.

    The export-details line, exception lists and connectors are skipped and
    reported. Rules without ``rule_id``, ``name`` or ``type``, and rules
    with a field of the wrong JSON type, are skipped too.
    An existing file of the same rule is kept unless ``overwrite`` is set,
    and a file of another rule is never replaced. Only the first line of a
    repeated rule_id is written.
    """
    report = ImportReport()
    first_lines: dict[str, int] = {}
    for number, item in read_ndjson_lines(path):
        if "exported_count" in item or "exported_rules_count" in item:
            continue
        if "rule_id" not in item:
            kind = "exception list or item" if "list_id" in item else "non-rule object"
            report.skipped.append(f"line {number}: {kind}, not a rule")
            continue
        missing = [k for k in ("name", "type") if k not in item]
        if missing:
            report.skipped.append(
                f"line {number}: rule {item['rule_id']!r} lacks {', '.join(missing)}"
            )
            continue
        problem = field_type_problem(item)
        if problem:
            report.skipped.append(f"line {number}: rule {item['rule_id']!r}: {problem}")
            continue
        # A second line with the same rule_id would replace the first one's
        # file under --overwrite, so only the first line is written.
        first_line = first_lines.setdefault(item["rule_id"], number)
        if first_line != number:
            report.skipped.append(
                f"line {number}: rule {item['rule_id']!r} repeats line {first_line}; "
                "only the first is written"
            )
            continue
        try:
            written = write_rule_file(
                rule_from_kibana(item, managed_tag), out_dir, overwrite
            )
        except FileExistsError as exc:
            report.skipped.append(
                f"line {number}: {exc.args[0]} exists; pass --overwrite to replace it"
            )
            continue
        except (RuleLoadError, OSError) as exc:
            report.skipped.append(f"line {number}: rule {item['rule_id']!r}: {exc}")
            continue
        report.written.append(written)
        log.info("wrote %s", written)
    return report
