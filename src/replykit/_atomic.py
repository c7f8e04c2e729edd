"""Writing files so that no write ever loses or exposes data.

Every tool that writes a file (batch output, PO export and import, catalogue
edits) goes through :class:`AtomicWriter`:

- A regular file is replaced in one step: the content goes to a private (0600)
  temporary file beside it, is flushed to disk, gets the file's permissions
  (or the usual ones, umask applied, for a new file) and is renamed over it.
  Readers see the old file or the new one, never a part; customer data is
  never readable by others while it is being written.
- A link is followed: its final target is replaced and the link stays a link.
- A character device (``/dev/null``, a terminal), a named pipe and ``-``
  (standard output) are written to directly: they are streams, not files to
  replace.
- A read-only file, a folder, a socket or a block device is refused with an
  ``OSError`` that names the path as given and says what to do.
- Temporary files are named ``.<name>.replykit-<pid>-<random>.tmp``. They are
  removed when the process is stopped by SIGTERM, SIGINT or SIGHUP, and a
  leftover of a killed process is removed by the next write to its folder.

:func:`replace_all` replaces several files as one: a small journal in the
catalogue folder lists the renames, so a write cut short (a crash, SIGKILL)
is completed by :func:`finish_interrupted` before the next one.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ._files import inside, kind, read_limited
from .errors import CatalogueError

#: The journal of a multi-file write, in the catalogue folder while the renames run.
JOURNAL = ".replykit-journal"
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.replykit-(?P<pid>\d+)-[0-9a-f]+\.tmp$")
#: Names that stand for a file this process already has open: written to as they are.
_OPEN_FILES = ("/dev/stdout", "/dev/stderr")
_OPEN_FILE_FOLDERS = ("/dev/fd/", "/proc/self/fd/")


class AtomicWriter:
    """A file written in pieces that replaces ``path`` on :meth:`commit`.

    :meth:`abort` removes what was written and leaves ``path`` as it was. With
    ``within``, a ``path`` whose final target (links followed) lies outside that
    folder is refused.
    """

    def __init__(self, path: Path, *, binary: bool = False, within: Path | None = None) -> None:
        self.path = Path(path)
        self.target = self.path
        self.temporary: Path | None = None  # None: written directly (a stream)
        self.pid = os.getpid()
        self.mode = 0o600
        self.owner: tuple[int, int] | None = None
        self._own_handle = True
        self._done = False
        name = str(self.path)
        if name == "-":
            self._own_handle = False
            self.handle: IO[Any] = sys.stdout.buffer if binary else sys.stdout
            return
        info = _stat(self.path)
        streams = name in _OPEN_FILES or name.startswith(_OPEN_FILE_FOLDERS)
        if streams or (info and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode))):
            fd = _open(self.path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0))
            self.handle = _wrap(fd, binary)
            return
        if info is not None:
            _check_replaceable(self.path, info)
        self.target = Path(os.path.realpath(self.path))
        if within is not None and not inside(self.target, within):
            raise OSError(
                errno.EACCES, "the file is a link out of the catalogue folder; replace the link with the file", name
            )
        self.mode = stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask()
        self.owner = (info.st_uid, info.st_gid) if info else None
        remove_leftovers(self.target.parent)
        temporary = self.target.with_name(f".{self.target.name}.replykit-{self.pid}-{secrets.token_hex(4)}.tmp")
        fd = _open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600, name)
        self.temporary = temporary
        _track(self)
        self.handle = _wrap(fd, binary)

    def write(self, data: Any) -> None:
        self.handle.write(data)

    def prepare(self) -> None:
        """Put the content on disk with its final permissions, ready to be renamed."""
        self.handle.flush()
        if self.temporary is None:
            return
        fd = self.handle.fileno()
        os.fsync(fd)
        info = os.fstat(fd)
        if self.owner is not None and self.owner != (info.st_uid, info.st_gid):
            try:  # the file keeps its owner and group where that is allowed (as root)
                os.fchown(fd, *self.owner)
            except OSError:
                pass
        os.fchmod(fd, self.mode)  # after chown, which may clear some bits
        self.handle.close()

    def commit(self) -> None:
        try:
            self.prepare()
            if self.temporary is not None:
                os.replace(self.temporary, self.target)
        except BaseException:
            self.abort()
            raise
        self._finish()
        if self.temporary is not None:
            _sync_folder(self.target.parent)

    def abort(self) -> None:
        """Throw away what was written (a stream keeps what it was sent)."""
        if self._own_handle:
            self.handle.close()
        self.discard()
        self._finish()

    def discard(self) -> None:
        """Remove the temporary file (safe to call from a signal handler)."""
        if self.temporary is not None and not self._done:
            try:
                os.unlink(self.temporary)
            except OSError:
                pass

    def _finish(self) -> None:
        if self._own_handle and not self.handle.closed:
            self.handle.close()
        self._done = True
        _forget(self)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step."""
    writer = AtomicWriter(path, binary=True)
    try:
        writer.write(data)
    except BaseException:
        writer.abort()
        raise
    writer.commit()


# -- several files as one ---------------------------------------------------------------


def replace_all(root: Path, writers: Sequence[AtomicWriter]) -> None:
    """Replace the targets of ``writers`` (all inside ``root``) together.

    Every temporary file is complete on disk before the first rename; the
    journal lists the renames so that a write cut short is completed later
    (:func:`finish_interrupted`) instead of leaving some files new and others old.
    """
    if len(writers) == 1:
        writers[0].commit()
        return
    top = os.path.realpath(root)
    try:
        for writer in writers:
            writer.prepare()
        plan = [[os.path.relpath(w.temporary or w.target, top), os.path.relpath(w.target, top)] for w in writers]
        journal = AtomicWriter(root / JOURNAL, binary=True)
        journal.write(json.dumps(plan).encode("utf-8"))
        for writer in writers:
            _forget(writer)  # from here on the journal owns the temporary files: a signal keeps them
        journal.commit()
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    _run(Path(top), plan)


def finish_interrupted(root: Path) -> list[str]:
    """Complete a multi-file write that was cut short; the files it completed (catalogue-relative)."""
    path = root / JOURNAL
    if not os.path.lexists(path):
        return []
    raw = read_limited(path, JOURNAL, 1 << 20, root=root)
    top = Path(os.path.realpath(root))
    try:
        plan = json.loads(raw)
        valid = isinstance(plan, list) and all(_planned(step, top) for step in plan)
    except ValueError:
        valid = False
    if not valid:
        raise CatalogueError("not a journal of replykit's; look at the files it names, then delete it", file=JOURNAL)
    _run(top, plan)
    return [final for _, final in plan]


def _run(top: Path, plan: list[list[str]]) -> None:
    """The renames of a journal; the journal goes once they are on disk."""
    for temporary, final in plan:
        if os.path.lexists(top / temporary):
            os.replace(top / temporary, top / final)
    for folder in sorted({(top / final).parent for _, final in plan}):
        _sync_folder(folder)
    os.unlink(top / JOURNAL)
    _sync_folder(top)


def _planned(step: object, top: Path) -> bool:
    """A rename a journal may ask for: a temporary file onto its own target, inside the folder."""
    if not (isinstance(step, list) and len(step) == 2 and all(isinstance(p, str) for p in step)):
        return False
    temporary, final = (Path(p) for p in step)
    match = _TEMPORARY.match(temporary.name)
    return (
        match is not None
        and match["name"] == final.name
        and temporary.parent == final.parent
        and not final.is_absolute()
        and ".." not in final.parts
        and inside(top / final.parent, top)
    )


# -- leftovers and signals --------------------------------------------------------------


def remove_leftovers(folder: Path) -> None:
    """Remove the temporary files that killed writers left in ``folder`` (their process is gone)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or not _gone(int(match["pid"])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                os.unlink(entry.path)
        except OSError:
            pass


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (on POSIX; elsewhere nothing is known, so no)."""
    if os.name != "posix" or pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


_live: set[AtomicWriter] = set()
_previous: dict[int, Any] = {}
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def _track(writer: AtomicWriter) -> None:
    """While a temporary file exists, a stopping signal removes it first (main thread only)."""
    _live.add(writer)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in _SIGNALS:
        current = signal.getsignal(sig)
        if current is not _on_signal and current not in (signal.SIG_IGN, None):
            _previous[sig] = current
            signal.signal(sig, _on_signal)


def _forget(writer: AtomicWriter) -> None:
    _live.discard(writer)
    if _live or threading.current_thread() is not threading.main_thread():
        return
    for sig, previous in list(_previous.items()):
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, previous)
        del _previous[sig]


def _after_fork_in_child() -> None:
    """A forked child (a batch worker) writes none of these files: it gets back the handlers
    it had. A Python handler would also let a signal slip by while it waits on a lock.
    """
    _live.clear()
    for sig, previous in list(_previous.items()):
        try:
            if signal.getsignal(sig) is _on_signal:
                signal.signal(sig, previous)
        except ValueError:  # pragma: no cover - forked from a thread that is not the main one
            pass
    _previous.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _on_signal(sig: int, frame: FrameType | None) -> None:
    """Remove this process's temporary files, then let the signal do what it did before."""
    for writer in list(_live):
        if writer.pid == os.getpid():  # a forked worker leaves its parent's files alone
            writer.discard()
    previous = _previous.pop(sig, signal.SIG_DFL)
    signal.signal(sig, previous)
    if callable(previous):
        previous(sig, frame)
    else:
        os.kill(os.getpid(), sig)


# -- helpers ----------------------------------------------------------------------------


def _stat(path: Path) -> os.stat_result | None:
    """The file ``path`` leads to (links followed), None when there is none yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _check_replaceable(path: Path, info: os.stat_result) -> None:
    """Refuse to replace what is not a writable regular file."""
    name = str(path)
    if stat.S_ISDIR(info.st_mode):
        raise OSError(errno.EISDIR, "this is a folder; name a file in it", name)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"this is {kind(info.st_mode)}, not a regular file; name a file", name)
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise OSError(
            errno.EACCES, "the file is read-only; make it writable (chmod u+w) or write to another file", name
        )


def _open(path: Path, flags: int, mode: int = 0o666, name: str | None = None) -> int:
    try:
        return os.open(path, flags, mode)
    except OSError as exc:  # name the file the caller asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, name or str(path)) from None


def _wrap(fd: int, binary: bool) -> IO[Any]:
    return os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make a rename itself durable (POSIX); elsewhere there is nothing to do."""
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
