"""The worker's library: loaded once, replaced whole when the catalogue changes.

A request takes :meth:`LibraryHolder.current` once and uses that library to the
end, so a reload never mixes two catalogues in one answer. Each worker notices
changed catalogue files on its own (at most every :data:`CHECK_EVERY` seconds),
so every worker serves the new catalogue without a restart; ``POST /v1/reload``
reloads at once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from ..library import Library, load

#: Seconds between two looks at the catalogue files' modification times.
CHECK_EVERY = 2.0


class LibraryHolder:
    """The current :class:`Library` of a catalogue folder (None: the shipped one)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.generation = 1
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        self._checked = time.monotonic()
        self._library = self._load()

    def _load(self) -> Library:
        library = load(self.path) if self.path is not None else Library(None)
        library.index  # noqa: B018 - built now, not by the first request (nor by two at once)
        return library

    def current(self) -> Library:
        """The library to answer with; reloaded first when its files changed."""
        now = time.monotonic()
        if self.path is not None and now - self._checked >= CHECK_EVERY:
            self._checked = now
            if self._fingerprint() != self._stamp:
                self.reload()
        return self._library

    def reload(self) -> Library:
        """Load the catalogue again and answer with it from now on."""
        with self._lock:
            stamp = self._fingerprint()
            library = self._load()
            self._library, self._stamp = library, stamp
            self.generation += 1
            return library

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Name, size and modification time of every catalogue file (not ``reviews.yaml``)."""
        if self.path is None:
            return ()
        root = self.path
        found: list[tuple[str, int, int]] = []
        for top in (root / "templates", root / "locales", root / "replykit.yaml"):
            paths = [top] if top.suffix else sorted(top.rglob("*.yaml")) if top.is_dir() else []
            for path in paths:
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                found.append((str(path), info.st_size, info.st_mtime_ns))
        return tuple(found)
