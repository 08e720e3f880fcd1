"""Fixtures for the integration tests: Elasticsearch and Kibana from docker-compose.yml.

A test session uses a stack that already responds at ``DAC_ES_URL`` (default
http://127.0.0.1:9200), for example one started by ``make stack-up`` or by
CI. Otherwise it starts docker-compose.yml once through pytest-docker and
removes it at the end. When neither works, because no Docker engine
responds or the Compose plugin is missing, every integration test is skipped
with that reason.

Fixtures for other test modules:

- ``elasticsearch_url``, ``kibana_url``: base URLs (str);
- ``es_auth``: ``(username, password)`` for Elasticsearch;
- ``kibana_auth``: :class:`dac.kibana.credentials.Credentials` for
  :class:`dac.kibana.client.KibanaClient`;
- ``es_client``: a ready :class:`dac.elasticsearch.ElasticsearchClient`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dac.elasticsearch import ElasticsearchClient, ElasticsearchConfig
from dac.kibana.credentials import Credentials

from integration.stack import docker_problem, elasticsearch_ready, kibana_ready

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"

# Test-only defaults, the same as docker-compose.yml's.
DEFAULT_PASSWORD = "dac-test-elastic"
DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_KIBANA_URL = "http://127.0.0.1:5601"

# Seconds to wait for a freshly started stack; Kibana's first start on a
# 2-core machine takes a few minutes (an estimate, not measured here).
STARTUP_TIMEOUT = 600.0


@dataclass(frozen=True)
class Stack:
    """The running stack's URLs and login."""

    elasticsearch_url: str
    kibana_url: str
    username: str
    password: str


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return "dac-integration"


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    return [f"up -d --wait --wait-timeout {int(STARTUP_TIMEOUT)}"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    return ["down -v --remove-orphans"]


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Stack:
    """Return the running stack, starting it with pytest-docker if needed."""
    username = os.environ.get("DAC_ES_USERNAME") or "elastic"
    password = (
        os.environ.get("DAC_ES_PASSWORD")
        or os.environ.get("ELASTIC_PASSWORD")
        or DEFAULT_PASSWORD
    )
    found = Stack(
        elasticsearch_url=os.environ.get("DAC_ES_URL") or DEFAULT_ES_URL,
        kibana_url=os.environ.get("DAC_KIBANA_URL") or DEFAULT_KIBANA_URL,
        username=username,
        password=password,
    )
    auth = (username, password)
    if not elasticsearch_ready(found.elasticsearch_url, auth):
        problem = docker_problem()
        if problem is not None:
            pytest.skip(
                f"integration tests need Elasticsearch and Kibana: nothing responds "
                f"at {found.elasticsearch_url} and {problem}; run them where Docker "
                "runs (make integration)"
            )
        services = request.getfixturevalue("docker_services")
        services.wait_until_responsive(
            lambda: elasticsearch_ready(found.elasticsearch_url, auth),
            timeout=STARTUP_TIMEOUT,
            pause=2.0,
        )
        services.wait_until_responsive(
            lambda: kibana_ready(found.kibana_url, auth),
            timeout=STARTUP_TIMEOUT,
            pause=2.0,
        )
    return found


@pytest.fixture(scope="session")
def elasticsearch_url(stack: Stack) -> str:
    return stack.elasticsearch_url


@pytest.fixture(scope="session")
def kibana_url(stack: Stack) -> str:
    """Return Kibana's URL once Kibana reports itself available."""
    auth = (stack.username, stack.password)
    if not kibana_ready(stack.kibana_url, auth):
        pytest.fail(
            f"Elasticsearch responds but Kibana at {stack.kibana_url} is not "
            "available; check `docker compose logs kibana`"
        )
    return stack.kibana_url


@pytest.fixture(scope="session")
def es_auth(stack: Stack) -> tuple[str, str]:
    return (stack.username, stack.password)


@pytest.fixture(scope="session")
def kibana_auth(stack: Stack) -> Credentials:
    token = base64.b64encode(f"{stack.username}:{stack.password}".encode()).decode()
    return Credentials("Basic", f"user {stack.username}, test stack", token)


@pytest.fixture(scope="session")
def es_client(stack: Stack) -> Iterator[ElasticsearchClient]:
    config = ElasticsearchConfig(
        url=stack.elasticsearch_url, username=stack.username, password=stack.password
    )
    client = ElasticsearchClient(config)
    yield client
    client.close()
