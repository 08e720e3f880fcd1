"""Helpers: rule and case text, and a throwaway git repository of rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Rule ids must be lowercase UUIDs, as in detection-rules.
ID_ALPHA = "00000000-0000-4000-8000-00000000000a"
ID_BRAVO = "00000000-0000-4000-8000-00000000000b"
ID_CHARLIE = "00000000-0000-4000-8000-00000000000c"
ID_DELTA = "00000000-0000-4000-8000-00000000000d"

TECHNIQUES = {
    "T1059": ("Command and Scripting Interpreter", "TA0002", "Execution"),
    "T1204": ("User Execution", "TA0002", "Execution"),
    "T1218": ("System Binary Proxy Execution", "TA0005", "Defense Evasion"),
    "T1112": ("Modify Registry", "TA0005", "Defense Evasion"),
}


def rule_text(
    rule_id: str,
    name: str,
    process_name: str,
    *,
    version: int = 1,
    technique: str = "T1059",
    parent_name: str | None = None,
    description: str = "Detects a test process start.",
) -> str:
    """Return a valid EQL rule in detection-rules TOML."""
    technique_name, tactic_id, tactic_name = TECHNIQUES[technique]
    condition = f'process.name : "{process_name}"'
    if parent_name is not None:
        condition += f' and process.parent.name : "{parent_name}"'
    return f'''[metadata]
creation_date = "2026/12/01"
integration = ["endpoint"]
maturity = "production"
updated_date = "2026/12/01"

[rule]
author = ["dac tests"]
description = "{description}"
from = "now-9m"
index = ["logs-endpoint.events.process-*"]
language = "eql"
license = "Apache-2.0"
name = "{name}"
risk_score = 21
rule_id = "{rule_id}"
severity = "low"
tags = ["Domain: Endpoint", "OS: Windows"]
timestamp_override = "event.ingested"
type = "eql"
version = {version}
query = \'\'\'
process where host.os.type == "windows" and event.type == "start" and {condition}
\'\'\'

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "{technique}"
name = "{technique_name}"
reference = "https://attack.mitre.org/techniques/{technique}/"

[rule.threat.tactic]
id = "{tactic_id}"
name = "{tactic_name}"
reference = "https://attack.mitre.org/tactics/{tactic_id}/"
'''


def cases_text(process_name: str, parent_name: str | None = None) -> str:
    """Return a case file with one alerting case and one near miss."""
    parent = f"\n        process.parent.name: {parent_name}" if parent_name else ""
    return f"""cases:
  - name: {process_name} starts
    events:
      - event.type: start
        host.os.type: windows
        process.name: {process_name}{parent}
    expect:
      alert: true
  - name: other process starts
    events:
      - event.type: start
        host.os.type: windows
        process.name: notepad.exe
    expect:
      alert: false
"""


class GitRepo:
    """A temporary git repository with helpers to write rules and commit."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "tests@example.invalid")
        self.git("config", "user.name", "dac tests")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        completed = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        return path

    def write_rule(self, stem: str, rule: str, cases: str | None) -> None:
        self.write(f"detections/windows/{stem}.toml", rule)
        if cases is not None:
            self.write(f"detections/windows/{stem}.tests.yaml", cases)

    def remove(self, relative: str) -> None:
        self.git("rm", "-q", relative)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()
