"""Errors raised by the Kibana client, one class per failure a caller can act on.

::

    KibanaError (dac.errors)
    └── KibanaApiError           base of the classes below
        ├── KibanaAuthError          401: credentials missing, wrong or expired
        ├── KibanaForbiddenError     403: the user lacks a privilege or licence
        ├── KibanaNotFoundError      404: no rule (or space) with that id or rule_id
        ├── KibanaConflictError      409: a rule with that rule_id already exists
        ├── KibanaBadRequestError    400: Kibana rejected the request body or query
        ├── KibanaRateLimitError     429 after the last retry
        ├── KibanaTLSError           the TLS handshake or certificate check failed
        ├── KibanaUnavailableError   502, 503, 504, timeout or connection error
        │                            after the last retry
        └── KibanaResponseError      500, any other status, or a body that is not JSON
"""

from __future__ import annotations

from typing import Any

from dac.errors import KibanaError

__all__ = [
    "KibanaApiError",
    "KibanaAuthError",
    "KibanaBadRequestError",
    "KibanaConflictError",
    "KibanaError",
    "KibanaForbiddenError",
    "KibanaNotFoundError",
    "KibanaRateLimitError",
    "KibanaResponseError",
    "KibanaTLSError",
    "KibanaUnavailableError",
    "error_for_status",
    "messages_from_body",
]


class KibanaApiError(KibanaError):
    """Base of the client's errors; carries Kibana's messages and the parsed body."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        messages: list[str] | None = None,
        body: Any = None,
    ):
        super().__init__(message, status)
        self.messages = messages or []
        self.body = body


class KibanaAuthError(KibanaApiError):
    """Kibana rejected the credentials (401)."""


class KibanaForbiddenError(KibanaApiError):
    """The credentials are valid but lack a Kibana privilege or licence (403)."""


class KibanaNotFoundError(KibanaApiError):
    """The rule, rule_id or space does not exist (404)."""


class KibanaConflictError(KibanaApiError):
    """A rule with the same rule_id already exists in the space (409)."""


class KibanaBadRequestError(KibanaApiError):
    """Kibana rejected the request as invalid (400)."""


class KibanaRateLimitError(KibanaApiError):
    """Kibana still returned 429 (too many concurrent requests) after all retries."""


class KibanaUnavailableError(KibanaApiError):
    """Kibana was unreachable, timed out, or returned 502/503/504 on every try."""


class KibanaTLSError(KibanaApiError):
    """The TLS connection failed, usually because the CA bundle does not match."""


class KibanaResponseError(KibanaApiError):
    """Kibana returned 500, another unexpected status, or a body that is not JSON."""


_BY_STATUS: dict[int, type[KibanaApiError]] = {
    400: KibanaBadRequestError,
    401: KibanaAuthError,
    403: KibanaForbiddenError,
    404: KibanaNotFoundError,
    409: KibanaConflictError,
    429: KibanaRateLimitError,
    502: KibanaUnavailableError,
    503: KibanaUnavailableError,
    504: KibanaUnavailableError,
}


def messages_from_body(body: Any) -> list[str]:
    """Extract Kibana's error messages from a response body.

    Kibana uses two error shapes: the platform shape ``{"statusCode", "error",
    "message"}`` and the security-solution shape ``{"message", "status_code"}``,
    where ``message`` is a string or a list of strings.
    """
    if not isinstance(body, dict):
        return []
    message = body.get("message")
    if isinstance(message, str):
        return [message]
    if isinstance(message, list):
        return [str(item) for item in message]
    error = body.get("error")
    if isinstance(error, str):
        return [error]
    return []


def error_for_status(
    status: int, method: str, path: str, body: Any, fallback_text: str = ""
) -> KibanaApiError:
    """Build the exception for an error response; ``path`` must not hold secrets."""
    messages = messages_from_body(body)
    if not messages and fallback_text:
        messages = [fallback_text[:200]]
    detail = "; ".join(messages) if messages else "no message in the response"
    cls = _BY_STATUS.get(status, KibanaResponseError)
    return cls(
        f"{method} {path} failed with HTTP {status}: {detail}", status, messages, body
    )
