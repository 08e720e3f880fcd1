"""Generate the shipped benign baseline: ordinary Windows parent/child activity.

``python -m dac.replay.baseline detections/baseline`` writes two files:

* ``windows-endpoint-activity.ndjson``: Elastic Defend events (ECS NDJSON)
  built by the event factory;
* ``windows-sysmon-activity.json``: a Sysmon export as a JSON array in the
  ``Event.System``/``Event.EventData`` shape of EVTX converters.

The activity is written for this project: a workday of office users, system
services and software installs on three hosts, including the benign
rundll32.exe uses that the RunDLL32 rules must not alert on. Output is
deterministic (fixed seed and start time), so the files only change when
this script does.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dac.events import EventFactory
from dac.events.times import format_time

SEED = 20250115
START = datetime(2025, 1, 15, 8, 0, 0, tzinfo=UTC)
ENDPOINT_EVENTS = 320
SYSMON_EVENTS = 140
SYSTEM32 = "C:\\Windows\\System32\\"
HOSTS = ("WS-FIN-014", "WS-ENG-203", "SRV-FILE-01")


@dataclass(frozen=True)
class Activity:
    """One kind of benign process start: parent and child with command lines."""

    parent: str
    parent_command_line: str
    child: str
    child_command_line: str
    weight: int = 1


def _q(path: str) -> str:
    return f'"{path}"'


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        _q("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"),
        6,
    ),
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        _q("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE")
        + ' /n "C:\\Users\\jdoe\\Documents\\Q1 budget.docx"',
        4,
    ),
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        _q("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE"),
        4,
    ),
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        SYSTEM32 + "notepad.exe",
        _q(SYSTEM32 + "notepad.exe") + " C:\\Users\\jdoe\\Desktop\\notes.txt",
        3,
    ),
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        SYSTEM32 + "cmd.exe",
        _q(SYSTEM32 + "cmd.exe"),
        2,
    ),
    Activity(
        SYSTEM32 + "cmd.exe",
        _q(SYSTEM32 + "cmd.exe"),
        SYSTEM32 + "ipconfig.exe",
        "ipconfig /all",
        2,
    ),
    Activity(
        SYSTEM32 + "cmd.exe",
        _q(SYSTEM32 + "cmd.exe"),
        SYSTEM32 + "PING.EXE",
        "ping -n 4 fileserver.corp.example",
    ),
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        SYSTEM32 + "WindowsPowerShell\\v1.0\\powershell.exe",
        _q(SYSTEM32 + "WindowsPowerShell\\v1.0\\powershell.exe"),
        2,
    ),
    Activity(
        SYSTEM32 + "WindowsPowerShell\\v1.0\\powershell.exe",
        _q(SYSTEM32 + "WindowsPowerShell\\v1.0\\powershell.exe"),
        SYSTEM32 + "conhost.exe",
        "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
        2,
    ),
    Activity(
        SYSTEM32 + "services.exe",
        SYSTEM32 + "services.exe",
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k netsvcs -p -s Schedule",
        3,
    ),
    Activity(
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k netsvcs -p -s Schedule",
        SYSTEM32 + "taskhostw.exe",
        "taskhostw.exe Install $(Arg0)",
        2,
    ),
    Activity(
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k DcomLaunch -p",
        SYSTEM32 + "wbem\\WmiPrvSE.exe",
        SYSTEM32 + "wbem\\wmiprvse.exe -secured -Embedding",
        2,
    ),
    Activity(
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k DcomLaunch -p",
        SYSTEM32 + "RuntimeBroker.exe",
        SYSTEM32 + "RuntimeBroker.exe -Embedding",
        3,
    ),
    Activity(
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k DcomLaunch -p",
        SYSTEM32 + "dllhost.exe",
        SYSTEM32 + "DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}",
        2,
    ),
    # Benign rundll32.exe: Control Panel applets and shell COM servers.
    Activity(
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        SYSTEM32 + "rundll32.exe",
        _q(SYSTEM32 + "rundll32.exe")
        + " C:\\Windows\\System32\\shell32.dll,Control_RunDLL desk.cpl",
        2,
    ),
    Activity(
        SYSTEM32 + "rundll32.exe",
        _q(SYSTEM32 + "rundll32.exe")
        + " C:\\Windows\\System32\\shell32.dll,Control_RunDLL desk.cpl",
        SYSTEM32 + "SystemSettingsAdminFlows.exe",
        SYSTEM32 + "SystemSettingsAdminFlows.exe DisplaySettings",
    ),
    Activity(
        SYSTEM32 + "rundll32.exe",
        SYSTEM32
        + "rundll32.exe C:\\Windows\\System32\\shell32.dll,SHCreateLocalServerRunDll"
        " {9aa46009-3ce0-458a-a354-715610a075e6} -Embedding",
        SYSTEM32 + "dllhost.exe",
        SYSTEM32 + "DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}",
    ),
    Activity(
        SYSTEM32 + "svchost.exe",
        SYSTEM32 + "svchost.exe -k netsvcs -p -s Schedule",
        SYSTEM32 + "rundll32.exe",
        SYSTEM32 + "rundll32.exe C:\\Windows\\system32\\PcaSvc.dll,PcaPatchSdbTask",
    ),
    # "Run as different user" opens a shell through shell32's export.
    Activity(
        SYSTEM32 + "rundll32.exe",
        SYSTEM32 + "rundll32.exe C:\\Windows\\System32\\SHELL32.dll,"
        "RunAsNewUser_RunDLL Global\\{4b1a7c3e-2f60-4d9a-8e15-0c7b9d2e6a41}",
        SYSTEM32 + "cmd.exe",
        _q(SYSTEM32 + "cmd.exe"),
    ),
    # Windows Installer custom actions run from MSI*.tmp DLLs.
    Activity(
        SYSTEM32 + "rundll32.exe",
        SYSTEM32 + 'rundll32.exe "C:\\Windows\\Installer\\MSI8C21.tmp",'
        "zzzzInvokeManagedCustomActionOutOfProc SfxCA_9734562 7 "
        "Installer.CustomActions!Installer.CustomActions.Configure",
        SYSTEM32 + "cmd.exe",
        SYSTEM32 + 'cmd.exe /c "sc.exe config AgentSvc start= auto"',
    ),
    Activity(
        SYSTEM32 + "msiexec.exe",
        SYSTEM32 + "MsiExec.exe -Embedding 4E8F0C2B1A7D9E3F5C6B8A0D2E4F6A8B C",
        SYSTEM32 + "rundll32.exe",
        SYSTEM32 + 'rundll32.exe "C:\\Windows\\Installer\\MSI8C21.tmp",'
        "zzzzInvokeManagedCustomActionOutOfProc SfxCA_9734562 7 "
        "Installer.CustomActions!Installer.CustomActions.Configure",
    ),
)


def _choices(rng: random.Random, count: int) -> list[Activity]:
    weights = [activity.weight for activity in ACTIVITIES]
    chosen = rng.choices(ACTIVITIES, weights=weights, k=count - len(ACTIVITIES))
    # Every activity appears at least once, so the baseline covers each use.
    chosen.extend(ACTIVITIES)
    rng.shuffle(chosen)
    return chosen


def endpoint_events(rng: random.Random) -> list[dict[str, Any]]:
    """Build the Elastic Defend process events of the baseline, in time order."""
    factory = EventFactory(seed=SEED, base_time=START)
    documents: list[dict[str, Any]] = []
    offset = 0
    for index, activity in enumerate(_choices(rng, ENDPOINT_EVENTS)):
        offset += rng.randint(5, 150)
        compact = {
            "at": f"+{offset}s",
            "process.executable": activity.child,
            "process.command_line": activity.child_command_line,
            "process.parent.executable": activity.parent,
            "process.parent.command_line": activity.parent_command_line,
        }
        if rng.random() < 0.15:
            compact["event.type"] = "end"
        host = HOSTS[index % len(HOSTS)]
        (document,) = factory.build_case([compact], case=host)
        documents.append(document)
    return documents


def sysmon_events(rng: random.Random) -> list[dict[str, Any]]:
    """Build the Sysmon process creation records of the baseline, in time order."""
    records = []
    moment = START
    for number, activity in enumerate(_choices(rng, SYSMON_EVENTS), start=1):
        moment += timedelta(seconds=rng.randint(5, 300))
        host = HOSTS[number % len(HOSTS)]
        records.append(_sysmon_record(rng, number, moment, host, activity))
    return records


def _guid(rng: random.Random) -> str:
    return "{" + str(uuid.UUID(int=rng.getrandbits(128), version=4)) + "}"


def _sysmon_record(
    rng: random.Random, number: int, moment: datetime, host: str, activity: Activity
) -> dict[str, Any]:
    system_time = format_time(moment).replace("Z", "0000Z")
    return {
        "Event": {
            "#attributes": {
                "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"
            },
            "System": {
                "Provider": {
                    "#attributes": {
                        "Name": "Microsoft-Windows-Sysmon",
                        "Guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
                    }
                },
                "EventID": 1,
                "Version": 5,
                "Level": 4,
                "Task": 1,
                "Opcode": 0,
                "Keywords": "0x8000000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": system_time}},
                "EventRecordID": 40000 + number,
                "Execution": {"#attributes": {"ProcessID": 3120, "ThreadID": 4388}},
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "Computer": f"{host}.corp.example",
                "Security": {"#attributes": {"UserID": "S-1-5-18"}},
            },
            "EventData": {
                "RuleName": "-",
                "UtcTime": moment.strftime("%Y-%m-%d %H:%M:%S.")
                + f"{moment.microsecond // 1000:03d}",
                "ProcessGuid": _guid(rng),
                "ProcessId": rng.randrange(1000, 30000, 4),
                "Image": activity.child,
                "CommandLine": activity.child_command_line,
                "CurrentDirectory": "C:\\Windows\\system32\\",
                "User": "CORP\\jdoe",
                "LogonId": "0x3e7",
                "TerminalSessionId": 1,
                "IntegrityLevel": "Medium",
                "Hashes": "SHA256=" + rng.randbytes(32).hex().upper(),
                "ParentProcessGuid": _guid(rng),
                "ParentProcessId": rng.randrange(1000, 30000, 4),
                "ParentImage": activity.parent,
                "ParentCommandLine": activity.parent_command_line,
                "ParentUser": "CORP\\jdoe",
            },
        }
    }


def write_baseline(folder: Path) -> list[Path]:
    """Write both baseline files into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    endpoint = folder / "windows-endpoint-activity.ndjson"
    with endpoint.open("w", encoding="utf-8", newline="\n") as stream:
        for document in endpoint_events(rng):
            stream.write(json.dumps(document, sort_keys=True) + "\n")
    sysmon = folder / "windows-sysmon-activity.json"
    sysmon.write_text(json.dumps(sysmon_events(rng), indent=1) + "\n", encoding="utf-8")
    return [endpoint, sysmon]


def main(argv: list[str] | None = None) -> int:
    """Write the baseline into the folder named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dac.replay.baseline OUTPUT_FOLDER", file=sys.stderr)
        return 2
    for path in write_baseline(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
