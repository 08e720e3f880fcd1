"""Time and memory of plan and apply on 1,000 rules against the Kibana test double.

Run ``.venv/bin/python benchmarks/bench_deploy.py`` to print a Markdown table
for docs/benchmarks.md. The double runs in-process on 127.0.0.1, so the
figures measure the toolkit's own work plus local HTTP, not a real Kibana's
latency. Each step runs ``REPEATS`` times and reports the median; peak
memory comes from one extra plan under tracemalloc, which is not timed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from dac.deploy import apply_plan, build_plan, content_hash, to_kibana  # noqa: E402
from dac.kibana import Credentials  # noqa: E402
from dac.rules import load_rules  # noqa: E402
from deploy.conftest import API_KEY, KEY_ENV, Repo  # noqa: E402
from kibana.double import KibanaDouble  # noqa: E402

RULES = 1_000
REPEATS = 3


def median_seconds(step, repeats: int = REPEATS) -> float:
    """Return the median wall time of ``step()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import os

    os.environ[KEY_ENV] = API_KEY
    rows = []
    with (
        tempfile.TemporaryDirectory() as directory,
        KibanaDouble(api_keys=(API_KEY,)) as kibana,
    ):
        repo = Repo(Path(directory), kibana.url)
        for index in range(RULES):
            repo.add_rule(f"rule-{index:05d}", f"Rule {index}")
        environment = repo.environment()
        rules, _ = load_rules([repo.rules_dir])
        credentials = Credentials("ApiKey", "bench", API_KEY)
        client = environment.client(credentials=credentials)

        convert = median_seconds(
            lambda: [content_hash(to_kibana(r, environment)) for r in rules]
        )
        rows.append((f"to_kibana + content_hash, {RULES} rules", convert, None))

        empty_plan = median_seconds(lambda: build_plan(environment, client, rules))
        rows.append((f"plan, empty Kibana ({RULES} creates)", empty_plan, None))

        plan = build_plan(environment, client, rules)
        start = time.perf_counter()
        apply_plan(plan, client, environment.managed_tag)
        rows.append((f"apply {RULES} creates", time.perf_counter() - start, None))

        steady = median_seconds(lambda: build_plan(environment, client, rules))
        tracemalloc.start()
        build_plan(environment, client, rules)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append((f"plan, {RULES} unchanged (10 _find pages)", steady, peak))
        client.close()

    print("| step | median time | peak memory |")
    print("|---|---|---|")
    for name, seconds, peak_bytes in rows:
        memory = f"{peak_bytes / 2**20:.1f} MiB" if peak_bytes else "-"
        print(f"| {name} | {seconds * 1000:.0f} ms | {memory} |")


if __name__ == "__main__":
    main()
