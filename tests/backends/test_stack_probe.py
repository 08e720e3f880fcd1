"""Stack probes of the integration fixtures: Docker usable, services responding."""

from __future__ import annotations

import os
import stat

import pytest
from integration.stack import docker_problem, elasticsearch_ready, kibana_ready


def fake_docker(tmp_path, script: str) -> str:
    """Write a ``docker`` shell script into tmp_path and return the directory."""
    path = tmp_path / "docker"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(tmp_path)


@pytest.fixture
def only_fake_path(tmp_path, monkeypatch):
    def install(script: str) -> None:
        directory = fake_docker(tmp_path, script)
        monkeypatch.setenv("PATH", f"{directory}{os.pathsep}/bin{os.pathsep}/usr/bin")

    return install


def test_no_docker_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    assert docker_problem() == "no docker command on PATH"


def test_engine_down_reported(only_fake_path):
    only_fake_path('echo "Cannot connect to the Docker daemon" >&2; exit 1\n')

    problem = docker_problem()

    assert problem is not None
    assert problem.startswith("no Docker engine responds")
    assert "Cannot connect to the Docker daemon" in problem


def test_compose_plugin_missing_reported(only_fake_path):
    only_fake_path(
        'if [ "$1" = "info" ]; then echo 28.2.2; exit 0; fi\n'
        'echo "docker: unknown command: docker compose" >&2; exit 1\n'
    )

    problem = docker_problem()

    assert problem is not None
    assert problem.startswith("the Docker Compose v2 plugin is missing")


def test_usable_docker_has_no_problem(only_fake_path):
    only_fake_path("echo ok; exit 0\n")

    assert docker_problem() is None


def test_elasticsearch_ready_on_double(es_double):
    assert elasticsearch_ready(es_double.url, ("elastic", "pw")) is True


def test_nothing_listening_is_not_ready():
    assert elasticsearch_ready("http://127.0.0.1:9", ("elastic", "pw")) is False
    assert kibana_ready("http://127.0.0.1:9", ("elastic", "pw")) is False


def test_kibana_ready_when_available(kibana_double):
    assert kibana_ready(kibana_double.url, ("elastic", "pw")) is True


def test_kibana_degraded_is_not_ready(kibana_double):
    kibana_double.status_level = "degraded"

    assert kibana_ready(kibana_double.url, ("elastic", "pw")) is False
