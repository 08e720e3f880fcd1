"""Time and memory of the review, coverage and nightly steps on synthetic input.

Run ``.venv/bin/python benchmarks/bench_review.py`` to print a Markdown table
for docs/benchmarks.md. Each step runs ``REPEATS`` times and reports the
median time. Peak memory comes from one extra run under tracemalloc, which
slows Python down, so that run is not timed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from dac.review.changes import RuleChange
from dac.review.checks import CaseOutcome, TestSummary
from dac.review.coverage import build_coverage
from dac.review.history import find_regressions
from dac.review.html_report import render_report
from dac.review.markdown import render_markdown
from dac.review.navigator import navigator_layer
from dac.review.pr import Review, build_review
from dac.review.report import rule_statuses
from dac.rules import Rule, parse_rule
from dac.schemas import load_attack

REPEATS = 5
RULES = 1_000
CASES_PER_RULE = 10
REVIEW_RULES = 40
REVIEW_CHANGED = 10

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from review.helpers import cases_text, rule_text  # noqa: E402


def synthetic_rules(count: int) -> list[Rule]:
    """Build rules spread over the techniques of the shipped ATT&CK table."""
    attack = load_attack()
    techniques = [t for t in attack.techniques.values() if t.parent is None]
    rules = []
    for index in range(count):
        technique = techniques[index % len(techniques)]
        tactic = attack.tactics[technique.tactics[0]]
        text = rule_text(
            f"{index:08d}-0000-4000-8000-000000000000", f"Rule {index}", "x"
        )
        text = text.replace('id = "T1059"', f'id = "{technique.id}"')
        text = text.replace('id = "TA0002"', f'id = "{tactic.id}"')
        rules.append(parse_rule(text, f"detections/rule_{index}.toml"))
    return rules


def synthetic_changes(count: int) -> Review:
    diff = "\n".join(f"+rule.key{n} = {'v' * 50}" for n in range(40))
    changes = [
        RuleChange(
            rule_id=f"rule-{index}",
            name=f"Rule {index}",
            change="changed",
            path=f"detections/rule_{index}.toml",
            metadata_diff=diff,
            query_diff=diff,
            tests_head=TestSummary([CaseOutcome("fires", True)]),
        )
        for index in range(count)
    ]
    return Review("origin/main", "HEAD", "a" * 40, "b" * 40, changes)


def history_runs(rules: int, cases: int, failing_every: int) -> dict:
    records = {}
    for index in range(rules):
        outcome = {
            f"case {n}": (index * cases + n) % failing_every != 0 for n in range(cases)
        }
        records[f"rule-{index}"] = {
            "backends": {"embedded": {"cases": outcome}},
            "baseline_alerts": index % 50 == 0,
        }
    return {"rules": records}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def review_repository(root: Path) -> None:
    """Commit REVIEW_RULES rules with cases, then change REVIEW_CHANGED of them."""
    rules_dir = root / "detections" / "windows"
    rules_dir.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.invalid")
    git(root, "config", "user.name", "bench")
    for index in range(REVIEW_RULES):
        rule_id = f"{index:08d}-0000-4000-8000-000000000000"
        name = f"p{index}.exe"
        (rules_dir / f"r{index}.toml").write_text(rule_text(rule_id, f"R{index}", name))
        (rules_dir / f"r{index}.tests.yaml").write_text(cases_text(name))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for index in range(REVIEW_CHANGED):
        rule_id = f"{index:08d}-0000-4000-8000-000000000000"
        text = rule_text(rule_id, f"R{index}", f"p{index}.exe", version=2)
        (rules_dir / f"r{index}.toml").write_text(text)
    git(root, "commit", "-q", "-am", "change")


def measure(step: Callable[[], object]) -> tuple[float, int]:
    """Return the median seconds over REPEATS runs and the peak traced bytes."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    rules = synthetic_rules(RULES)
    attack = load_attack()
    coverage = build_coverage(rules, attack)
    statuses = rule_statuses(rules)
    review = synthetic_changes(RULES)
    previous = history_runs(RULES, CASES_PER_RULE, 1_000_000)
    current = history_runs(RULES, CASES_PER_RULE, 7)
    page = render_report(coverage, statuses, [], "now")

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        review_repository(root)
        steps = {
            f"build_coverage, {RULES} rules": lambda: build_coverage(rules, attack),
            f"navigator_layer, {RULES} rules": lambda: navigator_layer(coverage),
            f"render_report (HTML), {RULES} rules": lambda: render_report(
                coverage, statuses, [], "now"
            ),
            f"render_markdown, {RULES} changed rules": lambda: render_markdown(review),
            f"find_regressions, {RULES} rules x {CASES_PER_RULE} cases": (
                lambda: find_regressions(previous, current)
            ),
            f"build_review, {REVIEW_CHANGED} of {REVIEW_RULES} rules changed": (
                lambda: build_review(root, "HEAD~1", "HEAD")
            ),
        }
        print("| step | median time | peak memory |")
        print("|---|---|---|")
        for label, step in steps.items():
            seconds, peak = measure(step)
            print(f"| {label} | {seconds * 1000:,.0f} ms | {peak / 2**20:.1f} MiB |")
    print(f"\nHTML report size for {RULES} rules: {len(page.encode()):,} bytes")


if __name__ == "__main__":
    main()
