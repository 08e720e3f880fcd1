"""The version lock: per rule_id, the deployed ``version`` and a content hash.

A rule's ``version`` must grow whenever its deployed content changes, so
Kibana and reviewers can tell revisions of a rule apart. The lock file
(``version.lock.json`` at the repository root, committed) maps each rule_id
to ``{"version": N, "sha256": <hash of the canonical Kibana JSON without
version>}``. ``dac validate`` reports a rule whose hash moved while its
version did not; ``dac version bump`` updates the lock and the rule files.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dac.deploy.config import DEFAULT_CONFIG
from dac.deploy.convert import lock_hash
from dac.errors import ConfigError
from dac.rules import Rule

log = logging.getLogger(__name__)

LOCK_FILE = "version.lock.json"
_VERSION_LINE = re.compile(r"^(\s*version\s*=\s*)(\d+)(.*)$")


@dataclass(frozen=True)
class LockEntry:
    """A locked rule: its version and the sha256 of its content."""

    version: int
    sha256: str


@dataclass(frozen=True)
class VersionBump:
    """One rule whose lock entry ``dac version bump`` added or raised."""

    rule_id: str
    path: str
    old_version: int | None
    new_version: int
    file_changed: bool


class VersionLock:
    """The lock file's content, read and written as sorted JSON."""

    def __init__(self, path: Path, entries: dict[str, LockEntry] | None = None):
        self.path = path
        self.entries = dict(entries or {})

    @classmethod
    def load(cls, path: str | Path) -> VersionLock:
        """Read the lock; a missing file is an empty lock.

        Raises ConfigError for a file that is not a valid lock, with a fix
        that works: restore it from git, or delete it and bump again.
        """
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ConfigError(
                f"{path}: cannot read the version lock "
                f"({exc.__class__.__name__}: {exc}); {_rebuild_hint(path)}"
            ) from None
        entries = {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"{path}: the version lock must be a JSON object; {_rebuild_hint(path)}"
            )
        for rule_id, value in data.items():
            if (
                not isinstance(value, dict)
                or not isinstance(value.get("version"), int)
                or not isinstance(value.get("sha256"), str)
            ):
                raise ConfigError(
                    f"{path}: entry {rule_id!r} needs an integer 'version' and a "
                    f"'sha256' string; {_rebuild_hint(path)}"
                )
            entries[rule_id] = LockEntry(value["version"], value["sha256"])
        return cls(path, entries)

    def version_of(self, rule_id: str) -> int | None:
        """Return the locked version of ``rule_id``, or None."""
        entry = self.entries.get(rule_id)
        return entry.version if entry else None

    def to_json(self) -> str:
        """Serialize as stable, sorted, indented JSON with a final newline."""
        data: dict[str, Any] = {
            rule_id: {"sha256": e.sha256, "version": e.version}
            for rule_id, e in sorted(self.entries.items())
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def save(self) -> None:
        """Write the lock file atomically (write a temporary file, then rename)."""
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(self.to_json(), encoding="utf-8")
        temporary.replace(self.path)


def _rebuild_hint(path: Path) -> str:
    """Return the two fixes for a corrupt lock, naming the file."""
    return (
        f"restore {path.name} from git, or delete it and run "
        f"'dac version bump --lock {path}', which records each rule at the "
        "version its TOML states (1 when it states none)"
    )


def find_lock(start: Path) -> Path | None:
    """Return the nearest ``version.lock.json`` in ``start`` or a parent directory."""
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        lock = candidate / LOCK_FILE
        if lock.is_file():
            return lock
    return None


def locked_rule_paths(lock_path: Path) -> tuple[Path, ...]:
    """Return the rule directories a lock covers: every environment's rules.paths.

    The paths come from the ``dac.toml`` beside the lock, read without
    validation because only ``rules.paths`` matters here. Without a readable
    config, the lock covers ``detections`` beside it.
    """
    base = lock_path.parent
    paths: set[Path] = set()
    try:
        config = tomllib.loads((base / DEFAULT_CONFIG).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        config = {}
    environments = config.get("environments")
    for table in environments.values() if isinstance(environments, dict) else []:
        rules = table.get("rules") if isinstance(table, dict) else None
        listed = rules.get("paths") if isinstance(rules, dict) else None
        for entry in listed if isinstance(listed, list) else ["detections"]:
            if isinstance(entry, str):
                paths.add((base / entry).resolve())
    return tuple(sorted(paths)) or ((base / "detections").resolve(),)


def effective_version(rule: Rule, lock: VersionLock | None) -> int:
    """Return the version deploy sends: the TOML's, else the locked one, else 1."""
    value = rule.rule.get("version")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    locked = lock.version_of(rule.rule_id or "") if lock else None
    return locked if locked is not None else 1


def bump_versions(rules: list[Rule], lock: VersionLock) -> list[VersionBump]:
    """Add or raise lock entries for new or changed rules, then save the lock.

    A changed rule gets one more than the higher of its locked version and
    its TOML ``version``, because a TOML version above the lock may already
    be deployed with the old content. An unchanged rule whose TOML states a
    version above the lock has that version recorded. A ``version`` line
    that differs from the new version is rewritten and the rest of the file
    is kept byte for byte.
    """
    bumps = []
    for rule in rules:
        if not rule.rule_id:
            continue
        digest = lock_hash(rule)
        entry = lock.entries.get(rule.rule_id)
        stated = rule.rule.get("version")
        stated = stated if isinstance(stated, int) else None
        if entry is None:
            new_version = stated or 1
        elif entry.sha256 != digest:
            new_version = max(entry.version, stated or 0) + 1
        elif stated is not None and stated > entry.version:
            new_version = stated
        else:
            continue
        file_changed = False
        if stated is not None and stated != new_version:
            file_changed = _rewrite_version(rule, new_version)
        lock.entries[rule.rule_id] = LockEntry(new_version, digest)
        old = entry.version if entry else None
        bumps.append(
            VersionBump(rule.rule_id, str(rule.path), old, new_version, file_changed)
        )
        log.info("%s: version %s -> %d", rule.path, old, new_version)
    lock.save()
    return bumps


def _rewrite_version(rule: Rule, new_version: int) -> bool:
    """Replace the number on the ``[rule]`` table's ``version`` line in place."""
    line_number = rule.lines.get(("rule", "version"))
    if line_number is None:
        return False
    text = rule.path.read_bytes().decode("utf-8")
    lines = text.splitlines(keepends=True)
    match = _VERSION_LINE.match(lines[line_number - 1].rstrip("\r\n"))
    if match is None:
        log.warning("%s:%d: version line not recognised", rule.path, line_number)
        return False
    ending = lines[line_number - 1][len(lines[line_number - 1].rstrip("\r\n")) :]
    lines[line_number - 1] = f"{match.group(1)}{new_version}{match.group(3)}{ending}"
    rule.path.write_bytes("".join(lines).encode("utf-8"))
    return True
