"""Measure the embedded EQL engine against the eql package's PythonEngine.

Two workloads, each engine in its own fresh process so that peak memory is
the whole process's maximum resident set (``ru_maxrss``):

* ``rule``: the query of detections/windows/execution/
  command_shell_started_via_rundll32.toml over generated Elastic Defend
  process events (about 1% match it). Events are generated before the
  timer starts, and the median of ``--repeat`` runs is reported. eql's time
  includes wrapping each document in its Event class with a numeric time,
  because eql needs both. ``eql-flat`` runs eql on copies whose event.category and
  event.type are plain strings, because eql reads an array as one value and
  so stops early on the real documents.
* ``sequence``: a two-step sequence by process.entity_id with maxspan over a
  timestamp-ordered stream with 100,000 distinct join keys, generated
  lazily, so memory shows the engine's state and not the data set.

Usage:
    .venv/bin/python benchmarks/bench_engine.py                # both workloads
    .venv/bin/python benchmarks/bench_engine.py --rule-events 20000 --sizes 50000
Prints Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_PATH = (
    ROOT / "detections/windows/execution/command_shell_started_via_rundll32.toml"
)
SEQUENCE_QUERY = (
    "sequence by process.entity_id with maxspan=30s\n"
    '  [process where event.type == "start" and process.name == "cmd.exe"]\n'
    "  [network where destination.port == 443]"
)
START = datetime(2025, 6, 10, tzinfo=UTC).timestamp()
SHA256 = "e51a071c60948a56f1292c1e1cbdca128058f5f4b49ce7a544f4025756a85836"

AGENT = {
    "id": "0f3c9a52-7d41-4b8e-9c2a-5e6f1a2b3c4d",
    "type": "endpoint",
    "version": "9.0.2",
}
DATA_STREAM = {
    "dataset": "endpoint.events.process",
    "namespace": "default",
    "type": "logs",
}
CHILDREN = [
    "cmd.exe",
    "powershell.exe",
    "conhost.exe",
    "svchost.exe",
    "chrome.exe",
    "msedge.exe",
    "explorer.exe",
    "notepad.exe",
    "taskhostw.exe",
    "whoami.exe",
]
PARENTS = [
    "explorer.exe",
    "services.exe",
    "svchost.exe",
    "cmd.exe",
    "winlogon.exe",
    "userinit.exe",
    "chrome.exe",
    "RuntimeBroker.exe",
]
EXCLUDED_ARG = "C:\\Windows\\System32\\SHELL32.dll,RunAsNewUser_RunDLL"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def defend_process_event(rng: random.Random, index: int) -> dict:
    """Return one Defend-shaped process event; about 1% fit the RunDLL32 rule."""
    windows = rng.random() < 0.9
    roll = rng.random()
    child = rng.choice(CHILDREN)
    parent = rng.choice(PARENTS)
    parent_args = [f"C:\\Windows\\System32\\{parent}"]
    if roll < 0.013:  # rundll32 parent; a fifth of these hit the exclusion
        child = rng.choice(["cmd.exe", "powershell.exe", "CMD.EXE"])
        parent = rng.choice(["rundll32.exe", "RUNDLL32.EXE", "RunDll32.exe"])
        dll = (
            EXCLUDED_ARG if rng.random() < 0.2 else "C:\\Users\\u\\AppData\\x.dll,Start"
        )
        parent_args = ["C:\\Windows\\System32\\rundll32.exe", dll]
    timestamp = _iso(START + index * 0.01)
    return {
        "@timestamp": timestamp,
        "agent": AGENT,
        "data_stream": DATA_STREAM,
        "ecs": {"version": "8.10.0"},
        "event": {
            "action": "start",
            "category": ["process"],
            "created": timestamp,
            "dataset": "endpoint.events.process",
            "id": f"NlWx7Kq3c0RzT2Yv{index:08d}",
            "ingested": timestamp,
            "kind": "event",
            "module": "endpoint",
            "sequence": index,
            "type": ["start"] if rng.random() < 0.8 else ["end"],
        },
        "host": {
            "hostname": f"host-{index % 500}",
            "id": f"host-id-{index % 500}",
            "name": f"host-{index % 500}",
            "os": {
                "family": "windows" if windows else "linux",
                "name": "Windows" if windows else "Linux",
                "platform": "windows" if windows else "ubuntu",
                "type": "windows" if windows else "linux",
            },
        },
        "process": {
            "args": [f"C:\\Windows\\System32\\{child}", "/c", "echo", str(index)],
            "args_count": 4,
            "command_line": f"C:\\Windows\\System32\\{child} /c echo {index}",
            "entity_id": f"entity-{index}",
            "executable": f"C:\\Windows\\System32\\{child}",
            "hash": {
                "md5": "2f8a395462f30efd19f1910b685a142a",
                "sha256": SHA256,
            },
            "name": child,
            "pid": 1000 + index % 60000,
            "parent": {
                "args": parent_args,
                "args_count": len(parent_args),
                "command_line": " ".join(parent_args),
                "entity_id": f"entity-parent-{index % 9000}",
                "executable": parent_args[0],
                "name": parent,
                "pid": 500 + index % 7000,
            },
            "code_signature": {
                "exists": True,
                "status": "trusted",
                "subject_name": "Microsoft Windows",
                "trusted": True,
            },
        },
        "user": {"domain": "CORP", "id": "S-1-5-21-1004", "name": f"user{index % 300}"},
    }


def sequence_events(count: int, keys: int = 100_000) -> Iterator[dict]:
    """Yield a timestamp-ordered stream: starts, then network events per key."""
    rng = random.Random(7)
    for index in range(count):
        key = rng.randrange(keys)
        kind = rng.random()
        timestamp = _iso(START + index * 0.001)
        if kind < 0.5:
            yield {
                "@timestamp": timestamp,
                "event": {"category": ["process"], "type": ["start"]},
                "process": {
                    "entity_id": f"e{key}",
                    "name": "cmd.exe" if rng.random() < 0.3 else "conhost.exe",
                },
            }
        else:
            yield {
                "@timestamp": timestamp,
                "event": {"category": ["network"], "type": ["connection"]},
                "process": {"entity_id": f"e{key}"},
                "destination": {"port": 443 if rng.random() < 0.5 else 80},
            }


def rule_query() -> str:
    with RULE_PATH.open("rb") as handle:
        return tomllib.load(handle)["rule"]["query"]


# -- workers (run in a child process) -----------------------------------------


def _eql_engine(query: str):
    import eql
    from eql import PythonEngine

    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        parsed = eql.parse_query(query)
    found = []
    engine = PythonEngine({})
    engine.add_output_hook(lambda output: found.append(output))
    engine.add_query(parsed)
    return engine, found


def _to_eql(documents):
    from dac.engine._values import parse_timestamp
    from eql.events import Event

    # eql needs a numeric time; the conversion is part of using it.
    for document in documents:
        millis = parse_timestamp(document["@timestamp"])
        category = document["event"]["category"]
        if isinstance(category, list):
            category = category[0]
        yield Event(category, millis, document)


def _flatten_arrays(document: dict) -> dict:
    """Copy a document with event.category and event.type as plain strings."""
    event = dict(document["event"])
    event["category"] = event["category"][0]
    event["type"] = event["type"][0]
    return {**document, "event": event}


def _time_once(engine_name: str, query: str, documents) -> tuple[float, int]:
    # CPU time of this process: other jobs on a shared machine slow the wall
    # clock far more than they change the work done.
    started = time.process_time()
    if engine_name == "dac":
        from dac.engine import compile_query

        compiled = compile_query(query)
        if isinstance(documents, list):
            matches = sum(1 for _ in compiled.run(documents))
        else:
            matches = sum(1 for _ in compiled.stream(documents))
    else:
        engine, found = _eql_engine(query)
        engine.stream_events(_to_eql(documents))
        matches = len(found)
    return time.process_time() - started, matches


def worker(engine_name: str, workload: str, count: int, repeat: int) -> dict:
    if workload == "rule":
        rng = random.Random(42)
        documents = [defend_process_event(rng, i) for i in range(count)]
        if engine_name == "eql-flat":
            documents = [_flatten_arrays(d) for d in documents]
        # The data set is built once; keep the collector from rescanning it.
        gc.freeze()
        runs = [_time_once(engine_name, rule_query(), documents) for _ in range(repeat)]
    else:
        runs = [_time_once(engine_name, SEQUENCE_QUERY, sequence_events(count))]
    seconds = statistics.median(r[0] for r in runs)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "engine": engine_name,
        "workload": workload,
        "events": count,
        "seconds": seconds,
        "matches": runs[0][1],
        "peak_mib": peak_kib / 1024,
    }


def run_child(engine_name: str, workload: str, count: int, repeat: int = 1) -> dict:
    command = [sys.executable, __file__, "--worker", engine_name, workload, str(count)]
    command += ["--repeat", str(repeat)]
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output)
    result["process_seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "WORKLOAD", "COUNT"))
    parser.add_argument("--rule-events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of the rule.")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[250_000, 500_000, 1_000_000]
    )
    parser.add_argument(
        "--skip-eql-sequence",
        action="store_true",
        help="Run eql only on the largest sequence size.",
    )
    args = parser.parse_args()
    if args.worker:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {0})  # one core, as for every worker
        engine_name, workload, count = args.worker
        print(json.dumps(worker(engine_name, workload, int(count), args.repeat)))
        return

    print(f"Rule: {RULE_PATH.relative_to(ROOT)}, {args.rule_events:,} events\n")
    print(
        "| engine | matches | eval CPU time | events/CPU-s | process wall time "
        "| peak RSS |"
    )
    print("|---|---|---|---|---|---|")
    for engine_name in ("dac", "eql", "eql-flat"):
        r = run_child(engine_name, "rule", args.rule_events, args.repeat)
        print(
            f"| {engine_name} | {r['matches']:,} | {r['seconds']:.2f} s | "
            f"{r['events'] / r['seconds']:,.0f} | {r['process_seconds']:.2f} s | "
            f"{r['peak_mib']:.0f} MiB |"
        )

    print("\nSequence (100,000 join keys, maxspan=30s, streamed)\n")
    print("| engine | events | matches | eval CPU time | events/CPU-s | peak RSS |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        engines = ["dac"]
        if not args.skip_eql_sequence or size == max(args.sizes):
            engines.append("eql")
        for engine_name in engines:
            r = run_child(engine_name, "sequence", size)
            print(
                f"| {engine_name} | {size:,} | {r['matches']:,} | "
                f"{r['seconds']:.2f} s | {r['events'] / r['seconds']:,.0f} | "
                f"{r['peak_mib']:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
