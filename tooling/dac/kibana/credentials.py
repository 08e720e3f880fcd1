"""Kibana credentials, read from an environment variable or a file, never printed.

The config names where a secret lives, never the secret itself. The secret is
kept in a :class:`Credentials` object whose ``repr`` and ``str`` are redacted,
and it only leaves the process in the ``Authorization`` header.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path

import requests

from dac.errors import ConfigError
from dac.kibana.redact import check_secret, secret_forms

# A credential file larger than this is not a credential file.
MAX_SECRET_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Credentials:
    """An ``Authorization`` header value and where it came from.

    ``scheme`` is ``ApiKey`` or ``Basic``; ``source`` names the environment
    variable or file (safe to show), and ``token`` is the secret.
    """

    scheme: str
    source: str
    token: str = field(repr=False)

    def header(self) -> str:
        """Return the value of the ``Authorization`` header."""
        return f"{self.scheme} {self.token}"

    def secret_forms(self) -> tuple[str, ...]:
        """Return the strings to mask in server messages (see ``redact``)."""
        return secret_forms([self.token])

    def __repr__(self) -> str:
        return f"Credentials(scheme={self.scheme!r}, source={self.source!r}, ***)"

    __str__ = __repr__


class CredentialsAuth(requests.auth.AuthBase):
    """requests auth hook that sets the ``Authorization`` header per request."""

    def __init__(self, credentials: Credentials):
        self._credentials = credentials

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._credentials.header()
        return request

    def __repr__(self) -> str:
        return f"CredentialsAuth({self._credentials!r})"


def read_secret(
    env: str | None = None, file: str | Path | None = None, *, ascii_only: bool = False
) -> str:
    """Read a secret from the environment variable ``env`` or from ``file``.

    Surrounding whitespace (a trailing newline in a file or a pasted ``\\r``
    in a variable) is removed. A value with a line break or another control
    character inside, or with a non-ASCII character when ``ascii_only`` is
    set, is rejected. Raises :class:`ConfigError` naming the variable or
    file, never the value.
    """
    if env:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ConfigError(
                f"environment variable {env} is not set or empty; export it with "
                "the Kibana credential before running dac"
            )
        check_secret(value, f"environment variable {env}", ascii_only=ascii_only)
        return value
    if file:
        path = Path(file).expanduser()
        try:
            if path.stat().st_size > MAX_SECRET_FILE_BYTES:
                raise ConfigError(
                    f"credential file {path} is over {MAX_SECRET_FILE_BYTES} bytes; "
                    "it must contain only the credential"
                )
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read credential file {path}: {exc.strerror}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"credential file {path} is not UTF-8 text") from exc
        if not value:
            raise ConfigError(f"credential file {path} is empty")
        check_secret(value, f"credential file {path}", ascii_only=ascii_only)
        return value
    raise ConfigError("no credential source given; set an env variable or a file")


def api_key_credentials(env: str | None = None, file: str | None = None) -> Credentials:
    """Build API key credentials from the ``encoded`` value of an Elasticsearch key."""
    token = read_secret(env, file, ascii_only=True)
    return Credentials("ApiKey", f"env {env}" if env else f"file {file}", token)


def basic_credentials(
    username: str, password_env: str | None = None, password_file: str | None = None
) -> Credentials:
    """Build basic-auth credentials for ``username``, password from env or file."""
    password = read_secret(password_env, password_file)
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    source = f"env {password_env}" if password_env else f"file {password_file}"
    return Credentials("Basic", f"user {username}, password from {source}", token)
