"""Version-lock check: a rule's version must grow when its content changes.

The lock is the nearest ``version.lock.json`` above the rule file. It covers
the rule paths of the environments in the ``dac.toml`` beside it (or
``detections`` without one), so test fixtures elsewhere in the repository
are not checked. Without a lock, or outside its paths, the check is silent.
Codes:

- DAC901 (error): the content differs from the locked hash but the version
  is not higher than the locked version.
- DAC902 (warning): the rule_id is not in the lock yet.
- DAC903 (error): the TOML ``version`` is lower than the locked version.
- DAC906 (warning): the TOML ``version`` is higher than the locked version,
  so the lock is behind. Until ``dac version bump`` records it, DAC901
  cannot see a later content change made under that version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dac.deploy.convert import lock_hash
from dac.deploy.versions import (
    VersionLock,
    effective_version,
    find_lock,
    locked_rule_paths,
)
from dac.diagnostics import Diagnostic, Severity
from dac.errors import ConfigError
from dac.rules import Rule

# Per lock file: its mtime when read, the lock (or its load error) and the
# rule directories it covers. Reloaded when the file changes.
_LOCKS: dict[Path, tuple[float, VersionLock | ConfigError, tuple[Path, ...]]] = {}


def _lock_for(rule: Rule) -> VersionLock | ConfigError | None:
    rule_path = rule.path.resolve()
    path = find_lock(rule_path)
    if path is None:
        return None
    mtime = path.stat().st_mtime
    cached = _LOCKS.get(path)
    if cached is None or cached[0] != mtime:
        covered = locked_rule_paths(path)
        try:
            cached = (mtime, VersionLock.load(path), covered)
        except ConfigError as exc:
            cached = (mtime, exc, covered)
        _LOCKS[path] = cached
    if not any(rule_path.is_relative_to(p) for p in cached[2]):
        return None
    return cached[1]


def check(rule: Rule, context: object = None) -> Iterator[Diagnostic]:
    """Report a rule whose content changed without a version bump."""
    if not rule.rule_id:
        return
    lock = _lock_for(rule)
    if lock is None:
        return
    line = rule.line_of("rule", "version") if "version" in rule.rule else 1

    def finding(severity: Severity, code: str, message: str) -> Diagnostic:
        return Diagnostic(
            str(rule.path), line, 1, severity, code, message, rule.rule_id
        )

    if isinstance(lock, ConfigError):
        yield finding("error", "DAC901", str(lock))
        return
    entry = lock.entries.get(rule.rule_id)
    if entry is None:
        yield finding(
            "warning",
            "DAC902",
            f"rule_id {rule.rule_id} is not in {lock.path.name}; run "
            f"`dac version bump {rule.path}` and commit the lock",
        )
        return
    version = effective_version(rule, lock)
    if version < entry.version:
        yield finding(
            "error",
            "DAC903",
            f"version {version} is lower than the locked version {entry.version}; "
            f"set version = {entry.version + 1} or run `dac version bump {rule.path}`",
        )
    elif version > entry.version:
        yield finding(
            "warning",
            "DAC906",
            f"version {version} is higher than the locked version "
            f"{entry.version}, so the lock is behind; run "
            f"`dac version bump {rule.path}` and commit the lock",
        )
    elif lock_hash(rule) != entry.sha256:
        yield finding(
            "error",
            "DAC901",
            f"content changed since version {entry.version} was locked but the "
            f"version did not; run `dac version bump {rule.path}` and commit the "
            "lock",
        )
