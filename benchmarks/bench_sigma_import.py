"""Import SigmaHQ rules and report conversions, rejections by reason and time.

Usage: python benchmarks/bench_sigma_import.py SIGMA_RULES_DIR [--pattern GLOB]

SIGMA_RULES_DIR is a checkout of SigmaHQ/sigma's rules/ tree (not part of
this repository). The script imports the matching files into a temporary
directory, then runs ``dac validate`` and ``dac test`` over the output, so
the figures show that what was written also validates and passes its cases.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from dac.importers.sigma import import_sigma


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path)
    parser.add_argument("--pattern", default="*.yml", help="file name glob")
    args = parser.parse_args()

    files = sorted(args.rules.rglob(args.pattern))
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = import_sigma(files, out)
        elapsed = time.perf_counter() - started
        validate = _run_json(["validate", out, "--format", "json"])
        tested = _run_json(["test", out, "--format", "json"])

    errors = Counter(
        d["code"] for d in validate["diagnostics"] if d["severity"] == "error"
    )
    fields = Counter(r.field for r in report.rejected if r.field)
    print(f"files: {len(files)}")
    print(f"converted: {len(report.written)}")
    print(f"rejected: {len(report.rejected)}")
    for reason, count in report.rejections_by_reason().most_common():
        print(f"  {reason}: {count}")
    print(f"rejected fields: {dict(fields.most_common())}")
    print(f"import time: {elapsed:.1f} s")
    print(f"validate errors by code: {dict(errors)}")
    print(f"cases: {tested['summary']}")


def _run_json(arguments: list[str]) -> dict:
    command = [sys.executable, "-m", "dac.cli", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return json.loads(done.stdout)


if __name__ == "__main__":
    main()
