"""Helpers that write a rule and its test cases into a temporary folder."""

from __future__ import annotations

from pathlib import Path

RULE_TEMPLATE = """\
[metadata]
creation_date = "2025/01/01"
maturity = "production"
updated_date = "2025/01/01"

[rule]
author = ["tests"]
description = "A rule written by a test."
from = "now-9m"
index = {index}
language = "eql"
license = "Apache-2.0"
name = "{name}"
risk_score = 47
rule_id = "{rule_id}"
severity = "{severity}"
type = "eql"
{extra}
query = '''
{query}
'''
"""

SHELL_QUERY = (
    'process where host.os.type == "windows" and event.type == "start" and\n'
    '  process.name : "cmd.exe" and process.parent.name : "rundll32.exe"'
)

SEQUENCE_QUERY = (
    "sequence by process.entity_id with maxspan=1m\n"
    '  [process where event.type == "start" and process.name : "cmd.exe"]\n'
    "  [network where destination.port == 4444]"
)


def write_rule(
    folder: Path,
    stem: str = "rule",
    query: str = SHELL_QUERY,
    cases: str | None = None,
    index: str = '["logs-endpoint.events.*"]',
    severity: str = "medium",
    extra: str = 'timestamp_override = "event.ingested"',
    rule_id: str = "00000000-0000-4000-8000-000000000001",
) -> Path:
    """Write ``<stem>.toml`` (and ``<stem>.tests.yaml`` when ``cases`` is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    path.write_text(
        RULE_TEMPLATE.format(
            index=index,
            name=f"Rule {stem}",
            rule_id=rule_id,
            severity=severity,
            extra=extra,
            query=query,
        ),
        encoding="utf-8",
    )
    if cases is not None:
        (folder / f"{stem}.tests.yaml").write_text(cases, encoding="utf-8")
    return path
