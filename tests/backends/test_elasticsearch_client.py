"""The Elasticsearch client: auth, errors and configuration, on the double."""

from __future__ import annotations

import base64
import logging
import socket

import pytest
from dac.elasticsearch import ElasticsearchClient, ElasticsearchConfig, config_from_env
from dac.errors import ConfigError, ElasticsearchConnectionError, ElasticsearchError

from backends.conftest import TEST_PASSWORD


def test_basic_auth_reaches_cluster(es_client, es_double):
    info = es_client.info()

    assert info["version"]["number"] == "9.3.4"
    assert es_double.requests[0].headers["authorization"].startswith("Basic ")


def test_api_key_header_sent(es_double):
    config = ElasticsearchConfig(url=es_double.url, api_key="aWQ6c2VjcmV0")
    ElasticsearchClient(config).info()

    assert es_double.requests[0].headers["authorization"] == "ApiKey aWQ6c2VjcmV0"


def test_missing_credentials_error_names_fix(es_double):
    client = ElasticsearchClient(ElasticsearchConfig(url=es_double.url))

    with pytest.raises(ElasticsearchError) as caught:
        client.info()

    assert caught.value.status == 401
    assert "security_exception" in str(caught.value)
    assert "DAC_ES_API_KEY" in str(caught.value)


def test_error_reason_from_es_body(es_client):
    with pytest.raises(ElasticsearchError) as caught:
        es_client.delete_indexes(["logs-*"])

    assert caught.value.status == 400
    assert "Wildcard expressions" in str(caught.value)
    assert "DELETE /logs-*" in str(caught.value)


def test_secret_absent_from_logs_and_repr(es_double, caplog):
    config = ElasticsearchConfig(
        url=es_double.url, username="elastic", password=TEST_PASSWORD
    )
    client = ElasticsearchClient(config)
    caplog.set_level(logging.DEBUG)

    client.info()
    with pytest.raises(ElasticsearchError) as caught:
        client.delete_indexes(["a*"])

    token = base64.b64encode(f"elastic:{TEST_PASSWORD}".encode()).decode()
    assert TEST_PASSWORD not in caplog.text
    assert token not in caplog.text
    assert TEST_PASSWORD not in repr(client)
    assert TEST_PASSWORD not in repr(config)
    assert TEST_PASSWORD not in str(caught.value)


def test_refused_connection_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ElasticsearchClient(
        ElasticsearchConfig(url=f"http://127.0.0.1:{port}", timeout=2)
    )

    with pytest.raises(ElasticsearchConnectionError) as caught:
        client.info()

    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "make stack-up" in str(caught.value)


def test_url_with_credentials_rejected():
    with pytest.raises(ConfigError) as caught:
        ElasticsearchConfig(url="http://elastic:hunter2@127.0.0.1:9200")

    assert "hunter2" not in str(caught.value)
    assert "DAC_ES_PASSWORD" in str(caught.value)


def test_invalid_url_rejected():
    with pytest.raises(ConfigError, match="expected http"):
        ElasticsearchConfig(url="127.0.0.1:9200")


def test_config_from_env_reads_variables():
    environ = {
        "DAC_ES_URL": "https://es.example.internal:9200",
        "DAC_ES_PASSWORD": "pw",
        "DAC_ES_CA_BUNDLE": "/etc/ca.pem",
        "DAC_ES_TIMEOUT": "7.5",
    }
    config = config_from_env(environ=environ)

    assert config.url == "https://es.example.internal:9200"
    assert config.username == "elastic"
    assert config.password == "pw"
    assert config.verify_setting == "/etc/ca.pem"
    assert config.timeout == 7.5


def test_config_flag_overrides_env():
    environ = {"DAC_ES_URL": "http://127.0.0.1:9200", "DAC_ES_VERIFY": "false"}
    config = config_from_env("http://127.0.0.1:9201", environ=environ, timeout=None)

    assert config.url == "http://127.0.0.1:9201"
    assert config.verify_setting is False
    assert config.timeout == 30.0


def test_config_invalid_timeout_named():
    with pytest.raises(ConfigError, match="DAC_ES_TIMEOUT='soon'"):
        config_from_env(environ={"DAC_ES_TIMEOUT": "soon"})
