"""HTTP client for Kibana's detection-engine API (public version 2023-10-31).

Every request carries ``elastic-api-version`` and ``kbn-xsrf``, goes to the
configured space (``/s/<space>`` prefix unless the space is ``default``),
verifies TLS unless verification is turned off, has a timeout, and is retried on 429,
502, 503, 504 and connection errors (see :mod:`dac.kibana.retry`). Errors are
:mod:`dac.kibana.errors` classes carrying Kibana's message. Credentials only
ever travel in the ``Authorization`` header, and an error body is read with
every form of the credential masked, in case the server quotes the header.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from dac.errors import ConfigError
from dac.kibana.credentials import Credentials, CredentialsAuth
from dac.kibana.errors import (
    KibanaResponseError,
    KibanaTLSError,
    KibanaUnavailableError,
    error_for_status,
)
from dac.kibana.redact import mask_secrets, mask_url_passwords
from dac.kibana.retry import RETRY_STATUSES, RetryPolicy

log = logging.getLogger(__name__)

API_VERSION = "2023-10-31"
RULES_PATH = "/api/detection_engine/rules"
# Kibana rejects a _bulk_action with more ids than this (RULES_TABLE_MAX_PAGE_SIZE).
MAX_BULK_IDS = 100
DEFAULT_TIMEOUT = (10.0, 60.0)


class KibanaClient:
    """A connection to one Kibana space.

    ``verify`` is True (system CAs), False (no verification, for a local
    test stack only) or the path of a CA bundle. ``timeout`` is the
    ``(connect, read)`` timeout in seconds. ``sleep`` is replaceable so tests
    can observe backoff delays without waiting.
    """

    def __init__(
        self,
        url: str,
        *,
        space: str = "default",
        credentials: Credentials | None = None,
        verify: bool | str = True,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise ConfigError(
                "Kibana URL must not contain credentials; configure them as auth"
            )
        try:
            parts.port  # noqa: B018 - raises ValueError on a non-numeric port
        except ValueError:
            valid_port = False
        else:
            valid_port = True
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not valid_port
        ):
            raise ConfigError(
                "Kibana URL must be http(s)://host[:port], "
                f"got {mask_url_passwords(repr(url))}"
            )
        self.base_url = url.rstrip("/")
        self.space = space
        self.verify = verify
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.headers.update(
            {"elastic-api-version": API_VERSION, "kbn-xsrf": "dac"}
        )
        if credentials is not None:
            self._session.auth = CredentialsAuth(credentials)
        self._credentials = credentials
        self._secret_forms = credentials.secret_forms() if credentials else ()

    def __repr__(self) -> str:
        auth = self._credentials.scheme if self._credentials else "none"
        return (
            f"KibanaClient(url={self.base_url!r}, space={self.space!r}, "
            f"auth={auth}, verify={self.verify!r})"
        )

    def close(self) -> None:
        """Close the underlying HTTP session."""
        self._session.close()

    def __enter__(self) -> KibanaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transport --------------------------------------------------------

    def space_path(self, path: str) -> str:
        """Prefix ``path`` with ``/s/<space>`` unless the space is ``default``."""
        if self.space and self.space != "default":
            return f"/s/{quote(self.space, safe='')}{path}"
        return path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        raw: bool = False,
        accept_statuses: tuple[int, ...] = (),
    ) -> Any:
        """Send one request, retrying transient failures, and return the body.

        Returns parsed JSON, or the text when ``raw`` is true. A status in
        ``accept_statuses`` is returned like a success (``_bulk_action``
        reports partial failures as HTTP 500 with results in the body).
        Raises a ``dac.kibana.errors.KibanaApiError`` subclass otherwise.
        """
        full_path = self.space_path(path)
        send = {"params": params, "json": json_body, "files": files}
        for attempt in range(self.retry.max_attempts):
            last = attempt + 1 >= self.retry.max_attempts
            try:
                response = self._send(method, full_path, send)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = "timed out" if _is_timeout(exc) else "connection failed"
                reason = f"{failure} ({_short_reason(exc)})"
                if last:
                    raise KibanaUnavailableError(
                        f"{method} {full_path} to {self.base_url}: {reason} after "
                        f"{attempt + 1} attempts; check that Kibana is up and "
                        "kibana_url is right"
                    ) from exc
                self._wait(method, full_path, reason, attempt, None)
                continue

            status = response.status_code
            if status in RETRY_STATUSES and not last:
                retry_after = response.headers.get("Retry-After")
                self._wait(method, full_path, f"HTTP {status}", attempt, retry_after)
                continue
            log.debug("%s %s -> %d", method, full_path, status)
            return self._parse(method, full_path, response, raw, accept_statuses)
        raise AssertionError("unreachable: the loop returns or raises")

    def _send(
        self, method: str, full_path: str, send: dict[str, Any]
    ) -> requests.Response:
        """Send one attempt; a TLS failure is raised at once, never retried."""
        try:
            return self._session.request(
                method,
                self.base_url + full_path,
                verify=self.verify,
                timeout=self.timeout,
                **send,
            )
        except requests.exceptions.SSLError as exc:
            raise KibanaTLSError(
                f"{method} {full_path}: TLS verification with {self.base_url} "
                "failed; set ca_bundle to the CA that signed Kibana's "
                f"certificate ({_short_reason(exc)})"
            ) from exc
        except (requests.exceptions.InvalidHeader, ValueError) as exc:
            # The message of these errors quotes the header value, which can
            # be the credential, so only the class name is kept and the
            # original exception is not chained.
            source = self._credentials.source if self._credentials else "none"
            raise ConfigError(
                f"{method} {full_path}: cannot build the request to "
                f"{self.base_url} ({exc.__class__.__name__}); check that the "
                f"credential ({source}) is one line without control characters"
            ) from None

    def _wait(
        self,
        method: str,
        full_path: str,
        reason: str,
        attempt: int,
        retry_after: str | None,
    ) -> None:
        """Log a retry and sleep for the policy's delay."""
        delay = self.retry.delay(attempt, retry_after)
        log.warning(
            "%s %s: %s; retry %d of %d in %.1fs",
            method,
            full_path,
            reason,
            attempt + 1,
            self.retry.max_attempts - 1,
            delay,
        )
        self._sleep(delay)

    def _parse(
        self,
        method: str,
        full_path: str,
        response: requests.Response,
        raw: bool,
        accept_statuses: tuple[int, ...],
    ) -> Any:
        status = response.status_code
        ok = 200 <= status < 300 or status in accept_statuses
        if ok and raw:
            return response.text
        success = 200 <= status < 300
        # An error body can quote the request's Authorization header, so it
        # is read with every form of the credential masked.
        text = "" if success else mask_secrets(response.text, self._secret_forms)
        try:
            if success:
                body = response.json() if response.content else None
            else:
                body = json.loads(text) if text else None
        except (ValueError, RecursionError):
            if ok:
                raise KibanaResponseError(
                    f"{method} {full_path}: HTTP {status} with a body that is not "
                    "JSON; check that the URL points at Kibana, not Elasticsearch "
                    "or a proxy page",
                    status,
                ) from None
            body = None
        if ok:
            return body
        raise error_for_status(status, method, full_path, body, text)

    # -- single-rule CRUD ---------------------------------------------------

    def create_rule(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        """Create a rule (POST); raises KibanaConflictError if the rule_id exists."""
        return self.request("POST", RULES_PATH, json_body=dict(rule))

    def read_rule(
        self, rule_id: str | None = None, *, id: str | None = None
    ) -> dict[str, Any]:
        """Read a rule by ``rule_id`` or object ``id``; raises KibanaNotFoundError."""
        return self.request("GET", RULES_PATH, params=_one_id(rule_id, id))

    def update_rule(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        """Replace a rule (PUT): fields left out are reset to Kibana's defaults."""
        return self.request("PUT", RULES_PATH, json_body=dict(rule))

    def patch_rule(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Change only the given fields; ``fields`` must contain rule_id or id."""
        return self.request("PATCH", RULES_PATH, json_body=dict(fields))

    def delete_rule(
        self, rule_id: str | None = None, *, id: str | None = None
    ) -> dict[str, Any]:
        """Delete a rule by ``rule_id`` or ``id`` and return the deleted rule."""
        return self.request("DELETE", RULES_PATH, params=_one_id(rule_id, id))

    # -- many rules ---------------------------------------------------------

    def find_rules(
        self,
        filter: str | None = None,
        *,
        per_page: int = 100,
        sort_field: str = "created_at",
        sort_order: str = "asc",
    ) -> Iterator[dict[str, Any]]:
        """Yield every rule matching the KQL ``filter``, page by page.

        Paging is stable only while no rule is created or deleted, so a plan
        reads all pages before anything is applied.
        """
        page = 1
        while True:
            params: dict[str, Any] = {
                "page": page,
                "per_page": per_page,
                "sort_field": sort_field,
                "sort_order": sort_order,
            }
            if filter:
                params["filter"] = filter
            body = self.request("GET", f"{RULES_PATH}/_find", params=params)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise KibanaResponseError("_find returned no 'data' list")
            yield from body["data"]
            total = int(body.get("total", 0))
            page_size = int(body.get("perPage", per_page)) or per_page
            if not body["data"] or page * page_size >= total:
                return
            page += 1

    def find_rules_by_tag(self, tag: str, per_page: int = 100) -> list[dict[str, Any]]:
        """Return every rule carrying ``tag`` (for example the managed tag)."""
        escaped = tag.replace("\\", "\\\\").replace('"', '\\"')
        return list(
            self.find_rules(f'alert.attributes.tags:"{escaped}"', per_page=per_page)
        )

    def bulk_action(
        self, action: str, ids: list[str], **options: Any
    ) -> dict[str, Any]:
        """Run a ``_bulk_action`` on rule object ids, 100 ids per request.

        ``action`` is ``enable``, ``disable``, ``delete`` or ``duplicate``;
        ``options`` are extra body keys (for example ``duplicate={...}``).
        Returns merged ``results`` (``created``, ``updated``, ``deleted``,
        ``skipped``) and ``errors``; a partial failure (HTTP 500 with
        results) is returned, not raised.
        """
        merged: dict[str, Any] = {
            "results": {"created": [], "updated": [], "deleted": [], "skipped": []},
            "errors": [],
        }
        for start in range(0, len(ids), MAX_BULK_IDS):
            chunk = ids[start : start + MAX_BULK_IDS]
            body = {"action": action, "ids": chunk, **options}
            answer = self.request(
                "POST",
                f"{RULES_PATH}/_bulk_action",
                json_body=body,
                accept_statuses=(500,),
            )
            attributes = answer.get("attributes") if isinstance(answer, dict) else None
            if not isinstance(attributes, dict):
                raise error_for_status(
                    500, "POST", self.space_path(f"{RULES_PATH}/_bulk_action"), answer
                )
            results = attributes.get("results") or {}
            for key, items in merged["results"].items():
                items.extend(results.get(key) or [])
            merged["errors"].extend(attributes.get("errors") or [])
        return merged

    def export_rules(self, rule_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Export rules as parsed ndjson objects; the last one is the details line.

        ``rule_ids`` None exports every rule in the space.
        """
        body = {"objects": [{"rule_id": r} for r in rule_ids]} if rule_ids else None
        text = self.request(
            "POST",
            f"{RULES_PATH}/_export",
            params={"exclude_export_details": "false", "file_name": "export.ndjson"},
            json_body=body,
            raw=True,
        )
        return parse_ndjson(text)

    def import_rules(
        self, rules: list[Mapping[str, Any]], *, overwrite: bool = False
    ) -> dict[str, Any]:
        """Import rules with ``_import`` (multipart ndjson) and return the summary.

        Kibana returns HTTP 200 even when rules fail, so callers must read
        ``errors`` (one entry per failed rule, with ``rule_id`` and
        ``error.status_code``/``error.message``).
        """
        payload = "".join(json.dumps(rule, sort_keys=True) + "\n" for rule in rules)
        files = {
            "file": ("rules.ndjson", payload.encode("utf-8"), "application/ndjson")
        }
        params = {"overwrite": "true" if overwrite else "false"}
        return self.request("POST", f"{RULES_PATH}/_import", params=params, files=files)

    def preview_rule(
        self, rule: Mapping[str, Any], invocation_count: int, timeframe_end: str
    ) -> dict[str, Any]:
        """Run a rule through the preview API and return ``previewId``, ``logs``.

        Alerts go to ``.preview.alerts-security.alerts-<space>`` with
        ``kibana.alert.rule.uuid`` equal to ``previewId``.
        """
        body = {
            **rule,
            "invocationCount": invocation_count,
            "timeframeEnd": timeframe_end,
        }
        return self.request("POST", f"{RULES_PATH}/preview", json_body=body)


def parse_ndjson(text: str) -> list[dict[str, Any]]:
    """Parse ndjson text into objects; raises KibanaResponseError on a bad line."""
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise KibanaResponseError(
                f"line {number} of the export is not JSON: {exc.msg}"
            ) from exc
        if not isinstance(value, dict):
            raise KibanaResponseError(f"line {number} of the export is not an object")
        objects.append(value)
    return objects


def _one_id(rule_id: str | None, id: str | None) -> dict[str, str]:
    if (rule_id is None) == (id is None):
        raise ValueError("pass exactly one of rule_id or id")
    return {"rule_id": rule_id} if rule_id is not None else {"id": id}  # type: ignore[dict-item]


def _is_timeout(exc: Exception) -> bool:
    return isinstance(exc, requests.Timeout)


def _short_reason(exc: Exception) -> str:
    """Name the failure without the URL that requests embeds in its messages."""
    reason = exc.__class__.__name__
    inner = exc.args[0] if exc.args else None
    cause = getattr(inner, "reason", None)
    if cause is not None:
        reason = f"{reason}: {cause.__class__.__name__}"
    return reason
