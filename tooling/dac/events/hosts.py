"""Host, agent and user profiles for generated events, one per operating system."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

AGENT_VERSION = "8.17.1"
ECS_VERSION = "8.10.0"  # the ECS release Elastic Defend's package is built on


@dataclass(frozen=True)
class HostProfile:
    """Everything about the machine that every event from it shares."""

    os_type: str
    agent_id: str
    host_id: str
    hostname: str
    ip: tuple[str, ...]
    mac: str
    user_name: str
    user_domain: str
    user_id: str

    def host(self) -> dict[str, Any]:
        """Return the ``host`` object Elastic Defend writes for this machine."""
        return {
            "architecture": "x86_64",
            "hostname": self.hostname,
            "id": self.host_id,
            "ip": list(self.ip),
            "mac": [self.mac],
            "name": self.hostname,
            "os": dict(_OS[self.os_type]),
        }

    def agent(self) -> dict[str, Any]:
        """Return the ``agent`` object of an Elastic Defend event."""
        return {"id": self.agent_id, "type": "endpoint", "version": AGENT_VERSION}

    def user(self) -> dict[str, Any]:
        """Return the ``user`` object of the account that runs the default process."""
        user = {"id": self.user_id, "name": self.user_name}
        if self.user_domain:
            user["domain"] = self.user_domain
        return user


_OS: dict[str, dict[str, Any]] = {
    "windows": {
        "Ext": {"variant": "Windows 11 Pro"},
        "family": "windows",
        "full": "Windows 11 Pro 23H2 (10.0.22631.4602)",
        "kernel": "23H2 (10.0.22631.4602)",
        "name": "Windows",
        "platform": "windows",
        "type": "windows",
        "version": "23H2 (10.0.22631.4602)",
    },
    "linux": {
        "Ext": {"variant": "Ubuntu"},
        "family": "ubuntu",
        "full": "Ubuntu 22.04.5",
        "kernel": "6.8.0-51-generic #52~22.04.1-Ubuntu SMP",
        "name": "Linux",
        "platform": "ubuntu",
        "type": "linux",
        "version": "22.04.5",
    },
    "macos": {
        "Ext": {"variant": "Darwin"},
        "family": "darwin",
        "full": "macOS 14.7.2",
        "kernel": "23.6.0",
        "name": "macOS",
        "platform": "darwin",
        "type": "macos",
        "version": "14.7.2",
    },
}

OS_TYPES = tuple(_OS)


def make_profile(os_type: str, rng: random.Random) -> HostProfile:
    """Draw a host profile for ``os_type`` from ``rng`` (same seed, same host)."""
    if os_type not in _OS:
        raise ValueError(
            f"unknown host.os.type {os_type!r}: use one of {', '.join(OS_TYPES)}"
        )
    agent_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    host_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    suffix = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
    octet = rng.randint(10, 250)
    # IP and MAC addresses come from the documentation ranges (RFC 5737, RFC 7042).
    ip = (f"192.0.2.{octet}", "127.0.0.1")
    mac = f"00-00-5E-00-53-{rng.randint(0, 255):02X}"
    if os_type == "windows":
        rid = rng.randint(1001, 1200)
        return HostProfile(
            os_type=os_type,
            agent_id=agent_id,
            host_id=host_id,
            hostname=f"DESKTOP-{suffix}",
            ip=ip,
            mac=mac,
            user_name="jdoe",
            user_domain="CORP",
            user_id=f"S-1-5-21-1004336348-1177238915-682003330-{rid}",
        )
    return HostProfile(
        os_type=os_type,
        agent_id=agent_id,
        host_id=host_id,
        hostname=f"{'mac' if os_type == 'macos' else 'srv'}-{suffix.lower()}",
        ip=ip,
        mac=mac.replace("-", ":").lower(),
        user_name="jdoe",
        user_domain="",
        user_id=str(rng.randint(1000, 1100)),
    )
