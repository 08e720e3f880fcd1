"""Secrets in the deploy config path: key files, URLs and server echoes."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.deploy import load_config
from dac.errors import ConfigError
from kibana.echo_server import EchoServer

from deploy.conftest import KEY_ENV, Repo

SECRET = "FAKESECRET_deploy_7f3a"
DAC = Path(sys.executable).with_name("dac")


def run_dac(*args: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess:
    """Run the installed ``dac`` entry point, as a user would."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), **environ}
    return subprocess.run(
        [str(DAC), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        cwd=cwd,
    )


def use_key_file(repo: Repo, key_file: str) -> None:
    text = repo.config_path.read_text(encoding="utf-8").replace(
        f'api_key_env = "{KEY_ENV}"', f'api_key_file = "{key_file}"'
    )
    repo.config_path.write_text(text, encoding="utf-8")


def test_key_file_line_break_exit_2(tmp_path):
    repo = Repo(tmp_path, "http://127.0.0.1:9")
    repo.add_rule("aaaaaaaa-0000-4000-8000-00000000000a", "Rule A")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets/key").write_text(f"{SECRET}\nsecond line\n")
    use_key_file(repo, "secrets/key")

    completed = run_dac(
        "-vv", "plan", "--env", "test", "--config", "dac.toml", cwd=tmp_path
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 2, output
    assert "environment test, auth:" in output
    assert "credential file" in output
    assert "secrets/key contains a line break" in output
    assert "Traceback" not in output
    assert SECRET not in output
    assert "second line" not in output


def test_env_key_line_break_exit_2(tmp_path):
    repo = Repo(tmp_path, "http://127.0.0.1:9")
    repo.add_rule("aaaaaaaa-0000-4000-8000-00000000000a", "Rule A")

    completed = run_dac(
        "plan",
        "--env",
        "test",
        "--config",
        "dac.toml",
        cwd=tmp_path,
        **{KEY_ENV: f"{SECRET}\nX"},
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 2, output
    assert f"environment variable {KEY_ENV} contains a line break" in output
    assert "Traceback" not in output
    assert SECRET not in output


def test_url_password_masked_in_config_error(tmp_path):
    config = tmp_path / "dac.toml"
    config.write_text(
        "[environments.x]\n"
        f'kibana_url = "http://elastic:{SECRET}@127.0.0.1:9"\n'
        '[environments.x.auth]\napi_key_env = "DAC_KEY"\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigError) as caught:
        load_config(config)

    message = str(caught.value)
    assert "environments.x.kibana_url" in message
    assert "'http://elastic:***@127.0.0.1:9'" in message
    assert SECRET not in message


def test_plan_masks_echoed_api_key(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(KEY_ENV, SECRET)
    with EchoServer(status=400) as server:
        repo = Repo(tmp_path, server.url)
        repo.add_rule("aaaaaaaa-0000-4000-8000-00000000000a", "Rule A")
        result = CliRunner().invoke(
            cli, ["-vv", "plan", "--env", "test", "--config", str(repo.config_path)]
        )

    everything = result.output + str(result.exception) + caplog.text
    assert result.exit_code != 0
    assert "HTTP 400" in str(result.exception)
    assert "got auth ApiKey ***" in str(result.exception)
    assert SECRET not in everything
    assert base64.b64encode(SECRET.encode()).decode() not in everything
