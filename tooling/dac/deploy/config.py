"""The deploy config file (``dac.toml``): managed tag and one table per environment.

The file is TOML, validated with a JSON Schema, and relative paths in it
(rule paths, CA bundle, credential files, version lock) resolve against the
file's directory. It names where credentials live, never the credentials.
See docs/deploy.md for every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from dac.errors import ConfigError
from dac.kibana import (
    Credentials,
    KibanaClient,
    RetryPolicy,
    api_key_credentials,
    basic_credentials,
)
from dac.kibana.redact import mask_url_passwords

DEFAULT_CONFIG = "dac.toml"
DEFAULT_MANAGED_TAG = "managed-by:dac"
MATURITIES = ("development", "experimental", "beta", "production", "deprecated")

_STRING_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}
_AUTH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "api_key_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "api_key_file": {"type": "string", "minLength": 1},
        "username": {"type": "string", "minLength": 1},
        "password_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "password_file": {"type": "string", "minLength": 1},
    },
}
_ENVIRONMENT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kibana_url", "auth"],
    "properties": {
        "kibana_url": {"type": "string", "pattern": "^https?://[^/@\\s]+(/.*)?$"},
        "space": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
        "auth": _AUTH_SCHEMA,
        "verify_tls": {"type": "boolean"},
        "ca_bundle": {"type": "string", "minLength": 1},
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10},
        "enabled": {"type": "boolean"},
        "rules": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "paths": {**_STRING_LIST, "minItems": 1},
                "maturity": {
                    "type": "array",
                    "items": {"enum": list(MATURITIES)},
                },
                "tags": _STRING_LIST,
                "exclude_tags": _STRING_LIST,
            },
        },
    },
}
CONFIG_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["environments"],
    "properties": {
        "managed_tag": {"type": "string", "minLength": 1, "pattern": '^[^"\\\\]+$'},
        "version_lock": {"type": "string", "minLength": 1},
        "environments": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"},
            "additionalProperties": _ENVIRONMENT_SCHEMA,
        },
        # Read by ``dac nightly`` (dac.review.nightly.datasets_from_config).
        "nightly": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "datasets": {
                    "type": "array",
                    "items": {
                        "oneOf": [
                            {"type": "string", "minLength": 1},
                            {
                                "type": "object",
                                "required": ["path"],
                                "additionalProperties": False,
                                "properties": {
                                    "path": {"type": "string", "minLength": 1},
                                    "kind": {"enum": ["benign", "attack"]},
                                },
                            },
                        ]
                    },
                },
            },
        },
    },
}

# How to fix a value that failed the schema, by the last key of its path.
_FIXES = {
    "kibana_url": "use http(s)://host[:port] without user:password; "
    "credentials go in the auth table",
    "space": "use the space id (lowercase letters, digits, '_' or '-'), "
    "for example 'default'",
    "api_key_env": "name an environment variable, for example DAC_PROD_API_KEY",
    "password_env": "name an environment variable, for example DAC_PROD_PASSWORD",
    "maturity": f"choose from {', '.join(MATURITIES)}",
    "managed_tag": "use a non-empty tag without double quotes or backslashes",
    "timeout_seconds": "give seconds between 0 and 600",
    "max_attempts": "give an integer from 1 to 10",
    "environments": "add at least one [environments.<name>] table",
}


@dataclass(frozen=True)
class RuleSelection:
    """The filter that picks the repository rules an environment receives.

    A rule is selected when it lies under one of ``paths``, its maturity is
    in ``maturity`` (any maturity when empty), it carries one of ``tags``
    (any tags when empty) and none of ``exclude_tags``.
    """

    paths: tuple[Path, ...]
    maturity: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthSource:
    """The source of an environment's credential: variable or file names only."""

    api_key_env: str | None = None
    api_key_file: Path | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None

    def credentials(self) -> Credentials:
        """Read the secret now; raises ConfigError naming the source if absent."""
        if self.api_key_env or self.api_key_file:
            file = str(self.api_key_file) if self.api_key_file else None
            return api_key_credentials(self.api_key_env, file)
        file = str(self.password_file) if self.password_file else None
        return basic_credentials(self.username or "", self.password_env, file)


@dataclass(frozen=True)
class Environment:
    """One deploy target: a Kibana space and the rules that go there."""

    name: str
    kibana_url: str
    space: str
    auth: AuthSource
    rules: RuleSelection
    managed_tag: str
    enabled: bool = True
    verify_tls: bool = True
    ca_bundle: Path | None = None
    timeout_seconds: float = 60.0
    max_attempts: int = 5

    def client(self, **overrides: Any) -> KibanaClient:
        """Build a Kibana client for this environment, reading the credential now.

        ``overrides`` replace KibanaClient arguments (credentials, retry...).
        """
        verify: bool | str = self.verify_tls
        if self.verify_tls and self.ca_bundle is not None:
            verify = str(self.ca_bundle)
        options: dict[str, Any] = {
            "space": self.space,
            "verify": verify,
            "timeout": (min(10.0, self.timeout_seconds), self.timeout_seconds),
            "retry": RetryPolicy(max_attempts=self.max_attempts),
        }
        options.update(overrides)
        if "credentials" not in options:
            try:
                options["credentials"] = self.auth.credentials()
            except ConfigError as exc:
                raise ConfigError(f"environment {self.name}, auth: {exc}") from exc
        return KibanaClient(self.kibana_url, **options)


@dataclass(frozen=True)
class DeployConfig:
    """The whole config file."""

    path: Path
    managed_tag: str
    version_lock: Path
    environments: dict[str, Environment] = field(default_factory=dict)

    def environment(self, name: str) -> Environment:
        """Return the named environment or raise ConfigError listing the names."""
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(sorted(self.environments)) or "none"
            raise ConfigError(
                f"{self.path}: no environment {name!r}; defined: {known}. "
                f"Add an [environments.{name}] table or pick a defined one"
            ) from None


def load_config(path: str | Path = DEFAULT_CONFIG) -> DeployConfig:
    """Read and validate the deploy config file.

    Raises ConfigError naming the file, the key path and the fix.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found; create it (see docs/deploy.md) "
            "or pass --config FILE"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> DeployConfig:
    """Validate parsed TOML ``data`` from ``path`` and build the config."""
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        # A URL rejected for carrying user:password must not be echoed whole.
        details = "\n".join(mask_url_passwords(_describe(e)) for e in errors)
        raise ConfigError(f"{path}: invalid config:\n{details}")
    base = path.parent
    managed_tag = data.get("managed_tag", DEFAULT_MANAGED_TAG)
    environments = {
        name: _environment(name, table, base, managed_tag, path)
        for name, table in data["environments"].items()
    }
    lock = base / data.get("version_lock", "version.lock.json")
    return DeployConfig(path, managed_tag, lock, environments)


def _environment(
    name: str, table: dict[str, Any], base: Path, managed_tag: str, path: Path
) -> Environment:
    auth = _auth(table["auth"], base, f"{path}: environments.{name}.auth")
    rules = table.get("rules", {})
    selection = RuleSelection(
        paths=tuple(base / p for p in rules.get("paths", ["detections"])),
        maturity=tuple(rules.get("maturity", [])),
        tags=tuple(rules.get("tags", [])),
        exclude_tags=tuple(rules.get("exclude_tags", [])),
    )
    ca_bundle = table.get("ca_bundle")
    return Environment(
        name=name,
        kibana_url=table["kibana_url"].rstrip("/"),
        space=table.get("space", "default"),
        auth=auth,
        rules=selection,
        managed_tag=managed_tag,
        enabled=table.get("enabled", True),
        verify_tls=table.get("verify_tls", True),
        ca_bundle=base / ca_bundle if ca_bundle else None,
        timeout_seconds=float(table.get("timeout_seconds", 60.0)),
        max_attempts=table.get("max_attempts", 5),
    )


def _auth(table: dict[str, Any], base: Path, where: str) -> AuthSource:
    api_key = [k for k in ("api_key_env", "api_key_file") if k in table]
    password = [k for k in ("password_env", "password_file") if k in table]
    if api_key and ("username" in table or password):
        raise ConfigError(
            f"{where}: set either an API key (api_key_env or api_key_file) or "
            "basic auth (username with password_env or password_file), not both"
        )
    if len(api_key) > 1 or len(password) > 1:
        raise ConfigError(
            f"{where}: {' and '.join(api_key or password)} are both set; keep one"
        )
    if not api_key and not ("username" in table and password):
        raise ConfigError(
            f'{where}: missing credential source; add api_key_env = "VAR" '
            "(or api_key_file), or username with password_env or password_file"
        )

    def resolve(key: str) -> Path | None:
        return base / Path(table[key]).expanduser() if key in table else None

    return AuthSource(
        api_key_env=table.get("api_key_env"),
        api_key_file=resolve("api_key_file"),
        username=table.get("username"),
        password_env=table.get("password_env"),
        password_file=resolve("password_file"),
    )


def _describe(error: jsonschema.ValidationError) -> str:
    """Render one schema error as ``key.path: problem; fix``."""
    keys = [str(part) for part in error.absolute_path]
    where = ".".join(keys) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        if allowed:
            return (
                f"  {where}: unknown key {', '.join(map(repr, extra))}; "
                f"valid keys are {', '.join(allowed)}"
            )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"  {where}: missing key {missing!r}; add it"
    fix = ""
    for key in reversed(keys):
        if not key.isdigit():
            fix = _FIXES.get(key, "")
            break
    problem = error.message
    if error.validator == "pattern":
        problem = f"{error.instance!r} has an invalid form"
    return f"  {where}: {problem}" + (f"; {fix}" if fix else "")
