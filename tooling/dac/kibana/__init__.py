"""Client for Kibana's detection-engine API: rules CRUD, _find, bulk, export, import."""

from dac.kibana.client import API_VERSION, MAX_BULK_IDS, KibanaClient, parse_ndjson
from dac.kibana.credentials import (
    Credentials,
    api_key_credentials,
    basic_credentials,
)
from dac.kibana.errors import (
    KibanaApiError,
    KibanaAuthError,
    KibanaBadRequestError,
    KibanaConflictError,
    KibanaError,
    KibanaForbiddenError,
    KibanaNotFoundError,
    KibanaRateLimitError,
    KibanaResponseError,
    KibanaTLSError,
    KibanaUnavailableError,
)
from dac.kibana.retry import RetryPolicy, parse_retry_after

__all__ = [
    "API_VERSION",
    "MAX_BULK_IDS",
    "Credentials",
    "KibanaApiError",
    "KibanaAuthError",
    "KibanaBadRequestError",
    "KibanaClient",
    "KibanaConflictError",
    "KibanaError",
    "KibanaForbiddenError",
    "KibanaNotFoundError",
    "KibanaRateLimitError",
    "KibanaResponseError",
    "KibanaTLSError",
    "KibanaUnavailableError",
    "RetryPolicy",
    "api_key_credentials",
    "basic_credentials",
    "parse_ndjson",
    "parse_retry_after",
]
