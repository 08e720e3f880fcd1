"""Rule storage and validation for the Kibana test double (see ``double.py``).

The behaviour follows Kibana's documented detection-engine API (version
2023-10-31): required fields, the defaults Kibana fills in on create and on
PUT, server-managed fields, ``revision`` increments and the error bodies.
It is not Kibana, and it checks only what the toolkit relies on.
"""

from __future__ import annotations

import copy
import itertools
import re
import uuid
from datetime import UTC, datetime
from typing import Any

SEVERITIES = ("low", "medium", "high", "critical")
RULE_TYPES = (
    "eql",
    "query",
    "saved_query",
    "threshold",
    "threat_match",
    "machine_learning",
    "new_terms",
    "esql",
)
# Defaults Kibana applies to a create or PUT body (apply_rule_defaults.ts).
DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "interval": "5m",
    "from": "now-6m",
    "to": "now",
    "max_signals": 100,
    "version": 1,
    "tags": [],
    "author": [],
    "references": [],
    "false_positives": [],
    "threat": [],
    "actions": [],
    "exceptions_list": [],
    "risk_score_mapping": [],
    "severity_mapping": [],
    "related_integrations": [],
    "required_fields": [],
    "setup": "",
}
SERVER_FIELDS = (
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "revision",
    "immutable",
    "rule_source",
    "execution_summary",
)
_TICK = itertools.count()


class ApiError(Exception):
    """An error response: HTTP status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(status, body)
        self.status = status
        self.body = body


def platform_error(status: int, error: str, message: str) -> ApiError:
    """Build an error in the Kibana platform shape (route validation, 401)."""
    return ApiError(status, {"statusCode": status, "error": error, "message": message})


def siem_error(status: int, message: str | list[str]) -> ApiError:
    """Build an error in the security-solution shape (message may be a list)."""
    return ApiError(status, {"message": message, "status_code": status})


def now_iso() -> str:
    """Return a strictly increasing ISO timestamp, so updates are observable."""
    tick = next(_TICK)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{tick % 1000:03d}Z"


def validate_body(body: Any, *, require_rule_id: bool = False) -> None:
    """Raise ApiError 400 for a body that Kibana's create schema rejects."""
    if not isinstance(body, dict):
        raise platform_error(400, "Bad Request", "[request body]: Expected object")
    problems = []
    for name in ("name", "description", "risk_score", "severity", "type"):
        if name not in body:
            problems.append(f"{name}: Required")
    if require_rule_id and "rule_id" not in body:
        problems.append("rule_id: Required")
    risk = body.get("risk_score")
    if "risk_score" in body and (
        not isinstance(risk, int) or isinstance(risk, bool) or not 0 <= risk <= 100
    ):
        problems.append("risk_score: Number must be between 0 and 100")
    if "severity" in body and body["severity"] not in SEVERITIES:
        problems.append(f"severity: Invalid enum value '{body['severity']}'")
    if "type" in body and body["type"] not in RULE_TYPES:
        problems.append(f"type: Invalid discriminator value '{body['type']}'")
    if body.get("type") == "eql":
        if not isinstance(body.get("query"), str):
            problems.append("query: Required")
        if body.get("language") != "eql":
            problems.append('language: Invalid literal value, expected "eql"')
    if problems:
        raise platform_error(
            400, "Bad Request", "[request body]: " + ", ".join(problems)
        )
    # Cross-field checks run after the schema and return a list of messages.
    cross = []
    if body.get("timeline_id") and not body.get("timeline_title"):
        cross.append('when "timeline_id" exists, "timeline_title" must also exist')
    if body.get("timeline_title") and not body.get("timeline_id"):
        cross.append('when "timeline_title" exists, "timeline_id" must also exist')
    if cross:
        raise siem_error(400, cross)


def materialize(body: dict[str, Any], user: str) -> dict[str, Any]:
    """Build the stored rule for a new create body: defaults plus server fields."""
    rule = {**copy.deepcopy(DEFAULTS), **copy.deepcopy(body)}
    rule.setdefault("rule_id", str(uuid.uuid4()))
    stamp = now_iso()
    rule.update(
        id=str(uuid.uuid4()),
        created_at=stamp,
        created_by=user,
        updated_at=stamp,
        updated_by=user,
        revision=0,
        immutable=False,
        rule_source={"type": "internal"},
    )
    rule["required_fields"] = [
        {**field, "ecs": False} for field in rule.get("required_fields", [])
    ]
    return rule


def replace(old: dict[str, Any], body: dict[str, Any], user: str) -> dict[str, Any]:
    """Build the stored rule for a PUT: unspecified fields go back to defaults."""
    new = materialize(body, user)
    for name in ("id", "rule_id", "created_at", "created_by", "revision"):
        new[name] = old[name]
    return finish_update(old, new, user)


def patch(old: dict[str, Any], body: dict[str, Any], user: str) -> dict[str, Any]:
    """Build the stored rule for a PATCH: only the sent fields change."""
    new = copy.deepcopy(old)
    for name, value in body.items():
        if name in ("id", "rule_id") or name in SERVER_FIELDS:
            continue
        new[name] = copy.deepcopy(value)
    if "required_fields" in body:
        new["required_fields"] = [
            {**field, "ecs": False} for field in body["required_fields"]
        ]
    return finish_update(old, new, user)


def finish_update(
    old: dict[str, Any], new: dict[str, Any], user: str
) -> dict[str, Any]:
    """Stamp an update; ``revision`` grows only when a parameter changed.

    Kibana bumps ``revision`` on changes to the rule's parameters, not on
    ``enabled`` toggles, and never bumps ``version``.
    """
    ignored = set(SERVER_FIELDS) | {"enabled"}
    changed = any(
        old.get(key) != new.get(key)
        for key in set(old) | set(new)
        if key not in ignored
    )
    if changed:
        new["revision"] = old["revision"] + 1
    if changed or old.get("enabled") != new.get("enabled"):
        new["updated_at"] = now_iso()
        new["updated_by"] = user
    else:
        new["updated_at"] = old["updated_at"]
        new["updated_by"] = old["updated_by"]
    return new


_FILTER_CLAUSE = re.compile(
    r'^alert\.attributes\.(tags|params\.ruleId|name|enabled)\s*:\s*"?((?:[^"\\]|\\.)*)"?$'
)


def matches_filter(rule: dict[str, Any], kql: str | None) -> bool:
    """Evaluate the small KQL subset the toolkit sends.

    That subset is ``X:"v"`` clauses joined by AND, and such groups joined
    by OR. Raises ApiError 400 for anything else, so an unexpected filter
    shows up in tests instead of silently matching everything.
    """
    if not kql:
        return True
    groups = re.split(r"\s+OR\s+", kql.strip())
    results = [_matches_all(rule, group, kql) for group in groups]
    return any(results)


def _matches_all(rule: dict[str, Any], group: str, kql: str) -> bool:
    """Tell whether ``rule`` matches every AND-joined clause of ``group``."""
    for clause in re.split(r"\s+AND\s+", group.strip()):
        match = _FILTER_CLAUSE.match(clause.strip())
        if not match:
            raise siem_error(400, f"the test double does not support filter {kql!r}")
        field, value = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
        if field == "tags" and value not in rule.get("tags", []):
            return False
        if field == "params.ruleId" and rule.get("rule_id") != value:
            return False
        if field == "name" and rule.get("name") != value:
            return False
        if field == "enabled" and str(rule.get("enabled")).lower() != value:
            return False
    return True
