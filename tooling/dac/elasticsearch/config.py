"""Connection settings for Elasticsearch, read from flags and environment variables.

Secrets (API key, password) come only from the environment, never from a
flag or a file in the repository, and are excluded from ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dac.errors import ConfigError
from dac.kibana.redact import check_secret, mask_url_passwords

DEFAULT_URL = "http://127.0.0.1:9200"

# Environment variables, documented in docs/integration.md.
ENV_URL = "DAC_ES_URL"
ENV_API_KEY = "DAC_ES_API_KEY"
ENV_USERNAME = "DAC_ES_USERNAME"
ENV_PASSWORD = "DAC_ES_PASSWORD"
ENV_CA_BUNDLE = "DAC_ES_CA_BUNDLE"
ENV_VERIFY = "DAC_ES_VERIFY"
ENV_TIMEOUT = "DAC_ES_TIMEOUT"

_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class ElasticsearchConfig:
    """Connection settings for one Elasticsearch cluster.

    ``api_key`` is the ``encoded`` value that ``POST /_security/api_key``
    returns (base64 of ``id:api_key``); it wins over ``username``/``password``.
    ``verify`` false disables TLS certificate checks, and ``ca_bundle`` names a
    PEM file of trusted CAs. ``timeout`` is in seconds, per request.
    """

    url: str = DEFAULT_URL
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    verify: bool = True
    timeout: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"invalid Elasticsearch URL {mask_url_passwords(repr(self.url))}: "
                "expected http(s)://host[:port]"
            )
        if parts.username or parts.password:
            raise ConfigError(
                "the Elasticsearch URL must not contain credentials: "
                f"set {ENV_API_KEY} or {ENV_USERNAME}/{ENV_PASSWORD} instead"
            )
        if self.timeout <= 0:
            raise ConfigError(f"invalid timeout {self.timeout}: expected seconds > 0")
        if self.api_key:
            check_secret(self.api_key, "the Elasticsearch API key", ascii_only=True)
        if self.password:
            check_secret(self.password, "the Elasticsearch password")

    @property
    def verify_setting(self) -> bool | str:
        """Return the value for requests' ``verify``: a CA bundle path or a flag."""
        if not self.verify:
            return False
        return self.ca_bundle or True


def config_from_env(
    url: str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> ElasticsearchConfig:
    """Build a config from ``DAC_ES_*`` variables; ``url`` and ``overrides`` win.

    ``overrides`` with the value None are ignored, so CLI flags left unset
    fall through to the environment.
    """
    env = os.environ if environ is None else environ
    timeout_text = env.get(ENV_TIMEOUT, "30")
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise ConfigError(
            f"invalid {ENV_TIMEOUT}={timeout_text!r}: expected a number of seconds"
        ) from None

    values: dict[str, object] = {
        "url": url or env.get(ENV_URL) or DEFAULT_URL,
        "api_key": _secret_from_env(env, ENV_API_KEY, ascii_only=True),
        "username": env.get(ENV_USERNAME) or None,
        "password": _secret_from_env(env, ENV_PASSWORD),
        "ca_bundle": env.get(ENV_CA_BUNDLE) or None,
        "verify": env.get(ENV_VERIFY, "true").strip().lower() not in _FALSE_WORDS,
        "timeout": timeout,
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    if values["password"] and not values["username"]:
        values["username"] = "elastic"
    return ElasticsearchConfig(**values)  # type: ignore[arg-type]


def _secret_from_env(
    env: Mapping[str, str], name: str, *, ascii_only: bool = False
) -> str | None:
    """Read a secret from variable ``name``, stripped of surrounding whitespace.

    Raises ConfigError naming the variable when the value has a line break
    or another control character inside. An empty value counts as unset.
    """
    value = env.get(name, "").strip()
    if not value:
        return None
    check_secret(value, f"environment variable {name}", ascii_only=ascii_only)
    return value
