"""Probes for the integration stack: is Docker usable, are the services up."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import requests

# Seconds a single `docker` probe may take before the engine counts as absent.
DOCKER_PROBE_TIMEOUT = 10.0


def docker_problem() -> str | None:
    """Return why the compose stack cannot be started here, or None if it can."""
    if shutil.which("docker") is None:
        return "no docker command on PATH"
    checks = (
        (
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            "no Docker engine responds",
        ),
        (["docker", "compose", "version"], "the Docker Compose v2 plugin is missing"),
    )
    for command, reason in checks:
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=DOCKER_PROBE_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            return f"{reason} (`{' '.join(command[:2])}` timed out)"
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            first = detail[0] if detail else f"exit {completed.returncode}"
            return f"{reason} (`{' '.join(command[:2])}`: {first})"
    return None


def elasticsearch_ready(url: str, auth: tuple[str, str]) -> bool:
    """Return True when the cluster responds with at least yellow health."""
    try:
        response = requests.get(
            f"{url}/_cluster/health",
            params={"wait_for_status": "yellow", "timeout": "1s"},
            auth=auth,
            timeout=5,
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def kibana_ready(url: str, auth: tuple[str, str]) -> bool:
    """Return True when Kibana reports its overall status as available."""
    try:
        response = requests.get(f"{url}/api/status", auth=auth, timeout=5)
        body: Any = response.json()
    except (requests.RequestException, ValueError):
        return False
    overall = (body.get("status") or {}).get("overall") or {}
    return response.status_code == 200 and overall.get("level") == "available"
