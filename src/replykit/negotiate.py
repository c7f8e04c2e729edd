"""Step 1 of a reply: which locale answers, and in what order the languages are tried.

A requested locale (``es-AR``, ``zh-Hant-TW``, ``de-DE``) becomes a :class:`Plan`:
the template languages to try, in order, each with how to format values for it
(the Babel locale, the merged locale-file settings, the currency of a bare
amount, the Chinese conversion). The chain comes from the locale files'
``fallback`` lists, then the catalogue's default locale and source language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from babel import Locale

from . import _chinese
from .catalog import Catalogue
from .errors import CatalogueError, LocaleError
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
from .values import CLDR_UNITS, Formatter


@dataclass(frozen=True)
class Attempt:
    """One way to answer a locale: a template language and how to format it."""

    language: str
    locale: str
    babel: Locale
    settings: LocaleSettings
    #: The locale files that gave the settings, most specific first (catalogue-relative).
    layers: tuple[str, ...]
    #: The OpenCC conversion of Chinese text of the other script for this locale, if any.
    convert: str | None
    formatter: Formatter
    #: The template folders whose texts answer, most specific first: the regional ones that
    #: fit the locale (``zh-HK``, ``zh-Hant``), then the language (``zh``).
    texts: tuple[str, ...] = ()
    #: The script this locale writes (Chinese: ``Hans`` or ``Hant``); a text in the other one is converted.
    script: str | None = None


@dataclass(frozen=True)
class Plan:
    """The ordered attempts for a requested locale."""

    requested: str
    attempts: tuple[Attempt, ...]


class Negotiator:
    """Plans for requested locales, from one catalogue's languages and locale files (cached)."""

    #: Plans kept; the tags are checked and short, so this bounds the memory.
    CACHED = 4096

    def __init__(self, catalogue: Catalogue, now: Callable[[], dt.datetime]) -> None:
        self.catalogue = catalogue
        self.now = now
        self._plans: dict[str | None, Plan] = {}
        self._locale_data = dict(catalogue.locale_files.values())
        self._language_tags = {lang: full_tag(parse_tag(lang)) for lang in catalogue.languages}

    def plan(self, requested: str | None) -> Plan:
        """The plan for ``requested`` (None: the catalogue's default locale)."""
        found = self._plans.get(requested)
        if found is None:
            found = self._make_plan(requested)
            if len(self._plans) > self.CACHED:
                self._plans.clear()
            self._plans[requested] = found
        return found

    def locale_data(self, display: str) -> Any:
        """The settings of one locale file, by its catalogue-relative name."""
        return self._locale_data.get(display)

    def _make_plan(self, requested: str | None) -> Plan:
        default = parse_tag(self.catalogue.settings.default_locale)
        tag = asked = parse_tag(requested) if requested is not None else default
        full = full_tag(tag)
        if babel_locale(full) is None:
            full = full_tag(default)
            tag = default
        attempts: list[Attempt] = []
        seen: set[str] = set()
        for candidate in self.chain(full, default):
            language = str(candidate)
            if language not in self.catalogue.base_languages or language in seen:
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
        files = self.catalogue.locale_files
        tags = [t for t in self.chain(out, default) if str(t) in files]
        layers = tuple(files[str(t)][0] for t in tags)
        # A reply's words (greeting, closing, signature, unit phrases, typography) come only
        # from locale files of its own language: never an English closing under Spanish text.
        data = [
            (
                files[str(t)][0],
                self._locale_data[files[str(t)][0]]
                if t.language == out.language
                else _formats_only(self._locale_data[files[str(t)][0]]),
            )
            for t in tags
        ]
        settings = merge_settings(out, data)
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
        shop_currency = self.catalogue.settings.currency
        currency = shop_currency or region_currency or settings.currency or local_currency(out) or "USD"
        display = self.catalogue.settings.currency_display
        formatter = Formatter(babel, settings, currency, self.now, out.region, display)
        regional = self.catalogue.regional
        texts = [str(t) for t in self.chain(out, default) if regional.get(str(t)) == language]
        script = out_script if out.language == "zh" else None
        return Attempt(
            language, name, babel, settings, layers, convert, formatter, (*dict.fromkeys(texts), language), script
        )

    def _units_of_script(self, out: Tag, default: Tag, script: str | None) -> set[str]:
        """The duration units that a locale file written in ``script`` gives phrases for."""
        found: set[str] = set()
        for tag in self.chain(out, default):
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

    def chain(self, tag: Tag, default: Tag) -> list[Tag]:
        """Tags to try for ``tag``: its variants, its locale files' fallbacks, the default."""
        out: list[Tag] = []

        def expand(t: Tag, depth: int = 0) -> None:
            for variant in variants(t):
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
        expand(parse_tag(self.catalogue.settings.source_language))
        return out


#: Settings that are words of a language, which another language's locale file never gives.
WORDS = frozenset({"greeting", "sign_off", "closing", "units", "address", "typography", "avoid", "forbidden", "name"})


def _formats_only(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name not in WORDS}


def variants(tag: Tag) -> list[Tag]:
    """``zh-Hant-TW`` -> zh-Hant-TW, zh-TW, zh-Hant, zh (the names a file may use)."""
    out = [tag]
    if tag.script and tag.region:
        out += [Tag(tag.language, None, tag.region), Tag(tag.language, tag.script)]
    out.append(Tag(tag.language))
    return list(dict.fromkeys(out))
