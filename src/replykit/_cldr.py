"""CLDR rules that Babel's data does not carry, kept small and in one place.

Babel ships CLDR's patterns and symbols but not three rules ICU applies, so a
reply would read differently from what every other tool of that market writes:

* ``minimumGroupingDigits`` (CLDR ``numbers.xml``): Spanish, Polish, Italian and a
  few more group thousands only from five digits (``1234`` but ``12.345``);
  Latin American Spanish (``es_419``) groups from four again.
* the number range pattern (``miscPatterns/range``): ``3–5`` in English, ``3-5``
  in Spanish and Chinese, ``3～5`` in Japanese.
* the Spanish conjunctions: "y" becomes "e" before a word that starts with the
  sound /i/ ("Jarrón e Hilo") and "o" becomes "u" before /o/ ("siete u ocho"),
  as ICU's list formatter writes them.

Values from CLDR 48, the release Node's and ICU 78's data come from.
"""

from __future__ import annotations

import re

#: Languages that group thousands only from five digits, with the regions of the
#: language that do not (they inherit from a parent that resets it).
_GROUP_FROM_FIVE: dict[str, frozenset[str]] = {
    "es": frozenset(
        [
            "419",
            "AR",
            "BO",
            "BR",
            "BZ",
            "CL",
            "CO",
            "CR",
            "CU",
            "DO",
            "EC",
            "GT",
            "HN",
            "MX",
            "NI",
            "PA",
            "PE",
            "PR",
            "PY",
            "SV",
            "US",
            "UY",
            "VE",
        ]
    ),  # es_419 and its children: 1
    "pl": frozenset(),
    "it": frozenset(),
    "hu": frozenset(),
    "bg": frozenset(),
    "lv": frozenset(),
    "et": frozenset(),
    "sl": frozenset(),
    "sq": frozenset(),
    "hy": frozenset(),
    "ka": frozenset(),
    "pt": frozenset({"BR", "AO"}),  # pt (Brazil) and pt_AO: 1; pt_PT and its other children: 2
}


def minimum_grouping_digits(language: str, region: str | None) -> int:
    """CLDR's minimumGroupingDigits of a locale: 2 where ``1234`` stays ungrouped, else 1."""
    exceptions = _GROUP_FROM_FIVE.get(language)
    if exceptions is None:
        return 1
    if language == "pt" and region is None:
        return 1  # "pt" is Brazilian Portuguese in CLDR
    return 1 if region in exceptions else 2


#: CLDR's number range pattern where it is not ``{0}–{1}`` (en dash).
_RANGES = {"es": "{0}-{1}", "zh": "{0}-{1}", "nl": "{0}-{1}", "it": "{0}-{1}", "vi": "{0}-{1}", "th": "{0}-{1}",
           "ja": "{0}～{1}", "ko": "{0}~{1}"}  # fmt: skip


def range_pattern(language: str) -> str:
    """How a locale writes a range of two numbers: ``{0}–{1}``, ``{0}-{1}``, ``{0}～{1}``."""
    return _RANGES.get(language, "{0}–{1}")


# ICU's rules (listformatter.cpp): "y" -> "e" before /i/ (not the diphthongs "hia",
# "hie"); "o" -> "u" before /o/, "8" ("ocho") and "11" ("once").
_SPANISH_E = re.compile(r"(?i)(i|hi|hi[^ae])")
_SPANISH_U = re.compile(r"(?i)(o|ho|8)|11(?![0-9])")


def spanish_conjunction(pattern: str, following: str) -> str:
    """A Spanish list pattern (``{0} y {1}``) with its conjunction fitted to the word after it."""
    if " y {1}" in pattern and _SPANISH_E.match(following) and not _starts_with_hia_hie(following):
        return pattern.replace(" y {1}", " e {1}")
    if " o {1}" in pattern and _SPANISH_U.match(following):
        return pattern.replace(" o {1}", " u {1}")
    return pattern


def _starts_with_hia_hie(word: str) -> bool:
    return word[:3].lower() in ("hia", "hie")
