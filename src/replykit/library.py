"""``Library``: a loaded catalogue that renders replies.

The library negotiates the locale (which template language, which formatting
region, which Chinese script), reads the caller's values as their declared
types, renders in the sandbox and falls back along the locale chain when a
translation is defective, recording the defect on the ``Reply``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from babel import Locale
from markupsafe import Markup

from . import _chinese
from ._sandbox import Limits
from ._yaml import Position, YamlFile
from .catalog import Catalogue, Channel, Template, TextField, Variable, load_catalogue
from .errors import (
    CatalogueError,
    InvalidValueError,
    LocaleError,
    MissingVariableError,
    RenderError,
    ReplykitError,
    TemplateError,
    UnknownGroupError,
    UnknownKeyError,
    UnknownVariableError,
    log_warning,
    shown,
)
from .locales import (
    DEFAULT_CONVERSIONS,
    LocaleSettings,
    Tag,
    babel_locale,
    full_tag,
    local_currency,
    merge_settings,
    parse_tag,
)
from .render import FORMATTER, CompiledText, Reply, Where, code_cache, make_environment
from .values import BLANK, CLDR_UNITS, Customer, Formatter, coerce, to_plain

if TYPE_CHECKING:
    from .batch import BatchResult
    from .detect import Detection, Detector
    from .search import SearchIndex, Suggestion


ENV_VAR = "REPLYKIT_CATALOG"


def shipped_catalogue() -> Path:
    """The folder of the catalogue that ships with replykit."""
    here = Path(__file__).resolve().parent
    packaged = here / "catalogue"
    if (packaged / "templates").is_dir():
        return packaged
    checkout = here.parent.parent  # src/replykit -> project root (editable installs)
    if (checkout / "templates").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise CatalogueError("the shipped catalogue is missing from this installation; reinstall replykit")


def load(path: str | os.PathLike[str] | None = None, *, limits: Limits | None = None) -> Library:
    """Load a catalogue: ``path``, else ``$REPLYKIT_CATALOG``, else the shipped one.

    ``limits`` bounds what its templates may do (see :class:`replykit.Limits`).
    """
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    return Library(Path(path) if path is not None else None, limits=limits)


def utc_now() -> dt.datetime:
    """The default :attr:`Library.clock`: the current time in UTC."""
    return dt.datetime.now(dt.timezone.utc)


_loaded: dict[tuple[Path | None, Limits | None], Library] = {}
_loaded_lock = threading.Lock()


def _load_once(path: Path | None, limits: Limits | None = None) -> Library:
    """The library at ``path``, loaded at most once per process (for unpickling)."""
    with _loaded_lock:
        if (path, limits) not in _loaded:
            _loaded[(path, limits)] = Library(path, limits=limits)
        return _loaded[(path, limits)]


def _load_with(path: Path | None, limits: Limits | None, settings: dict[str, Any]) -> Library:
    """A library with its own clock or detector (unpickling); not shared with others."""
    library = Library(path, limits=limits)
    for name, value in settings.items():
        setattr(library, name, value)
    return library


@dataclass(frozen=True)
class Attempt:
    """One way to answer a locale: a template language and how to format it."""

    language: str
    locale: str
    babel: Locale
    settings: LocaleSettings
    layers: tuple[str, ...]
    convert: str | None
    formatter: Formatter


@dataclass(frozen=True)
class Plan:
    """The ordered attempts for a requested locale."""

    requested: str
    attempts: tuple[Attempt, ...]


class Library:
    """A loaded catalogue. Thread-safe for rendering; pickles as its path."""

    def __init__(self, path: Path | None = None, *, limits: Limits | None = None) -> None:
        self.path = path
        root = path if path is not None else shipped_catalogue()
        if path is not None and not Path(path).is_dir():
            raise CatalogueError(
                f"catalogue folder {str(path)!r} does not exist; pass a folder with templates/ and locales/",
                file=str(path),
            )
        self.catalogue: Catalogue = load_catalogue(root)
        #: The time "now" for relative dates; set a fixed one for repeatable output.
        self.clock: Callable[[], dt.datetime] = utc_now
        #: The statistical language model behind :meth:`detect`; None uses the default.
        self.detector: Detector | None = None
        self._index: SearchIndex | None = None
        self._sign_offs: dict[tuple[Any, ...], str] = {}
        self._channel_texts: dict[tuple[Any, ...], tuple[tuple[CompiledText, ...], frozenset[str]]] = {}
        self._declarations: dict[str, tuple[dict[str, Variable], tuple[str, ...], tuple[str, ...]]] = {}
        self.limits = limits or Limits()
        self._env = make_environment(code_cache(), limits=self.limits)
        self._html_env: Any = None
        self._compiled: dict[tuple[Any, ...], CompiledText | TemplateError] = {}
        self._plans: dict[str | None, Plan] = {}
        self._locale_data = dict(self.catalogue.locale_files.values())
        self._language_tags = {lang: full_tag(parse_tag(lang)) for lang in self.catalogue.languages}

    def __reduce__(self) -> tuple[Any, ...]:
        # A library travels as its path (or "the shipped one") and is loaded again,
        # once per process, at the other end: small to ship to Dask or Spark workers.
        # A clock or detector of its own travels with it, so workers render the same.
        settings: dict[str, Any] = {"clock": self.clock} if self.clock is not utc_now else {}
        if self.detector is not None:
            settings["detector"] = self.detector
        if settings:
            return (_load_with, (self.path, self.limits, settings))
        return (_load_once, (self.path, self.limits))

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "shipped"
        return f"<replykit.Library {where}: {len(self.keys())} keys in {', '.join(self.languages)}>"

    # -- introspection ------------------------------------------------------------------

    @property
    def languages(self) -> tuple[str, ...]:
        """The template languages of the catalogue, source language first."""
        source = self.source_language
        return tuple(sorted(self.catalogue.languages, key=lambda lang: (lang != source, lang)))

    @property
    def source_language(self) -> str:
        return self.catalogue.settings.source_language

    @property
    def default_locale(self) -> str:
        return self.catalogue.settings.default_locale

    @property
    def problems(self) -> list[CatalogueError]:
        """Problems found while loading; the affected files or keys are skipped."""
        return list(self.catalogue.problems)

    def keys(self, *, group: str | None = None, language: str | None = None) -> list[str]:
        """Sorted template keys, optionally of one group or present in one language."""
        if language is not None:
            keys = sorted(self.catalogue.templates.get(self._language(language), {}))
        else:
            keys = self.catalogue.keys()
        if group is not None:
            keys = [k for k in keys if k.split(".", 1)[0] == group]
        return keys

    def template(self, key: str, language: str | None = None) -> Template:
        """The template of ``key`` as written in ``language`` (default: the source)."""
        lang = self._language(language) if language is not None else self.source_language
        found = self.catalogue.get(lang, key)
        if found is None:
            if key not in self.catalogue.keys():
                raise UnknownKeyError(key, self.suggest_keys(key))
            problem = self.catalogue.problem(lang, key)
            if problem is not None:
                raise problem
            raise UnknownKeyError(key, (), locale=lang)
        return found

    def variables(self, key: str) -> dict[str, Variable]:
        """The declared variables of ``key`` (the source language's declaration)."""
        return dict(self._declaration(key)[0])

    def examples(self, key: str, locale: str | None = None) -> dict[str, Any]:
        """Example values of every variable, as JSON-compatible data.

        With ``locale``, a translation's own examples replace the source's (and
        Chinese examples are converted to the locale's script).
        """
        examples = {name: var.example for name, var in self.variables(key).items()}
        if locale is not None:
            attempt = self._plan(locale).attempts[0]
            translated = self.catalogue.get(attempt.language, key)
            if translated is not None:
                for name, var in translated.variables.items():
                    if name in examples:
                        examples[name] = var.example
                if attempt.convert:
                    examples = _convert_data(examples, attempt.convert)
        return to_plain(examples)  # type: ignore[no-any-return]

    def suggest_keys(self, key: str, limit: int = 3) -> list[str]:
        """Keys that look like ``key``, best first (for "did you mean")."""
        from .search import suggest_keys

        return suggest_keys(key, self.catalogue.keys(), limit)

    # -- search ---------------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        """The search index, built on first use and kept for the library's life."""
        if self._index is None:
            from .search import SearchIndex

            self._index = SearchIndex.build(self)
        return self._index

    def search(
        self, query: str, *, language: str | None = None, group: str | None = None, limit: int = 10
    ) -> list[Suggestion]:
        """Templates for a few words ("wher is my parcel", "envio", "退款"), best first."""
        if language is not None:
            language = self._language(language)
        if group is not None:
            self._check_group(group)
        return self.index.search(query, language=language, group=group, limit=limit)

    def _check_group(self, group: str) -> None:
        groups = self.catalogue.settings.groups
        if group not in groups:
            from .search import suggest_keys

            close = suggest_keys(group, groups, 1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UnknownGroupError(f"unknown group {group!r}; {hint}(groups: {', '.join(groups)})")

    def suggest(self, customer_message: str, limit: int = 3) -> list[Suggestion]:
        """The most likely scenarios for a customer's whole message, best first.

        Unlike :meth:`search`, weak matches are kept: a helpdesk still wants the
        likeliest reply for a message that only mentions the scenario in passing.
        """
        return self.index.search(customer_message, limit=limit, min_score=1.0)

    def render_many(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        key: str | None = None,
        key_field: str | None = None,
        locale_field: str | None = None,
        detect_field: str | None = None,
        channel: Channel = "email",
        strict: bool = False,
        jobs: int = 1,
    ) -> Iterator[BatchResult]:
        """One :class:`~replykit.batch.BatchResult` per row, in order, for a campaign.

        Each row holds the values (dotted names nest, JSON text in a field is read as
        JSON) and, by the given field names, its key, its locale or a message whose
        language decides the reply. A failing row yields its error and the batch
        goes on. ``jobs > 1`` renders in that many worker processes.
        """
        from .batch import BatchSpec, render_rows

        spec = BatchSpec(key, key_field, locale_field, detect_field, channel, strict)
        return render_rows(self, rows, spec, jobs=jobs)

    # -- language detection -------------------------------------------------------------

    def detect(self, text: str, *, hints: Mapping[str, Any] | str | None = None) -> Detection:
        """The language of ``text`` among this catalogue's languages (see :func:`detect_language`)."""
        from .detect import detect_language

        return detect_language(
            text, candidates=self.languages, hints=hints, default=self.default_locale, detector=self.detector
        )

    def reply_to(
        self,
        customer_message: str,
        key: str,
        /,
        *,
        hints: Mapping[str, Any] | str | None = None,
        channel: Channel = "email",
        strict: bool = False,
        formality: str | None = None,
        examples: bool = False,
        values: Mapping[str, Any] | None = None,
        **context: Any,
    ) -> Reply:
        """Reply to a customer's message in its language: detect, negotiate, render.

        The locale takes its language from the message and its region from the
        hints when they agree; ``Reply.detection`` tells how it was chosen. The
        values are those of :meth:`render`.
        """
        detection = self.detect(customer_message, hints=hints)
        reply = self.render_values(
            key,
            {**(values or {}), **context},
            locale=detection.locale,
            channel=channel,
            strict=strict,
            formality=formality,
            examples=examples,
        )
        return replace(reply, detection=detection)

    def negotiate(self, locale: str | None) -> str:
        """The locale a reply for ``locale`` will be in (``de-DE`` -> ``en-US``)."""
        return self._plan(locale).attempts[0].locale

    # -- rendering ----------------------------------------------------------------------

    def render(
        self,
        key: str,
        /,
        *,
        locale: str | None = None,
        channel: Channel = "email",
        strict: bool = False,
        formality: str | None = None,
        examples: bool = False,
        values: Mapping[str, Any] | None = None,
        **context: Any,
    ) -> Reply:
        """Render ``key`` for ``locale`` with the values in ``values`` and ``context``.

        A value whose name is also an option (``locale``, ``channel``, ...) goes in
        ``values``. With ``examples=True`` a value not given is taken from the
        template's examples and named in ``Reply.example_values``.

        A caller's mistake (unknown key, missing, unknown or bad values, all of them
        at once in ``RenderError.errors``) raises. A defective translation falls back
        to the next language of the locale chain and is recorded in
        ``Reply.defects``; with ``strict=True`` it raises instead.
        """
        return self.render_values(
            key,
            {**(values or {}), **context},
            locale=locale,
            channel=channel,
            strict=strict,
            formality=formality,
            examples=examples,
        )

    def render_values(
        self,
        key: str,
        values: Mapping[str, Any],
        /,
        *,
        locale: str | None = None,
        channel: Channel = "email",
        strict: bool = False,
        formality: str | None = None,
        examples: bool = False,
        unknown: Literal["error", "ignore"] = "error",
    ) -> Reply:
        """:meth:`render` with the values in a mapping.

        ``unknown="ignore"`` lets the mapping hold other fields too (a batch row's
        id or e-mail columns) instead of refusing names the template does not declare.
        """
        plan = self._plan(locale)
        variables, channels, required = self._declaration(key)
        if channel not in channels:
            raise RenderError(f"template has no {shown(channel)} channel; available: {', '.join(channels)}", key=key)
        if formality is not None and formality not in ("formal", "informal"):
            raise RenderError(f"formality must be 'formal' or 'informal', got {shown(formality)}", key=key)
        where = {"key": key, "locale": plan.attempts[0].locale}
        problems: list[RenderError] = []
        if unknown == "error":
            problems += [
                UnknownVariableError(name, _close(name, variables), **where)
                for name in values
                if name not in variables and name not in _PROVIDED_VALUES
            ]
        filled: tuple[str, ...] = ()
        if examples:
            missing = [name for name in variables if _given(values.get(name)) is None]
            if missing:
                sample = self.examples(key, locale)
                values = {**values, **{name: sample[name] for name in missing}}
                filled = tuple(missing)
        for name in required:
            value = values.get(name)
            if _given(value) is None:
                problems.append(MissingVariableError(name, empty=value is not None, **where))
        if problems:  # report the invalid values too: every problem in one go
            self._values(key, variables, values, plan.attempts[0], problems)
            raise RenderError.combine(problems)
        context = values

        defects: list[ReplykitError] = []
        for attempt in plan.attempts:
            template = self.catalogue.get(attempt.language, key)
            if template is not None and template.untranslated:
                continue  # a scaffolded placeholder, not a defect: use the next language
            if template is None:
                problem = self.catalogue.problem(attempt.language, key)
                if problem is not None:
                    self._defect(problem, strict, defects)
                continue
            if channel not in template.channels:
                self._defect(
                    TemplateError(
                        f"no {channel!r} text in this translation; add it or remove the channel from the source",
                        file=template.file,
                        line=template.line,
                        key=key,
                        locale=attempt.language,
                    ),
                    strict,
                    defects,
                )
                continue
            values = self._values(key, variables, context, attempt)
            try:
                subject, body, html = self._render_texts(template, channel, values, attempt, formality, context)
            except TemplateError as exc:
                self._defect(exc, strict, defects)
                continue
            return Reply(
                key=key,
                locale=attempt.locale,
                channel=channel,
                subject=subject,
                body=body,
                html=html,
                language=attempt.language,
                requested_locale=plan.requested,
                defects=tuple(defects),
                example_values=filled,
            )
        if defects:
            raise defects[-1]
        raise UnknownKeyError(key, (), locale=plan.attempts[0].locale)  # pragma: no cover

    def _defect(self, error: ReplykitError, strict: bool, defects: list[ReplykitError]) -> None:
        if strict:
            raise error
        log_warning("falling back: %s", error)
        defects.append(error)

    def _declaration(self, key: str) -> tuple[dict[str, Variable], tuple[str, ...], tuple[str, ...]]:
        """A key's variables, channels and required names, from its source template (cached)."""
        found = self._declarations.get(key)
        if found is None:
            template = self._declaring_template(key)
            required = tuple(n for n, v in template.variables.items() if v.required)
            found = self._declarations[key] = (template.variables, template.channels, required)
        return found

    def _values(
        self,
        key: str,
        variables: Mapping[str, Variable],
        context: Mapping[str, Any],
        attempt: Attempt,
        problems: list[RenderError] | None = None,
    ) -> dict[str, Any]:
        """The values read as their declared types; every invalid one is reported, together
        with ``problems`` found before (one error for all)."""
        fmt = attempt.formatter
        language = attempt.babel.language
        values: dict[str, Any] = {FORMATTER: fmt, "locale": attempt.locale}
        problems = problems if problems is not None else []

        def read(name: str, type_: str, value: Any) -> Any:
            try:
                return coerce(type_, value, fmt, language)
            except InvalidValueError as exc:
                problems.append(
                    InvalidValueError(
                        f"variable {name!r} ({type_}): {exc.message}", variable=name, key=key, locale=attempt.locale
                    )
                )
                return None

        for name, var in variables.items():
            values[name] = read(name, var.type, _given(context.get(name)))
        settings = self.catalogue.settings
        values["shop"] = read("shop", "string", context.get("shop")) or settings.shop
        values["agent"] = read("agent", "string", context.get("agent")) or settings.agent
        if problems:
            raise RenderError.combine(problems)
        return values

    def _render_texts(
        self,
        template: Template,
        channel: str,
        values: dict[str, Any],
        attempt: Attempt,
        formality: str | None,
        context: Mapping[str, Any],
    ) -> tuple[str | None, str, str | None]:
        texts, needs = self._texts(template, channel, attempt.convert)
        if needs:
            chosen = formality or attempt.settings.formality_for(channel)
            if "greeting" in needs:
                customer = _addressee(values)
                values["greeting"] = self._greeting(attempt, chosen, customer, values)
            if "sign_off" in needs:
                values["sign_off"] = self._sign_off(attempt, chosen, values)
        if channel != "email":
            return None, _tidy(texts[0].render(values)), None
        subject, body = _tidy(texts[0].render(values)), _tidy(texts[1].render(values))
        if _LINE_BREAK.search(subject):
            raise _subject_error(template, texts[0], values, attempt)
        html = None
        if len(texts) == 3:  # the HTML body escapes every value; line breaks of the sign-off become <br>
            html_values = dict(values)
            if "sign_off" in values:
                html_values["sign_off"] = Markup("<br>\n").join(values["sign_off"].split("\n"))
            html = texts[2].render(html_values).strip()
        return subject, body, html

    def _texts(
        self, template: Template, channel: str, convert: str | None
    ) -> tuple[tuple[CompiledText, ...], frozenset[str]]:
        """A channel's compiled texts and which of greeting / sign-off they need (cached)."""
        cache_key = (template.language, template.key, channel, convert)
        found = self._channel_texts.get(cache_key)
        if found is None:
            parts: tuple[str, ...] = ("body",)
            if channel == "email":
                parts = ("subject", "body", "html") if ("email", "html") in template.texts else ("subject", "body")
            texts = tuple(self._compile(template, channel, part, convert) for part in parts)
            found = (texts, frozenset().union(*(t.names for t in texts)))
            self._channel_texts[cache_key] = found
        return found

    def _html_environment(self) -> Any:
        if self._html_env is None:
            self._html_env = make_environment(self._env.code_cache, limits=self.limits, autoescape=True)
        return self._html_env

    def _compile(self, template: Template, channel: str, part: str, convert: str | None) -> CompiledText:
        cache_key = (template.language, template.key, channel, part, convert)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            text = template.texts[(channel, part)]
            source = _chinese.convert_template(text.text, convert) if convert else text.text
            same_text = ("text", template.file, template.key, channel, part, source)  # zh-TW and zh-HK often agree
            compiled = self._compiled.get(same_text)
            if compiled is None:
                where = Where(template.file, partial(_position_of, text), template.key, template.language)
                env = self._html_environment() if part == "html" else self._env
                try:
                    compiled = CompiledText(env, source, where, f"{template.key}/{channel}/{part}")
                except TemplateError as exc:
                    compiled = exc
                self._compiled[same_text] = compiled
            self._compiled[cache_key] = compiled
        if isinstance(compiled, TemplateError):
            raise compiled
        return compiled

    def _rule(self, attempt: Attempt, path: tuple[str, ...]) -> CompiledText | None:
        """Compile a greeting or sign-off rule from the first locale file that has it."""
        cache_key = ("rule", attempt.layers, path, attempt.convert)
        if cache_key in self._compiled:
            found = self._compiled[cache_key]
            if isinstance(found, TemplateError):
                raise found
            return found
        compiled: CompiledText | TemplateError | None = None
        for display in attempt.layers:
            data: Any = self._locale_data.get(display)
            for step in path:
                data = data.get(step) if isinstance(data, dict) else None
            if isinstance(data, str):
                doc = self.catalogue.files[display]
                text = _chinese.convert_template(data, attempt.convert) if attempt.convert else data
                where = Where(display, partial(_position_in, doc, path), None, attempt.settings.tag)
                try:
                    compiled = CompiledText(self._env, text, where, "/".join(path))
                except TemplateError as exc:
                    compiled = exc
                break
        self._compiled[cache_key] = compiled  # type: ignore[assignment]
        if isinstance(compiled, TemplateError):
            raise compiled
        return compiled

    def _greeting(self, attempt: Attempt, formality: str, customer: Customer | None, values: Mapping[str, Any]) -> str:
        rules = attempt.settings.greeting.get(formality) or attempt.settings.greeting.get("formal") or {}
        if customer is None or not (customer.first_name or customer.last_name or customer.full_name):
            order = ["anonymous", "neutral"]
        else:
            order = [customer.gender, "neutral", "anonymous"]
        for gender in order:
            text = rules.get(gender)
            if text is None or not _fields_present(text, customer):
                continue
            rule_formality = formality if formality in attempt.settings.greeting else "formal"
            compiled = self._rule(attempt, ("greeting", rule_formality, gender))
            if compiled is not None:
                return _tidy(compiled.render({"customer": customer, "shop": values["shop"], "agent": values["agent"]}))
        return ""

    def _sign_off(self, attempt: Attempt, formality: str, values: Mapping[str, Any]) -> str:
        chosen = formality if formality in attempt.settings.sign_off else "formal"
        shop, agent = values["shop"], values["agent"]
        cache_key = (attempt.layers, attempt.convert, chosen, shop, agent)
        text = self._sign_offs.get(cache_key)
        if text is None:  # the same few shop/agent pairs sign almost every reply
            compiled = self._rule(attempt, ("sign_off", chosen))
            text = "" if compiled is None else _tidy(compiled.render({"shop": shop, "agent": agent}))
            if len(shop) + len(agent) <= _CACHED_NAMES:  # names are the caller's: keep the cache small
                if len(self._sign_offs) > 1024:
                    self._sign_offs.clear()
                self._sign_offs[cache_key] = text
        return text

    # -- locale negotiation ---------------------------------------------------------------

    def _language(self, language: str) -> str:
        tag = str(parse_tag(language))
        if tag not in self.catalogue.languages:
            raise LocaleError(
                f"no templates in language {language!r}; languages: {', '.join(self.languages)}",
                locale=language,
            )
        return tag

    def _declaring_template(self, key: str) -> Template:
        """The template whose variables and channels define ``key``: the source's."""
        for lang in self.languages:
            found = self.catalogue.get(lang, key)
            if found is not None:
                return found
        raise UnknownKeyError(key, self.suggest_keys(key))

    def _plan(self, requested: str | None) -> Plan:
        plan = self._plans.get(requested)
        if plan is None:
            plan = self._make_plan(requested)
            if len(self._plans) > 4096:
                self._plans.clear()
            self._plans[requested] = plan
        return plan

    def _make_plan(self, requested: str | None) -> Plan:
        default = parse_tag(self.default_locale)
        tag = asked = parse_tag(requested) if requested is not None else default
        full = full_tag(tag)
        if babel_locale(full) is None:
            full = full_tag(default)
            tag = default
        chain = self._chain(full, default)
        attempts: list[Attempt] = []
        seen: set[str] = set()
        for candidate in chain:
            language = str(candidate)
            if language not in self.catalogue.languages or language in seen:
                continue
            seen.add(language)
            lang_tag = self._language_tags[language]
            if lang_tag.language == full.language:
                out = full
                name = self._locale_name(tag, full)
            elif lang_tag.language == default.language:
                out, name = full_tag(default), self._locale_name(default, full_tag(default))
            else:
                out, name = lang_tag, str(parse_tag(language))
            attempts.append(self._attempt(language, lang_tag, out, name, default))
        if not attempts:
            raise CatalogueError("the catalogue has no templates", file=str(self.catalogue.root))
        return Plan(str(asked) if requested is not None else attempts[0].locale, tuple(attempts))

    def _attempt(self, language: str, lang_tag: Tag, out: Tag, name: str, default: Tag) -> Attempt:
        layers = tuple(
            self.catalogue.locale_files[str(t)][0]
            for t in self._chain(out, default)
            if str(t) in self.catalogue.locale_files
        )
        settings = merge_settings(out, [(d, self._locale_data[d]) for d in layers])
        babel = babel_locale(out) or babel_locale(default) or Locale.parse("en")
        convert = None
        out_script = out.script or babel.script
        src_script = lang_tag.script or ("Hans" if lang_tag.language == "zh" else None)
        if out.language == "zh" and out_script != src_script:
            if out_script == "Hant":
                convert = settings.convert or DEFAULT_CONVERSIONS.get(out.region or "", "s2t")
            elif out_script in (None, "Hans") and src_script == "Hant":
                convert = "t2s"
        if convert:
            # Unit words from a locale file of the other script are Mainland words (2周, 5天):
            # CLDR's for the region (2 週, 5 日) replace them, unless a file of this script
            # gives its own. What CLDR has no word for (business days) follows the script.
            own = self._units_of_script(out, default, out_script)
            units = {
                unit: forms if unit in own else {c: _chinese.convert(p, convert) for c, p in forms.items()}
                for unit, forms in settings.units.items()
                if unit in own or unit not in CLDR_UNITS
            }
            settings = replace(settings, units=units)
        # A bare amount is in the shop's currency when replykit.yaml names one; else in the
        # currency of the customer's country, then the locale file's, then CLDR's for the language.
        region_currency = local_currency(out) if out.region else None
        currency = (
            self.catalogue.settings.currency or region_currency or settings.currency or local_currency(out) or "USD"
        )
        formatter = Formatter(babel, settings, currency, lambda: self.clock())  # noqa: PLW0108 - late-bound
        return Attempt(language, name, babel, settings, layers, convert, formatter)

    def _units_of_script(self, out: Tag, default: Tag, script: str | None) -> set[str]:
        """The duration units that a locale file written in ``script`` gives phrases for."""
        found: set[str] = set()
        for tag in self._chain(out, default):
            entry = self.catalogue.locale_files.get(str(tag))
            written_in = full_tag(tag).script or ("Hans" if tag.language == "zh" else None)
            if entry is not None and written_in == script:
                found.update(entry[1].get("units", {}))
        return found

    def _locale_name(self, tag: Tag, full: Tag) -> str:
        """The tag to report: a locale file's name when one matches (zh-Hant-TW -> zh-TW)."""
        for variant in (full, Tag(full.language, None, full.region)):
            if full.region and str(variant) in self.catalogue.locale_files:
                return str(variant)
        return str(tag)

    def _chain(self, tag: Tag, default: Tag) -> list[Tag]:
        """Tags to try for ``tag``: its variants, its locale files' fallbacks, the default."""
        out: list[Tag] = []

        def expand(t: Tag, depth: int = 0) -> None:
            for variant in _variants(t):
                if variant in out:
                    continue
                out.append(variant)
                entry = self.catalogue.locale_files.get(str(variant))
                if entry is not None and depth < 8:
                    for fallback in entry[1].get("fallback", []):
                        try:
                            expand(full_tag(parse_tag(fallback)), depth + 1)
                        except LocaleError:  # reported when the file was loaded
                            pass

        expand(tag)
        expand(full_tag(default))
        expand(parse_tag(self.source_language))
        return out


#: Names every render accepts besides the declared variables.
_PROVIDED_VALUES = frozenset({"shop", "agent"})


def _close(name: str, variables: Mapping[str, Variable]) -> list[str]:
    """Declared names spelled like ``name`` (for "did you mean")."""
    from .search import suggest_keys

    return suggest_keys(name, list(variables), 2) if variables else []


#: Characters of shop and agent names together up to which a sign-off is remembered.
_CACHED_NAMES = 200


#: What a subject, one line of an e-mail header, may not hold: control characters and line breaks.
_LINE_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _subject_error(
    template: Template, text: CompiledText, values: Mapping[str, Any], attempt: Attempt
) -> ReplykitError:
    """The caller's error when a value brought the line break, else the template's (a defect)."""
    for name, value in values.items():
        if name not in ("greeting", "sign_off") and any(_LINE_BREAK.search(part) for part in _texts_of(value)):
            return InvalidValueError(
                f"variable {name!r} puts a line break or control character into the e-mail subject, "
                "which would break the message header; remove it from the value",
                key=template.key,
                locale=attempt.locale,
            )
    return TemplateError(
        "the subject has a line break or control character; a subject is one line of text",
        file=template.file,
        line=text.where.position.line,
        key=template.key,
        locale=template.language,
    )


def _texts_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Customer):
        return [value.first_name, value.last_name, value.full_name]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _variants(tag: Tag) -> list[Tag]:
    """``zh-Hant-TW`` -> zh-Hant-TW, zh-TW, zh-Hant, zh (the names a file may use)."""
    out = [tag]
    if tag.script and tag.region:
        out += [Tag(tag.language, None, tag.region), Tag(tag.language, tag.script)]
    out.append(Tag(tag.language))
    return list(dict.fromkeys(out))


def _position_of(text: TextField) -> Position:
    return text.position


def _position_in(doc: YamlFile, path: tuple[str, ...]) -> Position:
    return doc.positions.get(path) or Position(1)


def _addressee(values: Mapping[str, Any]) -> Customer | None:
    """The customer the reply is to: ``customer``, else the first customer-typed value
    (a gift's sender declared before it must not be greeted)."""
    customer = values.get("customer")
    if isinstance(customer, Customer):
        return customer
    return next((v for v in values.values() if isinstance(v, Customer)), None)


def _fields_present(rule: str, customer: Customer | None) -> bool:
    """A greeting rule naming a customer field is skipped when that field is empty."""
    if customer is None:
        return "customer." not in rule
    for name in ("first_name", "last_name"):
        if f"customer.{name}" in rule and not getattr(customer, name):
            return False
    return True


def _given(value: Any) -> Any:
    """``value``, or None when it is blank text: an empty CSV cell, or only invisible marks, gives no value."""
    return None if isinstance(value, str) and not value.strip(BLANK) else value


def _tidy(text: str) -> str:
    """Strip blank lines at the ends and trailing spaces, keep inner paragraphs."""
    text = text.strip()
    if " \n" not in text and "\t\n" not in text:
        return text
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _convert_data(value: Any, config: str) -> Any:
    if isinstance(value, str):
        return _chinese.convert(value, config)
    if isinstance(value, Mapping):
        return {k: _convert_data(v, config) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert_data(v, config) for v in value]
    return value
