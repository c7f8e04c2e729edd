"""Naming catalogue files the way the reader of a message sees them.

Inside the library a file is named from its catalogue folder
(``templates/es/customs.yaml``); what a command prints names it from the current
directory (``shop/catalog/templates/es/customs.yaml``), where editors, CI
annotations and pre-commit look for it.
"""

from __future__ import annotations

import copy
import os
import re
from typing import TypeVar

from .errors import ReplykitError

E = TypeVar("E", bound=ReplykitError)


def shown_folder(root: str | os.PathLike[str]) -> str:
    """A catalogue folder as a reader names it: relative to the current directory when it
    is below it, else absolute."""
    absolute = os.path.abspath(root)
    relative = os.path.relpath(absolute)
    return absolute if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def shown_path(folder: str, path: str) -> str:
    """A catalogue-relative ``path`` under ``folder`` (from :func:`shown_folder`)."""
    return os.path.normpath(os.path.join(folder, path))


#: A catalogue file named in a message: ``templates/es/customs.yaml``, ``locales/es.yaml``, ``replykit.yaml``.
_CATALOGUE_PATH = re.compile(r"(?<![\w./-])(?:(?:templates|locales)/[\w.@+-]+(?:/[\w.@+-]+)*|replykit\.yaml)")


def shown_paths(folder: str, text: str) -> str:
    """``text`` with every catalogue file it names under ``folder``."""
    return _CATALOGUE_PATH.sub(lambda match: shown_path(folder, match.group()), text)


def from_cwd(error: E, folder: str | None, keep: str | None = None) -> E:
    """``error`` with the catalogue files it names seen from the current directory."""
    file = error.file
    if folder is None or file is None or file == keep or os.path.isabs(file) or error.__dict__.get(_MOVED):
        return error
    error = copy.copy(error)
    error.file, error.message = shown_path(folder, file), shown_paths(folder, error.message)
    error.args = (error._format(),)
    error.__dict__[_MOVED] = True
    return error


#: Marks an error whose files are already named from the current directory.
_MOVED = "_named_from_cwd"
