"""Time and memory of loading the schema tables and resolving index patterns.

Run ``.venv/bin/python benchmarks/bench_schemas.py`` to print a Markdown
table for docs/benchmarks.md. Each cold figure runs in a fresh interpreter,
so the caches of ``load_table`` and ``resolve_indexes`` start empty.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit

REPEATS = 9

COLD_STEPS = {
    "import dac.schemas": "pass",
    "load_table('ecs')": "load_table('ecs')",
    "load_table('defend')": "load_table('defend')",
    "load_attack()": "load_attack()",
    "resolve_indexes(['logs-*'])": "resolve_indexes(['logs-*'])",
    "all_index_templates()": "all_index_templates()",
}

# Time is measured without tracemalloc, which slows Python down, and peak
# memory in a separate run with it.
COLD_SCRIPT = """
import time, tracemalloc
if {trace}:
    tracemalloc.start()
start = time.perf_counter()
from dac.schemas import load_table, load_attack, resolve_indexes
from dac.schemas.templates import all_index_templates
{step}
elapsed = time.perf_counter() - start
print(elapsed, tracemalloc.get_traced_memory()[1] if {trace} else 0)
"""


def cold(step: str) -> tuple[float, float]:
    """Return the median seconds and peak MiB of one step in fresh interpreters."""
    times, peaks = [], []
    for _ in range(REPEATS):
        times.append(run_fresh(step, trace=False)[0])
        peaks.append(run_fresh(step, trace=True)[1] / 2**20)
    return statistics.median(times), statistics.median(peaks)


def run_fresh(step: str, trace: bool) -> tuple[float, int]:
    """Run one step in a new interpreter and return seconds and peak traced bytes."""
    output = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT.format(step=step, trace=trace)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return float(output[0]), int(output[1])


def warm_lookups() -> float:
    """Return microseconds per ``type_of`` call on a loaded table."""
    from dac.schemas import load_table

    table = load_table("defend")
    names = ["process.name.caseless", "process.parent.pid", "no.such.field"]
    count = 100_000
    seconds = timeit.timeit(
        lambda: [table.type_of(name) for name in names], number=count
    )
    return seconds / (count * len(names)) * 1e6


def main() -> None:
    """Print the results as a Markdown table."""
    print("| step (fresh interpreter, with import) | median time | peak memory |")
    print("|---|---|---|")
    for label, step in COLD_STEPS.items():
        seconds, peak = cold(step)
        print(f"| `{label}` | {seconds * 1000:.0f} ms | {peak:.1f} MiB |")
    print(
        f"\n`FieldTable.type_of` on the merged Defend table: "
        f"{warm_lookups():.2f} µs per call (known and unknown names)."
    )


if __name__ == "__main__":
    main()
