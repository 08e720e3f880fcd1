"""The deploy config file: schema validation, auth sources and error messages."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from dac.deploy import load_config
from dac.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dac.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[environments.prod]
kibana_url = "https://kibana.example.com:5601"
auth = { api_key_env = "DAC_KEY" }
"""


def test_repository_example_is_valid():
    config = load_config(ROOT / "dac.toml")
    assert set(config.environments) == {"local", "staging", "prod"}
    assert config.managed_tag == "managed-by:dac"
    assert config.environment("prod").rules.maturity == ("production",)
    assert config.environment("staging").enabled is False


def test_defaults_applied(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    prod = config.environment("prod")
    assert prod.space == "default"
    assert prod.verify_tls is True
    assert prod.enabled is True
    assert prod.rules.paths == (tmp_path / "detections",)
    assert prod.managed_tag == "managed-by:dac"
    assert config.version_lock == tmp_path / "version.lock.json"


def test_unknown_key_named_with_valid_keys(tmp_path):
    path = write(tmp_path, MINIMAL + 'kibana_uri = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "environments.prod: unknown key 'kibana_uri'" in message
    assert "valid keys are" in message
    assert str(path) in message


def test_url_with_credentials_rejected(tmp_path):
    text = MINIMAL.replace("https://", "https://admin:pw@")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert "environments.prod.kibana_url" in str(info.value)
    assert "credentials go in the auth table" in str(info.value)


def test_missing_auth_source(tmp_path):
    text = MINIMAL.replace('api_key_env = "DAC_KEY"', 'username = "deployer"')
    with pytest.raises(ConfigError, match="missing credential source"):
        load_config(write(tmp_path, text))


def test_api_key_and_basic_together_rejected(tmp_path):
    text = MINIMAL.replace('"DAC_KEY"', '"DAC_KEY", username = "u", password_env = "P"')
    with pytest.raises(ConfigError, match="not both"):
        load_config(write(tmp_path, text))


def test_bad_maturity_names_choices(tmp_path):
    text = MINIMAL + '[environments.prod.rules]\nmaturity = ["prod"]\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert "environments.prod.rules.maturity.0" in str(info.value)
    assert "choose from development" in str(info.value)


def test_missing_required_key(tmp_path):
    text = MINIMAL.replace('kibana_url = "https://kibana.example.com:5601"', "")
    with pytest.raises(ConfigError, match="missing key 'kibana_url'"):
        load_config(write(tmp_path, text))


def test_unknown_environment_lists_defined(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    with pytest.raises(ConfigError, match="no environment 'qa'; defined: prod"):
        config.environment("qa")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path, "[environments\n"))


def test_env_var_credential_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DAC_KEY", "c2VjcmV0LWtleQ==")
    prod = load_config(write(tmp_path, MINIMAL)).environment("prod")
    credentials = prod.auth.credentials()
    assert credentials.header() == "ApiKey c2VjcmV0LWtleQ=="
    assert "c2VjcmV0LWtleQ" not in repr(prod)
    assert "c2VjcmV0LWtleQ" not in repr(credentials)


def test_missing_env_var_named(tmp_path, monkeypatch):
    monkeypatch.delenv("DAC_KEY", raising=False)
    prod = load_config(write(tmp_path, MINIMAL)).environment("prod")
    with pytest.raises(ConfigError, match="environment variable DAC_KEY is not set"):
        prod.client()


def test_credential_file_relative_to_config(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "pw").write_text("hunter2\n", encoding="utf-8")
    text = MINIMAL.replace(
        'api_key_env = "DAC_KEY"', 'username = "dep", password_file = "secrets/pw"'
    )
    prod = load_config(write(tmp_path, text)).environment("prod")
    credentials = prod.auth.credentials()
    assert credentials.scheme == "Basic"
    assert "hunter2" not in repr(credentials)
    assert base64.b64decode(credentials.token) == b"dep:hunter2"


def test_empty_credential_file_rejected(tmp_path):
    (tmp_path / "key").write_text("\n", encoding="utf-8")
    text = MINIMAL.replace('api_key_env = "DAC_KEY"', 'api_key_file = "key"')
    prod = load_config(write(tmp_path, text)).environment("prod")
    with pytest.raises(ConfigError, match="is empty"):
        prod.auth.credentials()


def test_ca_bundle_used_for_verify(tmp_path, monkeypatch):
    monkeypatch.setenv("DAC_KEY", "k")
    text = MINIMAL + 'ca_bundle = "ca.pem"\n'
    prod = load_config(write(tmp_path, text)).environment("prod")
    with prod.client() as client:
        assert client.verify == str(tmp_path / "ca.pem")
