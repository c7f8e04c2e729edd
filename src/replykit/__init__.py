"""replykit: multilingual canned replies for e-commerce customer service.

>>> import replykit
>>> lib = replykit.load()
>>> reply = lib.render("customs.import_tax", locale="es-MX", **lib.examples("customs.import_tax"))
>>> reply.locale
'es-MX'
"""

from __future__ import annotations

from .catalog import Template, Variable
from .detect import Detection, Detector, LangdetectDetector, LinguaDetector, detect_language
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
)
from .library import Library, load
from .render import Reply
from .search import Suggestion

__all__ = [
    "CatalogueError",
    "Detection",
    "DetectionError",
    "Detector",
    "InvalidValueError",
    "LangdetectDetector",
    "Library",
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
    "Variable",
    "detect_language",
    "load",
]

__version__ = "0.1.0"
