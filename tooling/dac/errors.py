"""Exceptions raised by the toolkit.

Every exception a caller can act on derives from :class:`DacError`::

    DacError
    ├── RuleLoadError        a rule file cannot be read or is not valid TOML
    ├── EqlError
    │   ├── EqlSyntaxError   the query does not parse (line, column, expected)
    │   └── EqlSemanticError the query parses but Elasticsearch would reject it
    ├── SchemaError          a shipped or generated field table is missing or invalid
    ├── TestCaseError        a test-case file is malformed or names an unknown field
    ├── ConfigError          the environment config file is missing or invalid
    ├── KibanaError          Kibana answered with an error or could not be reached
    └── ElasticsearchError   Elasticsearch returned an error response
        └── ElasticsearchConnectionError  it could not be reached

The CLI turns each of these into a message and an exit code; none of them
should reach a user as a traceback.
"""

from __future__ import annotations


class DacError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class RuleLoadError(DacError):
    """A rule file cannot be read, decoded or parsed as TOML."""

    def __init__(self, message: str, path: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class EqlError(DacError):
    """Base class of EQL errors; carries the 1-based position in the query."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class EqlSyntaxError(EqlError):
    """The query text does not match Elasticsearch's EQL grammar."""

    def __init__(
        self,
        message: str,
        line: int = 1,
        column: int = 1,
        expected: tuple[str, ...] = (),
    ):
        super().__init__(message, line, column)
        self.expected = expected


class EqlSemanticError(EqlError):
    """The query parses but Elasticsearch would reject it (types, unmapped fields)."""


class SchemaError(DacError):
    """A field table is missing, unreadable or inconsistent."""


class TestCaseError(DacError):
    """A rule's test-case file is malformed or names an unknown field."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, path: str = "", case: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path
        self.case = case

    def __str__(self) -> str:
        where = self.path
        if self.case:
            where = f"{where}: case {self.case!r}" if where else f"case {self.case!r}"
        return f"{where}: {self.message}" if where else self.message


class ConfigError(DacError):
    """The environment config file is missing, malformed or incomplete."""


class KibanaError(DacError):
    """Kibana returned an error response or could not be reached."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ElasticsearchError(DacError):
    """Elasticsearch returned an error response (``status`` is the HTTP status)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ElasticsearchConnectionError(ElasticsearchError):
    """Elasticsearch could not be reached (refused, DNS or TLS failure, timeout)."""
