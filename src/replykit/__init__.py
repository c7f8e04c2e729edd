"""replykit: multilingual canned replies for e-commerce customer service.

>>> import replykit
>>> lib = replykit.load()
>>> reply = lib.render("customs.import_tax", locale="es-MX", **lib.examples("customs.import_tax"))
>>> reply.locale
'es-MX'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._sandbox import Limits
from .catalog import Channel, Template, Variable
from .errors import (
    CatalogueError,
    DetectionError,
    InvalidValueError,
    LocaleError,
    MissingVariableError,
    RenderError,
    ReplykitError,
    SecurityError,
    TemplateError,
    UnknownGroupError,
    UnknownKeyError,
    UnknownVariableError,
)
from .library import Library, load
from .render import Reply

if TYPE_CHECKING:
    from .batch import BatchResult
    from .detect import Detection, Detector, LangdetectDetector, LinguaDetector, detect_language
    from .search import Suggestion

# Detection and search load on first use: importing replykit to render a reply
# should not pay for them.
_LAZY = {
    "BatchResult": "batch",
    "Detection": "detect",
    "Detector": "detect",
    "LangdetectDetector": "detect",
    "LinguaDetector": "detect",
    "detect_language": "detect",
    "Suggestion": "search",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'replykit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BatchResult",
    "CatalogueError",
    "Channel",
    "Detection",
    "DetectionError",
    "Detector",
    "InvalidValueError",
    "LangdetectDetector",
    "Library",
    "Limits",
    "LinguaDetector",
    "LocaleError",
    "MissingVariableError",
    "RenderError",
    "Reply",
    "ReplykitError",
    "SecurityError",
    "Suggestion",
    "Template",
    "TemplateError",
    "UnknownGroupError",
    "UnknownKeyError",
    "UnknownVariableError",
    "Variable",
    "detect_language",
    "load",
]

__version__ = "0.1.0"


def __dir__() -> list[str]:
    """The public API only (``dir(replykit)``), not the modules and helpers behind it."""
    return [*__all__, "__version__"]
