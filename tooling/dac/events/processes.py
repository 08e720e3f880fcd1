"""Process fields: fill a process and its parent consistently from what a case gives.

A case usually names a few fields, such as ``process.name`` or a parent
command line. The rest follows from them the way Elastic Defend reports a
real process. ``name`` is the last part of ``executable``, ``args`` is the
split ``command_line`` and ``args_count`` its length. ``entity_id`` is
base64 of ``<agent.id>-<pid>-<start time as FILETIME>``.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from dac.events.fields import REMOVE
from dac.events.hosts import HostProfile
from dac.events.times import filetime

# The process a case gets when it names none, per host.os.type.
_DEFAULT_PROCESS = {
    "windows": ("C:\\Windows\\System32\\notepad.exe", "C:\\Windows\\Explorer.EXE"),
    "linux": ("/usr/bin/sleep", "/usr/bin/bash"),
    "macos": ("/bin/sleep", "/bin/zsh"),
}
_DEFAULT_DIR = {
    "windows": "C:\\Windows\\System32\\",
    "linux": "/usr/bin/",
    "macos": "/usr/bin/",
}


def basename(path: str) -> str:
    """Return the last component of a Windows or POSIX path."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def split_command_line(command_line: str) -> list[str]:
    """Split a command line into arguments, honouring double quotes.

    Quotes group characters and are dropped, as in the common Windows rule,
    which also covers simple POSIX shell command lines. Backslashes are
    literal, as in Windows paths.
    """
    args: list[str] = []
    current: list[str] = []
    in_quotes = False
    has_token = False
    for char in command_line:
        if char == '"':
            in_quotes = not in_quotes
            has_token = True
        elif char in " \t" and not in_quotes:
            if has_token:
                args.append("".join(current))
                current = []
                has_token = False
        else:
            current.append(char)
            has_token = True
    if has_token:
        args.append("".join(current))
    return args


def entity_id(agent_id: str, pid: int, start: datetime) -> str:
    """Build an Elastic Defend entity id: base64 of ``agent-pid-FILETIME``."""
    raw = f"{agent_id}-{pid}-{filetime(start)}"
    return base64.b64encode(raw.encode()).decode()


class ProcessTable:
    """Stable pids and start times per process name, so events of one case agree.

    Two events that name the same process (by pid, or by executable when no
    pid is set) get the same pid, start time and entity_id, which is what a
    sequence ``by process.entity_id`` needs.
    """

    def __init__(self, rng: random.Random, host: HostProfile, start: datetime):
        self._rng = rng
        self._host = host
        self._start = start
        self._pids: dict[str, int] = {}
        self._starts: dict[int, datetime] = {}

    def pid_for(self, key: str) -> int:
        """Return the pid of the process ``key``, drawing a new one if unseen."""
        pid = self._pids.get(key)
        if pid is None:
            pid = self._rng.randrange(1000, 30000, 4)
            self._pids[key] = pid
        return pid

    def start_of(self, pid: int, when: datetime) -> datetime:
        """Return the start time of ``pid``, recording ``when`` if it is new."""
        return self._starts.setdefault(pid, when)

    def entity_id(self, pid: int, when: datetime) -> str:
        """Return the entity_id of ``pid``, started at or before ``when``."""
        return entity_id(self._host.agent_id, pid, self.start_of(pid, when))


def fill_process(
    case_fields: dict[str, Any],
    host: HostProfile,
    table: ProcessTable,
    when: datetime,
    is_start: bool,
) -> dict[str, Any]:
    """Return a complete ``process`` object around the fields a case sets.

    ``case_fields`` is the case's ``process`` object (None values mark fields
    to leave out). The returned object contains derived values only where the
    case gave none, and the caller overlays ``case_fields`` on top of it.
    """
    os_type = host.os_type
    default_exe, default_parent_exe = _DEFAULT_PROCESS[os_type]
    filled = _fill_one(case_fields, default_exe, host, table, when, "process")
    if is_start:
        # A starting process records its own start as now.
        table.start_of(filled["pid"], when)

    if "parent" in case_fields and case_fields["parent"] is REMOVE:
        return filled
    parent_given = case_fields.get("parent")
    parent_given = parent_given if isinstance(parent_given, dict) else {}
    parent_when = when - timedelta(minutes=5)
    parent = _fill_one(
        parent_given, default_parent_exe, host, table, parent_when, "parent"
    )
    filled["parent"] = parent
    filled["Ext"] = {"ancestry": [parent["entity_id"]]}
    return filled


def _fill_one(
    case_fields: dict[str, Any],
    default_exe: str,
    host: HostProfile,
    table: ProcessTable,
    when: datetime,
    role: str,
) -> dict[str, Any]:
    executable = case_fields.get("executable")
    name = case_fields.get("name")
    if not isinstance(executable, str):
        if isinstance(name, str):
            executable = _DEFAULT_DIR[host.os_type] + name
        else:
            executable = default_exe
    if not isinstance(name, str):
        name = basename(executable)

    command_line = case_fields.get("command_line")
    args = case_fields.get("args")
    if "command_line" not in case_fields:
        if isinstance(args, list) and args:
            command_line = " ".join(_quote(str(a)) for a in args)
        else:
            command_line = _quote(executable)
    if not isinstance(args, list):
        args = split_command_line(command_line) if isinstance(command_line, str) else []

    pid = case_fields.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        pid = table.pid_for(f"{role}:{executable.lower()}")
    filled: dict[str, Any] = {
        "executable": executable,
        "name": name,
        "pid": pid,
        "entity_id": table.entity_id(pid, when),
    }
    if isinstance(command_line, str):
        filled["command_line"] = command_line
    if args:
        filled["args"] = args
        filled["args_count"] = len(args)
    if host.os_type == "windows":
        filled["working_directory"] = "C:\\Windows\\system32\\"
        filled.update(_image_facts(executable, name))
    return filled


def _image_facts(executable: str, name: str) -> dict[str, Any]:
    """Return hashes, PE and signature fields for a Windows executable.

    Hashes are derived from the path, so one executable has the same hashes
    in every event and every run (they are not the real file's hashes).
    Images under ``C:\\Windows\\`` are signed by Microsoft, as Windows'
    own binaries are, and other images are unsigned.
    """
    digest = executable.lower().encode("utf-8")
    signed = executable.lower().startswith("c:\\windows\\")
    if signed:
        signature: dict[str, Any] = {
            "exists": True,
            "status": "trusted",
            "subject_name": "Microsoft Windows",
            "trusted": True,
        }
    else:
        signature = {"exists": False}
    return {
        "hash": {
            "md5": hashlib.md5(digest, usedforsecurity=False).hexdigest(),
            "sha1": hashlib.sha1(digest, usedforsecurity=False).hexdigest(),
            "sha256": hashlib.sha256(digest).hexdigest(),
        },
        "pe": {"original_file_name": name},
        "code_signature": signature,
    }


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg
