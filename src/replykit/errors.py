"""The exceptions replykit raises.

Everything derives from :class:`ReplykitError`, so ``except ReplykitError``
catches any problem the library reports on purpose::

    ReplykitError
    ├── CatalogueError            a catalogue file or entry is unreadable or invalid
    │   └── YamlError             a file is not readable YAML
    ├── TemplateError             a template is defective (syntax, render failure)
    │   └── SecurityError         a template tried to leave the sandbox or its limits
    ├── RenderError               the caller's values do not fit the template
    │   ├── MissingVariableError  a required variable was not given
    │   ├── UnknownVariableError  a value for a name the template does not declare (LookupError)
    │   └── InvalidValueError     a value cannot be read as its declared type (ValueError)
    ├── UnknownKeyError           no such template key (LookupError)
    ├── UnknownGroupError         no such scenario group (LookupError)
    ├── LocaleError               a malformed or unknown locale tag (ValueError)
    └── DetectionError            language detection could not run

Every error keeps what it is about as attributes (``key``, ``locale``,
``file``, ``line``, ...) and its message says what, where and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any


class ReplykitError(Exception):
    """Base class of every error replykit raises on purpose."""

    #: Fields that locate the problem, in the order they are printed.
    key: str | None = None
    locale: str | None = None
    file: str | None = None
    line: int | None = None

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        locale: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.key = key
        self.locale = locale
        self.file = file
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        """``file:line: [locale] key: message`` with the parts that are known."""
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        tags = ""
        if self.locale:
            tags += f"[{_cut(self.locale)}] "
        if self.key:
            tags += f"{_cut(self.key)}: "
        return f"{where}{tags}{self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _cut(text: str, limit: int = 100) -> str:
    """A key or locale as printed: cut short when a caller got it wildly wrong, and always writable."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _rebuild(cls: type[ReplykitError], message: str, state: dict[str, Any]) -> ReplykitError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    error.args = (error._format(),)
    return error


class CatalogueError(ReplykitError):
    """A catalogue file or entry cannot be read or does not follow the format."""

    #: The lint code this problem is reported under.
    code = "schema"


class YamlError(CatalogueError):
    """A catalogue file is not readable YAML (syntax, encoding, size, tags, aliases)."""

    code = "yaml-syntax"


class TemplateError(ReplykitError):
    """A template is defective: it does not parse or does not render."""


class SecurityError(TemplateError):
    """A template tried something the sandbox forbids or exceeded a resource limit."""


class RenderError(ReplykitError):
    """The values given for a render do not fit the template.

    ``errors`` lists every problem with the values of one render (a missing, unknown
    or invalid value each), so a caller can fix them all in one go; each has
    ``variable``. For a single problem it is ``(self,)``.
    """

    #: The variable the problem is about (None when the error is about several, or none).
    variable: str | None = None

    @property
    def errors(self) -> tuple[RenderError, ...]:
        return self.__dict__.get("_errors") or (self,)

    @classmethod
    def combine(cls, errors: Sequence[RenderError]) -> RenderError:
        """One error for every value problem of a render: the problem itself when there is one,
        else one of their common class (or ``RenderError``) listing them all in ``errors``."""
        if len(errors) == 1:
            return errors[0]
        kinds = {type(e) for e in errors}
        kind = kinds.pop() if len(kinds) == 1 else RenderError
        first = errors[0]
        if all(e.message.startswith("missing variable ") for e in errors):
            message = "missing variables " + ", ".join(repr(e.variable) for e in errors)
        else:
            message = f"{len(errors)} problems with the values: " + "; ".join(e.message for e in errors)
        combined = kind.__new__(kind)
        ReplykitError.__init__(combined, message, key=first.key, locale=first.locale)
        combined.__dict__["_errors"] = tuple(errors)
        return combined


class MissingVariableError(RenderError):
    """A required variable was not given (or given blank)."""

    def __init__(self, variable: str, *, empty: bool = False, **where: Any) -> None:
        self.variable = variable
        super().__init__(f"variable {variable!r} is empty" if empty else f"missing variable {variable!r}", **where)


class UnknownVariableError(RenderError, LookupError):
    """A value was given for a name the template does not declare (a typo, usually)."""

    def __init__(self, variable: str, suggestions: Sequence[str] = (), **where: Any) -> None:
        self.variable = variable
        self.suggestions = tuple(suggestions)
        hint = f"did you mean {' or '.join(map(repr, self.suggestions))}?" if self.suggestions else "it is not declared"
        super().__init__(f"unknown variable {shown(variable)}; {hint}", **where)


class InvalidValueError(RenderError, ValueError):
    """A value cannot be read as the type its variable declares."""

    def __init__(self, message: str, *, variable: str | None = None, **where: Any) -> None:
        self.variable = variable
        super().__init__(message, **where)


class UnknownKeyError(ReplykitError, LookupError):
    """No template has this key."""

    def __init__(self, key: str, suggestions: Sequence[str] = (), **where: Any) -> None:
        self.suggestions = tuple(suggestions)
        hint = (
            "did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
            if self.suggestions
            else "run `replykit list` to see the keys"
        )
        super().__init__(f"unknown template key {shown(key, 100)}; {hint}", key=key, **where)


class UnknownGroupError(ReplykitError, LookupError):
    """No scenario group has this name."""


class LocaleError(ReplykitError, ValueError):
    """A locale tag is malformed."""


class DetectionError(ReplykitError):
    """Language detection could not run (for example, a backend is not installed)."""


def shown(value: Any, limit: int = 40) -> str:
    """``value`` quoted for an error message, cut short: a message never repeats a huge value."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        return repr(text)
    if isinstance(value, (bool, int, float, Decimal)) and not (isinstance(value, int) and value.bit_length() > 64):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    return "a list" if isinstance(value, (list, tuple)) else "a value of another kind"


#: Where warnings go instead of the ``replykit`` logger, when set: a command-line
#: program prints them itself.
warning_sink: Callable[[str, tuple[object, ...]], None] | None = None


def log_warning(message: str, *args: object) -> None:
    """Warn on the ``replykit`` logger (or the :data:`warning_sink`).

    ``logging`` is imported here, on first use: it is a tenth of the CLI's
    start-up, and most runs never warn.
    """
    if warning_sink is not None:
        warning_sink(message, args)
        return
    import logging

    logging.getLogger("replykit").warning(message, *args)
