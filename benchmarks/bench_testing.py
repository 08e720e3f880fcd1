"""Time ``dac test`` on 1,000 rule test cases.

Usage (one core, as recorded in docs/benchmarks.md):

    taskset -c 0 .venv/bin/python benchmarks/bench_testing.py [--cases N]
        [--repeat 3] [--workdir DIR]

The script copies the two shipped RunDLL32 rules and their case files N/32
times under new rule_ids, so the suite has N cases of the shipped kinds
(alerting cases and near misses). It then runs ``dac test --format json``
in a fresh interpreter, so imports, schema loading and query compilation are
part of the time, as on a CI machine. It prints the median wall time, the
time per case and the child's peak resident memory (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_RULE_ID = re.compile(r'^rule_id = "([0-9a-f-]+)"', re.MULTILINE)
_NAME = re.compile(r'^name = "([^"]+)"', re.MULTILINE)


def write_suite(folder: Path, cases: int) -> int:
    """Copy the shipped rules and cases until there are at least ``cases`` cases."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sources = sorted((ROOT / "detections").rglob("*.toml"))
    per_copy = sum(
        path.with_name(path.stem + ".tests.yaml").read_text().count("\n  - name:")
        for path in sources
    )
    copies = -(-cases // per_copy)
    for copy in range(copies):
        for number, path in enumerate(sources):
            text = path.read_text(encoding="utf-8")
            text = _RULE_ID.sub(
                f'rule_id = "00000000-0000-4000-8000-{copy:08d}{number:04d}"', text
            )
            text = _NAME.sub(lambda m, c=copy: f'name = "{m.group(1)} {c}"', text)
            stem = f"{path.stem}_{copy:03d}"
            (folder / f"{stem}.toml").write_text(text, encoding="utf-8")
            shutil.copy(
                path.with_name(path.stem + ".tests.yaml"),
                folder / f"{stem}.tests.yaml",
            )
    return copies * per_copy


def run_once(folder: Path) -> tuple[float, dict]:
    dac = Path(sys.executable).with_name("dac")
    started = time.perf_counter()
    completed = subprocess.run(
        [str(dac), "test", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise SystemExit(completed.stderr)
    return elapsed, json.loads(completed.stdout)["summary"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dac-bench-testing"))
    args = parser.parse_args()

    total = write_suite(args.workdir / "rules", args.cases)
    times = []
    summary: dict = {}
    for _ in range(args.repeat):
        elapsed, summary = run_once(args.workdir / "rules")
        times.append(elapsed)
    median = statistics.median(times)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"| cases | {summary['cases']:,} ({total // 32 * 2} rules) |")
    print(f"| passed / failed | {summary['passed']:,} / {summary['failed']:,} |")
    print(f"| median wall time of {args.repeat} runs | {median:.2f} s |")
    print(f"| per case | {median / summary['cases'] * 1000:.2f} ms |")
    print(f"| peak resident memory | {peak_mib:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
