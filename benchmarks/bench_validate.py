"""Time ``dac validate`` on a directory of rules, such as elastic/detection-rules.

Usage (one core, as recorded in docs/benchmarks.md):

    taskset -c 0 .venv/bin/python benchmarks/bench_validate.py \\
        RULES_DIR [RULES_DIR...] [--repeat 3]

Each run happens in a fresh interpreter so imports, table loading and the
parser's grammar build are part of the time, as on a CI machine. Two sets
are measured: every ``*.toml`` file under the directories, and only the EQL
rules among them. The script prints a Markdown table of the median wall
time and the peak resident memory (``ru_maxrss``) of the child processes,
followed by rules by type and diagnostics by code of the full set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

# The child process: validate the paths listed in a file, report counts.
CHILD = """
import json, resource, sys
from dac.validation import validate_paths
paths = open(sys.argv[1], encoding="utf-8").read().split("\\n")
report = validate_paths([p for p in paths if p])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rules": len(report.rules), "codes": report.counts_by_code(),
                  "peak_kib": peak}))
"""


def rule_files(roots: list[Path]) -> list[Path]:
    """Return every ``*.toml`` file under the roots, sorted."""
    return sorted(p for root in roots for p in root.rglob("*.toml") if p.is_file())


def rule_type(path: Path) -> str:
    """Return the rule's type, or ``unreadable`` for a file that does not parse."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "unreadable"
    rule = data.get("rule")
    return str(rule.get("type", "missing")) if isinstance(rule, dict) else "no [rule]"


def run_child(paths: list[Path]) -> tuple[float, int, dict]:
    """Validate ``paths`` in a new interpreter; return seconds, peak KiB, output.

    The peak is the child's own ``ru_maxrss`` (KiB on Linux).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(str(p) for p in paths))
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, listing.name],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    Path(listing.name).unlink()
    output = json.loads(result.stdout)
    return elapsed, output["peak_kib"], output


def main() -> None:
    """Parse arguments, run the measurements and print the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path, help="rule directories")
    parser.add_argument("--repeat", type=int, default=3, help="runs per set")
    args = parser.parse_args()

    files = rule_files(args.roots)
    types = {path: rule_type(path) for path in files}
    eql_files = [path for path in files if types[path] == "eql"]

    print("| set | files | rules loaded | median wall time (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    full_output: dict = {}
    for label, paths in (("all rules", files), ("EQL rules only", eql_files)):
        times = []
        peak = 0
        output: dict = {}
        for _ in range(args.repeat):
            elapsed, run_peak, output = run_child(paths)
            times.append(elapsed)
            peak = max(peak, run_peak)
        if not full_output:
            full_output = output
        print(
            f"| {label} | {len(paths)} | {output['rules']} | "
            f"{statistics.median(times):.2f} | {peak / 1024:.0f} |"
        )

    print("\nRules by type:\n")
    for name, count in Counter(types.values()).most_common():
        print(f"- {name}: {count}")
    print("\nDiagnostics by code (all rules):\n")
    for code, count in full_output["codes"].items():
        print(f"- {code}: {count}")


if __name__ == "__main__":
    main()
