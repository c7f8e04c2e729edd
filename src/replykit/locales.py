"""Locale tags, per-locale settings and fallback chains.

A locale is always an explicit, parsed value: the reply never depends on the
server's environment. Tags are BCP 47 (``es-MX``, ``zh-Hant-TW``) or POSIX-ish
(``zh_CN``); Babel parses them and fills in likely subtags, so ``zh-TW`` and
``zh-Hant-TW`` are the same locale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

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
GENDERS = ("female", "male", "neutral", "anonymous")


@dataclass(frozen=True)
class Tag:
    """A parsed locale tag: language, optional script and region."""

    language: str
    script: str | None = None
    region: str | None = None

    def __str__(self) -> str:
        return "-".join(p for p in (self.language, self.script, self.region) if p)


@lru_cache(maxsize=1024)
def parse_tag(value: str) -> Tag:
    """Parse a BCP 47 / POSIX tag; raise :class:`LocaleError` when malformed.

    >>> parse_tag("ES-mx")
    Tag(language='es', script=None, region='MX')
    >>> str(parse_tag("zh_Hant_TW"))
    'zh-Hant-TW'
    """
    text = str(value).strip()
    match = _TAG_RE.match(text.split(".")[0].split("@")[0]) if text else None
    if not match:
        raise LocaleError(
            f"malformed locale tag {value!r}; use a BCP 47 tag such as 'en-US', 'es-MX' or 'zh-Hant-TW'",
            locale=str(value),
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
    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    minimum_grouping_digits: int = 1
    convert: str | None = None
    forbidden: tuple[str, ...] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    file: str | None = None

    def formality_for(self, channel: str) -> str:
        return self.formality.get(channel) or self.formality.get("default") or "formal"


_SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "fallback": list,
    "currency": str,
    "formality": dict,
    "greeting": dict,
    "sign_off": dict,
    "units": dict,
    "numbers": dict,
    "convert": str,
    "forbidden": list,
    "limits": dict,
}


def load_locale_file(path: Path, display: str, root: Path | None = None) -> tuple[Tag, dict[str, Any], YamlFile]:
    """Read and check one ``locales/<tag>.yaml`` file (of the catalogue folder ``root``)."""
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
    for name, value in data.items():
        expected = _SETTING_TYPES.get(name)
        if expected is None:
            raise CatalogueError(
                f"unknown setting {name!r}; known settings: {', '.join(sorted(_SETTING_TYPES))}",
                file=display,
                line=doc.line(str(name)),
                locale=str(tag),
            )
        if not isinstance(value, expected):
            raise CatalogueError(
                f"setting {name!r} must be a {_type_name(expected)}, got {type(value).__name__}",
                file=display,
                line=doc.line(name),
                locale=str(tag),
            )
    for entry in data.get("fallback", []):
        try:
            parse_tag(entry)
        except LocaleError as exc:
            raise CatalogueError(exc.message, file=display, line=doc.line("fallback")) from None
    return tag, data, doc


def _type_name(expected: type | tuple[type, ...]) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)


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
    limits = {k: v for k, v in merged.get("limits", {}).items() if isinstance(v, int)}
    return LocaleSettings(
        tag=str(tag),
        fallback=tuple(merged.get("fallback", ())),
        currency=merged.get("currency"),
        formality=dict(merged.get("formality", {})),
        greeting={k: dict(v) for k, v in merged.get("greeting", {}).items() if isinstance(v, dict)},
        sign_off={k: str(v) for k, v in merged.get("sign_off", {}).items()},
        units={k: dict(v) for k, v in merged.get("units", {}).items() if isinstance(v, dict)},
        minimum_grouping_digits=int(numbers.get("minimum_grouping_digits", 1)),
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
