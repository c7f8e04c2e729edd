"""``Library``: a loaded catalogue, and the one object callers need.

A facade: it loads the catalogue, answers questions about it (keys, templates,
variables, examples), and hands each reply to the :mod:`~replykit.pipeline`,
searches to :mod:`~replykit.search`, detection to :mod:`~replykit.detect` and
campaigns to :mod:`~replykit.batch`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._sandbox import Limits
from .catalog import Catalogue, Channel, Template, Variable, load_catalogue, shipped_catalogue
from .errors import CatalogueError, LocaleError, UnknownGroupError, UnknownKeyError
from .locales import parse_tag
from .pipeline import Pipeline
from .render import Reply

if TYPE_CHECKING:
    from .batch import BatchResult
    from .detect import Detection, Detector
    from .search import SearchIndex, Suggestion


ENV_VAR = "REPLYKIT_CATALOG"


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
        self.limits = limits or Limits()
        #: The steps a reply is made by (:mod:`replykit.pipeline`), with their caches.
        self.pipeline = Pipeline(self.catalogue, self.limits, lambda: self.clock())  # noqa: PLW0108 - late-bound
        self._index: SearchIndex | None = None

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
        return self.pipeline.texts.languages()

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
        return dict(self.pipeline.texts.declaration(key)[0])

    def examples(self, key: str, locale: str | None = None) -> dict[str, Any]:
        """Example values of every variable, as JSON-compatible data.

        With ``locale``, a translation's own examples replace the source's (and
        Chinese examples are converted to the locale's script).
        """
        return self.pipeline.examples(key, locale)

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
        opening: bool | None = None,
    ) -> Iterator[BatchResult]:
        """One :class:`~replykit.batch.BatchResult` per row, in order, for a campaign.

        Each row holds the values (dotted names nest, JSON text in a field is read as
        JSON) and, by the given field names, its key, its locale or a message whose
        language decides the reply. A failing row yields its error and the batch
        goes on. ``jobs > 1`` renders in that many worker processes.
        """
        from .batch import BatchSpec, render_rows

        spec = BatchSpec(key, key_field, locale_field, detect_field, channel, strict, opening=opening)
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
        opening: bool | None = None,
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
            opening=opening,
        )
        return replace(reply, detection=detection)

    def negotiate(self, locale: str | None) -> str:
        """The locale a reply for ``locale`` will be in (``de-DE`` -> ``en-US``)."""
        return self.pipeline.negotiator.plan(locale).attempts[0].locale

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
        opening: bool | None = None,
        values: Mapping[str, Any] | None = None,
        **context: Any,
    ) -> Reply:
        """Render ``key`` for ``locale`` with the values in ``values`` and ``context``.

        A value whose name is also an option (``locale``, ``channel``, ...) goes in
        ``values``. With ``examples=True`` a value not given is taken from the
        template's examples and named in ``Reply.example_values``. ``opening`` says
        whether the reply opens the conversation (default: an e-mail does, a chat or
        SMS answer does not): only then does a chat greet.

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
            opening=opening,
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
        opening: bool | None = None,
    ) -> Reply:
        """:meth:`render` with the values in a mapping.

        ``unknown="ignore"`` lets the mapping hold other fields too (a batch row's
        id or e-mail columns) instead of refusing names the template does not declare.
        """
        return self.pipeline.reply(
            key,
            values,
            locale=locale,
            channel=channel,
            strict=strict,
            formality=formality,
            examples=examples,
            unknown=unknown,
            opening=opening,
        )

    # -- locale negotiation ---------------------------------------------------------------

    def _language(self, language: str) -> str:
        tag = str(parse_tag(language))
        if tag not in self.catalogue.languages:
            raise LocaleError(
                f"no templates in language {language!r}; languages: {', '.join(self.languages)}",
                locale=language,
            )
        return tag
