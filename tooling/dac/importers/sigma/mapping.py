"""How Sigma log sources and fields become Elastic Defend / Sysmon ECS.

This is data, not code: each supported Sigma log source names the event
filter that selects its events in EQL, the index patterns that carry them,
and the Sigma field names with their ECS field. A Sigma field missing from
the table has no ECS field that both Elastic Defend and Elastic's Sysmon
integration map, so a rule that uses it is rejected with that field named.

Field names follow Elastic's Windows integration (Sysmon event 1 and
Security event 4688 pipelines) and the Elastic Defend process data stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogSource:
    """One Sigma log source the importer converts."""

    category: str
    product: str
    event_filter: str
    index: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)
    # Sigma fields known to have no counterpart, with the reason given to the user.
    unmapped: dict[str, str] = field(default_factory=dict)


_PROCESS_FIELDS = {
    "Image": "process.executable",
    "OriginalFileName": "process.pe.original_file_name",
    "CommandLine": "process.command_line",
    "CurrentDirectory": "process.working_directory",
    "User": "user.name",
    "ProcessId": "process.pid",
    "ProcessGuid": "process.entity_id",
    "ParentImage": "process.parent.executable",
    "ParentCommandLine": "process.parent.command_line",
    "ParentProcessId": "process.parent.pid",
    "ParentProcessGuid": "process.parent.entity_id",
    "Product": "process.pe.product",
    "Company": "process.pe.company",
    "Description": "process.pe.description",
    "FileVersion": "process.pe.file_version",
    "Computer": "host.name",
}

_PROCESS_UNMAPPED = {
    "Hashes": "Sysmon's combined Hashes string has no ECS field; Elastic Defend "
    "stores hashes as process.hash.md5/sha1/sha256",
    "Imphash": "no ECS field common to Elastic Defend and Sysmon",
    "md5": "no ECS field common to Elastic Defend and Sysmon",
    "sha1": "no ECS field common to Elastic Defend and Sysmon",
    "sha256": "no ECS field common to Elastic Defend and Sysmon",
    "IntegrityLevel": "no ECS field; Elastic Defend has "
    "process.Ext.token.integrity_level_name, Sysmon has "
    "winlog.event_data.IntegrityLevel",
    "ParentIntegrityLevel": "no ECS field in Elastic Defend or Sysmon",
    "ParentUser": "no ECS field for the parent process's user",
    "LogonId": "no ECS field common to Elastic Defend and Sysmon",
    "LogonGuid": "no ECS field common to Elastic Defend and Sysmon",
    "TerminalSessionId": "no ECS field common to Elastic Defend and Sysmon",
}

LOG_SOURCES: dict[tuple[str, str], LogSource] = {
    ("process_creation", "windows"): LogSource(
        category="process_creation",
        product="windows",
        # A process start only: a process end event carries the same fields and
        # would otherwise alert a second time for the same process.
        event_filter=(
            'process where host.os.type == "windows" and event.type == "start"'
        ),
        index=("logs-endpoint.events.process-*", "logs-windows.sysmon_operational-*"),
        fields=_PROCESS_FIELDS,
        unmapped=_PROCESS_UNMAPPED,
    ),
}

# Sigma level -> (severity, risk_score), the bands elastic/detection-rules uses.
LEVELS: dict[str, tuple[str, int]] = {
    "informational": ("low", 21),
    "low": ("low", 21),
    "medium": ("medium", 47),
    "high": ("high", 73),
    "critical": ("critical", 99),
}
