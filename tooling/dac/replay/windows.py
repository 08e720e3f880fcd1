"""Map Windows event log records to ECS the way Elastic's Windows integrations do.

Facts follow the ingest pipelines in elastic/integrations of the
``windows`` package (``sysmon_operational`` data stream) and the ``system``
package (``security`` data stream). They give the ``event.*``
categorization per event code, and the process, parent and user fields of
Sysmon event 1 and Security event 4688. Other events keep their
categorization and raw ``winlog.event_data``, but their specific fields are
not mapped (see docs/replay.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dac.events.processes import basename
from dac.testing.indexes import timestamp_millis

SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SECURITY_CHANNEL = "Security"
SYSMON_INDEX = "logs-windows.sysmon_operational-default"
SECURITY_INDEX = "logs-system.security-default"
OTHER_INDEX = "logs-windows.forwarded-default"

# Sysmon event code -> (event.category, event.type, event.action).
SYSMON_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "1": (("process",), ("start",), "Process creation"),
    "2": (("file",), ("change",), "A process changed a file creation time"),
    "3": (("network",), ("start", "connection", "protocol"), "Network connection"),
    "4": (("process",), ("change",), "Sysmon service state changed"),
    "5": (("process",), ("end",), "Process terminated"),
    "6": (("driver",), ("start",), "Driver loaded"),
    "7": (("process",), ("change",), "Image loaded"),
    "8": (("process",), ("change",), "CreateRemoteThread"),
    "9": (("process",), ("access",), "RawAccessRead"),
    "10": (("process",), ("access",), "ProcessAccess"),
    "11": (("file",), ("creation",), "FileCreate"),
    "12": (
        ("configuration", "registry"),
        ("change",),
        "RegistryEvent (Object create and delete)",
    ),
    "13": (("configuration", "registry"), ("change",), "RegistryEvent (Value Set)"),
    "14": (
        ("configuration", "registry"),
        ("change",),
        "RegistryEvent (Key and Value Rename)",
    ),
    "15": (("file",), ("access",), "FileCreateStreamHash"),
    "16": (("configuration",), ("change",), "ServiceConfigurationChange"),
    "17": (("file",), ("creation",), "PipeEvent (Pipe Created)"),
    "18": (("file",), ("access",), "PipeEvent (Pipe Connected)"),
    "22": (("network",), ("connection", "protocol", "info"), "DNSEvent (DNS query)"),
    "23": (("file",), ("deletion",), "FileDelete (File Delete archived)"),
    "26": (("file",), ("deletion",), "FileDeleteDetected (File Delete logged)"),
}

# Security event code -> (event.category, event.type, event.action).
SECURITY_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "4624": (("authentication",), ("start",), "logged-in"),
    "4625": (("authentication",), ("start",), "logon-failed"),
    "4634": (("authentication",), ("end",), "logged-out"),
    "4688": (("process",), ("start",), "created-process"),
    "4689": (("process",), ("end",), "exited-process"),
}


class WindowsRecord:
    """One Windows event: its System header and EventData as plain mappings."""

    def __init__(self, system: Mapping[str, Any], data: Mapping[str, Any]):
        self.system = system
        self.data = {k: v for k, v in data.items() if not _empty(v)}

    @property
    def event_id(self) -> str:
        value = self.system.get("EventID")
        if isinstance(value, Mapping):
            value = value.get("#text", value.get("Value"))
        return str(value) if value is not None else ""

    @property
    def channel(self) -> str:
        return str(self.system.get("Channel") or "")


def _empty(value: Any) -> bool:
    # The integrations drop these placeholder values before mapping.
    return value in (None, "", "-", "{00000000-0000-0000-0000-000000000000}")


def to_ecs(record: WindowsRecord) -> dict[str, Any]:
    """Map one Windows record to an ECS document with the ``_index`` it would get."""
    code = record.event_id
    channel = record.channel
    if channel == SYSMON_CHANNEL:
        index, table = SYSMON_INDEX, SYSMON_EVENTS
    elif channel == SECURITY_CHANNEL:
        index, table = SECURITY_INDEX, SECURITY_EVENTS
    else:
        index, table = OTHER_INDEX, {}

    document: dict[str, Any] = {
        "_index": index,
        "event": {"kind": "event", "code": code},
        "host": {"os": {"type": "windows", "family": "windows"}},
        "winlog": {
            "channel": channel,
            "event_id": code,
            "event_data": dict(record.data),
        },
    }
    provider = record.system.get("Provider")
    if isinstance(provider, Mapping) and provider.get("Name"):
        document["event"]["provider"] = provider["Name"]
        document["winlog"]["provider_name"] = provider["Name"]
    computer = record.system.get("Computer")
    if computer:
        document["host"]["name"] = str(computer)
        document["winlog"]["computer_name"] = str(computer)
    if code in table:
        category, event_type, action = table[code]
        document["event"].update(
            category=list(category), type=list(event_type), action=action
        )
    _set_timestamp(document, record, channel == SYSMON_CHANNEL)
    if channel == SYSMON_CHANNEL and code == "1":
        _sysmon_process(document, record)
    elif channel == SECURITY_CHANNEL and code == "4688":
        _security_process(document, record)
    return document


def _set_timestamp(
    document: dict[str, Any], record: WindowsRecord, sysmon: bool
) -> None:
    created = record.system.get("TimeCreated")
    if isinstance(created, Mapping):
        created = created.get("SystemTime")
    timestamp = None
    if sysmon and isinstance(record.data.get("UtcTime"), str):
        # Sysmon's own UTC time ("2025-01-15 10:00:00.123") wins over TimeCreated.
        timestamp = _iso(record.data["UtcTime"].replace(" ", "T") + "Z")
    if timestamp is None and isinstance(created, str):
        timestamp = _iso(created)
    if isinstance(created, str) and _iso(created):
        document["event"]["created"] = _iso(created)
    if timestamp:
        document["@timestamp"] = timestamp
        # Replayed events count as ingested when they happened, so rules
        # with timestamp_override = event.ingested order them the same way.
        document["event"]["ingested"] = timestamp


def _iso(text: str) -> str | None:
    """Normalize a Windows time to ISO 8601 with milliseconds, or None."""
    from datetime import UTC, datetime

    from dac.events.times import format_time

    millis = timestamp_millis(text.replace(" ", "T", 1) if "T" not in text else text)
    if millis is None:
        return None
    return format_time(datetime.fromtimestamp(millis / 1000, tz=UTC))


def _sysmon_process(document: dict[str, Any], record: WindowsRecord) -> None:
    data = record.data
    process: dict[str, Any] = {}
    parent: dict[str, Any] = {}
    _copy(data, "ProcessGuid", process, "entity_id")
    _copy_int(data, "ProcessId", process, "pid")
    _copy(data, "Image", process, "executable")
    _copy(data, "CommandLine", process, "command_line")
    _copy(data, "CurrentDirectory", process, "working_directory")
    _copy(data, "ParentProcessGuid", parent, "entity_id")
    _copy_int(data, "ParentProcessId", parent, "pid")
    _copy(data, "ParentImage", parent, "executable")
    _copy(data, "ParentCommandLine", parent, "command_line")
    pe: dict[str, Any] = {}
    for source, target in (
        ("OriginalFileName", "original_file_name"),
        ("Company", "company"),
        ("Description", "description"),
        ("FileVersion", "file_version"),
        ("Product", "product"),
    ):
        _copy(data, source, pe, target)
    if pe:
        process["pe"] = pe
    hashes = _hashes(data.get("Hashes") or data.get("Hash"))
    if "imphash" in hashes:
        process.setdefault("pe", {})["imphash"] = hashes.pop("imphash")
    if hashes:
        process["hash"] = hashes
    for target in (process, parent):
        if "command_line" in target:
            target["args"] = command_line_to_argv(target["command_line"])
            target["args_count"] = len(target["args"])
        if "executable" in target and "\\" in target["executable"]:
            target["name"] = target["executable"].rsplit("\\", 1)[-1]
    if parent:
        process["parent"] = parent
    document["process"] = process

    user = _split_user(data.get("User"))
    security = record.system.get("Security")
    if isinstance(security, Mapping) and security.get("UserID"):
        user["id"] = security["UserID"]
    if user:
        document["user"] = user


def _security_process(document: dict[str, Any], record: WindowsRecord) -> None:
    data = record.data
    process: dict[str, Any] = {}
    parent: dict[str, Any] = {}
    _copy_int(data, "NewProcessId", process, "pid")
    _copy(data, "NewProcessName", process, "executable")
    _copy(data, "ParentProcessName", parent, "executable")
    _copy_int(data, "ProcessId", parent, "pid")
    if "executable" in process:
        process["name"] = process["executable"].rsplit("\\", 1)[-1]
    if "executable" in parent:
        parent["name"] = parent["executable"].rsplit("\\", 1)[-1]
    if isinstance(data.get("CommandLine"), str):
        process["command_line"] = data["CommandLine"]
        # The system package splits on unquoted whitespace and keeps the quotes.
        process["args"] = _split_keep_quotes(data["CommandLine"])
    if parent:
        process["parent"] = parent
    document["process"] = process

    user: dict[str, Any] = {}
    _copy(data, "SubjectUserSid", user, "id")
    _copy(data, "SubjectUserName", user, "name")
    _copy(data, "SubjectDomainName", user, "domain")
    effective: dict[str, Any] = {}
    _copy(data, "TargetUserSid", effective, "id")
    _copy(data, "TargetUserName", effective, "name")
    _copy(data, "TargetDomainName", effective, "domain")
    if effective:
        user["effective"] = effective
    if user:
        document["user"] = user


def _copy(source: Mapping[str, Any], key: str, target: dict, name: str) -> None:
    value = source.get(key)
    if value is not None:
        target[name] = str(value)


def _copy_int(source: Mapping[str, Any], key: str, target: dict, name: str) -> None:
    value = source.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        target[name] = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            # Security events write pids in hex ("0x1a4"), Sysmon in decimal.
            target[name] = int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            pass


def _hashes(value: Any) -> dict[str, str]:
    """Parse Sysmon's ``SHA1=...,MD5=...,IMPHASH=...``; all-zero hashes are dropped."""
    if not isinstance(value, str):
        return {}
    result = {}
    for part in value.split(","):
        key, _, digest = part.partition("=")
        digest = digest.strip().lower()
        if key.strip() and digest and digest.strip("0"):
            result[key.strip().lower()] = digest
    return result


def _split_user(value: Any) -> dict[str, str]:
    if not isinstance(value, str) or "\\" not in value:
        return {}
    domain, _, name = value.partition("\\")
    if "\\" in name:
        return {}
    user = {}
    if domain:
        user["domain"] = domain
    if name:
        user["name"] = name
    return user


def _split_keep_quotes(command_line: str) -> list[str]:
    args: list[str] = []
    start = 0
    in_quote = False
    for index, char in enumerate(command_line):
        if char == '"':
            in_quote = not in_quote
        elif char.isspace() and not in_quote:
            args.append(command_line[start:index])
            start = index + 1
    args.append(command_line[start:])
    return args


def command_line_to_argv(command_line: str) -> list[str]:
    """Split a command line as Windows' CommandLineToArgvW does.

    Backslashes are literal unless they precede a quote: 2n backslashes and
    a quote give n backslashes and toggle quoting, 2n+1 give n backslashes
    and a literal quote. Inside quotes, a doubled quote is a literal quote.
    """
    args: list[str] = []
    current: list[str] = []
    in_quotes = False
    slashes = 0
    index = 0
    length = len(command_line)
    started = False
    while index < length:
        char = command_line[index]
        if char in " \t" and not in_quotes:
            if started or slashes:
                current.append("\\" * slashes)
                args.append("".join(current))
            current, slashes, started = [], 0, False
        elif char == "\\":
            slashes += 1
            started = True
        elif char == '"':
            current.append("\\" * (slashes // 2))
            if slashes % 2:
                current.append('"')
            elif in_quotes and index + 1 < length and command_line[index + 1] == '"':
                current.append('"')
                index += 1
                in_quotes = False
            else:
                in_quotes = not in_quotes
            slashes = 0
            started = True
        else:
            current.append("\\" * slashes)
            current.append(char)
            slashes = 0
            started = True
        index += 1
    if started or slashes:
        current.append("\\" * slashes)
        args.append("".join(current))
    return args


__all__ = [
    "SECURITY_INDEX",
    "SYSMON_INDEX",
    "WindowsRecord",
    "basename",
    "command_line_to_argv",
    "to_ecs",
]
