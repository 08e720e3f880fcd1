"""Endpoint handlers of the Kibana test double (see ``double.py``).

Each handler takes the double's state for one space and returns
``(status, body, content_type)`` or raises ``ApiError``.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import uuid
from typing import TYPE_CHECKING, Any

from kibana import double_store as store
from kibana.double_store import ApiError, platform_error, siem_error

if TYPE_CHECKING:
    from kibana.double import KibanaDouble

RULES = "/api/detection_engine/rules"
MAX_BULK_IDS = 100
MAX_RESULT_WINDOW = 10_000
JSON = "application/json"


def dispatch(
    double: KibanaDouble,
    space: str,
    user: str,
    method: str,
    path: str,
    query: dict[str, list[str]],
    body: bytes,
    headers: Any,
) -> tuple[int, Any, str]:
    """Call the handler for ``method`` and ``path`` (space prefix removed)."""
    rules = double.spaces[space]
    args = {k: v[-1] for k, v in query.items()}
    with double.lock:
        if path == RULES:
            return _crud(rules, user, method, args, body)
        if path == f"{RULES}/_find" and method == "GET":
            return _find(rules, args)
        if path == f"{RULES}/_export" and method == "POST":
            return _export(rules, body)
        if path == f"{RULES}/_import" and method == "POST":
            return _import(rules, user, args, body, headers)
        if path == f"{RULES}/preview" and method == "POST":
            return _preview(_json(body))
    if path == f"{RULES}/_bulk_action" and method == "POST":
        # Outside the lock: the concurrency limit must be observable.
        if not double.bulk_slots.acquire(blocking=False):
            raise siem_error(429, "Too many concurrent bulk actions; try again later")
        try:
            with double.lock:
                return _bulk(rules, user, _json(body))
        finally:
            double.bulk_slots.release()
    raise platform_error(404, "Not Found", "Not Found")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise platform_error(400, "Bad Request", f"[request body]: {exc}") from exc


def _lookup(rules: dict[str, dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    if "rule_id" in args:
        rule = rules.get(args["rule_id"])
        if rule is None:
            raise siem_error(404, f'rule_id: "{args["rule_id"]}" not found')
        return rule
    if "id" in args:
        for rule in rules.values():
            if rule["id"] == args["id"]:
                return rule
        raise siem_error(404, f'id: "{args["id"]}" not found')
    raise siem_error(404, "id or rule_id should have been defined")


def _crud(rules, user, method, args, body) -> tuple[int, Any, str]:
    if method == "GET":
        return 200, _lookup(rules, args), JSON
    if method == "DELETE":
        rule = _lookup(rules, args)
        del rules[rule["rule_id"]]
        return 200, rule, JSON
    payload = _json(body)
    if method == "POST":
        store.validate_body(payload)
        if payload.get("rule_id") in rules:
            raise siem_error(409, f'rule_id: "{payload["rule_id"]}" already exists')
        rule = store.materialize(payload, user)
        rules[rule["rule_id"]] = rule
        return 200, rule, JSON
    if not isinstance(payload, dict):
        raise platform_error(400, "Bad Request", "[request body]: Expected object")
    old = _lookup(rules, {k: payload[k] for k in ("rule_id", "id") if k in payload})
    if method == "PUT":
        store.validate_body(payload)
        rule = store.replace(old, payload, user)
    elif method == "PATCH":
        rule = store.patch(old, payload, user)
    else:
        raise platform_error(404, "Not Found", "Not Found")
    rules[rule["rule_id"]] = rule
    return 200, rule, JSON


def _find(rules, args) -> tuple[int, Any, str]:
    try:
        page = int(args.get("page", 1))
        per_page = int(args.get("per_page", 20))
    except ValueError as exc:
        raise platform_error(400, "Bad Request", f"[request query]: {exc}") from exc
    if page < 1 or per_page < 1:
        raise platform_error(
            400, "Bad Request", "[request query]: page and per_page must be >= 1"
        )
    if page * per_page > MAX_RESULT_WINDOW:
        raise siem_error(
            400,
            "Result window is too large, page * per_page must be <= "
            f"{MAX_RESULT_WINDOW}",
        )
    if ("sort_field" in args) != ("sort_order" in args):
        raise siem_error(
            400,
            ['when "sort_order" and "sort_field" must exist together or not at all'],
        )
    matched = [r for r in rules.values() if store.matches_filter(r, args.get("filter"))]
    field = args.get("sort_field", "created_at")
    matched.sort(
        key=lambda r: (str(r.get(field, "")), r["id"]),
        reverse=args.get("sort_order") == "desc",
    )
    start = (page - 1) * per_page
    data = matched[start : start + per_page]
    return (
        200,
        {"page": page, "perPage": per_page, "total": len(matched), "data": data},
        JSON,
    )


def _bulk(rules, user, body) -> tuple[int, Any, str]:
    if not isinstance(body, dict) or body.get("action") not in (
        "enable",
        "disable",
        "delete",
        "duplicate",
    ):
        raise platform_error(
            400, "Bad Request", "[request body]: action: Invalid discriminator value"
        )
    if "ids" in body and "query" in body:
        raise siem_error(
            400,
            "Both query and ids are sent. "
            "Define either ids or query in request payload.",
        )
    ids = body.get("ids") or []
    if len(ids) > MAX_BULK_IDS:
        raise siem_error(
            400, f"More than {MAX_BULK_IDS} ids sent for bulk edit action."
        )
    by_id = {r["id"]: r for r in rules.values()}
    results = {"updated": [], "created": [], "deleted": [], "skipped": []}
    errors = []
    for object_id in ids:
        rule = by_id.get(object_id)
        if rule is None:
            errors.append(
                {
                    "message": "Rule not found",
                    "status_code": 404,
                    "rules": [{"id": object_id}],
                }
            )
            continue
        kind, outcome = _bulk_one(rules, user, body["action"], rule)
        results[kind].append(outcome)
    succeeded = sum(len(v) for v in results.values())
    summary = {
        "failed": len(ids) - succeeded,
        "skipped": 0,
        "succeeded": succeeded,
        "total": len(ids),
    }
    attributes = {"results": results, "summary": summary}
    if errors:
        attributes["errors"] = errors
        return (
            500,
            {
                "message": "Bulk edit partially failed",
                "status_code": 500,
                "attributes": attributes,
            },
            JSON,
        )
    return (
        200,
        {"success": True, "rules_count": len(ids), "attributes": attributes},
        JSON,
    )


def _bulk_one(rules, user, action, rule) -> tuple[str, dict[str, Any]]:
    """Apply one bulk action to one rule; return the result list and the rule."""
    if action in ("enable", "disable"):
        updated = store.patch(rule, {"enabled": action == "enable"}, user)
        rules[rule["rule_id"]] = updated
        return "updated", updated
    if action == "delete":
        del rules[rule["rule_id"]]
        return "deleted", rule
    copy_body = {k: v for k, v in rule.items() if k not in store.SERVER_FIELDS}
    copy_body.update(
        rule_id=str(uuid.uuid4()),
        name=f"{rule['name']} [Duplicate]",
        enabled=False,
    )
    created = store.materialize(copy_body, user)
    rules[created["rule_id"]] = created
    return "created", created


def _export(rules, body) -> tuple[int, Any, str]:
    payload = _json(body)
    wanted = None
    if isinstance(payload, dict) and payload.get("objects"):
        wanted = [o.get("rule_id") for o in payload["objects"]]
    selected = (
        list(rules.values())
        if wanted is None
        else [rules[r] for r in wanted if r in rules]
    )
    missing = (
        [] if wanted is None else [{"rule_id": r} for r in wanted if r not in rules]
    )
    lines = [
        json.dumps({k: v for k, v in r.items() if k != "execution_summary"})
        for r in selected
    ]
    details = {
        "exported_count": len(selected),
        "exported_rules_count": len(selected),
        "missing_rules": missing,
        "missing_rules_count": len(missing),
        "exported_exception_list_count": 0,
        "exported_exception_list_item_count": 0,
        "exported_action_connector_count": 0,
    }
    lines.append(json.dumps(details))
    return 200, "\n".join(lines) + "\n", "application/ndjson"


def _import(rules, user, args, body, headers) -> tuple[int, Any, str]:
    filename, content = _multipart_file(headers, body)
    extension = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
    if extension != ".ndjson":
        raise siem_error(400, f"Invalid file extension {extension}")
    overwrite = args.get("overwrite") == "true"
    errors, seen, success = [], set(), 0
    lines = [line for line in content.decode("utf-8").splitlines() if line.strip()]
    for line in lines:
        item = json.loads(line)
        rule_id = item.get("rule_id")
        try:
            if rule_id in seen:
                raise siem_error(
                    400, f'More than one rule with rule-id: "{rule_id}" found'
                )
            seen.add(rule_id)
            store.validate_body(item, require_rule_id=True)
            body_fields = {
                k: v for k, v in item.items() if k not in store.SERVER_FIELDS
            }
            body_fields.setdefault("enabled", False)
            if rule_id in rules:
                if not overwrite:
                    raise siem_error(409, f'rule_id: "{rule_id}" already exists')
                rules[rule_id] = store.replace(rules[rule_id], body_fields, user)
            else:
                rules[rule_id] = store.materialize(body_fields, user)
            success += 1
        except ApiError as exc:
            message = exc.body.get("message")
            text = "; ".join(message) if isinstance(message, list) else str(message)
            errors.append(
                {
                    "rule_id": rule_id,
                    "error": {"status_code": exc.status, "message": text},
                }
            )
    answer = {
        "success": not errors,
        "success_count": success,
        "rules_count": len(lines),
        "errors": errors,
        "exceptions_success": True,
        "exceptions_success_count": 0,
        "exceptions_errors": [],
        "action_connectors_success": True,
        "action_connectors_success_count": 0,
        "action_connectors_errors": [],
        "action_connectors_warnings": [],
    }
    return 200, answer, JSON


def _multipart_file(headers: Any, body: bytes) -> tuple[str, bytes]:
    content_type = headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        raise platform_error(400, "Bad Request", "[request body]: file: Required")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_filename() or "", part.get_payload(decode=True) or b""
    raise platform_error(400, "Bad Request", "[request body]: file: Required")


def _preview(body) -> tuple[int, Any, str]:
    store.validate_body(body)
    errors = []
    if not isinstance(body.get("invocationCount"), int) or body["invocationCount"] < 1:
        errors.append("Invalid invocation count")
    if not isinstance(body.get("timeframeEnd"), str):
        raise platform_error(
            400, "Bad Request", "[request body]: timeframeEnd: Required"
        )
    log = {
        "errors": errors,
        "warnings": [],
        "startedAt": store.now_iso(),
        "duration": 1,
    }
    return (
        200,
        {"previewId": str(uuid.uuid4()), "logs": [log], "isAborted": False},
        JSON,
    )


__all__ = ["dispatch"]
