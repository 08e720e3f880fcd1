"""Time ``dac replay`` of 1,000,000 ECS events through 50 rules.

Usage (one core, as recorded in docs/benchmarks.md):

    taskset -c 0 .venv/bin/python benchmarks/bench_replay.py [--events N]
        [--rules N] [--workdir DIR]

The script writes an ECS NDJSON file of synthetic Elastic Defend events in
time order: 60% process, 20% network, 10% file and 10% registry events on
20 Windows hosts. It also writes a folder of EQL rules: the two shipped
RunDLL32 rules plus generated event queries and sequences. It then runs ``dac replay
--format json`` on them in a fresh interpreter and prints the wall time,
the child's peak resident memory (``ru_maxrss``) and the alert count. The
input file is reused between runs when it already has the requested size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 1234
START = datetime(2025, 1, 15, 0, 0, 0, tzinfo=UTC)
PROCESS_NAMES = (
    "chrome.exe",
    "svchost.exe",
    "explorer.exe",
    "cmd.exe",
    "powershell.exe",
    "rundll32.exe",
    "conhost.exe",
    "taskhostw.exe",
    "msedge.exe",
    "WINWORD.EXE",
    "notepad.exe",
    "dllhost.exe",
)
CATEGORIES = ("process",) * 6 + ("network",) * 2 + ("file", "registry")

RULE = """[metadata]
creation_date = "2025/01/01"
maturity = "production"
updated_date = "2025/01/01"

[rule]
author = ["benchmark"]
description = "Generated for the replay benchmark."
from = "now-9m"
index = ["logs-endpoint.events.*", "logs-windows.sysmon_operational-*"]
language = "eql"
license = "Apache-2.0"
name = "Benchmark rule {number}"
risk_score = 47
rule_id = "00000000-0000-4000-8000-{number:012d}"
severity = "medium"
timestamp_override = "event.ingested"
type = "eql"
query = '''
{query}
'''
"""


def queries(count: int) -> list[str]:
    """Return ``count`` EQL queries of the shapes detection rules use."""
    rng = random.Random(SEED)
    result = []
    for number in range(count):
        child, parent = rng.sample(PROCESS_NAMES, 2)
        kind = number % 10
        if kind < 5:
            result.append(
                'process where host.os.type == "windows" and event.type == "start" '
                f'and process.name : "{child}" and process.parent.name : "{parent}" '
                'and process.args : ("-enc*", "*http*")'
            )
        elif kind < 7:
            result.append(
                'process where event.type == "start" and '
                f'process.command_line : ("*\\\\Temp\\\\{child}*", "*-nop -w hidden*")'
            )
        elif kind == 7:
            result.append(
                f'network where process.name : "{child}" and destination.port in '
                "(4444, 8443, 1337) and not cidrmatch(destination.ip, "
                '"10.0.0.0/8", "192.168.0.0/16")'
            )
        elif kind == 8:
            result.append(
                'registry where registry.path : "*\\\\CurrentVersion\\\\Run\\\\*" and '
                f'process.name : "{child}"'
            )
        else:
            result.append(
                "sequence by process.entity_id with maxspan=30s\n"
                '  [process where event.type == "start" and '
                f'process.name : "{child}"]\n'
                "  [network where destination.port == 4444]"
            )
    return result


def write_rules(folder: Path, count: int) -> None:
    """Write the shipped RunDLL32 rules and ``count - 2`` generated rules."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in (ROOT / "detections").rglob("*.toml"):
        shutil.copy(path, folder / path.name)
    for number, query in enumerate(queries(count - 2)):
        text = RULE.format(number=number, query=query)
        (folder / f"bench_{number:03d}.toml").write_text(text, encoding="utf-8")


def event(rng: random.Random, moment: datetime, host: int) -> dict:
    """Return one compact but realistic Elastic Defend document."""
    category = rng.choice(CATEGORIES)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    name = rng.choice(PROCESS_NAMES)
    pid = rng.randrange(1000, 30000, 4)
    document = {
        "@timestamp": stamp,
        "event": {
            "category": [category],
            "type": ["start"] if category != "registry" else ["change"],
            "kind": "event",
            "ingested": stamp,
        },
        "data_stream": {
            "type": "logs",
            "dataset": f"endpoint.events.{category}",
            "namespace": "default",
        },
        "host": {"name": f"WS-{host:03d}", "os": {"type": "windows"}},
        "process": {
            "name": name,
            "pid": pid,
            "entity_id": f"{host}-{pid}",
            "executable": f"C:\\Windows\\System32\\{name}",
        },
    }
    # About one event in 5,000 looks like an attack, so rules alert rarely,
    # as on real activity.
    rare = rng.random() < 0.0002
    if category == "process":
        parent = rng.choice(PROCESS_NAMES)
        if rare:
            document["process"]["command_line"] = f"{name} -nop -w hidden -enc AA"
            document["process"]["args"] = [name, "-nop", "-w", "hidden", "-enc", "AA"]
        else:
            line = f"{name} /c echo {rng.randint(0, 999)}"
            document["process"]["command_line"] = line
            document["process"]["args"] = [name, "/c", "echo"]
        document["process"]["parent"] = {
            "name": parent,
            "command_line": f"C:\\Windows\\System32\\{parent} -k netsvcs",
            "args_count": 3,
        }
    elif category == "network":
        document["destination"] = {
            "ip": f"198.51.100.{rng.randint(1, 254)}",
            "port": 4444 if rare else rng.choice((443, 80, 53)),
        }
    elif category == "registry":
        key = "Run" if rare else "Explorer"
        document["registry"] = {
            "path": f"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\{key}\\x"
        }
    else:
        document["file"] = {"path": f"C:\\Users\\u\\f{rng.randint(0, 99)}.txt"}
    return document


def write_events(path: Path, count: int) -> None:
    """Write ``count`` events in time order, one JSON document per line."""
    rng = random.Random(SEED)
    moment = START
    with path.open("w", encoding="utf-8") as stream:
        for index in range(count):
            moment += timedelta(milliseconds=rng.randint(1, 40))
            stream.write(json.dumps(event(rng, moment, index % 20)) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dac-bench-replay"))
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    events = args.workdir / f"events-{args.events}-v2.ndjson"
    if not events.exists():
        started = time.perf_counter()
        write_events(events, args.events)
        print(f"wrote {events} in {time.perf_counter() - started:.1f} s")
    rules = args.workdir / "rules"
    write_rules(rules, args.rules)

    dac = Path(sys.executable).with_name("dac")
    command = [
        str(dac),
        "replay",
        str(events),
        "--rules",
        str(rules),
        "--format",
        "json",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mib = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
        return 1
    summary = json.loads(completed.stdout)["summary"]
    size_mib = events.stat().st_size / 2**20
    print(f"| events | {summary['events']:,} ({size_mib:.0f} MiB NDJSON) |")
    print(f"| rules | {args.rules} |")
    print(f"| alerts | {summary['alerts']:,} |")
    print(f"| wall time | {elapsed:.1f} s |")
    print(f"| CPU time (user + system) | {cpu:.1f} s |")
    print(f"| events per second | {summary['events'] / elapsed:,.0f} |")
    print(f"| peak resident memory | {peak_mib:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
