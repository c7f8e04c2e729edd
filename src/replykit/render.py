"""The sandboxed Jinja2 environment, its locale-aware filters, and ``Reply``.

Templates are untrusted text written by many hands, so they compile in an
immutable sandbox with ``StrictUndefined``: a template can read the values it
is given and format them, nothing else. Customer values are passed as data
and never compiled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import CodeType, TracebackType
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import pass_context
from jinja2.bccache import bc_magic
from jinja2.exceptions import SecurityError as JinjaSecurityError
from jinja2.runtime import Context

from ._sandbox import (
    CatalogueSandbox,
    Limits,
    TemplateSecurityError,
    make_sandbox,
    with_strings,
)
from ._yaml import Position
from .catalog import Channel
from .errors import InvalidValueError, ReplykitError, SecurityError, TemplateError, log_warning, shown
from .fill import LEXING, Part, fill, fill_plain, filters_in, is_plain, parts_of
from .values import FORMATTER, Address, Customer, Duration, Formatter, Money, coerce

if TYPE_CHECKING:
    from .detect import Detection


#: Changes whenever what the sandbox allows changes (see ``code_cache``).
SANDBOX_POLICY = "s3"

#: Characters of a format pattern (``date("d MMM")``) or list style.
MAX_PATTERN = 100

#: Plain names of what a template holds, for messages: a translator never sees a Python type.
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (Customer, "customer"),
    (Money, "money"),
    (Duration, "duration"),
    (bool, "true/false value"),
    (str, "text"),
    ((int, float, Decimal), "number"),
    (dt.datetime, "date and time"),
    (dt.date, "date"),
    (Mapping, "mapping"),
    ((list, tuple), "list"),
)


def describe(value: Any) -> str:
    """What ``value`` is, in a translator's words."""
    for kind, word in _KINDS:
        if isinstance(value, kind):
            return word
    return "this value"


class Missing(jinja2.StrictUndefined):
    """``StrictUndefined`` whose message names the missing field in plain words
    (``customer has no field 'x'``), never a Python type or a value's repr."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        shown = repr(name) if isinstance(name, (str, int)) and len(str(name)) <= 40 else ""
        if self._undefined_obj is jinja2.utils.missing:
            return f"{shown or 'a name'} is undefined"
        what = "field" if isinstance(name, str) else "item"
        return f"{describe(self._undefined_obj)} has no {what} {shown or 'of that name'}"


@dataclass(frozen=True)
class Reply:
    """A finished reply.

    ``locale`` is the locale actually used (after fallback); ``defects`` lists
    the template problems that made the reply fall back, empty when none did.
    """

    key: str
    locale: str
    channel: Channel
    subject: str | None
    body: str
    #: The HTML body, when the template has one (every value in it is escaped).
    html: str | None = None
    language: str = ""
    requested_locale: str = ""
    defects: tuple[ReplykitError, ...] = ()
    detection: Detection | None = field(default=None, compare=False)
    #: The variables whose values came from the template's examples (``render(..., examples=True)``),
    #: so that a caller can see what is not real data.
    example_values: tuple[str, ...] = ()
    #: The template folders whose texts answered, most specific first: ``("es-MX", "es")``
    #: when a Mexican text overrides part of the Spanish one.
    texts_from: tuple[str, ...] = ()

    @property
    def fell_back(self) -> bool:
        """True when the reply is not in the requested locale or skipped a defect."""
        return bool(self.defects) or (bool(self.requested_locale) and self.requested_locale != self.locale)

    def to_dict(self) -> dict[str, Any]:
        """The reply as JSON-compatible data (what ``--format json`` prints)."""
        out: dict[str, Any] = {
            "key": self.key,
            "locale": self.locale,
            "channel": self.channel,
            "subject": self.subject,
            "body": self.body,
            "language": self.language,
            "requested_locale": self.requested_locale,
            "defects": [str(d) for d in self.defects],
            "fell_back": self.fell_back,
            "texts_from": list(self.texts_from),
        }
        if self.example_values:
            out["example_values"] = list(self.example_values)
        if self.html is not None:
            out["html"] = self.html
        if self.detection is not None:
            out["detection"] = self.detection.to_dict()
        return out

    def __str__(self) -> str:
        return f"{self.subject}\n\n{self.body}" if self.subject else self.body


# -- filters -------------------------------------------------------------------------


def _fmt(ctx: Context) -> Formatter:
    return ctx.parent[FORMATTER]  # type: ignore[no-any-return]


def _env(ctx: Context) -> CatalogueSandbox:
    return ctx.environment  # type: ignore[return-value]


def _as(type_: str, value: Any, ctx: Context) -> Any:
    """``value`` read as ``type_``; the error echoes the value only when it is short, plain data."""
    digits = _env(ctx).limits.max_int_bits * 3 // 10  # the digits of the largest whole number
    if _has_huge_number(value, digits):  # reading 1e999999 as a whole number builds it in full
        raise JinjaSecurityError(f"a number of more than {digits:,} digits is over the limit")
    fmt = _fmt(ctx)
    try:
        return coerce(type_, value, fmt, fmt.locale.language)
    except InvalidValueError:
        if _echoes_plainly(value):
            raise
        raise InvalidValueError(f"expected {type_}, got {describe(value)}") from None


def _has_huge_number(value: Any, digits: int) -> bool:
    """True if ``value`` (or a value of a mapping such as a duration) reads as a number of more than ``digits`` digits."""
    for leaf in value.values() if isinstance(value, Mapping) else (value,):
        if isinstance(leaf, (str, Decimal)):
            try:
                number = Decimal(leaf.strip() if isinstance(leaf, str) else leaf)
            except InvalidOperation:
                continue
            if number.is_finite() and number.adjusted() >= digits:
                return True
    return False


def _echoes_plainly(value: Any) -> bool:
    """True if the repr of ``value`` is short and names no Python type."""
    if isinstance(value, Mapping):
        return len(value) <= 4 and all(_echoes_plainly(k) and _echoes_plainly(v) for k, v in value.items())
    if isinstance(value, str):
        return len(value) <= 100
    return value is None or type(value) in (int, float, bool) or isinstance(value, (Money, Duration))


def _check_pattern(format: object) -> None:
    """A style name or CLDR pattern of a reasonable length (Babel caches every pattern it parses)."""
    if format is not None and not (isinstance(format, str) and len(format) <= MAX_PATTERN):
        raise JinjaSecurityError(f"a format is a style name or a pattern of at most {MAX_PATTERN} characters")


@pass_context
def money_filter(ctx: Context, value: Any, currency: str | None = None, format: str | None = None) -> str:
    """``{{ total | money }}``, ``{{ 12.5 | money("EUR") }}``.

    A currency names the currency of a bare number; it never relabels an amount
    that has its own (a USD amount shown as euros would be a wrong price).
    """
    if isinstance(value, Money) and currency is not None and str(currency).upper() != value.currency:
        raise InvalidValueError(
            f"money({shown(currency)}) would show an amount in {value.currency} as {shown(currency)}; "
            "write the value as it is ({{ amount }} or money without a currency)"
        )
    if not isinstance(value, Money):
        value = _as("money", {"amount": value, "currency": currency} if currency else value, ctx)
    _check_pattern(format)
    return _fmt(ctx).money(value.amount, currency or value.currency, format)


@pass_context
def quote_filter(ctx: Context, value: Any) -> str:
    """``{{ product | quote }}``: the value between the locale's quotation marks (“…”, «…», 「…」)."""
    opening, closing = _fmt(ctx).settings.quotes
    return f"{opening}{ctx.environment.text(ctx, value)}{closing}"  # type: ignore[attr-defined]


@pass_context
def number_filter(ctx: Context, value: Any, format: str | None = None) -> str:
    _check_pattern(format)
    return _fmt(ctx).number(Decimal(_as("number", value, ctx)), format)  # str() of a number is already formatted


@pass_context
def percent_filter(ctx: Context, value: Any) -> str:
    """``{{ 15 | percent }}`` -> ``15%`` (en) / ``15 %`` (es)."""
    return str(_as("percent", value, ctx))


@pass_context
def date_filter(ctx: Context, value: Any, format: str = "long") -> str:
    """``{{ ship_date | date("short") }}``: short, medium, long, full or a CLDR pattern."""
    if not isinstance(value, dt.date):
        value = _as("date", value, ctx)
    _check_pattern(format)
    return _fmt(ctx).date(value, format)


@pass_context
def datetime_filter(ctx: Context, value: Any, format: str = "medium") -> str:
    if not isinstance(value, dt.datetime):
        value = _as("datetime", value, ctx)
    _check_pattern(format)
    return _fmt(ctx).datetime(value, format)


@pass_context
def time_filter(ctx: Context, value: Any, format: str = "short") -> str:
    if not isinstance(value, (dt.datetime, dt.time)):
        value = _as("datetime", value, ctx)
    _check_pattern(format)
    return _fmt(ctx).time(value, format)


@pass_context
def list_filter(ctx: Context, value: Any, style: str = "standard") -> str:
    """``{{ items | list }}`` -> ``A, B y C``; ``list("or")`` -> ``A, B o C``.

    Each item is printed as a value. CLDR list formatting (Babel) rebuilds the
    text once per item, so the input is bounded and its cost counted first.
    """
    if isinstance(value, str):
        value = [value]
    env = _env(ctx)
    pieces = [env.text(ctx, item) for item in value]
    length = sum(map(len, pieces))
    env.check_length(length, "a list")
    env.budget(ctx).spend(length * max(1, len(pieces) // 100))
    _check_pattern(style)
    return _fmt(ctx).list(pieces, style)


@pass_context
def plural_filter(ctx: Context, count: Any, **forms: str) -> str:
    """``{{ n | plural(one="# item", other="# items") }}`` over CLDR plural categories.

    ``#`` in the chosen form is replaced by the number written the locale's way.
    """
    if "other" not in forms:
        raise InvalidValueError("plural() needs at least an 'other' form")
    number = _as("number", count, ctx)
    fmt = _fmt(ctx)
    form = forms.get(fmt.plural_category(number), forms["other"])
    if not isinstance(form, str):
        raise InvalidValueError('plural() forms are texts, such as other="# items"')
    written = fmt.number(number)
    _env(ctx).check_length(len(form) + form.count("#") * len(written), "a plural form")
    return form.replace("#", written)


@pass_context
def relative_filter(ctx: Context, value: Any, granularity: str = "day") -> str:
    """``{{ ship_date | relative }}`` -> ``in 3 days`` / ``dentro de 3 días`` / ``3天后``."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        value = dt.timedelta(days=float(value))
    elif not isinstance(value, (dt.date, dt.timedelta)):
        value = _as("datetime" if "T" in str(value) else "date", value, ctx)
    return _fmt(ctx).relative(value, granularity)


@pass_context
def duration_filter(ctx: Context, value: Any, unit: str | None = None) -> str:
    """``{{ 3 | duration("business_day") }}`` -> ``3 business days``."""
    if not isinstance(value, Duration):
        if unit is not None and not isinstance(value, Mapping):
            value = {"value": value, "unit": unit}
        value = _as("duration", value, ctx)
    return str(value)


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money_filter,
    "number": number_filter,
    "quote": quote_filter,
    "percent": percent_filter,
    "date": date_filter,
    "datetime": datetime_filter,
    "time": time_filter,
    "list": list_filter,
    "plural": plural_filter,
    "relative": relative_filter,
    "duration": duration_filter,
}


class CodeCache:
    """Compiled template code kept across runs: one small file per text.

    Compiling a text costs 50-120 renders. The file name is a hash of everything
    the code depends on (text, file label, escaping, sandbox policy) and each
    file starts with Jinja's bytecode magic (Jinja and Python versions), so a
    stale file is never used. Files are written atomically; an unreadable or
    damaged file only means compiling again.

    A cache file is run as code outside the sandbox, and anyone can work out its
    name from a template's text: only a file that this user owns and that no one
    else may write is ever loaded (see :func:`code_cache` for the folder).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def path(self, key: str) -> str:
        return os.path.join(self.directory, f"__replykit_{SANDBOX_POLICY}_{key}.cache")

    def load(self, key: str) -> CodeType | None:
        data = self.read(self.path(key))
        if data is None or not data.startswith(bc_magic):
            return None
        try:
            code = marshal.loads(data[len(bc_magic) :])
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    @staticmethod
    def read(path: str) -> bytes | None:
        """The content of a cache file, or None unless it is a plain file of ours that only we can write."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            try:
                info = os.fstat(fd)
                return handle.read() if stat.S_ISREG(info.st_mode) and not _foreign(info) else None
            except OSError:
                return None

    def store(self, key: str, code: CodeType) -> None:
        try:
            fd, name = tempfile.mkstemp(dir=self.directory, prefix=".replykit-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(bc_magic + marshal.dumps(code))
            os.replace(name, self.path(key))
        except OSError:  # a cache that cannot be written is only slower
            pass


def code_cache() -> CodeCache | None:
    """The cache of compiled templates, or None when it is turned off or unusable.

    ``REPLYKIT_CACHE=off`` turns it off; ``REPLYKIT_CACHE=/some/dir`` moves it. By
    default it is Jinja's private per-user folder in the temporary directory. A
    folder named in ``REPLYKIT_CACHE`` is checked as Jinja checks its own: it is
    created private (0700) when missing, and is not used (one warning on the
    ``replykit`` logger, templates compile every time) when it is a link, is not
    this user's, or others may write to it.
    """
    setting = os.environ.get("REPLYKIT_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if not setting:
        try:  # Jinja's own choice and checks of a safe per-user folder
            return CodeCache(jinja2.FileSystemBytecodeCache().directory)
        except (OSError, RuntimeError):  # no usable cache folder: compile every time
            return None
    problem = _unsafe_folder(setting)
    if problem is None:
        return CodeCache(setting)
    if setting not in _refused:
        _refused.add(setting)
        log_warning(
            "REPLYKIT_CACHE=%s is not used: %s; templates compile without a cache. "
            "Name a folder that only you can write to (chmod 700), or a new one.",
            setting,
            problem,
        )
    return None


_refused: set[str] = set()


def _unsafe_folder(path: str) -> str | None:
    """Why ``path`` may not hold code that will be run, or None (created 0700 when missing)."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        return f"it cannot be created ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if _foreign(info):
        return "it belongs to another user or others can write to it"
    return None


def _foreign(info: os.stat_result) -> bool:
    """Whether another user owns the file or may write to it (group or others)."""
    owner = os.geteuid() if hasattr(os, "geteuid") else info.st_uid
    return info.st_uid != owner or bool(info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def make_environment(
    cache: CodeCache | None = None, *, limits: Limits | None = None, autoescape: bool = False
) -> CatalogueSandbox:
    """The environment a library's templates compile in (``autoescape`` for HTML texts)."""
    env = make_sandbox(
        FILTERS,
        values=(Money, Duration, Customer, Address),
        limits=limits,
        autoescape=autoescape,
        undefined=Missing,
        **LEXING,
        auto_reload=False,
        cache_size=0,
    )
    env.code_cache = cache
    return env


# -- compiled texts --------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """Where a piece of template text lives, for error messages.

    ``locate`` gives the text's position in its file; it is called only when an
    error needs a line number (finding positions means parsing the file again).
    """

    file: str
    locate: Callable[[], Position]
    key: str | None
    locale: str | None

    @property
    def position(self) -> Position:
        return self.locate()


def _security_message(exc: Exception) -> str:
    """The sandbox's complaint, without the class names Jinja's own messages carry."""
    message = str(exc)
    if "unsafe" in message or "not safely callable" in message or "object" in message:
        message = "the template tried to reach an attribute or call that the sandbox forbids"
    return f"not allowed in a template: {message}"


#: What went wrong, in plain words, by the kind of Python error (most specific first).
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (ZeroDivisionError, "a division by zero"),
    (ArithmeticError, "a number that this operation cannot handle"),
    (TypeError, "a value of the wrong kind for this operation"),
    (LookupError, "an item or key that does not exist"),
    (ValueError, "a value that this operation cannot use"),
    (jinja2.TemplateRuntimeError, "an argument that this filter or macro cannot use"),
)


def _failure(exc: BaseException) -> str:
    """Why a render failed, without the text of the exception (it may carry reprs and type names)."""
    for kind, words in _FAILURES:
        if isinstance(exc, kind):
            return words
    return "an operation that failed"


_PROVIDED_LAZILY = re.compile(r"\b(greeting|sign_off)\b")


def hand_parts(env: CatalogueSandbox, text: str) -> tuple[Part, ...] | None:
    """``text`` as parts to fill by hand in ``env`` (see :mod:`replykit.fill`): only where
    no value needs escaping (HTML bodies go through Jinja) and every filter is one of ``env``'s."""
    if env.autoescape:
        return None
    parts = parts_of(text)
    if parts is None or not filters_in(parts) <= env.filters.keys():
        return None
    return parts


def _compile(env: CatalogueSandbox, text: str, filename: str) -> CodeType:
    """``text`` compiled in ``env``, through its code cache when it has one."""
    cache: CodeCache | None = env.code_cache
    key = ""
    code = None
    if cache is not None:
        stamp = f"{jinja2.__version__}\0{bool(env.autoescape)}\0{filename}\0{text}"
        key = hashlib.sha256(stamp.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        code = cache.load(key)
    if code is None:
        code = env.compile_text(text, filename).code
        if cache is not None:
            cache.store(key, code)
    return code


def _template(env: jinja2.Environment, code: CodeType) -> jinja2.Template:
    # A plain dict, not Jinja's ChainMap over the environment's globals: every
    # render copies the globals, and a dict copies without Python-level calls
    # (most of a one-line text's render). The sandbox's globals never change.
    return env.template_class.from_code(env, code, dict(env.globals))


class CompiledText:
    """One piece of template text, compiled (or filled by hand: fields, filters and
    if-branches, see :mod:`replykit.fill`), and which costly provided names it reads."""

    __slots__ = ("_code", "_env", "_source", "_template", "filename", "names", "plain", "simple", "where")

    def __init__(self, env: CatalogueSandbox, text: str, where: Where, label: str) -> None:
        self.where = where
        self.filename = f"{where.file}#{label}"
        self._read_parts(env, text)
        # Greeting and sign-off are rendered only for texts that mention them.
        self.names = frozenset(_PROVIDED_LAZILY.findall(text))
        self._env, self._source = env, text
        self._code: CodeType | None = None
        self._template: jinja2.Template | None = None
        if self.simple is None:  # a text filled by hand cannot fail to compile: it is compiled on first need
            self._build()

    def _read_parts(self, env: CatalogueSandbox, text: str) -> None:
        self.simple = hand_parts(env, text)
        self.plain = self.simple is not None and is_plain(self.simple)

    @property
    def code(self) -> CodeType:
        if self._code is None:
            self._build()
        assert self._code is not None
        return self._code

    @property
    def template(self) -> jinja2.Template:
        if self._template is None:
            self._build()
        assert self._template is not None
        return self._template

    def _build(self) -> None:
        where = self.where
        try:
            self._code = _compile(self._env, self._source, self.filename)
            self._template = _template(self._env, self._code)
        except jinja2.TemplateSyntaxError as exc:
            if isinstance(exc, TemplateSecurityError):
                error: type[TemplateError] = SecurityError
                message = f"{exc.message}; catalogue templates may only print values and use the replykit filters"
            else:
                error, message = (
                    TemplateError,
                    f"template syntax error: {exc.message}; check the {{{{ }}}} and {{% %}} tags",
                )
            raise error(
                message,
                file=where.file,
                line=where.position.text_line(exc.lineno or 1),
                key=where.key,
                locale=where.locale,
            ) from None
        except RecursionError:  # Jinja's parser and code generator recurse on each level
            raise SecurityError(
                "the template nests tags or expressions too deeply to compile; write fewer levels",
                file=where.file,
                line=where.position.text_line(1),
                key=where.key,
                locale=where.locale,
            ) from None

    def converted(self, text: str, change: Callable[[str], str]) -> CompiledText:
        """The same template with its literal text changed by ``change`` (Simplified to
        Traditional Chinese), given as ``text``: its code with the strings changed, not compiled
        again. Only for a change that leaves statements alone and ASCII as it is (OpenCC's)."""
        found = object.__new__(CompiledText)
        found.where, found.filename, found.names = self.where, self.filename, self.names
        found._env, found._source = self._env, text
        found._read_parts(self._env, text)
        found._code = found._template = None
        if self._code is not None or found.simple is None:
            found._code = with_strings(self.code, lambda s: s if s.isascii() else change(s))
            found._template = _template(self._env, found._code)
        return found

    def render(self, context: Mapping[str, Any]) -> str:
        if self.simple is not None:
            filled = self._fill(context)
            if filled is not None:
                return filled
        try:
            text = self.template.render(context)
        except ReplykitError as exc:  # a filter refused a value: this template misuses it
            cls = SecurityError if isinstance(exc, SecurityError) else TemplateError
            raise self._error(exc.message, exc.__traceback__, cls) from None
        except jinja2.UndefinedError as exc:
            message = exc.message or "a value is undefined"
            fix = "declare the variable under 'variables' or fix its name"
            raise self._error(
                f"{message}; {fix if message.endswith('is undefined') else 'check the field name'}",
                exc.__traceback__,
            ) from None
        except JinjaSecurityError as exc:
            raise self._error(_security_message(exc), exc.__traceback__, SecurityError) from None
        except (RecursionError, MemoryError, OverflowError) as exc:
            what = {RecursionError: "calls nested too deeply", MemoryError: "out of memory"}.get(
                type(exc), "a number too large"
            )
            raise self._error(
                f"template exceeded a resource limit ({what})", exc.__traceback__, SecurityError
            ) from None
        except Exception as exc:  # any other failure is a defect of this template
            raise self._error(f"template failed to render: {_failure(exc)}", exc.__traceback__) from None
        return text

    def _fill(self, context: Mapping[str, Any]) -> str | None:
        """The text filled by hand (see :mod:`replykit.fill`); None where Jinja must answer."""
        assert self.simple is not None
        if self.plain:
            return fill_plain(self.simple, self._env, context)
        return fill(self.simple, self._env, context, self.filename)

    def _error(
        self,
        message: str,
        tb: TracebackType | None,
        cls: type[TemplateError] = TemplateError,
    ) -> TemplateError:
        lineno = 1
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        return cls(
            message,
            file=self.where.file,
            line=self.where.position.text_line(lineno),
            key=self.where.key,
            locale=self.where.locale,
        )


#: What a subject, one line of an e-mail header, may not hold: control characters and line breaks.
LINE_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_subject(subject: str, text: CompiledText, values: Mapping[str, Any], locale: str) -> None:
    """Refuse a subject that is not one header line: the caller's error when a value brought
    the line break, else the template's (a defect)."""
    if not LINE_BREAK.search(subject):
        return
    where = text.where
    for name, value in values.items():
        if name not in ("greeting", "sign_off") and any(LINE_BREAK.search(part) for part in _texts_of(value)):
            raise InvalidValueError(
                f"variable {name!r} puts a line break or control character into the e-mail subject, "
                "which would break the message header; remove it from the value",
                key=where.key,
                locale=locale,
            )
    raise TemplateError(
        "the subject has a line break or control character; a subject is one line of text",
        file=where.file,
        line=where.position.line,
        key=where.key,
        locale=where.locale,
    )


def _texts_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Customer):
        return [value.first_name, value.last_name, value.full_name]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
