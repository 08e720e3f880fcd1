"""Data stream and default fields Elastic Defend writes for each kind of event.

Values follow the Elastic Defend (``endpoint``) package's event documentation:
every event kind lives in a ``logs-endpoint.events.<stream>-<namespace>``
data stream, carries ``event.category`` and ``event.type`` as arrays, and an
``event.action`` naming what happened.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dac.events.hosts import HostProfile


@dataclass(frozen=True)
class Category:
    """One kind of event the factory builds."""

    name: str
    stream: str  # the data stream suffix after "endpoint.events."
    event_category: tuple[str, ...]
    event_type: tuple[str, ...]
    action_by_type: dict[str, str]
    extra: Callable[[HostProfile, random.Random], dict[str, Any]]
    has_process: bool = True

    @property
    def dataset(self) -> str:
        return f"endpoint.events.{self.stream}"

    def action_for(self, event_types: list[str]) -> str:
        """Return the default ``event.action`` for the first matching ``event.type``."""
        for event_type in event_types:
            if event_type in self.action_by_type:
                return self.action_by_type[event_type]
        return next(iter(self.action_by_type.values()))


def _no_extra(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    return {}


def _file(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    if host.os_type == "windows":
        path = (
            f"C:\\Users\\{host.user_name}\\Documents\\report-{rng.randint(1, 99)}.docx"
        )
        name = path.rsplit("\\", 1)[-1]
    else:
        path = f"/home/{host.user_name}/report-{rng.randint(1, 99)}.txt"
        name = path.rsplit("/", 1)[-1]
    return {"file": {"path": path, "name": name, "extension": name.rsplit(".", 1)[-1]}}


def _network(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    return {
        "source": {"ip": host.ip[0], "port": rng.randint(49152, 65535)},
        "destination": {"ip": f"198.51.100.{rng.randint(1, 254)}", "port": 443},
        "network": {"direction": "egress", "transport": "tcp", "type": "ipv4"},
    }


def _dns(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    return {
        "dns": {
            "question": {"name": "www.example.com", "type": "A"},
            "resolved_ip": [f"203.0.113.{rng.randint(1, 254)}"],
        },
        "network": {"protocol": "dns"},
    }


def _registry(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    key = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
    return {
        "registry": {
            "hive": "HKLM",
            "key": key,
            "path": f"HKLM\\{key}\\Updater",
            "value": "Updater",
            "data": {"strings": ["C:\\Program Files\\Updater\\updater.exe"]},
        }
    }


def _library(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    if host.os_type == "windows":
        path = "C:\\Windows\\System32\\version.dll"
    else:
        path = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
    return {"dll": {"name": path.replace("\\", "/").rsplit("/", 1)[-1], "path": path}}


def _authentication(host: HostProfile, rng: random.Random) -> dict[str, Any]:
    return {
        "event": {"outcome": "success"},
        "source": {"ip": f"192.0.2.{rng.randint(1, 254)}"},
    }


CATEGORIES: dict[str, Category] = {
    "process": Category(
        "process",
        "process",
        ("process",),
        ("start",),
        {"start": "start", "end": "end", "info": "already_running"},
        _no_extra,
    ),
    "file": Category(
        "file",
        "file",
        ("file",),
        ("creation",),
        {"creation": "creation", "change": "overwrite", "deletion": "deletion"},
        _file,
    ),
    "network": Category(
        "network",
        "network",
        ("network",),
        ("start",),
        {"start": "connection_attempted", "end": "disconnect_received"},
        _network,
    ),
    "dns": Category(
        "dns",
        "network",
        ("network",),
        ("protocol", "info"),
        {"protocol": "lookup_result", "info": "lookup_result"},
        _dns,
    ),
    "registry": Category(
        "registry",
        "registry",
        ("registry",),
        ("change",),
        {"change": "modification", "creation": "modification", "deletion": "deletion"},
        _registry,
    ),
    "library": Category(
        "library",
        "library",
        ("library",),
        ("start",),
        {"start": "load"},
        _library,
    ),
    "authentication": Category(
        "authentication",
        "security",
        ("authentication",),
        ("start",),
        {"start": "log_on", "end": "log_off"},
        _authentication,
        has_process=False,
    ),
}


def category_of(compact: dict[str, Any], shorthand: str | None) -> Category:
    """Pick the category of a compact event.

    An explicit ``category`` shorthand wins. Otherwise the first value of
    ``event.category`` decides, and a network event that carries ``dns``
    fields is a DNS event. With neither, the event is a process event.
    Raises ValueError naming the accepted values for an unknown category.
    """
    name = shorthand
    if name is None:
        event = compact.get("event")
        value = event.get("category") if isinstance(event, dict) else None
        if isinstance(value, list):
            value = value[0] if value else None
        name = value if isinstance(value, str) else "process"
        if name == "network" and "dns" in compact:
            name = "dns"
    category = CATEGORIES.get(name)
    if category is None:
        raise ValueError(
            f"unknown event category {name!r}: use one of {', '.join(CATEGORIES)}"
        )
    return category
