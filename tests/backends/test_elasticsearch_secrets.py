"""Elasticsearch credentials: checked when read, masked in server errors."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from dac.elasticsearch import ElasticsearchClient, ElasticsearchConfig, config_from_env
from dac.errors import ConfigError, ElasticsearchError
from kibana.echo_server import EchoServer

SECRET = "FAKESECRET_es_7f3a"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("variable", ["DAC_ES_API_KEY", "DAC_ES_PASSWORD"])
def test_env_secret_with_line_break(variable):
    environ = {variable: f"{SECRET}\nX", "DAC_ES_USERNAME": "elastic"}

    with pytest.raises(ConfigError) as caught:
        config_from_env(environ=environ)

    message = str(caught.value)
    assert f"environment variable {variable}" in message
    assert "line break" in message
    assert SECRET not in message


def test_env_secrets_stripped():
    environ = {"DAC_ES_API_KEY": f"{SECRET}\r\n", "DAC_ES_PASSWORD": f" {SECRET} "}

    config = config_from_env(environ=environ)

    assert config.api_key == SECRET
    assert config.password == SECRET


def test_blank_env_secret_is_unset():
    config = config_from_env(environ={"DAC_ES_API_KEY": " \r\n"})

    assert config.api_key is None


def test_unsendable_header_is_config_error():
    config = ElasticsearchConfig(url="http://127.0.0.1:9", api_key=SECRET)
    # Set after construction to reach the client's own guard.
    object.__setattr__(config, "api_key", f"{SECRET}\nX")
    client = ElasticsearchClient(config)

    with pytest.raises(ConfigError) as caught:
        client.info()

    assert "one line without control characters" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("auth", ["api_key", "basic"])
def test_echoed_credential_masked(caplog, auth):
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=401, shape="elasticsearch") as server:
        if auth == "api_key":
            encoded = base64.b64encode(f"key-id:{SECRET}".encode()).decode("ascii")
            config = ElasticsearchConfig(url=server.url, api_key=encoded)
            leaked = [encoded, SECRET]
        else:
            config = ElasticsearchConfig(
                url=server.url, username="elastic", password=SECRET
            )
            pair = base64.b64encode(f"elastic:{SECRET}".encode()).decode("ascii")
            leaked = [pair, SECRET]
        with pytest.raises(ElasticsearchError) as caught:
            ElasticsearchClient(config).info()

    message = str(caught.value)
    assert "got auth" in message
    for value in leaked:
        assert value not in message + caplog.text


def test_cli_line_break_exit_2_no_secret(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    source = ROOT / "detections/windows/execution/command_shell_started_via_rundll32"
    for suffix in (".toml", ".tests.yaml"):
        rule_file = source.with_name(source.name + suffix)
        (rules / rule_file.name).write_bytes(rule_file.read_bytes())
    dac = Path(sys.executable).with_name("dac")
    environ = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DAC_ES_API_KEY": f"{SECRET}\nsecond line",
        "DAC_ES_URL": "http://127.0.0.1:9",
    }

    completed = subprocess.run(
        [str(dac), "-vv", "test", str(rules), "--backend", "elasticsearch"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
        cwd=tmp_path,
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 2, output
    assert "environment variable DAC_ES_API_KEY contains a line break" in output
    assert "Traceback" not in output
    assert SECRET not in output
    assert "second line" not in output


@pytest.mark.parametrize(
    "url", [f"ftp://elastic:{SECRET}@127.0.0.1:9200", f"http://elastic:{SECRET}@h"]
)
def test_url_password_absent_from_error(url):
    with pytest.raises(ConfigError) as caught:
        config_from_env(url=url, environ={})

    assert SECRET not in str(caught.value)
