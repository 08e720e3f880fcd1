"""Block network access while Sigma rules are converted.

pySigma can download MITRE ATT&CK data when some code paths ask for it.
Conversion must be offline and use the shipped ATT&CK table, so during an
import every attempt to open a connection raises instead.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock


class NetworkBlockedError(RuntimeError):
    """Raised when code tries to open a network connection during an import."""


def _reject_connection(*args: object, **kwargs: object) -> None:
    raise NetworkBlockedError(
        "network access is disabled while importing Sigma rules; "
        "the importer uses the shipped ATT&CK table"
    )


@contextmanager
def no_network() -> Iterator[None]:
    """Make socket connections and DNS lookups raise :class:`NetworkBlockedError`."""
    with (
        mock.patch.object(socket.socket, "connect", _reject_connection),
        mock.patch.object(socket.socket, "connect_ex", _reject_connection),
        mock.patch.object(socket, "create_connection", _reject_connection),
        mock.patch.object(socket, "getaddrinfo", _reject_connection),
    ):
        yield
