"""dac test: connection options for the elasticsearch and kibana backends."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner
from dac.cli import cli

RULES = Path(__file__).resolve().parents[2] / "detections" / "windows" / "execution"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_es_url_unreachable_exits_2() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(
        cli, ["test", "--backend", "elasticsearch", "--es-url", url, str(RULES)]
    )
    assert result.exit_code == 2
    assert url in result.output
    assert "Traceback" not in result.output


def test_unknown_environment_names_defined_ones(tmp_path: Path) -> None:
    config = tmp_path / "dac.toml"
    config.write_text(
        'managed_tag = "managed-by:dac"\n'
        "[environments.lab]\n"
        'kibana_url = "http://127.0.0.1:5601"\n'
        "[environments.lab.auth]\n"
        'api_key_env = "LAB_KEY"\n'
        "[environments.lab.rules]\n"
        'paths = ["detections"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["test", "--backend", "kibana", "--env", "prod", "--config", str(config)],
    )
    assert result.exit_code == 2
    assert "no environment 'prod'" in result.output
    assert "lab" in result.output


def test_environment_credentials_are_required(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LAB_KEY", raising=False)
    config = tmp_path / "dac.toml"
    config.write_text(
        'managed_tag = "managed-by:dac"\n'
        "[environments.lab]\n"
        'kibana_url = "http://127.0.0.1:5601"\n'
        "[environments.lab.auth]\n"
        'api_key_env = "LAB_KEY"\n'
        "[environments.lab.rules]\n"
        'paths = ["detections"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["test", "--backend", "kibana", "--env", "lab", "--config", str(config)],
    )
    assert result.exit_code == 2
    assert "LAB_KEY" in result.output
