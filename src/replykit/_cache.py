"""The per-user cache folder: compiled templates and lint results, kept bounded.

Both live in the folder that :func:`replykit.render.code_cache` chooses and
checks (Jinja's private per-user folder, or ``REPLYKIT_CACHE``). That folder may
be shared with Jinja and other programs, so only replykit's own files are ever
listed, pruned or removed: compiled code (``__replykit_<policy>_*.cache``), lint
results (``replykit-lint-*.json``) and leftovers of interrupted writes
(``.replykit-*``).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .render import SANDBOX_POLICY, CodeCache, code_cache

#: Bumped whenever what a lint cache file holds changes; older files are removed.
LINT_FORMAT = "c1"
#: Names of this version's files; any other file of ours is of an older policy or format.
CODE_PREFIX = f"__replykit_{SANDBOX_POLICY}_"
LINT_PREFIX = f"replykit-lint-{SANDBOX_POLICY}-{LINT_FORMAT}-"
_OURS = ("__replykit_", "replykit-lint-", ".replykit-", "replykit-tidied-")
#: Files unused for this long are removed; past this many bytes the oldest go first.
MAX_AGE = 30 * 24 * 3600
MAX_BYTES = 256 * 1024 * 1024
#: How often a process looks the folder over (a stamp file records the last time).
TIDY_EVERY = 24 * 3600


def folder() -> Path | None:
    """The checked cache folder, or None when the cache is off or unusable."""
    cache = code_cache()
    return Path(cache.directory) if cache is not None else None


def _ours(name: str) -> bool:
    return name.startswith(_OURS)


def _current(name: str) -> bool:
    """Whether a file of ours belongs to this sandbox policy and lint format."""
    return name.startswith((CODE_PREFIX, LINT_PREFIX, _stamp_name()))


def _stamp_name() -> str:
    return f"replykit-tidied-{SANDBOX_POLICY}-{LINT_FORMAT}"


@dataclass(frozen=True)
class Usage:
    """What ``replykit cache info`` shows."""

    folder: Path | None
    files: int
    bytes: int


def _entries(where: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(where) as found:
            return [e for e in found if _ours(e.name) and e.is_file(follow_symlinks=False)]
    except OSError:
        return []


def usage() -> Usage:
    where = folder()
    if where is None:
        return Usage(None, 0, 0)
    sizes = []
    for entry in _entries(where):
        try:
            sizes.append(entry.stat(follow_symlinks=False).st_size)
        except OSError:
            pass
    return Usage(where, len(sizes), sum(sizes))


def clear() -> int:
    """Remove every file of ours from the cache folder; how many were removed."""
    where = folder()
    return _remove(where, _entries(where)) if where is not None else 0


def _remove(where: Path, entries: list[os.DirEntry[str]]) -> int:
    removed = 0
    for entry in entries:
        try:
            os.unlink(where / entry.name)
            removed += 1
        except OSError:  # another process removed or replaced it: nothing to do
            pass
    return removed


_tidied: set[Path] = set()


def tidy(where: Path, now: float | None = None) -> None:
    """Look the folder over at most once per process and once a day: remove files of
    other policy versions and formats, leftovers of interrupted writes, files unused
    for :data:`MAX_AGE`, then the oldest files past :data:`MAX_BYTES`."""
    if where in _tidied:
        return
    _tidied.add(where)
    now = time.time() if now is None else now
    stamp = where / _stamp_name()
    try:
        if now - stamp.stat().st_mtime < TIDY_EVERY:
            return
    except OSError:
        pass
    old: list[os.DirEntry[str]] = []
    kept: list[tuple[float, int, os.DirEntry[str]]] = []
    for entry in _entries(where):
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        interrupted = entry.name.startswith(".replykit-") and now - info.st_mtime > 3600
        if not _current(entry.name) or interrupted or now - info.st_mtime > MAX_AGE:
            old.append(entry)
        elif not entry.name.startswith("replykit-tidied-"):
            kept.append((info.st_mtime, info.st_size, entry))
    total = sum(size for _, size, _ in kept)
    for _, size, entry in sorted(kept, key=lambda k: k[0]):
        if total <= MAX_BYTES:
            break
        old.append(entry)
        total -= size
    _remove(where, old)
    try:
        stamp.touch()
    except OSError:
        pass


def read_json(path: Path) -> Any:
    """The JSON data of a cache file, or None when it is missing, not ours, or damaged.

    The file gets the same checks as compiled code (a plain file of this user that no
    one else may write); a file that fails them is only a cache miss.
    """
    data = CodeCache.read(str(path))
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` at once (readers see the old or the new file); a
    cache that cannot be written only means checking again next time."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # (one go: json.dump is slower)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".replykit-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)


def touch(path: Path) -> None:
    """Mark a cache file as used (files unused for :data:`MAX_AGE` are removed)."""
    try:
        os.utime(path)
    except OSError:
        pass
