"""Import Sigma files into a directory of TOML rules with test cases."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from dac.importers.sigma.convert import ConvertedRule, Rejection, convert_rule
from dac.importers.sigma.offline import no_network
from dac.rules.dump import choose_rule_path, dump_rule, rule_file_stem

log = logging.getLogger(__name__)

# A Sigma rule file is a few kilobytes; anything far larger is not one.
MAX_SIGMA_BYTES = 1024 * 1024


@dataclass
class ImportReport:
    """Files an import wrote, rules it rejected, and the seconds it took."""

    written: list[Path] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    def rejections_by_reason(self) -> Counter[str]:
        """Count rejections per reason category."""
        return Counter(r.category for r in self.rejected)


def iter_sigma_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield ``*.yml``/``*.yaml`` files under each path, sorted; a file as is."""
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            found = [p for p in entry.rglob("*") if p.suffix in (".yml", ".yaml")]
            yield from sorted(p for p in found if p.is_file())
        else:
            yield entry


def import_sigma(
    paths: Iterable[str | Path], out_dir: str | Path, overwrite: bool = False
) -> ImportReport:
    """Convert every Sigma rule under ``paths`` and write the results into ``out_dir``.

    Each converted rule becomes ``<slug>.toml`` with ``<slug>.tests.yaml``
    beside it. Nothing is written for a rejected rule. A rule whose files
    already exist is left alone unless ``overwrite`` is true, so a re-import
    never loses hand edits silently. A file that contains another rule is
    never replaced, and a repeated Sigma id is rejected. No network access
    is possible during the import.
    """
    out_dir = Path(out_dir)
    report = ImportReport()
    first_sources: dict[str, str] = {}
    started = time.perf_counter()
    with no_network():
        for path in iter_sigma_files(paths):
            for outcome in _convert_file(path):
                if isinstance(outcome, Rejection):
                    report.rejected.append(outcome)
                    continue
                # A second rule with the same Sigma id gets the same rule_id,
                # so under --overwrite it would replace the first one's files.
                rule_id = outcome.document["rule"]["rule_id"]
                if rule_id in first_sources:
                    first_source = first_sources[rule_id]
                    report.rejected.append(_repeated_id(outcome, first_source))
                    continue
                first_sources[rule_id] = outcome.source
                written = _write(outcome, out_dir, overwrite)
                if isinstance(written, Rejection):
                    report.rejected.append(written)
                else:
                    report.written.append(written)
    report.seconds = time.perf_counter() - started
    log.info(
        "imported %d Sigma rules, rejected %d, in %.2f s",
        len(report.written),
        len(report.rejected),
        report.seconds,
    )
    return report


def _convert_file(path: Path) -> Iterator[ConvertedRule | Rejection]:
    source = str(path)
    try:
        if path.stat().st_size > MAX_SIGMA_BYTES:
            yield Rejection(
                source, path.name, "file is larger than 1 MiB", "invalid file"
            )
            return
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield Rejection(source, path.name, f"cannot read file: {exc}", "invalid file")
        return
    try:
        collection = SigmaCollection.from_yaml(text)
    except (SigmaError, yaml.YAMLError) as exc:
        yield Rejection(
            source, path.name, f"invalid Sigma YAML: {exc}", "invalid Sigma"
        )
        return
    if not collection.rules:
        yield Rejection(
            source, path.name, "the file contains no Sigma rule", "invalid Sigma"
        )
        return
    for rule in collection.rules:
        if not isinstance(rule, SigmaRule):
            yield Rejection(
                source,
                getattr(rule, "title", path.name),
                "correlation and filter rules are not supported",
                "unsupported rule kind",
            )
            continue
        if rule.errors:
            yield Rejection(
                source,
                rule.title,
                f"invalid Sigma rule: {rule.errors[0]}",
                "invalid Sigma",
            )
            continue
        yield convert_rule(rule, source)


def _repeated_id(converted: ConvertedRule, first_source: str) -> Rejection:
    return Rejection(
        converted.source,
        converted.document["rule"]["name"],
        f"Sigma id {converted.sigma_id} is also in {first_source}, "
        "which was imported first; give each rule its own id",
        "duplicate id",
    )


def _write(
    converted: ConvertedRule, out_dir: Path, overwrite: bool
) -> Path | Rejection:
    from dac.importers.sigma.cases import CaseGenerationError, generate_cases

    title = converted.document["rule"]["name"]
    try:
        cases = generate_cases(converted)
    except CaseGenerationError as exc:
        return Rejection(
            converted.source,
            title,
            f"no test case could be built: {exc}",
            "no test case",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    rule_id = converted.document["rule"]["rule_id"]
    target = choose_rule_path(out_dir, rule_file_stem(title, rule_id), rule_id)
    tests = out_dir / f"{target.stem}.tests.yaml"
    existing = [p for p in (target, tests) if p.exists()]
    if existing and not overwrite:
        if len(existing) == 2:
            problem = f"{target} and {tests} already exist; pass --overwrite to "
            problem += "replace them"
        else:
            problem = f"{existing[0]} already exists; pass --overwrite to replace it"
        return Rejection(converted.source, title, problem, "file exists")
    target.write_text(dump_rule(converted.document), encoding="utf-8")
    text = yaml.dump(cases, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True)
    tests.write_text(text, encoding="utf-8")
    return target


class _NoAliasDumper(yaml.SafeDumper):
    """Safe dumper that writes shared values out in full.

    Test-case files reject YAML anchors and aliases, so a generated file
    must never contain one, even where two cases share an object.
    """

    def ignore_aliases(self, data: object) -> bool:
        return True
