"""Fixtures: a running Kibana test double and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dac.kibana import Credentials, KibanaClient, RetryPolicy

from kibana.double import KibanaDouble

API_KEY = "test-api-key"


@pytest.fixture
def kibana() -> Iterator[KibanaDouble]:
    """A Kibana test double with the spaces ``default`` and ``soc``."""
    with KibanaDouble(api_keys=(API_KEY,), spaces=("default", "soc")) as double:
        yield double


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff delays the client asked for, in seconds."""
    return []


@pytest.fixture
def client(kibana: KibanaDouble, sleeps: list[float]) -> Iterator[KibanaClient]:
    """A client for the double's default space that records instead of sleeping."""
    credentials = Credentials("ApiKey", "test", API_KEY)
    retry = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
    with KibanaClient(
        kibana.url,
        credentials=credentials,
        retry=retry,
        timeout=(2.0, 2.0),
        sleep=sleeps.append,
    ) as kibana_client:
        yield kibana_client
