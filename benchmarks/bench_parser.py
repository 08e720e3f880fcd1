"""Measure how long dac.eql.parse_query takes on real detection rules.

Reads every rule with ``language = "eql"`` from a checkout of
elastic/detection-rules (its rules/ and rules_building_block/ folders) and
parses all their queries several times on one CPU core. Prints a Markdown
table for docs/benchmarks.md.

Usage:
    git clone --depth 1 https://github.com/elastic/detection-rules /tmp/dr
    .venv/bin/python benchmarks/bench_parser.py /tmp/dr --repeat 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tomllib
from pathlib import Path


def load_queries(root: Path) -> list[str]:
    """Return the query of every EQL rule under ``root``, in path order."""
    queries = []
    for path in sorted(root.rglob("*.toml")):
        try:
            with path.open("rb") as handle:
                document = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        rule = document.get("rule")
        if isinstance(rule, dict) and rule.get("language") == "eql":
            queries.append(rule["query"])
    return queries


def time_all(queries: list[str]) -> tuple[float, float]:
    """Parse every query once; return (wall seconds, CPU seconds)."""
    from dac.eql import parse_query

    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    for query in queries:
        parse_query(query)
    return time.perf_counter() - wall_start, time.process_time() - cpu_start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path, help="detection-rules checkout")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    queries = load_queries(args.rules)
    if not queries:
        print(f"no EQL rules found under {args.rules}", file=sys.stderr)
        return 2

    from dac.eql import parse_query

    cold_start = time.perf_counter()
    parse_query(queries[0])
    cold = time.perf_counter() - cold_start

    runs = [time_all(queries) for _ in range(args.repeat)]
    walls = [wall for wall, _ in runs]
    cpus = [cpu for _, cpu in runs]
    characters = sum(len(query) for query in queries)

    print(f"| EQL rule queries | {len(queries):,} ({characters:,} characters) |")
    print("|---|---|")
    print(f"| first call (builds the LALR tables) | {cold * 1000:.0f} ms |")
    print(
        f"| all queries, CPU time, min / median of {args.repeat} | "
        f"{min(cpus):.2f} s / {statistics.median(cpus):.2f} s |"
    )
    print(
        f"| all queries, wall time, min / median of {args.repeat} | "
        f"{min(walls):.2f} s / {statistics.median(walls):.2f} s |"
    )
    print(
        f"| per query, CPU time (min pass) | {min(cpus) / len(queries) * 1e6:.0f} µs |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
