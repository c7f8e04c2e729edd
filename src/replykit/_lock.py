"""One writer at a time per catalogue.

Two translators importing at once must not lose each other's work, so every
command that writes catalogue files holds an exclusive ``flock`` on the
catalogue folder itself while it writes (no lock file is left in the user's
repository). Holding it, a command first completes a multi-file write that a
crash cut short (see :func:`replykit._atomic.finish_interrupted`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._atomic import JOURNAL, finish_interrupted
from .errors import log_warning

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking
    fcntl = None  # type: ignore[assignment]


@contextmanager
def catalogue_lock(root: Path) -> Iterator[list[str]]:
    """Hold the catalogue folder ``root`` for writing (waits for another writer to finish).

    Gives the files of a write cut short that it completed (catalogue-relative), usually none.
    """
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        completed = finish_interrupted(Path(root))
        if completed:
            log_warning(
                "completed a write that was cut short (the command was stopped midway): %s", ", ".join(completed)
            )
        yield completed
    finally:
        os.close(fd)  # releases the lock


def complete_interrupted(root: Path) -> None:
    """Complete a write that was cut short, if there is one, before the catalogue is read."""
    if os.path.lexists(Path(root) / JOURNAL):
        with catalogue_lock(root):
            pass
