"""Replacing a file so that readers see the old one or the new one, never a part.

Every tool that writes a file (batch output, PO export and import, catalogue
edits) goes through :class:`AtomicWriter`: the content goes to a temporary file
beside the target, is flushed to disk, and is renamed over the target only when
complete. The file keeps its permissions; a new file gets the usual ones (umask
applied), not the private mode of a temporary file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO, Any


class AtomicWriter:
    """A file written in pieces that replaces ``path`` on :meth:`commit`.

    :meth:`abort` removes what was written and leaves ``path`` as it was.
    """

    def __init__(self, path: Path, *, binary: bool = False) -> None:
        self.path = Path(path)
        self.temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:  # name the file the caller asked for, not the temporary one
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None
        self.handle: IO[Any] = (  # closed by commit or abort
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        )

    def write(self, data: Any) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            if self.path.exists():
                os.chmod(self.temporary, self.path.stat().st_mode & 0o7777)
            os.replace(self.temporary, self.path)
        except BaseException:
            self.abort()
            raise
        _sync_folder(self.path.parent)

    def abort(self) -> None:
        self.handle.close()
        self.temporary.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step."""
    writer = AtomicWriter(path, binary=True)
    try:
        writer.write(data)
    except BaseException:
        writer.abort()
        raise
    writer.commit()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); elsewhere there is nothing to do."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
