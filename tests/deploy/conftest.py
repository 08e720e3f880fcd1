"""Fixtures: a repository with rules and a dac.toml aimed at the Kibana test double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest
from dac.deploy import load_config
from dac.deploy.config import Environment
from dac.kibana import KibanaClient, RetryPolicy
from kibana.double import KibanaDouble

API_KEY = "deploy-test-key-0123456789"
KEY_ENV = "DAC_TEST_KIBANA_API_KEY"


def rule_toml(
    rule_id: str,
    name: str,
    query: str = 'process where host.os.type == "windows" and process.name : "cmd.exe"',
    maturity: str = "production",
    extra: str = "",
) -> str:
    """Return the text of a small EQL rule file."""
    return dedent(
        f"""\
        [metadata]
        creation_date = "2026/01/01"
        maturity = "{maturity}"
        updated_date = "2026/01/01"

        [rule]
        author = ["tests"]
        description = "Rule {name} for deploy tests."
        index = ["logs-endpoint.events.process-*"]
        language = "eql"
        name = "{name}"
        risk_score = 21
        rule_id = "{rule_id}"
        severity = "low"
        tags = ["OS: Windows"]
        type = "eql"
        {extra}
        query = '''
        {query}
        '''

        # A repository-only table that deploy never sends to Kibana.
        [[transform.osquery]]
        label = "List processes"
        query = "SELECT name FROM processes"
        """
    )


# Cases that make the fixture rules pass the test-case checks of validation.
CASES_YAML = """\
defaults:
  host.os.type: windows
cases:
  - name: cmd started
    events:
      - process.name: cmd.exe
    expect:
      alert: true
  - name: other process
    events:
      - process.name: notepad.exe
    expect:
      alert: false
"""


class Repo:
    """A temporary repository: rules under detections/ and a dac.toml."""

    def __init__(self, root: Path, kibana_url: str):
        self.root = root
        self.rules_dir = root / "detections"
        self.rules_dir.mkdir()
        self.config_path = root / "dac.toml"
        self.kibana_url = kibana_url
        self.write_config()

    def write_config(self, extra_env: str = "", rules_table: str = "") -> None:
        """Write dac.toml with one environment, ``test``."""
        self.config_path.write_text(
            dedent(
                f"""\
                managed_tag = "managed-by:dac"

                [environments.test]
                kibana_url = "{self.kibana_url}"
                max_attempts = 3
                timeout_seconds = 2
                {extra_env}

                [environments.test.auth]
                api_key_env = "{KEY_ENV}"

                [environments.test.rules]
                paths = ["detections"]
                {rules_table}
                """
            ),
            encoding="utf-8",
        )

    def add_rule(self, rule_id: str, name: str, **kwargs: str) -> Path:
        """Write a rule file and its test cases; return the rule's path."""
        path = self.rules_dir / f"{rule_id}.toml"
        path.write_text(rule_toml(rule_id, name, **kwargs), encoding="utf-8")
        cases = self.rules_dir / f"{rule_id}.tests.yaml"
        cases.write_text(CASES_YAML, encoding="utf-8")
        return path

    def environment(self) -> Environment:
        """Load the ``test`` environment from dac.toml."""
        return load_config(self.config_path).environment("test")


@pytest.fixture
def kibana() -> Iterator[KibanaDouble]:
    """A Kibana test double accepting ``API_KEY``."""
    with KibanaDouble(api_keys=(API_KEY,)) as double:
        yield double


@pytest.fixture
def repo(tmp_path: Path, kibana: KibanaDouble, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository with three production rules and the API key exported."""
    monkeypatch.setenv(KEY_ENV, API_KEY)
    repository = Repo(tmp_path, kibana.url)
    repository.add_rule("aaaaaaaa-0000-4000-8000-00000000000a", "Rule A")
    repository.add_rule("bbbbbbbb-0000-4000-8000-00000000000b", "Rule B")
    repository.add_rule("cccccccc-0000-4000-8000-00000000000c", "Rule C")
    return repository


@pytest.fixture
def client(repo: Repo) -> Iterator[KibanaClient]:
    """A client for the repository's environment that does not sleep on retries."""
    retry = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)
    with repo.environment().client(retry=retry, sleep=lambda _: None) as c:
        yield c
