"""docker-compose.yml, .env.example and the nightly workflow keep their guarantees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def default_of(value: str) -> str:
    """Return the default in a ``${NAME:-default}`` reference (or the value)."""
    match = DEFAULT.fullmatch(value)
    return match.group(2) if match else value


@pytest.mark.parametrize("service", ["elasticsearch", "kibana"])
def test_ports_bound_to_loopback(service):
    ports = compose()["services"][service]["ports"]

    assert ports
    for port in ports:
        assert port.startswith("127.0.0.1:"), port


@pytest.mark.parametrize("service", ["elasticsearch", "setup", "kibana"])
def test_images_pinned_to_9x(service):
    image = compose()["services"][service]["image"]

    match = DEFAULT.search(image)
    tag = match.group(2) if match else image.rsplit(":", 1)[1]

    assert re.fullmatch(r"9\.\d+\.\d+", tag), image


def test_security_and_api_keys_on():
    environment = compose()["services"]["elasticsearch"]["environment"]

    assert environment["xpack.security.enabled"] == "true"
    assert environment["xpack.security.authc.api_key.enabled"] == "true"
    assert default_of(environment["xpack.license.self_generated.type"]) in (
        "trial",
        "basic",
    )


def test_kibana_keys_long_enough():
    environment = compose()["services"]["kibana"]["environment"]
    names = [name for name in environment if name.endswith("ENCRYPTIONKEY")]

    assert "XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY" in names
    for name in names:
        assert len(default_of(environment[name])) >= 32, name


def test_env_example_keys_long_enough():
    lines = (ROOT / ".env.example").read_text().splitlines()
    values = dict(
        line.split("=", 1) for line in lines if "=" in line and line[0] != "#"
    )

    for name in (
        "KIBANA_SAVED_OBJECTS_KEY",
        "KIBANA_SECURITY_KEY",
        "KIBANA_REPORTING_KEY",
    ):
        assert len(values[name]) >= 32, name
    assert values["ELASTIC_PASSWORD"] == values["DAC_ES_PASSWORD"]


def test_kibana_waits_for_setup():
    services = compose()["services"]

    assert services["kibana"]["depends_on"]["setup"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["setup"]["depends_on"]["elasticsearch"]["condition"] == (
        "service_healthy"
    )
    assert "healthcheck" in services["elasticsearch"]
    assert "healthcheck" in services["kibana"]


def test_memory_limits_set():
    services = compose()["services"]

    for name in ("elasticsearch", "setup", "kibana"):
        assert "mem_limit" in services[name], name


def test_nightly_runs_each_step():
    workflow = yaml.safe_load((ROOT / ".github/workflows/nightly.yml").read_text())
    steps = workflow["jobs"]["nightly"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    uses = [step.get("uses", "") for step in steps]

    assert "make stack-up" in commands
    assert "pytest -m integration" in commands
    assert "dac diff-engines" in commands
    assert "make nightly" in commands
    assert "make stack-down" in commands
    assert any(use.startswith("actions/upload-artifact@") for use in uses)
