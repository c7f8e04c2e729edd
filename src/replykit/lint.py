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
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from ._paths import shown_path, shown_paths
from .catalog import Channel, Template, TextField
from .errors import CatalogueError, ReplykitError
from .library import Library
from .locales import LocaleSettings, parse_tag
from .render import SANDBOX_POLICY, Reply, code_cache, make_environment

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


class Analyses:
    """Text analyses, kept across runs beside the compiled templates.

    Parsing every text is most of a lint's work and the texts rarely change;
    the cache is JSON keyed by a hash of the text, in a file named after the
    Jinja version and the sandbox policy (what a parse refuses).
    """

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.cache: dict[str, Any] = {}
        #: Entries worked out in this run (a lint worker hands them back).
        self.added: dict[str, Any] = {}
        self.path: Path | None = None
        cache = code_cache()  # the same checked folder as the compiled templates, the same checks per file
        if cache is not None:
            self.path = Path(cache.directory) / f"replykit-lint-{SANDBOX_POLICY}-{jinja2.__version__}.json"
            try:
                found = json.loads(cache.read(str(self.path)) or b"{}")
            except (ValueError, RecursionError):
                found = {}
            self.cache = found if isinstance(found, dict) else {}

    def get(self, text: str) -> Analysis:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        found = self.cache.get(key)
        if not (isinstance(found, dict) and isinstance(found.get("names"), list)):
            try:
                tree = self.env.parse(text)
                found = {"error": None, "names": sorted(meta.find_undeclared_variables(tree))}
            except jinja2.TemplateSyntaxError as exc:
                found = {"error": [exc.lineno or 1, exc.message or "syntax error"], "names": []}
            self.cache[key] = self.added[key] = found
        error = found.get("error")
        return Analysis((int(error[0]), str(error[1])) if error else None, frozenset(found["names"]))

    def add(self, entries: dict[str, Any]) -> None:
        self.cache.update(entries)
        self.added.update(entries)

    def save(self) -> None:
        if not (self.added and self.path):
            return
        try:
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".replykit-lint-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.cache, handle)
            os.replace(name, self.path)
        except OSError:  # a cache that cannot be written is only slower
            pass


class Context:
    """What the checks share: the library, the sandbox, and per-text helpers."""

    def __init__(self, library: Library, analyses: Analyses | None = None) -> None:
        self.library = library
        self.catalogue = library.catalogue
        self.source = library.source_language
        self.analyses = analyses or Analyses(make_environment())
        self._replies: dict[tuple[str, str, str], Reply | ReplykitError] = {}
        self._undeclared: dict[tuple[str, str], dict[tuple[str, str], set[str]]] = {}

    def render(self, key: str, locale: str, channel: Channel) -> Reply:
        """``key`` rendered with its declared examples; kept, as more than one check reads it."""
        found = self._replies.get((key, locale, channel))
        if found is None:
            try:
                examples = self.library.examples(key, locale)
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
    def translations(self) -> list[Template]:
        return [t for lang, by_key in self.catalogue.templates.items() if lang != self.source for t in by_key.values()]

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

    @cached_property
    def undeclared_by_key(self) -> dict[str, set[str]]:
        """Each key's undeclared names over all its languages: what its other findings stem from."""
        out: dict[str, set[str]] = {}
        for template in self.catalogue.iter_templates():
            for names in self.undeclared(template).values():
                out.setdefault(template.key, set()).update(names)
        return out

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
    """yaml-syntax and schema: what the loader refused."""
    for problem in ctx.catalogue.problems:
        yield Finding(
            problem.file or "replykit.yaml",
            problem.line or 1,
            problem.code,
            CODES[problem.code],
            problem.key,
            problem.locale,
            problem.message,
        )


def check_template_syntax(ctx: Context) -> Iterator[Finding]:
    for template in ctx.catalogue.iter_templates():
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
    for template in ctx.catalogue.iter_templates():
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


def check_rendering(ctx: Context) -> Iterator[Finding]:
    """render-error: every key x every locale x every channel, with the declared examples."""
    locales = sorted(ctx.catalogue.locale_files) or list(ctx.catalogue.languages)
    seen: set[tuple[str, int, str]] = set()
    for key in ctx.catalogue.keys():
        try:
            channels = ctx.library.template(key, ctx.source).channels
        except ReplykitError:
            continue
        for locale in locales:
            for channel in channels:
                try:
                    ctx.render(key, locale, channel)
                except CatalogueError:
                    continue  # reported by check_loading
                except ReplykitError as exc:
                    undefined = _UNDEFINED.match(exc.message)
                    if undefined and undefined.group(1) in ctx.undeclared_by_key.get(key, ()):
                        continue  # reported by check_variables
                    file = exc.file or ctx.library.template(key, ctx.source).file
                    finding = Finding(
                        file, exc.line or 1, "render-error", "error", key, exc.locale or locale,
                        f"does not render for {locale} ({channel}): {exc.message}",
                    )  # fmt: skip
                    if (finding.file, finding.line, exc.message) not in seen:
                        seen.add((finding.file, finding.line, exc.message))
                        yield finding


#: How a render error names a variable that has no value.
_UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")


def check_translation_sets(ctx: Context) -> Iterator[Finding]:
    """missing-translation, orphan-translation, stale-translation."""
    source = ctx.source_templates
    for language, by_key in ctx.catalogue.templates.items():
        if language == ctx.source:
            continue
        for key, template in source.items():
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
            elif template.made_from_older(original) and not ctx.undeclared(original):
                # (a source that reads an undeclared name is judged once that is fixed)
                yield ctx.finding(
                    "stale-translation", template,
                    f"the {ctx.source} text changed since this translation (source {template.source}, "
                    f"now {original.revision()}); update it, then run `replykit stamp --language {language} {key}`",
                )  # fmt: skip


def check_placeholders(ctx: Context) -> Iterator[Finding]:
    """placeholder-mismatch and channel-mismatch between a translation and its source."""
    for template in ctx.translations:
        original = ctx.source_templates.get(template.key)
        if original is None:
            continue
        if set(template.channels) != set(original.channels):
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
    """unchanged-translation: a translated field still in the source language (Weblate's check of that name)."""
    for template in ctx.translations:
        original = ctx.source_templates.get(template.key)
        if original is None or template.untranslated:
            continue  # an orphan, or a scaffold (reported as missing-translation)
        doc = ctx.catalogue.files.get(template.file)
        for name in template.unchanged(original):
            yield ctx.finding(
                "unchanged-translation", template,
                f"{name} is the same as the {ctx.source} text; translate it, or list it under "
                f"'same_as_source' if it is the same on purpose",
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
    for language, by_key in ctx.catalogue.templates.items():
        own = parse_tag(language).language
        needs = _words_needed(ctx, by_key.values())
        locales = {language, *(t for t, (d, _) in ctx.catalogue.locale_files.items() if tags[d].language == own)}
        for locale in locales if needs else ():
            attempt = ctx.library.pipeline.negotiator.plan(locale).attempts[0]
            if attempt.language != language:
                continue
            home = next((d for d in attempt.layers if tags[d].language == own), None)
            for setting in _words_paths(attempt.settings, needs):
                provider = next((d for d in attempt.layers if _sets(data[d], setting)), None)
                if provider is not None and tags[provider].language != own:
                    file = home or min(t.file for t in by_key.values())
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
        for item in group:  # (each shard of a lint in processes names a home of its own when there is no file)
            homes.add(item.home)
            if (language, item.setting, item.provider) not in reported:
                reported.add((language, item.setting, item.provider))
                items.append(item)
        if not items:
            continue
        home = min(homes)
        taken = "; ".join(
            f"{', '.join(b.setting for b in settings)} from {provider}"
            for provider, settings in groupby(items, key=lambda b: b.provider)
        )
        target = home if home.startswith("locales/") else f"locales/{language}.yaml"
        yield Finding(
            home, 1, "locale-incomplete", CODES["locale-incomplete"], None, locale,
            f"{locale} replies would take {taken}; write them in {language} in {target} (see the other locale files)",
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
    forbidden_by_language = {
        language: ctx.library.pipeline.negotiator.plan(language).attempts[0].settings.forbidden
        for language in ctx.catalogue.languages
    }
    for template in ctx.catalogue.iter_templates():
        phrases = [(p, p.casefold()) for p in forbidden_by_language.get(template.language, ())]
        if not phrases:
            continue
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
    for template in ctx.catalogue.iter_templates():
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
    for template in ctx.catalogue.iter_templates():
        for channel in ("chat", "sms"):
            if channel not in template.channels:
                continue
            try:
                plan = ctx.library.pipeline.negotiator.plan(template.language).attempts[0]
                limit = plan.settings.limits.get(channel)
                if not limit:
                    continue
                reply = ctx.render(template.key, template.language, channel)
            except ReplykitError:
                continue  # reported by the render check
            size = sms_segments(reply.body) if channel == "sms" else len(reply.body)
            unit = "SMS segments" if channel == "sms" else "characters"
            if size > limit:
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
    for template in ctx.catalogue.iter_templates():
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
    return [
        Body(t.language, t.file, t.line, t.key, text) for t in ctx.catalogue.iter_templates() if (text := _body_text(t))
    ]


def near_duplicates(found: Iterable[Body]) -> Iterator[Finding]:
    """Keys in one language whose email bodies (or chats) are almost the same.

    Each copy is reported once, against the first key (in file order) it copies,
    so ten copies of one reply make nine findings, not forty-five. Only texts
    that share a run of words are compared (rapidfuzz), so a large catalogue
    costs about as much as a small one per key.
    """
    from rapidfuzz import fuzz

    by_language: dict[str, list[Body]] = {}
    for body in sorted(found, key=lambda b: (b.language, b.file, b.line)):
        by_language.setdefault(body.language, []).append(body)
    for group in by_language.values():
        texts = [b.text for b in group]
        for later, earlier in _earlier_candidates(texts).items():
            for i in earlier:
                score = fuzz.ratio(texts[i], texts[later], score_cutoff=92)
                if score:
                    first, copy = group[i], group[later]
                    yield Finding(
                        copy.file, copy.line, "near-duplicate", CODES["near-duplicate"], copy.key, copy.language,
                        f"{score:.0f}% the same as '{first.key}' ({first.file}); merge them or make the difference clear",
                    )  # fmt: skip
                    break


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
    for template in ctx.catalogue.iter_templates():
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
    for template in ctx.catalogue.iter_templates():
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


def check_review_flags(ctx: Context) -> Iterator[Finding]:
    """review-flag: a reply a reviewer flagged (``reviews.yaml``) and nobody has resolved yet."""
    from .reviews import REVIEWS_FILE, read_flags

    try:
        flags = read_flags(ctx.catalogue.root)
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
    check_rendering,
    check_translation_sets,
    check_placeholders,
    check_forbidden_phrases,
    check_shouting,
    check_length,
    check_review_policy,
    check_punctuation,
    check_subjects,
    check_unchanged,
    check_review_flags,
]


def lint(library: Library, *, select: Sequence[str] = (), ignore: Sequence[str] = (), jobs: int = 1) -> list[Finding]:
    """All findings for the catalogue, sorted by file and line.

    ``select`` keeps only these codes, ``ignore`` drops these; unknown codes raise
    ``ValueError`` naming the close ones. ``jobs`` > 1 shares a large catalogue
    out, by template group, to that many forked processes (where the platform
    forks; call it so only from a single-threaded program, as the CLI does).
    """
    for code in (*select, *ignore):
        if code not in CODES:
            from rapidfuzz import process

            close = [c for c, score, _ in process.extract(code, list(CODES), limit=2) if score >= 60]
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(f"unknown lint code {code!r}{hint} (codes: {', '.join(CODES)})")
    analyses = Analyses(make_environment())
    shards = _shards(library, jobs)
    if len(shards) > 1:
        parts = _lint_in_processes(library, shards, analyses)
    else:
        parts = [_lint_part(Context(library, analyses))]
    findings: set[Finding] = set()
    found: list[Body] = []
    borrowed: set[Borrowed] = set()
    for part_findings, part_bodies, part_borrowed, part_analyses in parts:
        findings.update(part_findings)
        found += part_bodies
        borrowed |= part_borrowed
        analyses.add(part_analyses)
    findings.update(near_duplicates(found))
    findings.update(locale_incomplete(borrowed))
    analyses.save()
    kept = [f for f in findings if (not select or f.code in select) and f.code not in ignore]
    return sorted(kept)


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


#: Below this many bytes of templates, starting processes costs more than it saves.
PARALLEL_BYTES = 512 * 1024

Part = tuple[list[Finding], list[Body], set[Borrowed], dict[str, Any]]


def _lint_part(ctx: Context) -> Part:
    """Every check but those that need every group: near duplicates (all bodies of a language)
    and locale-incomplete (the words all templates of a language use)."""
    findings = [finding for check in CHECKS for finding in check(ctx)]
    return findings, bodies(ctx), borrowed_words(ctx), ctx.analyses.added


def _shards(library: Library, jobs: int) -> list[list[str]]:
    """Template groups shared out into at most ``jobs`` lists of about equal bytes."""
    import multiprocessing

    sizes = library.catalogue.group_sizes()
    if jobs < 2 or sum(sizes.values()) < PARALLEL_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return [list(sizes)]
    shards: list[list[str]] = [[] for _ in range(min(jobs, len(sizes)))]
    loads = [0] * len(shards)
    for group in sorted(sizes, key=lambda g: -sizes[g]):  # largest first, each to the lightest shard
        lightest = loads.index(min(loads))
        shards[lightest].append(group)
        loads[lightest] += sizes[group]
    return shards


_shared: tuple[Library, Analyses] | None = None


def _lint_in_processes(library: Library, shards: list[list[str]], analyses: Analyses) -> list[Part]:
    import multiprocessing

    global _shared  # noqa: PLW0603 - what the forked workers inherit
    _shared = (library, analyses)
    try:
        with multiprocessing.get_context("fork").Pool(len(shards)) as pool:
            return pool.map(_lint_shard, shards, chunksize=1)
    finally:
        _shared = None


def _lint_shard(groups: list[str]) -> Part:
    """In a worker: lint only ``groups``, with a library of its own reading only their files."""
    assert _shared is not None
    library, analyses = _shared
    gc.set_threshold(*FEWER_COLLECTIONS)  # the worker process is lint's own
    shard = Library(library.path, limits=library.limits)
    shard.clock, shard.detector = library.clock, library.detector  # renders as the caller's would
    shard.catalogue.limit_to(groups)
    return _lint_part(Context(shard, analyses))


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
