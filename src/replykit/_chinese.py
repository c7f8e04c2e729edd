"""Simplified <-> Traditional Chinese conversion through OpenCC.

The shipped catalogue is written once in Simplified Chinese; zh-TW and zh-HK
customers get it converted with OpenCC's regional phrase tables (``s2twp``
turns 软件 into 軟體, not just 軟件), which a character table cannot do.
OpenCC is imported only when a Traditional reply is first needed.

Only OpenCC's built-in conversions are ever loaded, from OpenCC's own data
folder: a conversion name comes from a locale file, which anyone with write
access to a catalogue can edit, and OpenCC reads whatever files a config path
names.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache
from typing import Any

from .errors import ReplykitError

#: The built-in conversions a locale file may name.
CONVERSIONS = frozenset(
    {"s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s", "t2tw", "tw2t", "t2hk", "hk2t"}
)

_lock = threading.Lock()


def _builtin_config(opencc: Any, name: str) -> str | None:
    """The absolute path of OpenCC's own ``<name>.json``, never a file the current folder may hold."""
    for folder in (getattr(opencc, "_opencc_share_dir", None), getattr(opencc, "_opencc_configdir", None)):
        if folder:
            path = os.path.join(folder, f"{name}.json")
            if os.path.isfile(path):
                return path
    return None


@lru_cache(maxsize=len(CONVERSIONS))
def _converter(name: str) -> Any:
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        raise ReplykitError("Traditional Chinese output needs the 'opencc' package; pip install opencc") from None
    path = _builtin_config(opencc, name)
    if path is None:
        raise ReplykitError(f"the installed OpenCC has no built-in {name!r} conversion; reinstall opencc")
    try:
        return opencc.OpenCC(path)
    except Exception:  # its message may quote whatever its files hold: never pass it on
        raise ReplykitError(f"the installed OpenCC cannot load its {name!r} conversion; reinstall opencc") from None


def convert(text: str, name: str) -> str:
    """Convert ``text`` with the built-in OpenCC conversion ``name`` (e.g. ``s2twp``).
    Short texts converted last are kept: example values and sentences come back often."""
    if name not in CONVERSIONS:
        raise ReplykitError(f"unknown Chinese conversion {name!r}; use one of {', '.join(sorted(CONVERSIONS))}")
    if not text or text.isascii():
        return text
    return _kept(text, name) if len(text) <= MAX_KEPT_TEXT else _convert(text, name)


#: The longest text whose conversion is kept.
MAX_KEPT_TEXT = 1_000


@lru_cache(maxsize=4_096)
def _kept(text: str, name: str) -> str:
    return _convert(text, name)


def _convert(text: str, name: str) -> str:
    converter = _converter(name)
    with _lock:  # one OpenCC instance is not documented as thread-safe
        return str(converter.convert(text))


#: Template tags whose content is logic, not text: ``{% if method == '支付宝' %}`` compares
#: with the customer's value, which conversion must not change.
_LOGIC = re.compile(r"(\{%.*?%\}|\{#.*?#\})", re.S)


def statements_unchanged(source: str, name: str) -> bool:
    """Whether converting ``source`` changes its text only: its statements and comments have
    nothing to convert (then its compiled code converts string by string, as its text does)."""
    logic = "".join(_LOGIC.findall(source))
    return not logic or convert(logic, name) == logic


def convert_template(source: str, name: str) -> str:
    """Convert a template's text, leaving its statements and comments as written."""
    parts = _LOGIC.split(source)
    return "".join(part if index % 2 else convert(part, name) for index, part in enumerate(parts))
