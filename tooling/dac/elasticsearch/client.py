"""A small Elasticsearch REST client on requests.

It covers only the calls the test backends need: cluster info, index
templates, ``_bulk``, ``_eql/search``, ``_search``, ``_refresh`` and data
stream deletion. Every HTTP exchange goes through :meth:`ElasticsearchClient.request`,
which sets authentication, TLS verification and the timeout, and turns
failures into :class:`~dac.errors.ElasticsearchError`. Log lines and error
messages carry the method and path only, never headers or credentials.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from dac.elasticsearch.config import ElasticsearchConfig
from dac.errors import ConfigError, ElasticsearchConnectionError, ElasticsearchError
from dac.kibana.redact import mask_secrets, secret_forms

log = logging.getLogger(__name__)

# Maximum number of characters of a response body quoted in an exception.
_MAX_REASON_CHARS = 2000


class ElasticsearchClient:
    """Send requests to one Elasticsearch cluster with the configured credentials."""

    def __init__(
        self, config: ElasticsearchConfig, session: requests.Session | None = None
    ) -> None:
        self.config = config
        self._base = config.url.rstrip("/")
        self._session = session or requests.Session()
        self._session.verify = config.verify_setting
        if config.api_key:
            self._session.headers["Authorization"] = f"ApiKey {config.api_key}"
        elif config.username and config.password:
            self._session.auth = (config.username, config.password)
        basic = None
        if config.username and config.password:
            pair = f"{config.username}:{config.password}".encode()
            basic = base64.b64encode(pair).decode("ascii")
        self._secret_forms = secret_forms([config.api_key, config.password, basic])

    def __repr__(self) -> str:
        return f"ElasticsearchClient(url={self._base!r})"

    def close(self) -> None:
        """Close the underlying HTTP session."""
        self._session.close()

    # -- transport --------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        ndjson: str | None = None,
        allowed_status: Iterable[int] = (),
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON response.

        ``body`` is sent as JSON and ``ndjson`` as ``application/x-ndjson``.
        A status >= 400 raises :class:`ElasticsearchError` unless it is in
        ``allowed_status``, in which case the decoded body is returned.
        Connection failures and timeouts raise :class:`ElasticsearchConnectionError`.
        """
        url = f"{self._base}{path}"
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if ndjson is not None:
            headers["Content-Type"] = "application/x-ndjson"
            data = ndjson.encode("utf-8")
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")

        log.debug("%s %s", method, path)
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self.config.timeout,
            )
        except requests.exceptions.SSLError as exc:
            raise ElasticsearchConnectionError(
                f"TLS verification failed for {self._base}: {_first_line(exc)}; "
                "set DAC_ES_CA_BUNDLE to the cluster's CA certificate"
            ) from None
        except requests.exceptions.Timeout:
            raise ElasticsearchConnectionError(
                f"{method} {path} on {self._base} timed out after "
                f"{self.config.timeout:g} s; raise DAC_ES_TIMEOUT or check the cluster"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise ElasticsearchConnectionError(
                f"cannot connect to Elasticsearch at {self._base}: {_first_line(exc)}; "
                "start it (make stack-up) or set DAC_ES_URL / --es-url"
            ) from None
        except (requests.exceptions.InvalidHeader, ValueError) as exc:
            # These messages quote the header value, which can be the
            # credential, so only the class name is kept, without chaining.
            raise ConfigError(
                f"{method} {path}: cannot build the request to {self._base} "
                f"({exc.__class__.__name__}); check that DAC_ES_API_KEY or "
                "DAC_ES_PASSWORD is one line without control characters"
            ) from None

        if response.status_code < 400 or response.status_code in set(allowed_status):
            return _decode(response)
        # An error body can quote the request's Authorization header.
        decoded = _decode(response, self._secret_forms)
        raise ElasticsearchError(
            _error_message(method, path, response.status_code, decoded),
            status=response.status_code,
        )

    # -- API calls ----------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Return the cluster's root document (name, version)."""
        return self.request("GET", "/")

    def put_index_template(self, name: str, template: Mapping[str, Any]) -> None:
        """Create or replace the composable index template ``name``."""
        self.request("PUT", f"/_index_template/{_segment(name)}", body=template)

    def bulk(self, ndjson: str, refresh: str = "true") -> dict[str, Any]:
        """Send a ``_bulk`` request body; the caller checks the per-item results."""
        return self.request(
            "POST", "/_bulk", params={"refresh": refresh}, ndjson=ndjson
        )

    def eql_search(
        self, indexes: Iterable[str], body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run an EQL search over ``indexes`` (patterns allowed).

        Missing indexes are ignored, as a detection rule ignores them, so a
        pattern that matches nothing returns no hits instead of an error.
        """
        target = ",".join(_segment(index) for index in indexes)
        params = {"allow_no_indices": "true", "ignore_unavailable": "true"}
        return self.request("POST", f"/{target}/_eql/search", params=params, body=body)

    def search(self, index: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Run a ``_search`` over ``index``; a missing index returns no hits."""
        params = {"allow_no_indices": "true", "ignore_unavailable": "true"}
        return self.request(
            "POST", f"/{_segment(index)}/_search", params=params, body=body
        )

    def refresh(self, index: str) -> None:
        """Refresh ``index`` so that recent writes become searchable."""
        params = {"allow_no_indices": "true", "ignore_unavailable": "true"}
        self.request("POST", f"/{_segment(index)}/_refresh", params=params)

    def resolve_indexes(self, patterns: Iterable[str]) -> list[str]:
        """Return the concrete (also hidden) index names matching ``patterns``."""
        target = ",".join(_segment(pattern) for pattern in patterns)
        response = self.request(
            "GET", f"/_resolve/index/{target}", params={"expand_wildcards": "all"}
        )
        return sorted(
            entry["name"]
            for entry in response.get("indices", [])
            if isinstance(entry, dict) and isinstance(entry.get("name"), str)
        )

    def delete_indexes(self, names: Iterable[str]) -> None:
        """Delete concrete indexes by name; missing ones are skipped.

        Names must be concrete, because Elasticsearch rejects wildcard
        deletes by default (``action.destructive_requires_name``).
        """
        joined = ",".join(_segment(name) for name in names)
        if joined:
            self.request(
                "DELETE",
                f"/{joined}",
                params={"ignore_unavailable": "true"},
                allowed_status=(404,),
            )

    def delete_data_streams(self, names: Iterable[str]) -> None:
        """Delete data streams and their backing indexes; missing ones are skipped."""
        joined = ",".join(_segment(name) for name in names)
        if joined:
            self.request("DELETE", f"/_data_stream/{joined}", allowed_status=(404,))


def _segment(name: str) -> str:
    """Percent-encode one path segment, keeping the characters index patterns use."""
    return quote(name, safe="*,.-_+")


def _decode(
    response: requests.Response, masked: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Decode a JSON body; with ``masked``, mask those strings in the text first."""
    if not response.content:
        return {}
    text = mask_secrets(response.text, masked) if masked else None
    try:
        decoded = response.json() if text is None else json.loads(text)
    except (ValueError, RecursionError):
        text = response.text if text is None else text
        return {"raw": text[:_MAX_REASON_CHARS]}
    return decoded if isinstance(decoded, dict) else {"value": decoded}


def _error_message(method: str, path: str, status: int, body: Mapping[str, Any]) -> str:
    """Format the ``error.type`` and ``error.reason`` of an error body as one line."""
    error = body.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        caused_by = error.get("caused_by")
        if isinstance(caused_by, dict) and caused_by.get("reason"):
            reason += f" (caused by {caused_by.get('type')}: {caused_by['reason']})"
    elif isinstance(error, str):
        reason = error
    else:
        reason = json.dumps(body)
    reason = reason[:_MAX_REASON_CHARS]
    hint = ""
    if status == 401:
        hint = "; check DAC_ES_API_KEY or DAC_ES_USERNAME/DAC_ES_PASSWORD"
    elif status == 403:
        hint = "; the credentials lack a privilege this call needs"
    return f"Elasticsearch returned {status} for {method} {path}: {reason}{hint}"


def _first_line(exc: BaseException) -> str:
    """Return the operating system's reason (``[Errno 111] ...``) or the first line."""
    text = str(exc).strip()
    start = text.find("[Errno")
    if start >= 0:
        return text[start:].split('"')[0].split(")")[0].strip()
    lines = text.splitlines()
    return lines[0][:300] if lines else type(exc).__name__
