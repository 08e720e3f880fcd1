"""Read rule files at a git revision without touching the working tree.

Every git call passes an argument list to :func:`subprocess.run` (no shell),
so a revision name from the command line is never interpreted by a shell.
A revision is checked with ``git rev-parse --verify`` before use, and names
that start with ``-`` are rejected so git cannot read them as options.
"""

from __future__ import annotations

import io
import logging
import subprocess
import tarfile
from pathlib import Path

from dac.errors import DacError

log = logging.getLogger(__name__)

# Upper bound for one git call. A local repository responds well within it.
GIT_TIMEOUT_SECONDS = 120


class GitError(DacError):
    """A git command failed or a revision does not exist."""


def run_git(repo: Path, *args: str, text: bool = True) -> str | bytes:
    """Run ``git -C repo args...`` and return its standard output.

    Raises :class:`GitError` with git's own message when the command fails,
    when git is not installed, or when it runs past ``GIT_TIMEOUT_SECONDS``.
    """
    command = ["git", "-C", str(repo), *args]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(
            f"git {args[0]} timed out after {GIT_TIMEOUT_SECONDS} s in {repo}"
        ) from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {' '.join(args)} failed: {message}")
    if text:
        return completed.stdout.decode("utf-8", "replace")
    return completed.stdout


def resolve_revision(repo: Path, revision: str) -> str:
    """Return the commit id that ``revision`` names in ``repo``.

    Raises :class:`GitError` naming the revision when it does not exist, so
    the CLI can tell the user to fetch it (CI checkouts are often shallow).
    """
    if not revision or revision.startswith("-"):
        raise GitError(f"invalid git revision {revision!r}")
    try:
        output = run_git(
            repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"
        )
    except GitError as exc:
        raise GitError(
            f"git revision {revision!r} not found in {repo}; check the name, and in "
            "CI fetch the full history (actions/checkout with fetch-depth: 0)"
        ) from exc
    return str(output).strip()


def repository_root(path: Path) -> Path:
    """Return the top directory of the git work tree that contains ``path``."""
    output = run_git(path, "rev-parse", "--show-toplevel")
    return Path(str(output).strip())


def list_files(repo: Path, commit: str, under: str) -> list[str]:
    """List the repository-relative paths of files under ``under`` at ``commit``."""
    output = run_git(repo, "ls-tree", "-r", "--name-only", "-z", commit, "--", under)
    return sorted(name for name in str(output).split("\0") if name)


def list_worktree_files(repo: Path, under: str) -> list[str]:
    """List tracked and untracked (not ignored) files under ``under`` on disk."""
    output = run_git(
        repo,
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        under,
    )
    names = {name for name in str(output).split("\0") if name}
    return sorted(name for name in names if (repo / name).is_file())


def read_file(repo: Path, commit: str, path: str) -> str:
    """Return the text of ``path`` at ``commit`` (``git show commit:path``)."""
    data = run_git(repo, "show", f"{commit}:{path}", text=False)
    assert isinstance(data, bytes)
    return data.decode("utf-8", "replace")


def materialize(repo: Path, commit: str, under: str, target: Path) -> dict[str, str]:
    """Extract the files under ``under`` at ``commit`` into ``target``.

    Uses ``git archive`` and tarfile's ``data`` filter, which rejects absolute
    paths, ``..`` and links that leave ``target``. A rejected member is
    skipped, not extracted, so one bad symlink in a pull request does not stop
    the review. Returns the skipped members as repository-relative path ->
    reason, for the caller to report.
    """
    data = run_git(repo, "archive", "--format=tar", commit, "--", under, text=False)
    assert isinstance(data, bytes)
    rejected: dict[str, str] = {}

    def keep_safe(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, dest)
        except tarfile.FilterError as exc:
            rejected[member.name] = _rejection_reason(member, exc)
            log.warning("skipped %s at %s: %s", member.name, commit[:12], exc)
            return None

    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        archive.extractall(target, filter=keep_safe)
    log.debug("extracted %s at %s into %s", under, commit[:12], target)
    return rejected


def _rejection_reason(member: tarfile.TarInfo, error: tarfile.FilterError) -> str:
    """Describe why the ``data`` filter rejected ``member``, for a load error."""
    if member.issym() or member.islnk():
        return (
            f"link to {member.linkname!r} points outside the repository and was "
            "not extracted; replace the link with the file itself"
        )
    return f"not extracted: {error}"


def path_exists(repo: Path, commit: str, under: str) -> bool:
    """Tell whether ``under`` names a file or directory at ``commit``."""
    output = run_git(repo, "ls-tree", "--name-only", commit, "--", under)
    return bool(str(output).strip())
