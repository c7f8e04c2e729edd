"""Locale tags, per-locale settings and fallback chains.

A locale is always an explicit, parsed value: the reply never depends on the
server's environment. Tags are BCP 47 (``es-MX``, ``zh-Hant-TW``) or POSIX-ish
(``zh_CN``); Babel parses them and fills in likely subtags, so ``zh-TW`` and
``zh-Hant-TW`` are the same locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

from babel import Locale, UnknownLocaleError

from ._yaml import YamlFile, read_yaml
from .errors import CatalogueError, LocaleError

_TAG_RE = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})"
    r"(?:[-_](?P<script>[A-Za-z]{4}))?"
    r"(?:[-_](?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)

#: OpenCC conversions used when a Traditional-script locale has no setting of its own.
DEFAULT_CONVERSIONS = {"TW": "s2twp", "HK": "s2hk", "MO": "s2hk"}

FORMALITIES = ("formal", "informal")
#: The tones a template declares; the locale closes a reply by its tone (no "happy shopping" after an apology).
TONES = ("neutral", "apology", "good_news", "request", "warning")
GENDERS = ("female", "male", "neutral", "anonymous")


@dataclass(frozen=True)
class Tag:
    """A parsed locale tag: language, optional script and region."""

    language: str
    script: str | None = None
    region: str | None = None

    def __str__(self) -> str:
        return "-".join(p for p in (self.language, self.script, self.region) if p)


#: Characters of a locale tag; a longer one is refused before it is parsed or cached.
MAX_TAG_CHARS = 64


def parse_tag(value: str) -> Tag:
    """Parse a BCP 47 / POSIX tag; raise :class:`LocaleError` when malformed.

    >>> parse_tag("ES-mx")
    Tag(language='es', script=None, region='MX')
    >>> str(parse_tag("zh_Hant_TW"))
    'zh-Hant-TW'
    """
    if not isinstance(value, str) or len(value) > MAX_TAG_CHARS:
        what = f"of {len(value):,} characters" if isinstance(value, str) else "that is not text"
        raise LocaleError(
            f"malformed locale tag ({what}); use a BCP 47 tag such as 'en-US', 'es-MX' or 'zh-Hant-TW'",
            locale=value[:MAX_TAG_CHARS] + "…" if isinstance(value, str) else None,
        )
    return _parse_tag(value)


@lru_cache(maxsize=1024)
def _parse_tag(value: str) -> Tag:
    text = value.strip()
    match = _TAG_RE.match(text.split(".")[0].split("@")[0]) if text else None
    if not match:
        raise LocaleError(
            f"malformed locale tag {value!r}; use a BCP 47 tag such as 'en-US', 'es-MX' or 'zh-Hant-TW'",
            locale=value,
        )
    script = match["script"]
    region = match["region"]
    return Tag(
        match["language"].lower(),
        script.title() if script else None,
        region.upper() if region else None,
    )


@lru_cache(maxsize=1024)
def babel_locale(tag: Tag) -> Locale | None:
    """The Babel locale for ``tag``, or None when CLDR does not know it."""
    parts = [tag.language] + [p for p in (tag.script, tag.region) if p]
    try:
        return Locale.parse("_".join(parts))
    except (UnknownLocaleError, ValueError):
        if tag.region or tag.script:
            try:  # CLDR may know the language but not this combination
                return Locale.parse(tag.language)
            except (UnknownLocaleError, ValueError):
                return None
        return None


def full_tag(tag: Tag) -> Tag:
    """``tag`` with Babel's likely script filled in (``zh-TW`` -> ``zh-Hant-TW``)."""
    loc = babel_locale(tag)
    if loc is None or tag.script or loc.language != tag.language:
        return tag
    return Tag(tag.language, loc.script, tag.region)


@dataclass(frozen=True)
class LocaleSettings:
    """What one locale file says, merged with the files it falls back to."""

    tag: str
    fallback: tuple[str, ...] = ()
    currency: str | None = None
    formality: Mapping[str, str] = field(default_factory=dict)
    greeting: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    sign_off: Mapping[str, str] = field(default_factory=dict)
    #: Words this locale does not use, with what it writes instead (Mainland 發貨 -> Taiwan 出貨):
    #: lint reports them in this locale's replies.
    avoid: Mapping[str, str] = field(default_factory=dict)
    #: How a postal address is laid out: a pattern of ``{line1}``, ``{city}``, ``{postcode}``, ...
    address: str = ""
    #: Typography: quotation marks around a quoted value, the pattern of a range of numbers in
    #: prose (``de {0} a {1}``), whether Han characters take a space next to Latin letters and digits
    #: (None: as written).
    quotes: tuple[str, str] = ("“", "”")
    range: str = ""
    han_spacing: bool | None = None
    #: The line before the sign-off, by the reply's tone, then by formality (``Kind regards,``).
    closing: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: An override of CLDR's minimumGroupingDigits (None: CLDR's, from :mod:`replykit._cldr`).
    minimum_grouping_digits: int | None = None
    #: False where prose writes a whole amount without its zero cents (£5, not £5.00).
    cents_on_whole_amounts: bool = True
    #: Signs this market writes for a currency instead of CLDR's (Taiwan: NT$ for TWD).
    currency_symbols: Mapping[str, str] = field(default_factory=dict)
    convert: str | None = None
    forbidden: tuple[str, ...] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    file: str | None = None

    def formality_for(self, channel: str) -> str:
        return self.formality.get(channel) or self.formality.get("default") or "formal"


#: The duration units a locale file may give phrases for.
DURATION_UNITS = ("minute", "hour", "day", "business_day", "week", "month")
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
CHANNELS = ("email", "chat", "sms")

_MAPPING, _LIST, _TEXT = "a mapping", "a list", "text"


def load_locale_file(
    path: Path, display: str, root: Path | None = None
) -> tuple[Tag, dict[str, Any], YamlFile, list[CatalogueError]]:
    """Read and check one ``locales/<tag>.yaml`` file (of the catalogue folder ``root``).

    A setting that is not valid is reported and left out, so the locale keeps
    the rest of its file and takes that setting from its fallbacks; only a file
    that is not a mapping of settings at all is refused whole.
    """
    doc = read_yaml(path, display, root)
    data = doc.data if doc.data is not None else {}
    try:
        tag = parse_tag(path.stem)
    except LocaleError:
        raise CatalogueError(
            f"locale file name {path.name!r} is not a locale tag; name it like 'es-MX.yaml'",
            file=display,
        ) from None
    if not isinstance(data, dict):
        raise CatalogueError("a locale file must be a mapping of settings", file=display, line=1)
    problems: list[CatalogueError] = []
    kept: dict[str, Any] = {}
    duplicated = doc.duplicated_entries()
    for name, value in data.items():
        problem: Found
        check = _CHECKS.get(str(name))
        if str(name) in duplicated:
            problems.append(duplicated[str(name)].error(display, "the setting is ignored", locale=str(tag)))
            continue
        if check is None:
            close = [n for n in _CHECKS if _similar(str(name), n)]
            hint = f"did you mean {close[0]!r}? " if close else ""
            problem = f"unknown setting {name!r}; {hint}known settings: {', '.join(sorted(_CHECKS))}"
        else:
            problem = check(value)
        if problem is None:
            kept[name] = value
            continue
        line = doc.line(str(name), *problem[1]) if isinstance(problem, tuple) else doc.line(str(name))
        message = problem[0] if isinstance(problem, tuple) else problem
        problems.append(CatalogueError(f"{message}; the setting is ignored", file=display, line=line, locale=str(tag)))
    return tag, kept, doc, problems


def _similar(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) >= 75


#: A check's answer: None when the setting is valid, else the problem (and the path to it inside the setting).
Found: TypeAlias = "str | tuple[str, tuple[str, ...]] | None"
Check: TypeAlias = Callable[[Any], Found]


def _kind(value: Any) -> str:
    return {dict: _MAPPING, list: _LIST, str: _TEXT, bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _text(name: str) -> Check:
    def check(value: Any) -> Found:
        return None if isinstance(value, str) else f"{name!r} must be text, got {_kind(value)}"

    return check


def _check_fallback(value: Any) -> Found:
    if not isinstance(value, list):
        return f"'fallback' must be a list of locale tags such as [es], got {_kind(value)}"
    for entry in value:
        try:
            parse_tag(entry if isinstance(entry, str) else "!")
        except LocaleError:
            return f"'fallback' holds {entry!r}, which is not a locale tag such as 'es' or 'en-US'"
    return None


def _check_currency(value: Any) -> Found:
    if not isinstance(value, str) or not is_currency_code(value):
        return f"'currency' must be an ISO 4217 code such as EUR or MXN, got {value!r}"
    return None


def _mapping_of(name: str, keys: tuple[str, ...], item: Callable[[str, Any], str | None]) -> Check:
    """A check for a mapping whose keys come from ``keys`` and whose values pass ``item``."""

    def check(value: Any) -> Found:
        if not isinstance(value, dict):
            return f"{name!r} must be {_MAPPING}, got {_kind(value)}"
        for key, entry in value.items():
            if key not in keys:
                return (f"{name}: unknown entry {key!r}; use {', '.join(keys)}", (str(key),))
            problem = item(f"{name}.{key}", entry)
            if problem is not None:
                return (problem, (str(key),))
        return None

    return check


def _formality_value(name: str, value: Any) -> str | None:
    return None if value in FORMALITIES else f"{name} must be formal or informal, got {value!r}"


def _rule_text(name: str, value: Any) -> str | None:
    return None if isinstance(value, str) else f"{name} must be text (a template), got {_kind(value)}"


def _by_formality(name: str, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{name} must be a mapping of formal and informal to texts"
    for formality, text in value.items():
        if formality not in FORMALITIES:
            return f"{name}: unknown entry {formality!r}; use formal or informal"
        if not isinstance(text, str):
            return f"{name}.{formality} must be text (a template), got {_kind(text)}"
    return None


def _greeting_rules(name: str, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{name} must be a mapping of female, male, neutral, anonymous to texts"
    for gender, text in value.items():
        if gender not in GENDERS:
            return f"{name}: unknown entry {gender!r}; use {', '.join(GENDERS)}"
        if not isinstance(text, str):
            return f"{name}.{gender} must be text (a template), got {_kind(text)}"
    return None


def _unit_phrases(name: str, value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"{name} must map plural categories to phrases, e.g. {{one: '{{0}} day', other: '{{0}} days'}}"
    for category, phrase in value.items():
        if category not in PLURAL_CATEGORIES:
            return f"{name}: {category!r} is not a plural category; use {', '.join(PLURAL_CATEGORIES)}"
        if not isinstance(phrase, str) or not phrase.strip():
            return f"{name}.{category} must be a phrase, got {phrase!r}"
        if category == "other" and "{0}" not in phrase:  # other forms may spell the number out (Arabic "يومان")
            return f"{name}.other must be a phrase with {{0}} where the number goes, got {phrase!r}"
    return None


def _check_numbers(value: Any) -> Found:
    if not isinstance(value, dict):
        return f"'numbers' must be {_MAPPING}, got {_kind(value)}"
    for key, entry in value.items():
        if key == "cents_on_whole_amounts":
            if not isinstance(entry, bool):
                return (f"numbers.cents_on_whole_amounts is true (£5.00) or false (£5), got {entry!r}", (key,))
            continue
        if key != "minimum_grouping_digits":
            return (
                f"numbers: unknown entry {key!r}; use minimum_grouping_digits or cents_on_whole_amounts",
                (str(key),),
            )
        if type(entry) is not int or not 1 <= entry <= 4:
            return (f"numbers.minimum_grouping_digits must be a whole number from 1 to 4, got {entry!r}", (key,))
    return None


def _check_convert(value: Any) -> Found:
    from ._chinese import CONVERSIONS

    if value not in CONVERSIONS:
        return f"'convert' must name a built-in conversion ({', '.join(sorted(CONVERSIONS))}), got {value!r}"
    return None


def _check_forbidden(value: Any) -> Found:
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        return "'forbidden' must be a list of phrases"
    return None


def _check_currency_symbols(value: Any) -> Found:
    if not isinstance(value, dict):
        return "'currency_symbols' maps a currency code to the sign this market writes, such as {TWD: NT$}"
    for code, sign in value.items():
        if not (isinstance(code, str) and is_currency_code(code)):
            return (f"currency_symbols: {code!r} is not an ISO 4217 currency code (USD, TWD, ...)", (str(code),))
        if not (isinstance(sign, str) and 0 < len(sign.strip()) <= 8 and "{" not in sign):
            return (f"currency_symbols.{code} must be a short sign such as NT$, got {sign!r}", (code,))
    return None


def _check_avoid(value: Any) -> Found:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return "'avoid' maps a word this locale does not use to the one it writes, such as {發貨: 出貨}"
    return None


def _check_typography(value: Any) -> Found:
    if not isinstance(value, dict):
        return f"'typography' must be {_MAPPING}, got {_kind(value)}"
    for key, entry in value.items():
        if key == "quotes" and not (
            isinstance(entry, list) and len(entry) == 2 and all(isinstance(q, str) for q in entry)
        ):
            return ("typography.quotes is the opening and closing mark, such as ['«', '»']", (key,))
        if key == "range" and not (isinstance(entry, str) and "{0}" in entry and "{1}" in entry):
            return ("typography.range is a pattern with {0} and {1}, such as 'de {0} a {1}'", (key,))
        if key == "han_spacing" and not isinstance(entry, bool):
            return ("typography.han_spacing is true (a space between Han and Latin letters or digits) or false", (key,))
        if key not in ("quotes", "range", "han_spacing"):
            return (f"typography: unknown entry {key!r}; use quotes, range, han_spacing", (str(key),))
    return None


def _limit_value(name: str, value: Any) -> str | None:
    return None if type(value) is int and value > 0 else f"{name} must be a whole number above 0, got {value!r}"


_CHECKS: dict[str, Check] = {
    "name": _text("name"),
    "fallback": _check_fallback,
    "currency": _check_currency,
    "formality": _mapping_of("formality", (*CHANNELS, "default"), _formality_value),
    "greeting": _mapping_of("greeting", FORMALITIES, _greeting_rules),
    "sign_off": _mapping_of("sign_off", FORMALITIES, _rule_text),
    "closing": _mapping_of("closing", TONES, _by_formality),
    "units": _mapping_of("units", DURATION_UNITS, _unit_phrases),
    "numbers": _check_numbers,
    "convert": _check_convert,
    "forbidden": _check_forbidden,
    "address": _text("address"),
    "avoid": _check_avoid,
    "currency_symbols": _check_currency_symbols,
    "typography": _check_typography,
    "limits": _mapping_of("limits", CHANNELS, _limit_value),
}


@lru_cache(maxsize=1)
def _currency_codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency_code(code: str) -> bool:
    """True for an ISO 4217 code CLDR knows (``USD``; not ``USX`` or ``usd``)."""
    return code in _currency_codes()


def merge_settings(tag: Tag, layers: Iterable[tuple[str, Mapping[str, Any]]]) -> LocaleSettings:
    """Merge locale files, most specific first: the first layer that sets a value wins."""
    merged: dict[str, Any] = {}
    first_file: str | None = None
    for file, data in layers:
        first_file = first_file or file
        for name, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(name), dict):
                merged[name] = _merge_dicts(merged[name], value)
            elif name not in merged:
                merged[name] = value
    numbers = merged.get("numbers", {})
    typography = merged.get("typography", {})
    limits = {k: v for k, v in merged.get("limits", {}).items() if isinstance(v, int)}
    return LocaleSettings(
        tag=str(tag),
        fallback=tuple(merged.get("fallback", ())),
        currency=merged.get("currency"),
        formality=dict(merged.get("formality", {})),
        greeting={k: dict(v) for k, v in merged.get("greeting", {}).items() if isinstance(v, dict)},
        sign_off={k: str(v) for k, v in merged.get("sign_off", {}).items()},
        closing={k: dict(v) for k, v in merged.get("closing", {}).items() if isinstance(v, dict)},
        address=str(merged.get("address", "")),
        avoid=dict(merged.get("avoid", {})),
        quotes=tuple(typography.get("quotes", ("“", "”"))),
        range=str(typography.get("range", "")),
        han_spacing=typography.get("han_spacing"),
        units={k: dict(v) for k, v in merged.get("units", {}).items() if isinstance(v, dict)},
        minimum_grouping_digits=numbers.get("minimum_grouping_digits"),
        cents_on_whole_amounts=numbers.get("cents_on_whole_amounts", True),
        currency_symbols=dict(merged.get("currency_symbols", {})),
        convert=merged.get("convert"),
        forbidden=tuple(str(p) for p in merged.get("forbidden", ())),
        limits=limits,
        file=first_file,
    )


def _merge_dicts(high: Mapping[str, Any], low: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for k, v in high.items():
        out[k] = _merge_dicts(v, out[k]) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


#: The duration units CLDR names (``business_day`` is not among them).
_CLDR_UNITS = {
    "minute": "duration-minute",
    "hour": "duration-hour",
    "day": "duration-day",
    "week": "duration-week",
    "month": "duration-month",
}


def scaffold(tag: Tag, source: str) -> str:
    """A new locale file for ``tag``: what CLDR knows filled in, the rest marked TRANSLATE.

    CLDR gives the unit phrases (``{0} jours``) and the region's currency; the
    greeting, the sign-off and business days are a shop's own words, so they are
    left for a translator (lint reports them as ``locale-incomplete`` until then).
    """
    import json

    from babel.numbers import get_territory_currencies

    locale = babel_locale(tag)
    lines = [
        f"# Locale settings for {tag}. Unit phrases come from CLDR (check them); translate what is",
        "# marked TRANSLATE, then uncomment it. What is not set here comes from the fallback locales.",
        f"fallback: [{source}]",
    ]
    currencies = get_territory_currencies(tag.region) if tag.region else []
    if currencies:
        lines.append(f"currency: {currencies[0]}")
    lines.append("formality: {email: formal, chat: informal, sms: informal}")
    units = []
    patterns = locale._data["unit_patterns"] if locale is not None else {}
    for unit, cldr in _CLDR_UNITS.items():
        forms = {k: v for k, v in dict(patterns.get(cldr, {}).get("long", {})).items() if k in PLURAL_CATEGORIES}
        if forms:
            units.append(
                f"  {unit}: {{{', '.join(f'{k}: {json.dumps(v, ensure_ascii=False)}' for k, v in forms.items())}}}"
            )
    if units:
        lines += ["units:", *units]
    lines += [
        '#  business_day: {one: "{0} TRANSLATE", other: "{0} TRANSLATE"}   # CLDR has no business days',
        "# greeting:   # TRANSLATE",
        "#   formal:",
        '#     female: "TRANSLATE {{ customer.last_name }},"',
        '#     male: "TRANSLATE {{ customer.last_name }},"',
        '#     neutral: "TRANSLATE {{ customer.full_name }},"',
        '#     anonymous: "TRANSLATE,"',
        "#   informal:",
        '#     neutral: "TRANSLATE {{ customer.name }},"',
        '#     anonymous: "TRANSLATE,"',
        "# sign_off:   # TRANSLATE",
        "#   formal: |",
        "#     TRANSLATE",
        "#     {{ agent or shop }}",
        "#   informal: |",
        "#     TRANSLATE",
        "#     {{ agent or shop }}",
        "# forbidden: []   # phrases a reply must never contain",
    ]
    return "\n".join(lines) + "\n"


def local_currency(tag: Tag) -> str | None:
    """The currency of the tag's country (CLDR): es-AR -> ARS, en-IN -> INR; a tag without a
    region takes its likely one (es -> ES -> EUR)."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    region = tag.region
    if region is None:
        likely = get_global("likely_subtags").get(tag.language, "")
        region = likely.split("_")[-1] if likely.count("_") >= 1 else None
    found = get_territory_currencies(region, tender=True) if region else []
    return found[0] if found else None
