"""Convert repository rules to Kibana's rule JSON and back, and hash the content.

``to_kibana`` builds the body that deploy sends. ``comparable`` reduces a
body or a Kibana response to the fields the repository owns, so both sides
of a diff have the same shape. ``content_hash`` hashes that view.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from dac.rules import Rule

if TYPE_CHECKING:
    from dac.deploy.config import Environment

log = logging.getLogger(__name__)

HASH_TAG_PREFIX = "dac-sha256:"
HASH_TAG_LENGTH = 16

# Defaults Kibana applies when a create or PUT body leaves a field out
# (RULE_DEFAULTS in Kibana's apply_rule_defaults.ts on the main branch).
# Making them explicit keeps a plan stable whether the repository writes
# them or not.
KIBANA_DEFAULTS: dict[str, Any] = {
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

# Type-specific defaults from the same Kibana function (setTypeSpecificDefaults).
KUERY_TYPES = frozenset(
    {"query", "saved_query", "threshold", "new_terms", "threat_match"}
)
DEFAULT_INDICATOR_PATH = "threat.indicator"

# Rule fields of Kibana's create/update API (version 2023-10-31) that a
# repository rule may set. Other [rule] keys are not sent, except the
# detection-rules new_terms table, which to_kibana translates.
RULE_FIELDS = frozenset(
    {
        *KIBANA_DEFAULTS,
        "rule_id",
        "name",
        "description",
        "risk_score",
        "severity",
        "type",
        "language",
        "query",
        "enabled",
        "note",
        "license",
        "meta",
        "rule_name_override",
        "timestamp_override",
        "timestamp_override_fallback_disabled",
        "timeline_id",
        "timeline_title",
        "building_block_type",
        "investigation_fields",
        "response_actions",
        "throttle",
        "index",
        "data_view_id",
        "filters",
        "saved_id",
        "event_category_override",
        "timestamp_field",
        "tiebreaker_field",
        "alert_suppression",
        "threshold",
        "new_terms_fields",
        "history_window_start",
        "threat_query",
        "threat_mapping",
        "threat_index",
        "threat_filters",
        "threat_indicator_path",
        "threat_language",
        "concurrent_searches",
        "items_per_search",
        "anomaly_threshold",
        "machine_learning_job_id",
    }
)


def to_kibana(
    rule: Rule, environment: Environment | None, version: int | None = None
) -> dict[str, Any]:
    """Build the Kibana create/update body for ``rule`` in ``environment``.

    Repository-only tables (``metadata``, ``transform``...) and unknown
    ``[rule]`` keys are dropped, and Kibana's defaults are filled in. A
    ``version`` argument (for example from the version lock) is used when
    the rule states none.
    With an environment, ``enabled`` is set from it and the managed tag and
    the content-hash tag are added. Without one (for the version lock), the
    result holds only environment-independent content.
    """
    source = rule.rule
    body: dict[str, Any] = copy.deepcopy(KIBANA_DEFAULTS)
    for key, value in source.items():
        if key in RULE_FIELDS:
            body[key] = copy.deepcopy(value)
        elif key == "new_terms":
            body.update(_new_terms_fields(value))
        else:
            log.warning(
                "%s: [rule] key %r is not a Kibana field; not sent", rule.path, key
            )
    if "version" not in source and version is not None:
        body["version"] = version
    _apply_type_defaults(body)
    fields = body.get("investigation_fields")
    if isinstance(fields, list):
        body["investigation_fields"] = {"field_names": fields}
    if environment is None:
        return body
    body["enabled"] = environment.enabled
    tags = [t for t in body["tags"] if not is_hash_tag(t)]
    if environment.managed_tag not in tags:
        tags.append(environment.managed_tag)
    body["tags"] = tags
    body["tags"].append(hash_tag(content_hash(body)))
    return body


def _new_terms_fields(table: Any) -> dict[str, Any]:
    """Translate detection-rules' ``[rule.new_terms]`` table to the API fields.

    The table has ``field = "new_terms_fields"`` with the fields as ``value``
    and a ``history_window_start`` list of ``{field, value}`` entries.
    """
    fields: dict[str, Any] = {}
    if not isinstance(table, dict):
        return fields
    if table.get("field") == "new_terms_fields":
        fields["new_terms_fields"] = copy.deepcopy(table.get("value"))
    for entry in table.get("history_window_start") or []:
        if isinstance(entry, dict) and entry.get("field") == "history_window_start":
            fields["history_window_start"] = entry.get("value")
    return fields


def _apply_type_defaults(body: dict[str, Any]) -> None:
    """Fill in the defaults and normal forms Kibana applies per rule type."""
    rule_type = body.get("type")
    if rule_type == "eql":
        body.setdefault("language", "eql")
    if rule_type in KUERY_TYPES:
        body.setdefault("language", "kuery")
    if rule_type == "query":
        body.setdefault("query", "")
    if rule_type == "threat_match":
        body.setdefault("threat_indicator_path", DEFAULT_INDICATOR_PATH)
    if rule_type == "machine_learning" and isinstance(
        body.get("machine_learning_job_id"), str
    ):
        body["machine_learning_job_id"] = [body["machine_learning_job_id"]]
    threshold = body.get("threshold")
    if isinstance(threshold, dict) and isinstance(threshold.get("field"), str):
        field = threshold["field"]
        body["threshold"] = {**threshold, "field": [field] if field else []}


def is_hash_tag(tag: Any) -> bool:
    """Tell whether ``tag`` is a content-hash tag written by deploy."""
    return isinstance(tag, str) and tag.startswith(HASH_TAG_PREFIX)


def hash_tag(digest: str) -> str:
    """Return the tag that records ``digest`` on a deployed rule."""
    return HASH_TAG_PREFIX + digest[:HASH_TAG_LENGTH]


def recorded_hash(rule_json: dict[str, Any]) -> str | None:
    """Return the content hash recorded in a Kibana rule's tags, if any."""
    tags = rule_json.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        if is_hash_tag(tag):
            return tag[len(HASH_TAG_PREFIX) :]
    return None


def comparable(rule_json: dict[str, Any]) -> dict[str, Any]:
    """Reduce a rule body or Kibana response to the fields a repository owns.

    Server-managed fields (id, revision, timestamps, execution_summary...)
    and fields the toolkit never sends are dropped, as are empty values,
    which Kibana treats as absent. Content-hash tags, the computed ``ecs``
    flag of ``required_fields`` and action ``uuid`` values are removed.
    """
    view: dict[str, Any] = {}
    for key, value in rule_json.items():
        if key not in RULE_FIELDS or value in (None, "", [], {}):
            continue
        view[key] = copy.deepcopy(value)
    # A value of an unexpected type (from an export file or a server) is
    # kept as it is, so it compares unequal instead of raising.
    if isinstance(view.get("tags"), list):
        view["tags"] = [t for t in view["tags"] if not is_hash_tag(t)]
        if not view["tags"]:
            del view["tags"]
    if isinstance(view.get("required_fields"), list):
        view["required_fields"] = [
            _without_key(item, "ecs") for item in view["required_fields"]
        ]
    # NOTE: Kibana may also fill in an action's ``frequency``; a rule whose
    # actions omit it would then plan an update on every run.
    if isinstance(view.get("actions"), list):
        view["actions"] = [_without_key(item, "uuid") for item in view["actions"]]
    return view


def _without_key(item: Any, key: str) -> Any:
    """Return a dict ``item`` without ``key``; any other value unchanged."""
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items() if k != key}


def content_hash(rule_json: dict[str, Any]) -> str:
    """Return the sha256 hex digest of the comparable view, canonically encoded."""
    canonical = json.dumps(
        comparable(rule_json), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_hash(rule: Rule) -> str:
    """Return the version-lock hash: environment-independent content, no version."""
    body = to_kibana(rule, None)
    body.pop("version", None)
    return content_hash(body)


def diff_fields(desired: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Return the sorted names of fields whose comparable values differ."""
    left, right = comparable(desired), comparable(current)
    return sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))
