"""Kibana backend credentials from DAC_KIBANA_* and DAC_ES_* variables."""

from __future__ import annotations

import pytest
from dac.errors import ConfigError
from dac.testing.backend_kibana import KibanaBackend

SECRET = "FAKESECRET_kbnl_7f3a"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "DAC_KIBANA_API_KEY",
        "DAC_KIBANA_USERNAME",
        "DAC_KIBANA_PASSWORD",
        "DAC_ES_API_KEY",
        "DAC_ES_USERNAME",
        "DAC_ES_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)


def test_key_with_line_break_rejected(monkeypatch, es_client):
    monkeypatch.setenv("DAC_KIBANA_API_KEY", f"{SECRET}\nX")

    with pytest.raises(ConfigError) as caught:
        KibanaBackend("http://127.0.0.1:9", es_client=es_client)

    message = str(caught.value)
    assert "environment variable DAC_KIBANA_API_KEY contains a line break" in message
    assert SECRET not in message


def test_key_trailing_return_stripped(monkeypatch, es_client):
    monkeypatch.setenv("DAC_KIBANA_API_KEY", f"{SECRET}\r")

    backend = KibanaBackend("http://127.0.0.1:9", es_client=es_client)

    assert backend.kibana._credentials.header() == f"ApiKey {SECRET}"


def test_blank_key_falls_back_to_es_key(monkeypatch, es_client):
    monkeypatch.setenv("DAC_KIBANA_API_KEY", " \r\n")
    monkeypatch.setenv("DAC_ES_API_KEY", SECRET)

    backend = KibanaBackend("http://127.0.0.1:9", es_client=es_client)

    assert backend.kibana._credentials.source == "env DAC_ES_API_KEY"
