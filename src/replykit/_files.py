"""Reading catalogue files, which come from many hands.

A committed file can be a link to ``/dev/zero``, a named pipe, a huge file or a
link to ``/etc``: reading it must neither hang, nor eat memory, nor leave the
catalogue folder. So a file is opened without blocking, checked on the opened
descriptor (a regular file, not too big) and read up to the limit only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import YamlError

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
    stat.S_IFSOCK: "a socket",
}


def read_limited(path: Path, display: str, limit: int, *, root: Path | None = None) -> bytes:
    """The bytes of the regular file ``path``, refused (``YamlError`` naming ``display``) when
    it is something else, is over ``limit`` bytes or, with ``root``, lies outside that folder.
    """
    where = str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    if root is not None:
        where = os.path.realpath(path)
        if not inside(where, root):
            raise YamlError(
                "the file is a link to a file outside the catalogue folder, which is never read; "
                "put the file itself in the catalogue",
                file=display,
            )
        flags |= getattr(os, "O_NOFOLLOW", 0)  # the resolved path must not turn into a link meanwhile
    try:
        fd = os.open(where, flags)
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", file=display) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlError(
                f"the file is {kind(info.st_mode)}, not a plain file; replace it with a plain file", file=display
            )
        if info.st_size > limit:
            raise _too_big(display, limit, info.st_size)
        chunks: list[bytes] = []
        left = limit + 1  # one byte more tells a file that grew past the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", file=display) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _too_big(display, limit)
    return data


def kind(mode: int) -> str:
    """What a file that is not a regular file is, for messages: ``a named pipe (FIFO)``, ..."""
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def inside(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` (links resolved) lies in ``folder`` (links resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, top]) == top


def _too_big(display: str, limit: int, size: int | None = None) -> YamlError:
    size_text = f" {size:,} bytes," if size is not None else ""
    return YamlError(f"file is{size_text} over the {limit:,}-byte limit; split it into smaller files", file=display)
