"""Simplified <-> Traditional Chinese conversion through OpenCC.

The shipped catalogue is written once in Simplified Chinese; zh-TW and zh-HK
customers get it converted with OpenCC's regional phrase tables (``s2twp``
turns 软件 into 軟體, not just 軟件), which a character table cannot do.
OpenCC is imported only when a Traditional reply is first needed.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from .errors import ReplykitError

_lock = threading.Lock()


@lru_cache(maxsize=16)
def _converter(config: str) -> Any:
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        raise ReplykitError("Traditional Chinese output needs the 'opencc' package; pip install opencc") from None
    try:
        return opencc.OpenCC(config if config.endswith(".json") else f"{config}.json")
    except Exception as exc:
        raise ReplykitError(
            f"unknown OpenCC conversion {config!r} ({exc}); use s2t, s2tw, s2twp, s2hk, t2s, tw2s or hk2s"
        ) from None


def convert(text: str, config: str) -> str:
    """Convert ``text`` with the OpenCC configuration ``config`` (e.g. ``s2twp``)."""
    if not text:
        return text
    converter = _converter(config)
    with _lock:  # one OpenCC instance is not documented as thread-safe
        return str(converter.convert(text))
