"""Mapping of Sigma log sources and fields to Elastic Defend / Sysmon ECS.

This is data, not code: each supported Sigma log source names the event
filter that selects its events in EQL, the index patterns that carry them,
and the Sigma field names with their ECS field. A Sigma field missing from
the table has no ECS field that both Elastic Defend and Elastic's Sysmon
integration map, so a rule that uses it is rejected with that field named.

Field names and event.action values follow the Sysmon ingest pipeline of
Elastic's Windows integration (packages/windows, data_stream
sysmon_operational, elasticsearch/ingest_pipeline/default.yml) and the
per-event field lists of the Elastic Defend package
(custom_documentation/src/endpoint/data_stream/<stream>/windows/*.yaml).
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
    # A list of ECS fields means "any of them": the query tests each field.
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    # Sigma field -> {Sigma value: ECS value} where the sources store another
    # value than Sigma's; any other value of such a field is rejected.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # Sigma fields known to have no counterpart, with the reason given to the user.
    unmapped: dict[str, str] = field(default_factory=dict)
    # Compact-event fields that put a generated alerting event in this log
    # source (the factory's ``category`` key and the event filter's values).
    case_event: dict[str, str] = field(default_factory=dict)
    # An event of the same category that the event filter must exclude, and
    # the name of the generated near-miss case built from it.
    excluded_event: dict[str, str] = field(default_factory=dict)
    excluded_name: str = ""


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


# Fields of the acting process that Elastic Defend's library, network, file
# and registry events and the matching Sysmon events both carry.
_ACTOR_FIELDS = {
    "Image": "process.executable",
    "ProcessId": "process.pid",
    "ProcessGuid": "process.entity_id",
    "User": "user.name",
    "Computer": "host.name",
}

_NO_COMMON = "no ECS field common to Elastic Defend and Sysmon"

_NETWORK_FIELDS = {
    **_ACTOR_FIELDS,
    "DestinationIp": "destination.ip",
    "DestinationPort": "destination.port",
    "SourceIp": "source.ip",
    "SourcePort": "source.port",
    "Protocol": "network.transport",
    "Initiated": "network.direction",
}

# Elastic's Sysmon pipeline sets network.direction from Initiated, and Elastic
# Defend's network events carry the same egress/ingress values.
_NETWORK_VALUES = {"Initiated": {"true": "egress", "false": "ingress"}}

_NETWORK_UNMAPPED = {
    "DestinationHostname": "Elastic Defend network events carry no destination.domain",
    "SourceHostname": "Elastic Defend network events carry no source.domain",
    "DestinationPortName": "only Sysmon fills network.protocol from it",
    "SourcePortName": "only Sysmon fills network.protocol from it",
    "DestinationIsIpv6": _NO_COMMON,
    "SourceIsIpv6": _NO_COMMON,
    "CommandLine": "Sysmon network events carry no command line",
    "ParentImage": "network events carry no parent process",
}

_FILE_FIELDS = {**_ACTOR_FIELDS, "TargetFilename": "file.path"}

_FILE_UNMAPPED = {
    "CommandLine": "Sysmon file events carry no command line",
    "ParentImage": "file events carry no parent process",
    "CreationUtcTime": _NO_COMMON,
    "Hashes": _NO_COMMON,
}

_REGISTRY_FIELDS = {
    **_ACTOR_FIELDS,
    "TargetObject": "registry.path",
    "Details": "registry.data.strings",
}

_REGISTRY_UNMAPPED = {
    "EventType": "Sysmon's EventType (SetValue, CreateKey, ...) has no ECS field",
    "NewName": _NO_COMMON,
    "CommandLine": "registry events carry no command line",
    "ParentImage": "registry events carry no parent process",
}

# Elastic Defend reports a loaded DLL in dll.*, Elastic's Sysmon pipeline in
# file.*, so the query tests both: the other source leaves the field empty.
_IMAGE_LOAD_FIELDS: dict[str, str | list[str]] = {
    **_ACTOR_FIELDS,
    "ImageLoaded": ["dll.path", "file.path"],
    "OriginalFileName": ["dll.pe.original_file_name", "file.pe.original_file_name"],
}

_IMAGE_LOAD_UNMAPPED = {
    "Signed": "Sysmon's 'true'/'false' text has no counterpart in Elastic "
    "Defend's dll.code_signature fields",
    "SignatureStatus": "Sysmon and Elastic Defend use different status values",
    "Signature": _NO_COMMON,
    "Hashes": _NO_COMMON,
    "Description": "Elastic Defend library events carry no dll.pe.description",
    "Product": "Elastic Defend library events carry no dll.pe.product",
    "Company": "Elastic Defend library events carry no dll.pe.company",
    "FileVersion": _NO_COMMON,
    "CommandLine": "image load events carry no command line",
    "ParentImage": "image load events carry no parent process",
}

_WINDOWS_INDEX = "logs-windows.sysmon_operational-*"

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
        excluded_event={"event.type": "end"},
        excluded_name="process end event of a matching process",
    ),
    # Elastic Defend writes DLL loads to its library stream (event.category
    # library, event.action load). Elastic's Sysmon pipeline gives event 7
    # event.category process and event.action "Image loaded", so a library
    # filter alone would never see Sysmon data.
    ("image_load", "windows"): LogSource(
        category="image_load",
        product="windows",
        event_filter=(
            'any where host.os.type == "windows" and (event.category == "library" '
            'or (event.category == "process" and event.action == "Image loaded"))'
        ),
        index=("logs-endpoint.events.library-*", _WINDOWS_INDEX),
        fields=_IMAGE_LOAD_FIELDS,
        unmapped=_IMAGE_LOAD_UNMAPPED,
        case_event={"category": "library", "event.action": "load"},
        # A process event that is no image load, like Sysmon's other process
        # events. The factory builds it in the library stream because only
        # that stream maps dll.*.
        excluded_event={
            "category": "library",
            "event.category": "process",
            "event.action": "Process creation",
        },
        excluded_name="process event that is no image load",
    ),
    # Sysmon event 3 sets event.action "Network connection" for outbound and
    # inbound connections. Elastic Defend writes connection_attempted and
    # connection_accepted, and uses the same network stream for DNS lookups
    # and disconnects, which the action list leaves out.
    ("network_connection", "windows"): LogSource(
        category="network_connection",
        product="windows",
        event_filter=(
            'network where host.os.type == "windows" and event.action in '
            '("connection_attempted", "connection_accepted", "Network connection")'
        ),
        index=("logs-endpoint.events.network-*", _WINDOWS_INDEX),
        fields=_NETWORK_FIELDS,
        values=_NETWORK_VALUES,
        unmapped=_NETWORK_UNMAPPED,
        case_event={"category": "network", "event.action": "connection_attempted"},
        excluded_event={
            "category": "network",
            "event.type": "end",
            "event.action": "disconnect_received",
        },
        excluded_name="disconnect event of a matching connection",
    ),
    # Sysmon event 11 (FileCreate) is logged when a file is created or
    # overwritten. Elastic Defend splits these into the actions creation and
    # overwrite. Sysmon's other "creation" events (17 pipe created, 27 blocked
    # executable, 29 executable detected) have other actions and stay out.
    ("file_event", "windows"): LogSource(
        category="file_event",
        product="windows",
        event_filter=(
            'file where host.os.type == "windows" and event.action in '
            '("creation", "overwrite", "FileCreate")'
        ),
        index=("logs-endpoint.events.file-*", _WINDOWS_INDEX),
        fields=_FILE_FIELDS,
        unmapped=_FILE_UNMAPPED,
        case_event={"category": "file", "event.action": "creation"},
        excluded_event={
            "category": "file",
            "event.type": "deletion",
            "event.action": "deletion",
        },
        excluded_name="deletion of a matching file",
    ),
    # Sysmon event 13 (value set) has event.category [configuration, registry]
    # and event.action "RegistryEvent (Value Set)". Elastic Defend reports
    # value writes with the action modification.
    ("registry_set", "windows"): LogSource(
        category="registry_set",
        product="windows",
        event_filter=(
            'registry where host.os.type == "windows" and event.action in '
            '("modification", "RegistryEvent (Value Set)")'
        ),
        index=("logs-endpoint.events.registry-*", _WINDOWS_INDEX),
        fields=_REGISTRY_FIELDS,
        unmapped=_REGISTRY_UNMAPPED,
        case_event={"category": "registry", "event.action": "modification"},
        excluded_event={"category": "registry", "event.action": "query"},
        excluded_name="registry query of a matching value",
    ),
    # Sigma's registry_event covers Sysmon events 12, 13 and 14. Elastic
    # Defend has no key create, delete or rename events, so on Defend data
    # such a rule matches value writes only.
    ("registry_event", "windows"): LogSource(
        category="registry_event",
        product="windows",
        event_filter=(
            'registry where host.os.type == "windows" and event.action in '
            '("modification", "RegistryEvent (Object create and delete)", '
            '"RegistryEvent (Value Set)", "RegistryEvent (Key and Value Rename)")'
        ),
        index=("logs-endpoint.events.registry-*", _WINDOWS_INDEX),
        fields=_REGISTRY_FIELDS,
        unmapped=_REGISTRY_UNMAPPED,
        case_event={"category": "registry", "event.action": "modification"},
        excluded_event={"category": "registry", "event.action": "query"},
        excluded_name="registry query of a matching value",
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
