"""Review flags: replies a reviewer marked for a fix, kept with the catalogue.

Flags live in ``reviews.yaml`` at the catalogue's top, a plain YAML list, so they
go through the same git review as the templates; ``replykit lint`` reports each
open flag (``review-flag``) until its entry is deleted or marked ``resolved``.
The file is written the way every catalogue file is: under the catalogue lock,
atomically, never through a link out of the folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ._atomic import AtomicWriter
from ._files import read_limited
from ._lock import catalogue_lock
from ._yaml import MAX_FILE_BYTES, parse_yaml
from .errors import CatalogueError, YamlError

#: The flags file, catalogue-relative: a fixed name, never built from a key or locale.
REVIEWS_FILE = "reviews.yaml"

#: The longest comment a flag keeps.
MAX_COMMENT = 2000

HEADER = """\
# Review flags: replies a reviewer marked for a fix (replykit serve, /review).
# `replykit lint` reports every open flag as review-flag. Once the reply is fixed,
# delete its entry or set `status: resolved`.
"""


@dataclass(frozen=True)
class Flag:
    """One reviewer's note on one rendered reply (``line``: where it is in the file)."""

    key: str
    locale: str
    channel: str
    comment: str
    at: str = ""
    by: str = ""
    status: str = "open"
    line: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_flags(root: Path) -> list[Flag]:
    """The flags in ``root/reviews.yaml`` (none when the file does not exist).

    A file that is not a list of flags is a ``CatalogueError`` naming the file and line.
    """
    path = root / REVIEWS_FILE
    if not path.exists() and not path.is_symlink():
        return []
    text = read_limited(path, REVIEWS_FILE, MAX_FILE_BYTES, root=root).decode("utf-8", "replace")
    data = parse_yaml(text, REVIEWS_FILE).data
    if data is None:
        return []
    if not isinstance(data, list):
        raise YamlError("the file must be a list of flags (- key: ..., locale: ..., comment: ...)", file=REVIEWS_FILE)
    lines = [node.start_mark.line + 1 for node in yaml.compose(text, Loader=yaml.SafeLoader).value]
    flags = []
    for entry, line in zip(data, lines, strict=True):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in ("key", "locale", "comment")):
            raise YamlError("a flag needs key, locale and comment as text", file=REVIEWS_FILE, line=line)
        fields = {name: str(entry.get(name, "")) for name in ("key", "locale", "channel", "comment", "at", "by")}
        flags.append(Flag(**fields, status=str(entry.get("status", "open")), line=line))
    return flags


def add_flag(root: Path, key: str, locale: str, channel: str, comment: str, by: str = "") -> Flag:
    """Append a flag to ``root/reviews.yaml``, atomically and under the catalogue lock."""
    comment = comment.strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise CatalogueError(f"a flag needs a comment of 1 to {MAX_COMMENT} characters; say what is wrong")
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    with catalogue_lock(root):
        flags = read_flags(root)
        entry = {"key": key, "locale": locale, "channel": channel, "comment": comment, "at": at, "status": "open"}
        if by:
            entry["by"] = by
        entries = [{k: v for k, v in f.to_dict().items() if k != "line" and v != ""} for f in flags] + [entry]
        writer = AtomicWriter(root / REVIEWS_FILE, within=root)
        try:
            writer.write(HEADER + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100))
        except BaseException:
            writer.abort()
            raise
        writer.commit()
    return read_flags(root)[-1]
