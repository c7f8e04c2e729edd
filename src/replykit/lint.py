"""Catalogue checks: small functions that return findings, collected by :func:`lint`.

Each check looks at the whole catalogue and yields :class:`Finding` values with a
stable code, a severity, and the file and line a translator should open. Nothing
here prints; the CLI formats the findings.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from ._paths import shown_path, shown_paths
from ._sandbox import CatalogueSandbox
from .catalog import CHANNELS, Channel, Template, TextField
from .errors import CatalogueError, ReplykitError
from .fill import names_in
from .library import Library
from .locales import LocaleSettings, merge_settings, parse_tag
from .negotiate import Attempt
from .render import Reply, hand_parts, make_environment
from .style_checks import STYLE_CHECKS, STYLE_CODES, avoided_words

#: Every code and its default severity.
CODES: dict[str, str] = {
    "yaml-syntax": "error",
    "schema": "error",
    "template-syntax": "error",
    "undeclared-variable": "error",
    "unused-variable": "warning",
    "render-error": "error",
    "missing-translation": "warning",
    "orphan-translation": "error",
    "placeholder-mismatch": "error",
    "channel-mismatch": "error",
    "stale-translation": "warning",
    "forbidden-phrase": "error",
    "shouting": "warning",
    "too-long": "warning",
    "review-policy": "error",
    "near-duplicate": "warning",
    "punctuation": "warning",
    "subject-line-break": "error",
    "unchanged-translation": "warning",
    "locale-incomplete": "error",
    **STYLE_CODES,
    "review-flag": "warning",
}

#: Names every template may use without declaring them.
PROVIDED = frozenset({"greeting", "sign_off", "shop", "agent", "locale"})


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: what (code, message), where (file, line, key, locale), how bad."""

    file: str
    line: int
    code: str
    severity: str
    key: str | None = None
    locale: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def under(self, folder: str) -> Finding:
        """This finding with its file, and the catalogue files its message names, under ``folder``.

        ``file`` is relative to the catalogue folder, as everywhere in the library; the CLI
        names files from the current directory (``shown_folder``), where editors and CI look.
        """
        return replace(self, file=shown_path(folder, self.file), message=shown_paths(folder, self.message))

    def format_text(self) -> str:
        """``file:line: severity code [key locale] message``."""
        where = " ".join(p for p in (self.key, self.locale) if p)
        return f"{self.file}:{self.line}: {self.severity} {self.code} [{where}] {self.message}"

    def format_github(self) -> str:
        """A GitHub Actions workflow annotation."""
        kind = "error" if self.severity == "error" else "warning"
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        where = " ".join(p for p in (self.key, self.locale) if p)
        return f"::{kind} file={self.file},line={self.line},title={self.code}::[{where}] {message}"


@dataclass(frozen=True)
class Analysis:
    """What lint needs from parsing a text: its syntax error, or the variables it reads."""

    error: tuple[int, str] | None
    names: frozenset[str]

    def to_json(self) -> list[Any]:
        return [list(self.error) if self.error else None, sorted(self.names)]

    @staticmethod
    def from_json(data: Any) -> Analysis:
        error, names = data
        if error is not None:
            error = (int(error[0]), str(error[1]))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise TypeError("names are a list of texts")
        return Analysis(error, frozenset(names))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


class Analyses:
    """Each text's analysis, worked out once: kept from an earlier run, noted while the
    library compiled the text (the same parse), or else parsed here."""

    def __init__(self, known: Mapping[str, Analysis] | None = None) -> None:
        self.known = dict(known or {})
        #: Noted from the library's own compiles, by text.
        self.compiled: dict[str, Analysis] = {}

    def get(self, text: str) -> Analysis:
        key = text_hash(text)
        found = self.known.get(key) or self.compiled.get(text)
        if found is None:
            parts = hand_parts(self._env, text)  # filled by hand: its names are its fields' and conditions'
            found = self._parse(text) if parts is None else Analysis(None, names_in(parts))
        self.known[key] = found
        return found

    @cached_property
    def _env(self) -> CatalogueSandbox:
        return make_environment()

    def _parse(self, text: str) -> Analysis:
        try:
            return Analysis(None, frozenset(meta.find_undeclared_variables(self._env.parse(text))))
        except jinja2.TemplateSyntaxError as exc:
            return Analysis((exc.lineno or 1, exc.message or "syntax error"), frozenset())
        except RecursionError:
            return Analysis((1, "tags or expressions nested too deeply to compile"), frozenset())

    def note_compiles(self, library: Library) -> None:
        """Note, from each compile of ``library`` (a lint-own one), what the text reads.

        Compiling is most of a first lint's work, and parsing a text for its variables
        is half of compiling it: the code generator's own symbol tables (what Jinja's
        ``meta.find_undeclared_variables`` reads) give them, so no text is parsed twice.
        """
        texts = library.pipeline.texts
        for env in (texts.env, texts._html_environment()):
            _note(env, self.compiled)


def _note(env: Any, into: dict[str, Analysis]) -> None:
    def noted(source: str, found: frozenset[str] | jinja2.TemplateSyntaxError) -> None:
        if isinstance(found, jinja2.TemplateSyntaxError):
            into[source] = Analysis((found.lineno or 1, found.message or "syntax error"), frozenset())
        else:
            into[source] = Analysis(None, found)

    env.on_compile = noted


@dataclass(frozen=True)
class Unit:
    """What lint checks and caches as one: a language's file(s) of one template group."""

    language: str
    group: str
    #: Its files, as the catalogue names them (``templates/es/customs.yaml``); none when missing.
    files: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.language}/{self.group}"


@dataclass(frozen=True, order=True)
class Failure:
    """A render that failed, before the report keeps one per (file, line, message)."""

    key: str
    locale: str
    channel: int  # the channel's place in CHANNELS (the order lint renders them)
    file: str
    line: int
    message: str
    error_locale: str | None
    #: The name a "'x' is undefined" message names: no finding when x is an undeclared name.
    undefined: str | None


class Context:
    """What the checks of one unit share: the library, the unit's templates, per-text helpers."""

    def __init__(
        self,
        library: Library,
        unit: Unit,
        analyses: Analyses | None = None,
        previous: Mapping[str, Any] | None = None,
        fingerprint: str = "",
    ) -> None:
        self.library = library
        self.unit = unit
        #: Per key, its render outcome from the unit's last check, and the ones of this check.
        self.previous = previous or {}
        self.records: dict[str, dict[str, Any]] = {}
        self.sizes: dict[tuple[str, str], int | None] = {}
        self.fingerprint = fingerprint
        self.catalogue = library.catalogue
        self.source = library.source_language
        self.analyses = analyses or Analyses()
        self._replies: dict[tuple[str, str, str], Reply | ReplykitError] = {}
        #: Example values, and their JSON, by what they are made of (see :meth:`examples`).
        self._examples: dict[tuple[Any, ...], tuple[dict[str, Any], str] | ReplykitError] = {}
        self._undeclared: dict[tuple[str, str], dict[tuple[str, str], set[str]]] = {}

    @cached_property
    def templates(self) -> list[Template]:
        """The unit's templates."""
        by_key = self.catalogue.templates.get(self.unit.language, {})
        return [t for t in by_key.values() if t.group == self.unit.group]

    @cached_property
    def render_languages(self) -> list[str]:
        """The languages the unit's renders read templates of: its own, and those its locales fall back to."""
        languages = {self.unit.language, self.source}
        for locale in (*self.locales, self.unit.language):
            languages.update(_folders_read(self.library.pipeline.negotiator.plan(locale).attempts))
        return sorted(languages)

    def render_digest(self, key: str) -> str:
        """A hash of what rendering ``key`` for the unit reads: the fingerprint (versions,
        settings, locale files), the key's entries in the languages it may be rendered in
        (texts with their place in the entry, variables, the file), and the day if it prints
        a relative date."""
        parts = [self.fingerprint, self.unit.language, key]
        for language in self.render_languages:
            template = self.catalogue.get(language, key)
            if template is None:
                problem = self.catalogue.problem(language, key)
                parts.append(json.dumps([language, problem.file, problem.message] if problem else [language]))
                continue
            texts = sorted(
                (f"{c}.{p}", t.text, t.position.line - template.line, t.position.block)
                for (c, p), t in template.texts.items()
            )
            variables = sorted((n, v.type, v.example, v.required) for n, v in template.variables.items())
            parts.append(json.dumps([language, template.file, template.untranslated, texts, variables], default=str))
            if any("relative" in t.text for t in template.texts.values()):
                parts.append(self.library.clock().date().isoformat())
        return _digest(parts)

    def entry_lines(self, key: str) -> dict[str, int]:
        """The line of ``key`` in each file it is rendered from: a render error's line is kept from it."""
        found = {}
        for language in self.render_languages:
            template = self.catalogue.get(language, key)
            if template is not None:
                found[template.file] = template.line
        return found

    def measure(self, key: str) -> dict[str, int | None]:
        """The unit's chat and SMS texts of ``key`` as the length check counts them, for the channels with a limit."""
        template = self.catalogue.get(self.unit.language, key)
        found: dict[str, int | None] = {}
        if template is None:
            return found
        limits = self.library.pipeline.negotiator.plan(self.unit.language).attempts[0].settings.limits
        for channel in ("chat", "sms"):
            if channel in template.channels and limits.get(channel):
                try:
                    body = self.render(key, self.unit.language, channel).body
                    found[channel] = sms_segments(body) if channel == "sms" else len(body)
                except ReplykitError:
                    found[channel] = None
        return found

    def size(self, template: Template, channel: str) -> int | None:
        """What :meth:`measure` found for ``template``'s ``channel``, or None when it does not render."""
        if (template.key, channel) not in self.sizes:
            if template.key in self.records:  # measured: the channel has no limit or text
                return None
            self.sizes.update(((template.key, c), n) for c, n in self.measure(template.key).items())
        return self.sizes.get((template.key, channel))

    @cached_property
    def locales(self) -> list[str]:
        """The locales lint renders whose replies are in the unit's language (the language they ask for)."""
        every = sorted(self.catalogue.locale_files) or list(self.catalogue.languages)
        return [
            locale
            for locale in every
            if self.library.pipeline.negotiator.plan(locale).attempts[0].language == self.unit.language
        ]

    def examples(self, key: str, locale: str) -> dict[str, Any]:
        return self._examples_of(key, locale)[0]

    def examples_json(self, key: str, locale: str) -> str:
        """The example values as JSON: two locales with the same render the same."""
        return self._examples_of(key, locale)[1]

    def _examples_of(self, key: str, locale: str) -> tuple[dict[str, Any], str]:
        # What they are made of (see Texts.examples): the folders of the locale's first
        # attempt, its conversion and script; locales that agree share them.
        first = self.library.pipeline.negotiator.plan(locale).attempts[0]
        made_of = (key, first.texts, first.convert, first.script)
        found = self._examples.get(made_of)
        if found is None:
            try:
                examples = self.library.examples(key, locale)
                found = (examples, json.dumps(examples, sort_keys=True, default=str))
            except ReplykitError as exc:
                found = exc
            self._examples[made_of] = found
        if isinstance(found, ReplykitError):
            raise found
        return found

    def render(self, key: str, locale: str, channel: Channel) -> Reply:
        """``key`` rendered with its declared examples; kept, as more than one check reads it."""
        found = self._replies.get((key, locale, channel))
        if found is None:
            try:
                examples = self.examples(key, locale)
                found = self.library.render(key, locale=locale, channel=channel, strict=True, values=examples)
            except ReplykitError as exc:
                found = exc
            self._replies[(key, locale, channel)] = found
        if isinstance(found, ReplykitError):
            raise found
        return found

    @cached_property
    def source_templates(self) -> dict[str, Template]:
        return self.catalogue.templates.get(self.source, {})

    @cached_property
    def base(self) -> str | None:
        """For a regional folder (``es-MX``), the language whose texts it overrides (``es``)."""
        return self.catalogue.regional.get(self.unit.language)

    @cached_property
    def overridden(self) -> dict[str, Template]:
        """The templates the unit's translate: the source's, or for a region its language's."""
        return self.catalogue.templates.get(self.base or self.source, {})

    @cached_property
    def translations(self) -> list[Template]:
        return self.templates if self.unit.language != self.source else []

    def finding(self, code: str, template: Template, message: str, line: int | None = None) -> Finding:
        return Finding(
            template.file, line or template.line, code, CODES[code], template.key, template.language, message
        )

    def analysed(self, template: Template) -> dict[tuple[str, str], Analysis]:
        """Each text's syntax error (if any) and the variables it reads."""
        return {where: self.analyses.get(text.text) for where, text in template.texts.items()}

    def names(self, template: Template) -> dict[tuple[str, str], frozenset[str]]:
        """The variables each text of ``template`` reads (texts that do not parse are skipped)."""
        return {where: a.names for where, a in self.analysed(template).items() if a.error is None}

    def declared(self, template: Template) -> set[str] | None:
        """The variables ``template`` may use: its key's (the source's) and its own."""
        try:
            return set(self.library.variables(template.key)) | set(template.variables)
        except ReplykitError:
            return None

    def undeclared(self, template: Template) -> dict[tuple[str, str], set[str]]:
        """The names each text reads that are neither declared nor provided (texts with none left out)."""
        found = self._undeclared.get((template.language, template.key))
        if found is None:
            declared = self.declared(template)
            found = {}
            if declared is not None:
                known = declared | PROVIDED
                found = {where: set(names - known) for where, names in self.names(template).items() if names - known}
            self._undeclared[(template.language, template.key)] = found
        return found

    def line_of(self, template: Template, where: tuple[str, str], needle: str) -> int:
        """The file line of the first line of a text containing ``needle``."""
        text = template.texts[where]
        for number, line in enumerate(text.text.splitlines(), start=1):
            if needle in line:
                return text.position.text_line(number)
        return text.position.line


Check = Callable[[Context], Iterable[Finding]]


# -- the checks ------------------------------------------------------------------------


def check_loading(ctx: Context) -> Iterator[Finding]:
    """yaml-syntax and schema: what the loader refused in the unit's files."""
    for problem in ctx.catalogue.problems:
        if problem.file in ctx.unit.files:
            yield problem_finding(problem)


def problem_finding(problem: CatalogueError) -> Finding:
    return Finding(
        problem.file or "replykit.yaml",
        problem.line or 1,
        problem.code,
        CODES[problem.code],
        problem.key,
        problem.locale,
        problem.message,
    )


def check_template_syntax(ctx: Context) -> Iterator[Finding]:
    for template in ctx.templates:
        for where, analysis in ctx.analysed(template).items():
            if analysis.error is not None:
                lineno, message = analysis.error
                yield ctx.finding(
                    "template-syntax", template,
                    f"{where[0]} {where[1]}: {message}; check the {{{{ }}}} and {{% %}} tags",
                    template.texts[where].position.text_line(lineno),
                )  # fmt: skip


def check_variables(ctx: Context) -> Iterator[Finding]:
    """undeclared-variable and unused-variable.

    An undeclared name is the root cause of the render errors and placeholder
    mismatches it brings; those are left out, so it is reported once, here.
    """
    for template in ctx.templates:
        declared = ctx.declared(template)
        if declared is None:
            continue
        original = ctx.source_templates.get(template.key)
        is_source = original is None or original is template
        used: set[str] = set().union(*ctx.names(template).values())
        for where, names in ctx.undeclared(template).items():
            for name in sorted(names):
                if is_source:
                    close = _closest(name, declared, cutoff=60)
                    used |= {close} if close else set()
                    hint = f"; did you mean '{close}'?" if close else ""
                    advice = (
                        "which is not declared; declare it under 'variables' (with a type and an example) "
                        f"or fix the name{hint}"
                    )
                else:
                    advice = f"which the source does not have; {_source_name_advice(ctx, template, where, name)}"
                yield ctx.finding(
                    "undeclared-variable", template, f"{where[0]} {where[1]} uses '{name}', {advice}",
                    ctx.line_of(template, where, name),
                )  # fmt: skip
        if template.language == ctx.source:
            doc = ctx.catalogue.files.get(template.file)
            if "greeting" in used:  # the greeting addresses the customer
                used |= {n for n, v in template.variables.items() if v.type == "customer"}
            for name in sorted(set(template.variables) - used):
                line = doc.line(template.key, "variables", name) if doc else None
                yield ctx.finding(
                    "unused-variable", template, f"variable '{name}' is declared but no text uses it; remove it", line
                )


def _source_name_advice(ctx: Context, template: Template, where: tuple[str, str], name: str) -> str:
    """Advice for a name a translation uses and the source does not have: the closest of the
    names the source's text uses and this one lacks, else of those the source declares
    ("use the source's name: country"). Declaring it in the translation would not help."""
    original = ctx.source_templates[template.key]
    lacking = ctx.names(original).get(where, frozenset()) - ctx.names(template).get(where, frozenset())
    declared = set(original.variables)
    close = _closest(name, lacking, cutoff=0) if lacking else _closest(name, declared, cutoff=60)
    if close:
        return f"use the source's name: {close}"
    return f"use one of the source's names ({', '.join(sorted(declared))})" if declared else "remove it"


def _closest(name: str, candidates: Iterable[str], cutoff: float) -> str | None:
    """The candidate most like ``name`` (rapidfuzz), when it scores at least ``cutoff``."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(name, sorted(candidates), scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else None


def render_failures(ctx: Context) -> list[Failure]:
    """Every source key of the unit's group, in every locale that answers in the unit's
    language and every channel, rendered with the declared examples.

    A key whose renders read the same as in the unit's last check (its entries in the
    languages they read, the fingerprint, the day for a relative date) keeps that
    outcome: an edit renders again only the keys it changed. Locales whose renders are
    provably the same (the same answering attempt and the same examples: es, es-ES and
    es-MX all falling back to en-US for a key that es lacks) are rendered once; when that
    render fails, or answers otherwise than foreseen, each locale is rendered for its own outcome.
    """
    failures: list[Failure] = []
    group = ctx.unit.group
    for key, original in sorted(ctx.source_templates.items()):
        if original.group != group:
            continue
        digest = ctx.render_digest(key)
        lines = ctx.entry_lines(key)
        record = _saved_record(ctx.previous.get(key), digest)
        if record is None:
            found: list[Failure] = []
            classes: dict[Any, tuple[Attempt | None, list[str]]] = {}
            for locale in ctx.locales:
                attempt, same = _render_class(ctx, key, locale)
                classes.setdefault(same, (attempt, []))[1].append(locale)
            for attempt, members in classes.values():
                for channel in original.channels:
                    found += _render_all(ctx, key, channel, attempt, members)
            rows = [[f.locale, f.channel, f.file, f.line - lines.get(f.file, 0), f.file in lines, f.message,
                     f.error_locale, f.undefined] for f in found]  # fmt: skip
            record = {"digest": digest, "failures": rows, "sizes": ctx.measure(key), "avoided": avoided_words(ctx, key)}
        ctx.records[key] = record
        for locale, channel, file, line, relative, message, error_locale, undefined in record["failures"]:
            line += lines.get(file, 0) if relative else 0
            failures.append(Failure(key, locale, channel, file, line, message, error_locale, undefined))
        ctx.sizes.update(((key, channel), size) for channel, size in record["sizes"].items())
    return failures


def _saved_record(record: Any, digest: str) -> dict[str, Any] | None:
    """A key's saved render outcome, when it was made from the same inputs and has the saved shape."""
    if not (isinstance(record, dict) and record.get("digest") == digest):
        return None
    optional = (str, type(None))
    row = ((str,), (int,), (str,), (int,), (bool,), (str,), optional, optional)
    try:
        for failure in record["failures"]:
            _typed(failure, row)
        sizes = record["sizes"]
        if not all(isinstance(c, str) and isinstance(n, (int, type(None))) for c, n in sizes.items()):
            return None
        if not all(len(row) == 5 and all(isinstance(v, str) for v in row) for row in record["avoided"]):
            return None
    except (KeyError, TypeError, AttributeError):
        return None
    return record


def _render_class(ctx: Context, key: str, locale: str) -> tuple[Attempt | None, Any]:
    """The attempt that will answer ``key`` for ``locale``, and what makes its render the same as another's."""
    library = ctx.library
    for attempt in library.pipeline.negotiator.plan(locale).attempts:
        template = library.catalogue.get(attempt.language, key)
        if template is None and library.catalogue.problem(attempt.language, key) is None:
            continue
        if template is not None and template.untranslated:
            continue
        try:
            examples = ctx.examples_json(key, locale)
        except ReplykitError:
            break
        return attempt, (_attempt_key(attempt), examples)
    return None, ("alone", locale)


def _attempt_key(attempt: Attempt) -> tuple[Any, ...]:
    """Everything a render reads from an attempt (its formatter is made of these)."""
    found = _attempt_keys.get(id(attempt))
    if found is None or found[0] is not attempt:
        key = (attempt.language, attempt.locale, str(attempt.babel), attempt.layers, attempt.convert,
               attempt.texts, attempt.script, attempt.formatter.currency, repr(attempt.settings))  # fmt: skip
        found = _attempt_keys[id(attempt)] = (attempt, key)
    return found[1]


def _folders_read(attempts: Iterable[Attempt]) -> set[str]:
    """The template folders renders by these attempts read: each language and its regional folders."""
    return {folder for attempt in attempts for folder in (attempt.language, *attempt.texts)}


#: Attempts live as long as their library's plans; each one's key is worked out once.
_attempt_keys: dict[int, tuple[Attempt, tuple[Any, ...]]] = {}


def _render_all(ctx: Context, key: str, channel: Channel, attempt: Attempt | None, members: list[str]) -> list[Failure]:
    if attempt is not None and len(members) > 1:
        try:
            reply = ctx.render(key, members[0], channel)
        except ReplykitError:
            reply = None
        if reply is not None and (reply.language, reply.locale) == (attempt.language, attempt.locale):
            for locale in members[1:]:
                ctx._replies[(key, locale, channel)] = reply
            return []
    failures = []
    for locale in members:
        try:
            ctx.render(key, locale, channel)
        except CatalogueError:
            continue  # reported by check_loading
        except ReplykitError as exc:
            undefined = _UNDEFINED.match(exc.message)
            failures.append(
                Failure(
                    key, locale, CHANNELS.index(channel), exc.file or ctx.source_templates[key].file,
                    exc.line or 1, exc.message, exc.locale, undefined.group(1) if undefined else None,
                )
            )  # fmt: skip
    return failures


def render_findings(failures: Iterable[Failure], undeclared: Mapping[str, Iterable[str]]) -> Iterator[Finding]:
    """render-error: one finding per file, line and message, for the first key, locale and
    channel (in that order) that fails so.

    A failure for want of a name that a text of the key uses without declaring it is left
    out: check_variables reports the name, once.
    """
    seen: set[tuple[str, int, str]] = set()
    for failure in sorted(failures):
        if failure.undefined is not None and failure.undefined in undeclared.get(failure.key, ()):
            continue
        if (failure.file, failure.line, failure.message) in seen:
            continue
        seen.add((failure.file, failure.line, failure.message))
        yield Finding(
            failure.file, failure.line, "render-error", "error", failure.key, failure.error_locale or failure.locale,
            f"does not render for {failure.locale} ({CHANNELS[failure.channel]}): {failure.message}",
        )  # fmt: skip


#: How a render error names a variable that has no value.
_UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")


def check_translation_sets(ctx: Context) -> Iterator[Finding]:
    """missing-translation, orphan-translation, stale-translation.

    A regional folder (``es-MX``) holds only what its region writes differently: nothing
    in it is missing, and an override is stale when the text it overrides changed."""
    language = ctx.unit.language
    if language == ctx.source:
        return
    source = {key: t for key, t in ctx.source_templates.items() if t.group == ctx.unit.group}
    by_key = {t.key: t for t in ctx.templates}
    for key, template in source.items() if ctx.base is None else ():
        if key in by_key or (language, key) in ctx.catalogue.broken_keys:
            continue
        if (language, template.group) in ctx.catalogue.broken_files:
            continue
        yield Finding(
            f"templates/{language}/{template.group}.yaml", 1, "missing-translation", CODES["missing-translation"],
            key, language, f"no {language} translation; add '{key}' to templates/{language}/{template.group}.yaml",
        )  # fmt: skip
    for key, template in by_key.items():
        original = source.get(key)
        overridden = ctx.overridden.get(key, original) if ctx.base else original
        if template.untranslated:
            yield ctx.finding(
                "missing-translation", template,
                f"'{key}' is scaffolded but not translated yet (untranslated: true); translate it "
                "and remove the flag, or import a PO file",
            )  # fmt: skip
        elif original is None:
            yield ctx.finding(
                "orphan-translation", template,
                f"'{key}' is not in the source language ({ctx.source}); rename it or remove it",
            )  # fmt: skip
        elif overridden is not None and template.made_from_older(overridden) and not ctx.undeclared(original):
            # (a source that reads an undeclared name is judged once that is fixed)
            was = ctx.base or ctx.source
            yield ctx.finding(
                "stale-translation", template,
                f"the {was} text changed since this {'override' if ctx.base else 'translation'} (source "
                f"{template.source}, now {template.revision_of(overridden)}); update it, then run "
                f"`replykit stamp --language {language} {key}`",
            )  # fmt: skip


def check_placeholders(ctx: Context) -> Iterator[Finding]:
    """placeholder-mismatch and channel-mismatch between a translation and its source."""
    for template in ctx.translations:
        original = ctx.source_templates.get(template.key)
        if original is None:
            continue
        extra = [c for c in template.channels if c not in original.channels]
        if extra if ctx.base else set(template.channels) != set(original.channels):  # a region overrides some
            yield ctx.finding(
                "channel-mismatch", template,
                f"channels {', '.join(template.channels)} differ from the source's {', '.join(original.channels)}",
            )  # fmt: skip
        source_names = ctx.names(original)
        unknown = {*ctx.undeclared(original), *ctx.undeclared(template)}
        for where, names in ctx.names(template).items():
            if where not in source_names or where in unknown:
                continue  # (an undeclared name is reported by check_variables, and explains the difference)
            expected = source_names[where]
            if names != expected:
                parts = []
                if expected - names:
                    parts.append("missing " + ", ".join(sorted(expected - names)))
                if names - expected:
                    parts.append("extra " + ", ".join(sorted(names - expected)))
                yield ctx.finding(
                    "placeholder-mismatch", template,
                    f"{where[0]} {where[1]} uses other variables than the source ({'; '.join(parts)})",
                    template.texts[where].position.line,
                )  # fmt: skip
        for name, variable in template.variables.items():
            declared = original.variables.get(name)
            if declared is not None and declared.type != variable.type:
                doc = ctx.catalogue.files.get(template.file)
                yield ctx.finding(
                    "placeholder-mismatch", template,
                    f"variable '{name}' is {variable.type} here but {declared.type} in the source",
                    doc.line(template.key, "variables", name) if doc else None,
                )  # fmt: skip


def check_unchanged(ctx: Context) -> Iterator[Finding]:
    """unchanged-translation: a translated field still in the source language (Weblate's check
    of that name); in a regional folder, a field the same as the text it overrides."""
    for template in ctx.translations:
        original = ctx.overridden.get(template.key)
        if original is None or template.untranslated:
            continue  # an orphan, or a scaffold (reported as missing-translation)
        doc = ctx.catalogue.files.get(template.file)
        for name in template.unchanged(original):
            if ctx.base and name == "title" and not template.title:
                continue
            advice = (
                f"remove it from templates/{ctx.unit.language}/: the {ctx.base} text answers there already"
                if ctx.base
                else "translate it, or list it under 'same_as_source' if it is the same on purpose"
            )
            yield ctx.finding(
                "unchanged-translation", template,
                f"{name} is the same as the {ctx.base or ctx.source} text; {advice}",
                doc.line(template.key, *name.split(".")) if doc else None,
            )  # fmt: skip


@dataclass(frozen=True, order=True)
class Borrowed:
    """A locale setting that a template language takes from another language's locale file."""

    language: str
    locale: str
    setting: str  # greeting.formal.female, sign_off.formal, units.business_day
    provider: str  # the other language's locale file
    home: str  # where to write it: the language's own locale file, else (no such file) a template file


def borrowed_words(ctx: Context) -> set[Borrowed]:
    """The greeting, sign-off and unit phrases each template language takes from another
    language's locale file: its replies would mix two languages.

    Only what its templates use counts: the greeting and sign-off of the formality of each
    channel that prints them, and the units of its durations (units no locale file gives
    come from CLDR, in the right language).
    """
    tags = {display: parse_tag(tag) for tag, (display, _) in ctx.catalogue.locale_files.items()}
    data = dict(ctx.catalogue.locale_files.values())
    found: set[Borrowed] = set()
    language = ctx.unit.language
    own = parse_tag(language).language
    needs = _words_needed(ctx, ctx.templates)
    locales = {language, *(t for t, (d, _) in ctx.catalogue.locale_files.items() if tags[d].language == own)}
    for locale in locales if needs else ():
        attempt = ctx.library.pipeline.negotiator.plan(locale).attempts[0]
        if attempt.language != language:
            continue
        home = next((d for d in attempt.layers if tags[d].language == own), None)
        # (the settings as the files give them: a reply itself never takes another language's words)
        given = merge_settings(parse_tag(locale), [(d, data[d]) for d in attempt.layers])
        for setting in _words_paths(given, needs):
            provider = next((d for d in attempt.layers if _sets(data[d], setting)), None)
            if provider is not None and tags[provider].language != own:
                file = home or min(t.file for t in ctx.templates)
                found.add(Borrowed(language, locale, setting, provider, file))
    return found


def locale_incomplete(found: Iterable[Borrowed]) -> Iterator[Finding]:
    """locale-incomplete: per language and locale, what it takes from other languages' files;
    a regional locale (fr-CA) only for what its language's own locale (fr) does not take."""
    from itertools import groupby

    reported: set[tuple[str, str, str]] = set()
    ordered = sorted(found, key=lambda b: (b.language, b.locale != b.language, b.locale, b.provider, b.setting))
    for (language, locale), group in groupby(ordered, key=lambda b: (b.language, b.locale)):
        items, homes = [], set()
        for item in group:  # (each unit names a home of its own when the language has no locale file)
            homes.add(item.home)
            if (language, item.setting, item.provider) not in reported:
                reported.add((language, item.setting, item.provider))
                items.append(item)
        if not items:
            continue
        home = min(homes)
        taken = "; ".join(
            f"{', '.join(b.setting for b in settings)} of their own (only {provider} has them)"
            for provider, settings in groupby(items, key=lambda b: b.provider)
        )
        target = home if home.startswith("locales/") else f"locales/{language}.yaml"
        yield Finding(
            home, 1, "locale-incomplete", CODES["locale-incomplete"], None, locale,
            f"{locale} replies have no {taken}: a reply never takes another language's words; write them in "
            f"{language} in {target} (see the other locale files)",
        )  # fmt: skip


def _words_needed(ctx: Context, templates: Iterable[Template]) -> set[tuple[str, str]]:
    """("greeting"/"sign_off", channel) for each channel whose texts print them, and ("units", unit)
    for the units of the duration examples and ``duration("unit")`` filters."""
    needs: set[tuple[str, str]] = set()
    for template in templates:
        for (channel, _), names in ctx.names(template).items():
            needs |= {(name, channel) for name in ("greeting", "sign_off") if name in names}
        try:
            variables = {**ctx.library.variables(template.key), **template.variables}
        except ReplykitError:
            variables = dict(template.variables)
        for variable in variables.values():
            if variable.type == "duration":
                example = variable.example
                needs.add(("units", str(example.get("unit", "day")) if isinstance(example, dict) else "day"))
        for text in template.texts.values():
            needs |= {("units", unit) for unit in _DURATION_FILTER.findall(text.text)}
    return needs


_DURATION_FILTER = re.compile(r"\bduration\(\s*[\"']([a-z_]+)[\"']")


def _words_paths(settings: LocaleSettings, needs: set[tuple[str, str]]) -> list[str]:
    """The locale settings (``greeting.formal.female``, ``units.day``) that these needs read."""
    paths: list[str] = []
    for what, which in sorted(needs):
        if what == "units":
            paths += [f"units.{which}"] if which in settings.units else []
            continue
        rules = settings.greeting if what == "greeting" else settings.sign_off
        formality = settings.formality_for(which)
        formality = formality if formality in rules else "formal"
        if what == "greeting":
            paths += [f"greeting.{formality}.{gender}" for gender in settings.greeting.get(formality, {})]
        elif formality in rules:
            paths.append(f"sign_off.{formality}")
    return sorted(set(paths))


def _sets(data: Any, setting: str) -> bool:
    """Whether a locale file's data sets ``setting`` (``greeting.formal.female``)."""
    for step in setting.split("."):
        data = data.get(step) if isinstance(data, dict) else None
    return data is not None


def _prose_lines(template: Template) -> Iterator[tuple[tuple[str, str], Callable[[], int], str]]:
    """Each line of each text, with template tags blanked out (they are not prose).

    The file line is a callable: finding it means parsing the file for positions,
    which only a finding is worth.
    """
    for where, text in template.texts.items():
        for number, line in enumerate(text.text.splitlines(), start=1):
            yield where, partial(_file_line, text, number), _TAGS.sub(" ", line)


def _file_line(text: TextField, number: int) -> int:
    return text.position.text_line(number)


_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


def check_forbidden_phrases(ctx: Context) -> Iterator[Finding]:
    phrases = [
        (p, p.casefold())
        for p in ctx.library.pipeline.negotiator.plan(ctx.unit.language).attempts[0].settings.forbidden
    ]
    for template in ctx.templates if phrases else ():
        for _, line, prose in _prose_lines(template):
            folded = prose.casefold()
            for phrase, needle in phrases:
                if needle in folded:
                    yield ctx.finding(
                        "forbidden-phrase", template,
                        f"'{phrase}' is on the forbidden list of locales/{template.language}.yaml; rephrase it",
                        line(),
                    )  # fmt: skip


_SHOUT = re.compile(r"\b[A-ZÁÉÍÓÚÑÜ]{2,}(?:[\s,!¡?¿.]+[A-ZÁÉÍÓÚÑÜ]{2,}){2,}\b")


def check_shouting(ctx: Context) -> Iterator[Finding]:
    """Three or more all-capital words in a row; single acronyms and codes are fine."""
    for template in ctx.templates:
        for _, line, prose in _prose_lines(template):
            match = _SHOUT.search(prose)
            if match:
                yield ctx.finding(
                    "shouting", template, f"'{match.group(0)}' reads as shouting; write it in normal case", line()
                )


# GSM 03.38: the basic set, and the extension set whose characters count twice.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")


def sms_segments(text: str) -> int:
    """How many SMS a phone sends for ``text``: GSM-7 160/153, else UCS-2 70/67 per part."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        return 1 if units <= 160 else -(-units // 153)
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)  # UTF-16 code units
    return 1 if units <= 70 else -(-units // 67)


def check_length(ctx: Context) -> Iterator[Finding]:
    """too-long: chat over the locale's character limit, SMS over its segment limit."""
    for template in ctx.templates:
        for channel in ("chat", "sms"):
            if channel not in template.channels:
                continue
            try:
                limit = ctx.library.pipeline.negotiator.plan(template.language).attempts[0].settings.limits.get(channel)
            except ReplykitError:
                continue
            size = ctx.size(template, channel) if limit else None
            if size is None:
                continue  # no limit, or it does not render (reported by the render check)
            unit = "SMS segments" if channel == "sms" else "characters"
            if limit and size > limit:
                yield ctx.finding(
                    "too-long", template,
                    f"{channel} text is {size} {unit} with the examples; the limit for {template.language} is {limit}",
                    template.texts[(channel, "body")].position.line,
                )  # fmt: skip


_REVIEW_POLICY = {
    "en": [
        (r"\b(5|five)[- ]stars?\b", "asks for a five-star rating"),
        (r"\b(only|just) (leave |write )?(a )?(positive|good|great) reviews?\b", "asks only for positive reviews"),
        (r"\b(positive|good|great) reviews? only\b", "asks only for positive reviews"),
        (r"\b(don't|do not|please don't) (leave|write|post) (a )?(negative|bad|low|poor)", "discourages low ratings"),
        (r"\bbefore (leaving|writing|posting) (a )?(negative|bad|low|poor)", "discourages low ratings"),
        (r"\b(coupon|voucher|gift card|discount code|cashback|reward|free gift)\b", "offers something for a review"),
        (r"\bin exchange for (a |your )?(review|rating|feedback)\b", "offers something for a review"),
    ],
    "es": [
        (r"\b(5|cinco) estrellas\b", "pide una valoración de cinco estrellas"),
        (r"\bsolo (reseñas|opiniones|valoraciones) positivas\b", "pide solo reseñas positivas"),
        (
            r"\bno (deje|dejes|escriba|publique) (una )?(reseña|opinión|valoración) (negativa|mala)",
            "desanima las valoraciones bajas",
        ),
        (
            r"\b(cupón|código de descuento|regalo|recompensa|reembolso parcial) (por|a cambio)",
            "ofrece algo a cambio de una reseña",
        ),
        (r"\ba cambio de (su |tu |una )?(reseña|opinión|valoración)", "ofrece algo a cambio de una reseña"),
    ],
    "zh": [
        (r"五星|5星", "要求五星好评"),
        (r"好评返现|返现|晒单返|好评送|好评有礼", "以奖励换取评价"),
        (r"只(要|写|给)好评", "只要求好评"),
        (r"(不要|别)(给|打)?(差评|中评|低分)", "劝阻差评"),
        (r"(优惠券|红包|礼品|赠品|代金券).{0,8}评价|评价.{0,8}(优惠券|红包|礼品|赠品|代金券)", "以奖励换取评价"),
    ],
}


def check_review_policy(ctx: Context) -> Iterator[Finding]:
    """Review requests may ask for honest feedback only: no star targets, no rewards."""
    for template in ctx.templates:
        if template.group != "review_request":
            continue
        rules = _REVIEW_POLICY.get(template.language.split("-")[0], [])
        for _, line, prose in _prose_lines(template):
            for pattern, reason in rules:
                if re.search(pattern, prose, re.IGNORECASE):
                    yield ctx.finding(
                        "review-policy", template,
                        f"{reason}; marketplaces allow only requests for honest reviews", line(),
                    )  # fmt: skip


@dataclass(frozen=True)
class Body:
    """A key's email body (or chat) as the near-duplicate check compares it."""

    language: str
    file: str
    line: int
    key: str
    text: str


def bodies(ctx: Context) -> list[Body]:
    return [Body(t.language, t.file, t.line, t.key, text) for t in ctx.templates if (text := _body_text(t))]


def near_duplicates(found: Iterable[Body]) -> Iterator[Finding]:
    """Keys in one language whose email bodies (or chats) are almost the same.

    Each copy is reported once, against the first key (in file order) it copies,
    so ten copies of one reply make nine findings, not forty-five. Only texts
    that share a run of words are compared (rapidfuzz), so a large catalogue
    costs about as much as a small one per key.
    """
    from rapidfuzz import fuzz, process

    by_language: dict[str, list[Body]] = {}
    for body in sorted(found, key=lambda b: (b.language, b.file, b.line)):
        by_language.setdefault(body.language, []).append(body)
    for group in by_language.values():
        texts = [b.text for b in group]
        for later, earlier in _earlier_candidates(texts).items():
            scored = process.extract(
                texts[later], [texts[i] for i in earlier], scorer=fuzz.ratio, score_cutoff=92, limit=None
            )
            if scored:
                _, score, at = min(scored, key=lambda found: found[2])  # the first in file order
                first, copy = group[earlier[at]], group[later]
                yield Finding(
                    copy.file, copy.line, "near-duplicate", CODES["near-duplicate"], copy.key, copy.language,
                    f"{score:.0f}% the same as '{first.key}' ({first.file}); merge them or make the difference clear",
                )  # fmt: skip


def _earlier_candidates(texts: Sequence[str], size: int = 6) -> dict[int, list[int]]:
    """For each text, the earlier texts (in order) that share a run of ``size`` words with it."""
    holders: dict[int, list[int]] = {}
    for index, text in enumerate(texts):
        words = text.split()
        runs = {hash(tuple(words[k : k + size])) for k in range(max(len(words) - size + 1, 1))}
        for run in runs:
            holders.setdefault(run, []).append(index)
    earlier: dict[int, set[int]] = {}
    for group in holders.values():
        if len(group) > BOILERPLATE_SHARE:  # a shared sign-off line says nothing about two texts
            continue
        for a, j in enumerate(group[1:], start=1):
            earlier.setdefault(j, set()).update(group[:a])
    return {j: sorted(found) for j, found in sorted(earlier.items())}


#: A run of words found in more texts than this is boilerplate, not a sign of duplication.
BOILERPLATE_SHARE = 50


def _body_text(template: Template) -> str:
    text = template.texts.get(("email", "body")) or template.texts.get(("chat", "body"))
    return _TAGS.sub("", text.text).strip() if text else ""


_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
_HALF_WIDTH_IN_CHINESE = re.compile(rf"{_CJK}[,!?;:](?!//)|[,!?;:]{_CJK}")
_PAIRS = [("(", ")"), ("（", "）"), ("[", "]"), ("「", "」"), ("『", "』"), ("«", "»"), ("“", "”"), ("《", "》")]


def check_punctuation(ctx: Context) -> Iterator[Finding]:
    """Doubled or trailing spaces, half-width punctuation in Chinese, unbalanced pairs."""
    for template in ctx.templates:
        for where, text in template.texts.items():
            for number, raw in enumerate(text.text.splitlines(), start=1):
                prose = _TAGS.sub("x", raw)
                problems = []
                if raw != raw.rstrip():
                    problems.append("trailing spaces; remove them")
                if "  " in prose.strip():
                    problems.append("doubled space; use one")
                if template.language.startswith("zh") and _HALF_WIDTH_IN_CHINESE.search(prose):
                    problems.append("half-width punctuation in Chinese text; use ，！？；：")
                for message in problems:
                    yield ctx.finding("punctuation", template, message, text.position.text_line(number))
            prose = _TAGS.sub("x", text.text)
            for opening, closing in _PAIRS:
                if prose.count(opening) != prose.count(closing):
                    yield ctx.finding(
                        "punctuation", template,
                        f"unbalanced {opening}{closing} in {where[0]} {where[1]}", text.position.line,
                    )  # fmt: skip
            if prose.count("¿") > prose.count("?") or prose.count("¡") > prose.count("!"):
                yield ctx.finding(
                    "punctuation", template, f"¿ or ¡ without its closing mark in {where[0]} {where[1]}",
                    text.position.line,
                )  # fmt: skip


_LINE_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_subjects(ctx: Context) -> Iterator[Finding]:
    """subject-line-break: a subject is one header line; a break or control character would split it."""
    for template in ctx.templates:
        text = template.texts.get(("email", "subject"))
        if text is None:
            continue
        prose = _TAGS.sub("", text.text).strip()
        match = _LINE_BREAK.search(prose)
        if match:
            yield ctx.finding(
                "subject-line-break", template,
                f"the subject holds {_character_name(match.group())}; write the subject on one line",
                text.position.line,
            )  # fmt: skip


def _character_name(char: str) -> str:
    return "a line break" if char in "\n\r\u2028\u2029\x85\x0b\x0c" else f"the control character U+{ord(char):04X}"


def check_review_flags(root: Path) -> Iterator[Finding]:
    """review-flag: a reply a reviewer flagged (``reviews.yaml``) and nobody has resolved yet.
    (Read on every run, not cached: it is one small file.)"""
    from .reviews import REVIEWS_FILE, read_flags

    try:
        flags = read_flags(root)
    except CatalogueError as exc:
        yield Finding(REVIEWS_FILE, exc.line or 1, "schema", CODES["schema"], None, None, exc.message)
        return
    for flag in flags:
        if flag.status != "resolved":
            yield Finding(
                REVIEWS_FILE, flag.line, "review-flag", CODES["review-flag"], flag.key, flag.locale,
                f"flagged in review ({flag.channel or 'any channel'}): {flag.comment}; fix the reply, "
                "then delete the entry or set status: resolved",
            )  # fmt: skip


CHECKS: list[Check] = [
    check_loading,
    check_template_syntax,
    check_variables,
    check_translation_sets,
    check_placeholders,
    check_forbidden_phrases,
    check_shouting,
    check_length,
    check_review_policy,
    check_punctuation,
    check_subjects,
    check_unchanged,
    *STYLE_CHECKS,
]


def lint(
    library: Library,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: int = 1,
    cache: bool = True,
) -> list[Finding]:
    """All findings for the catalogue, sorted by file and line.

    ``select`` keeps only these codes, ``ignore`` drops these; unknown codes raise
    ``ValueError`` naming the close ones. ``jobs`` > 1 shares a large catalogue
    out, by template group, to that many forked processes (where the platform
    forks; call it so only from a single-threaded program, as the CLI does).
    With ``cache``, results are kept in the cache folder (see :mod:`replykit._cache`)
    keyed by hashes of everything they depend on, and only what changed is checked again.
    """
    for code in (*select, *ignore):
        if code not in CODES:
            from rapidfuzz import process

            close = [c for c, score, _ in process.extract(code, list(CODES), limit=2) if score >= 60]
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(f"unknown lint code {code!r}{hint} (codes: {', '.join(CODES)})")
    base = _own_library(library)
    base.catalogue.limit_to(())  # reads no template file: the load-time problems only
    files = _Files(base)
    store = LintCache.open(base.catalogue.root) if cache else None
    if store is not None:
        store.use_fallbacks(files)
    results: dict[str, UnitResult] = {}
    keys = {unit.name: files.unit_key(unit) for unit in files.units}
    stale = []
    for unit in files.units:
        found = store.result(unit, keys[unit.name], files) if store is not None else None
        if found is None:
            stale.append(unit)
        else:
            results[unit.name] = found
    compiled, rendered = 0, []
    if stale:
        groups = {u.group for u in stale}
        known = store.analyses(u for u in files.units if u.group in groups) if store is not None else {}
        previous = store.renders(stale) if store is not None else {}
        fresh, compiled = _check(library, stale, jobs, _Shared(known, previous, files.fingerprint), files)
        results.update(fresh)
        for unit in stale:
            saved = previous.get(unit.name, {})
            rendered += [f"{unit.name} {k}" for k, r in fresh[unit.name].renders.items() if saved.get(k) != r]
    global last_run  # noqa: PLW0603 - what tests and benchmarks read
    reused = tuple(sorted(results.keys() - {u.name for u in stale}))
    last_run = RunStats(tuple(u.name for u in stale), reused, compiled, tuple(sorted(rendered)))
    findings = {problem_finding(p) for p in base.catalogue.problems}
    findings.update(check_review_flags(base.catalogue.root))
    failures: list[Failure] = []
    undeclared: dict[str, set[str]] = {}
    borrowed: set[Borrowed] = set()
    by_language: dict[str, list[Body]] = {}
    for unit in files.units:
        result = results[unit.name]
        findings.update(result.findings)
        failures += result.failures
        for key, names in result.undeclared.items():
            undeclared.setdefault(key, set()).update(names)
        borrowed.update(result.borrowed)
        by_language.setdefault(unit.language, []).extend(result.bodies)
    findings.update(render_findings(failures, undeclared))
    for language, said in by_language.items():
        findings.update(store.near_duplicates(language, said, files) if store else near_duplicates(said))
    findings.update(locale_incomplete(borrowed))
    if store is not None:
        store.save(files, keys, results, {u.name for u in stale})
    kept = [f for f in findings if (not select or f.code in select) and f.code not in ignore]
    return sorted(kept)


@dataclass(frozen=True)
class RunStats:
    """What the latest :func:`lint` in this process did: units checked, units taken from
    the cache, texts the library compiled (translated scripts and greeting and sign-off
    rules included), and the keys rendered (``es/customs customs.import_tax``) rather
    than taken from the unit's last check."""

    checked: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    compiled: int = 0
    rendered: tuple[str, ...] = ()


last_run = RunStats()


def _own_library(library: Library) -> Library:
    """A library of lint's own on the same catalogue, rendering as the caller's would."""
    own = Library(library.path, limits=library.limits)
    own.clock, own.detector = library.clock, library.detector
    return own


#: Garbage-collector thresholds for a process that only lints (as mypy does for its
#: builds): with the defaults, a large lint spends about a quarter of its time in full
#: collections walking the parsed catalogue and compiled templates again and again.
FEWER_COLLECTIONS = (100_000, 50, 50)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while linting; for programs that own their process, like the CLI."""
    before = gc.get_threshold()
    gc.set_threshold(*FEWER_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


# -- units, and what their results depend on ------------------------------------------


@dataclass
class UnitResult:
    """All a unit's checks found, and what the checks across units need from it."""

    findings: list[Finding]
    failures: list[Failure]
    #: Per key, the names its texts use without declaring them (render errors for them are left out).
    undeclared: dict[str, list[str]]
    bodies: list[Body]
    borrowed: list[Borrowed]
    #: The analysis of each of its texts, by text hash (kept for the next check of the unit).
    texts: dict[str, Analysis]
    #: Whether a key is not in the source: its declaration then comes from other languages' files.
    orphans: bool
    #: Per source key, the outcome of its renders and the hash of what they read (see :func:`render_failures`).
    renders: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [_row(f) for f in self.findings],
            "failures": [_row(f) for f in self.failures],
            "undeclared": self.undeclared,
            "bodies": [_row(b) for b in self.bodies],
            "borrowed": [_row(b) for b in self.borrowed],
            "texts": {key: a.to_json() for key, a in self.texts.items()},
            "orphans": self.orphans,
            "renders": self.renders,
        }

    @staticmethod
    def from_json(data: Any) -> UnitResult:
        """The result as saved; raises on anything that is not what :meth:`to_json` wrote."""
        optional, text = (str, type(None)), (str,)
        row = (text, (int,), text, text, optional, optional, text)
        findings = [Finding(*_typed(f, row)) for f in data["findings"]]
        if any(f.code not in CODES for f in findings):
            raise ValueError("unknown code")
        failure = (text, text, (int,), text, (int,), text, optional, optional)
        return UnitResult(
            findings,
            [Failure(*_typed(f, failure)) for f in data["failures"]],
            {str(k): _typed(v, [(str,)] * len(v)) for k, v in data["undeclared"].items()},
            [Body(*_typed(b, (text, text, (int,), text, text))) for b in data["bodies"]],
            [Borrowed(*_typed(b, (text,) * 5)) for b in data["borrowed"]],
            {str(k): Analysis.from_json(v) for k, v in data["texts"].items()},
            bool(data["orphans"]),
            _typed(data["renders"], None),
        )


def _typed(row: Any, types: Sequence[tuple[type, ...]] | None) -> Any:
    """``row`` when it is a list of these types (or, with None, a mapping); raises otherwise."""
    if types is None:
        if not isinstance(row, dict):
            raise TypeError("a cached mapping of another shape")
        return row
    if not isinstance(row, list) or len(row) != len(types) or not all(map(isinstance, row, types)):
        raise TypeError("a cached row of another shape")
    return row


def _row(item: Any) -> list[Any]:
    """A dataclass's fields as a JSON row (``dataclasses.astuple`` copies deeply, which is slower)."""
    return [getattr(item, f.name) for f in fields(item)]


class _Files:
    """The catalogue's units and the hashes of what each unit's checks read."""

    def __init__(self, library: Library) -> None:
        self.library = library
        catalogue = library.catalogue
        self.root = catalogue.root
        folders: dict[str, Path] = catalogue._folders  # (language -> its folder: what no public name gives)
        groups = sorted(
            {p.stem for folder in folders.values() for p in (*folder.glob("*.yaml"), *folder.glob("*.yml"))}
        )
        self.units = [
            Unit(language, group, tuple(
                f"templates/{folder.name}/{group}{ext}" for ext in (".yaml", ".yml")
                if os.path.lexists(folder / f"{group}{ext}")
            ))
            for language, folder in sorted(folders.items()) for group in groups
        ]  # fmt: skip
        self.by_name = {u.name: u for u in self.units}
        self._digests: dict[str, tuple[str, int, bool]] = {}
        settings = ["replykit.yaml", *(f"locales/{p.name}" for p in sorted((self.root / "locales").glob("*.yaml")))]
        folder_names = sorted(p.name for p in (self.root / "templates").iterdir() if p.is_dir())
        today = [library.clock().date().isoformat()] if any(self.file_digest(n)[2] for n in settings) else []
        self.fingerprint = _digest(
            [*_versions(), repr(library.limits), library.source_language, *folder_names, *today,
             *(f"{name}:{self.file_digest(name)[0]}" for name in settings)]
        )  # fmt: skip

    def file_digest(self, display: str) -> tuple[str, int, bool]:
        """A file's hash, size, and whether it may print a relative date (which depends on the day)."""
        found = self._digests.get(display)
        if found is None:
            path = self.root / display
            if not os.path.lexists(path):
                found = ("missing", 0, False)
            else:
                from ._files import read_limited
                from ._yaml import MAX_FILE_BYTES

                try:
                    data = read_limited(path, display, MAX_FILE_BYTES, root=self.root)
                    found = (hashlib.sha256(data).hexdigest(), len(data), b"relative" in data)
                except ReplykitError as exc:  # the check reports it: its message is what it depends on
                    found = (_digest([exc.message]), 0, False)
            self._digests[display] = found
        return found

    def digest(self, unit: Unit) -> str:
        return _digest([f"{name}:{self.file_digest(name)[0]}" for name in unit.files])

    def size(self, unit: Unit) -> int:
        return sum(self.file_digest(name)[1] for name in unit.files)

    @cached_property
    def fallbacks(self) -> dict[str, list[str]]:
        """Per language, the languages its renders read: itself, the source, and those its
        locales fall back to. (Making the plans loads Babel and OpenCC data, so a saved
        answer is used while the fingerprint, which covers all it depends on, is the same.)"""
        library = self.library
        every = sorted(library.catalogue.locale_files) or list(library.catalogue.languages)
        found = {language: {language, library.source_language} for language in library.catalogue.languages}
        for locale in (*every, *found):
            attempts = library.pipeline.negotiator.plan(locale).attempts
            found.setdefault(attempts[0].language, set()).update(_folders_read(attempts))
        for folder, language in library.catalogue.regional.items():  # a region's texts render as its language's
            found[folder] |= found.get(language, set())
        return {language: sorted(languages) for language, languages in found.items()}

    def depends_on(self, unit: Unit) -> list[Unit]:
        """The units a unit's checks read: itself, its group in the source language, and in
        each language a render of its locales may fall back to."""
        languages = self.fallbacks.get(unit.language, [unit.language])
        return [self.by_name[name] for lang in languages if (name := f"{lang}/{unit.group}") in self.by_name]

    def unit_key(self, unit: Unit) -> str:
        parts = [self.fingerprint, unit.name]
        today = False
        for dep in self.depends_on(unit):
            parts.append(f"{dep.name}:{self.digest(dep)}")
            today |= any(self.file_digest(name)[2] for name in dep.files)
        if today:  # "in 3 days" is a day's render
            parts.append(self.library.clock().date().isoformat())
        return _digest(parts)

    def group_units(self, unit: Unit) -> dict[str, str]:
        """The digest of every language's unit of the group (what an orphan's declaration depends on)."""
        return {u.name: self.digest(u) for u in self.units if u.group == unit.group}


def _digest(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:32]


_versions_found: list[str] = []


def _versions() -> list[str]:
    """What else results depend on: this format, replykit's code, the sandbox policy,
    Python and the libraries that parse, compile, format and compare (their versions, or
    for those a warm lint does not import, their installed files; reading the installed
    packages' metadata would cost as long as the rest of a warm lint)."""
    if not _versions_found:
        import importlib
        import importlib.util
        import sys

        from ._cache import LINT_FORMAT
        from .render import SANDBOX_POLICY

        here = Path(__file__).resolve().parent
        code = _digest(f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sorted(here.glob("*.py")))
        versions = [f"{name} {importlib.import_module(name).__version__}" for name in ("jinja2", "babel", "yaml")]
        for name in ("opencc", "rapidfuzz"):  # not imported by a warm lint: where they are, as installed
            spec = importlib.util.find_spec(name)
            try:
                stamp = os.stat(spec.origin).st_mtime_ns if spec and spec.origin else "-"
            except OSError:
                stamp = "-"
            versions.append(f"{name} {spec.origin if spec else '-'} {stamp}")
        _versions_found.extend([LINT_FORMAT, SANDBOX_POLICY, code, sys.version, *versions])
    return _versions_found


class LintCache:
    """Lint results of one catalogue folder, kept in the cache folder as one JSON file.

    Each unit's entry is the latest result with the key (hash) of what it depends on;
    a unit whose key changed is checked again and its entry replaced, so the file holds
    one entry per unit and does not grow. Files of catalogues not linted for a month
    are removed (:func:`replykit._cache.tidy`).
    """

    def __init__(self, path: Path) -> None:
        from ._cache import read_json

        self.path = path
        data = read_json(path)
        data = data if isinstance(data, dict) else {}
        self.units: dict[str, Any] = data.get("units") if isinstance(data.get("units"), dict) else {}  # type: ignore[assignment]
        self.near: dict[str, Any] = data.get("near") if isinstance(data.get("near"), dict) else {}  # type: ignore[assignment]
        self.near_used: dict[str, Any] = {}
        self.fallbacks: Any = data.get("fallbacks")

    @staticmethod
    def open(root: Path) -> LintCache | None:
        from . import _cache

        where = _cache.folder()
        if where is None:
            return None
        _cache.tidy(where)
        name = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return LintCache(where / f"{_cache.LINT_PREFIX}{name}.json")

    def use_fallbacks(self, files: _Files) -> None:
        """Give ``files`` the fallbacks saved with the same fingerprint, if any."""
        saved = self.fallbacks
        if isinstance(saved, dict) and saved.get("key") == files.fingerprint:
            try:
                files.fallbacks = {str(k): _typed(v, [(str,)] * len(v)) for k, v in saved["languages"].items()}
            except (KeyError, TypeError, AttributeError):
                pass

    def result(self, unit: Unit, key: str, files: _Files) -> UnitResult | None:
        """The unit's saved result when it was made from what the unit depends on now."""
        entry = self.units.get(unit.name)
        if not (isinstance(entry, dict) and entry.get("key") == key):
            return None
        try:
            deps = entry.get("deps") or {}
            if any(files.digest(files.by_name[name]) != digest for name, digest in deps.items()):
                return None
            return UnitResult.from_json(entry["result"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def analyses(self, units: Iterable[Unit]) -> dict[str, Analysis]:
        """The text analyses of the units' last results: most texts outlive an edit of their file."""
        found: dict[str, Analysis] = {}
        for unit in units:
            entry = self.units.get(unit.name)
            try:
                found.update((k, Analysis.from_json(v)) for k, v in entry["result"]["texts"].items())  # type: ignore[index]
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        return found

    def renders(self, units: Iterable[Unit]) -> dict[str, dict[str, Any]]:
        """Per unit, the render outcomes of its last result, by key (each checked when used)."""
        found: dict[str, dict[str, Any]] = {}
        for unit in units:
            entry = self.units.get(unit.name)
            try:
                found[unit.name] = _typed(entry["result"]["renders"], None)  # type: ignore[index]
            except (KeyError, TypeError):
                continue
        return found

    def near_duplicates(self, language: str, bodies: list[Body], files: _Files) -> list[Finding]:
        """near_duplicates of a language's bodies, kept while they are the same."""
        key = _digest([files.fingerprint, language, json.dumps([_row(b) for b in bodies], ensure_ascii=False)])
        entry = self.near.get(language)
        if isinstance(entry, dict) and entry.get("key") == key:
            try:
                row = ((str,), (int,), (str,), (str,), (str, type(None)), (str, type(None)), (str,))
                found = [Finding(*_typed(f, row)) for f in entry["findings"]]
                self.near_used[language] = entry
                return found
            except (KeyError, TypeError):
                pass
        found = list(near_duplicates(bodies))
        self.near_used[language] = {"key": key, "findings": [_row(f) for f in found], "new": True}
        return found

    def save(self, files: _Files, keys: dict[str, str], results: dict[str, UnitResult], checked: set[str]) -> None:
        """Write the file when anything changed (each unit's latest entry only), else mark it used.

        A unit whose files changed while it was checked is not kept: its result may be of either version.
        """
        from ._cache import touch, write_json

        fallbacks = {"key": files.fingerprint, "languages": files.fallbacks}
        if not checked and self.fallbacks == fallbacks and not any(e.get("new") for e in self.near_used.values()):
            touch(self.path)
            return
        now = _Files(files.library)
        now.fallbacks = files.fallbacks
        units: dict[str, Any] = {}
        for unit in files.units:
            if unit.name not in checked:
                units[unit.name] = self.units[unit.name]
            elif now.unit_key(unit) == keys[unit.name]:
                result = results[unit.name]
                deps = files.group_units(unit) if result.orphans else {}
                units[unit.name] = {"key": keys[unit.name], "deps": deps, "result": result.to_json()}
        for entry in self.near_used.values():
            entry.pop("new", None)
        write_json(self.path, {"units": units, "near": self.near_used, "fallbacks": fallbacks})


# -- checking units, in processes -----------------------------------------------------


#: Below this many bytes of templates to check, starting processes costs more than it saves.
PARALLEL_BYTES = 512 * 1024


@dataclass(frozen=True)
class _Shared:
    """What every process checking units starts from."""

    analyses: dict[str, Analysis]
    renders: dict[str, dict[str, Any]]
    fingerprint: str


def _check(
    library: Library, units: list[Unit], jobs: int, shared: _Shared, files: _Files
) -> tuple[dict[str, UnitResult], int]:
    tasks = _tasks(units, jobs, files)
    if len(tasks) == 1:
        return _check_units(library, shared, units)
    import multiprocessing

    global _shared  # noqa: PLW0603 - what the forked workers inherit
    _shared = (library, shared)
    results: dict[str, UnitResult] = {}
    compiled = 0
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            for part, count in pool.imap_unordered(_check_task, tasks, chunksize=1):
                results.update(part)
                compiled += count
    finally:
        _shared = None
    return results, compiled


def _tasks(units: list[Unit], jobs: int, files: _Files) -> list[list[Unit]]:
    """The units in tasks for ``jobs`` processes, largest first (each process takes the next
    task when it is done): a group's units together, as they read the same files, unless
    there are fewer groups than jobs. One task when processes would cost more than they save."""
    import multiprocessing

    total = sum(files.size(u) for u in units)
    if jobs < 2 or total < PARALLEL_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return [units]
    by_group: dict[str, list[Unit]] = {}
    for unit in units:
        by_group.setdefault(unit.group, []).append(unit)
    tasks = list(by_group.values()) if len(by_group) >= jobs else [[u] for u in units]
    return sorted(tasks, key=lambda task: -sum(files.size(u) for u in task))


_shared: tuple[Library, _Shared] | None = None


def _check_task(units: list[Unit]) -> tuple[dict[str, UnitResult], int]:
    """In a worker: check ``units`` with a library of its own."""
    assert _shared is not None
    gc.set_threshold(*FEWER_COLLECTIONS)  # the worker process is lint's own
    return _check_units(*_shared, units=units)


def _check_units(library: Library, shared: _Shared, units: list[Unit]) -> tuple[dict[str, UnitResult], int]:
    """Check ``units`` with a library of lint's own that reads only their groups' files."""
    own = _own_library(library)
    own.catalogue.limit_to({u.group for u in units})
    env = own.pipeline.texts.env
    if env.code_cache is not None:
        env.code_cache = _ReadOnly(env.code_cache)
    analyses = Analyses(shared.analyses)
    analyses.note_compiles(own)
    results = {
        unit.name: _check_unit(Context(own, unit, analyses, shared.renders.get(unit.name), shared.fingerprint))
        for unit in units
    }
    return results, len(analyses.compiled)


class _ReadOnly:
    """The compiled-code cache, read but not written by lint's own library.

    Lint keeps each key's outcome, so it compiles a text again only when the text (or a
    locale file, or replykit) changed; writing a file per text would be most of a first
    lint's system time, for code rarely read again.
    """

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def load(self, key: str) -> Any:
        return self.cache.load(key)

    def store(self, key: str, code: Any) -> None:
        pass


def _check_unit(ctx: Context) -> UnitResult:
    failures = render_failures(ctx)  # first: the library's compiles note what each text reads
    findings = [finding for check in CHECKS for finding in check(ctx)]
    undeclared = {t.key: sorted(set().union(*ctx.undeclared(t).values())) for t in ctx.templates if ctx.undeclared(t)}
    texts = {text_hash(t.text): ctx.analyses.get(t.text) for template in ctx.templates for t in template.texts.values()}
    orphans = any(t.key not in ctx.source_templates for t in ctx.templates)
    return UnitResult(
        findings, failures, undeclared, bodies(ctx), sorted(borrowed_words(ctx)), texts, orphans, ctx.records
    )


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


@dataclass(frozen=True)
class Coverage:
    """Translation progress of one language against the source."""

    language: str
    total: int
    translated: int
    missing: int
    untranslated: int
    stale: int
    #: Keys with a field still the same as the source's (not marked ``same_as_source``).
    unchanged: int

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "percent": round(self.percent, 1)}


def coverage(library: Library) -> list[Coverage]:
    """Per language: source keys translated (current, every field translated), missing,
    scaffolded only, stale, and with a field still in the source language (unchanged)."""
    from collections import Counter

    from .po import translation_status

    rows = []
    for language in library.languages:
        counts = Counter(translation_status(library, language).values())
        rows.append(
            Coverage(
                language,
                sum(counts.values()),
                counts["translated"],
                counts["missing"],
                counts["untranslated"],
                counts["stale"],
                counts["unchanged"],
            )
        )
    return rows
