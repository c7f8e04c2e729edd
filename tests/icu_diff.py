"""replykit's value formatting next to ICU's, case by case.

Each case is one value in one locale, formatted twice: by replykit through its
public API (a small catalogue whose templates print the value with a filter,
``{{ v | money }}``), and by ICU through Node's ``Intl`` (``tests/icu_format.js``).
A difference counts unless ``tests/icu_allowlist.yaml`` names it with a reason.

Used by ``tests/test_icu.py`` and ``benchmarks/icu_report.py``.

Spaces: U+0020, U+00A0 (no-break) and U+202F (narrow no-break) count as one
character. They look alike on a customer's screen, and ICU's own users do not
keep them apart either: V8's Intl.DateTimeFormat().format() writes U+0020 where
ICU's data has U+202F ("2:30 PM"), for web compatibility. Nothing else is
normalised: other spaces, bidi marks, dashes and minus signs all count.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

import replykit

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
ICU_SCRIPT = TESTS / "icu_format.js"
ALLOWLIST = TESTS / "icu_allowlist.yaml"

#: What "now" is for relative dates.
CLOCK = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.timezone.utc)

#: The grid's locales and the currency of each one's country (CLDR territory data).
LOCALES: dict[str, str] = {
    "en-US": "USD",
    "en-GB": "GBP",
    "es-ES": "EUR",
    "es-MX": "MXN",
    "zh-CN": "CNY",
    "zh-TW": "TWD",
    "zh-HK": "HKD",
    "fr-FR": "EUR",
    "de-DE": "EUR",
    "de-CH": "CHF",
    "pt-BR": "BRL",
    "ja-JP": "JPY",
    "ar-EG": "EGP",
    "hi-IN": "INR",
    "en-IN": "INR",
    "es-AR": "ARS",
    "es-CO": "COP",
    "nl-NL": "EUR",
    "pl-PL": "PLN",
    "ru-RU": "RUB",
}

#: The grid's currencies without minor units in CLDR (replykit refuses 1234.5 JPY; ICU would round it).
WHOLE_CURRENCIES = frozenset({"JPY", "COP"})

_PLURAL_FORMS = ", ".join(f'{c}="{c} #"' for c in ("zero", "one", "two", "few", "many", "other"))

#: The test catalogue's templates: name -> (the variable's declared type, the text).
TEMPLATES: dict[str, tuple[str, str]] = {
    "money": ("money", "{{ v | money }}"),
    "number": ("number", "{{ v | number }}"),
    "percent": ("percent", "{{ v | percent }}"),
    "date_long": ("date", '{{ v | date("long") }}'),
    "date_medium": ("date", '{{ v | date("medium") }}'),
    "date_short": ("date", '{{ v | date("short") }}'),
    "datetime_medium": ("datetime", '{{ v | datetime("medium") }}'),
    "list_and": ("list", "{{ v | list }}"),
    "list_or": ("list", '{{ v | list("or") }}'),
    # Prints the plural category and the number, as ICU's side does.
    "plural": ("number", f"{{{{ v | plural({_PLURAL_FORMS}) }}}}"),
    "duration": ("duration", "{{ v | duration }}"),
    "relative": ("date", "{{ v | relative }}"),
}

_EXAMPLES: dict[str, Any] = {
    "money": 1,
    "number": 1,
    "percent": 1,
    "date": "2026-03-05",
    "datetime": "2026-03-05T14:30:00",
    "list": ["a", "b"],
    "duration": 1,
}


@dataclass(frozen=True)
class IcuRequest:
    """How ``tests/icu_format.js`` formats one case."""

    locale: str
    op: str
    args: tuple[Any, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"locale": self.locale, "op": self.op, "args": list(self.args), "options": dict(self.options)}


@dataclass(frozen=True)
class Case:
    """One value in one locale; ``type`` and ``value`` name it in tables and in the allowlist."""

    locale: str
    type: str
    value: str
    template: str
    data: Any
    icu: IcuRequest


# -- the grid ---------------------------------------------------------------------------


def grid(locales: Iterable[str] = LOCALES) -> list[Case]:
    """Every case, locale by locale."""
    return [case for locale in locales for case in _cases(locale)]


def _cases(locale: str) -> Iterable[Case]:
    own = LOCALES[locale]

    def case(type_: str, value: str, template: str, data: Any, op: str, *args: Any, **options: Any) -> Case:
        return Case(locale, type_, value, template, data, IcuRequest(locale, op, args, options))

    def amount(currency: str) -> float:
        return 1234 if currency in WHOLE_CURRENCIES else 1234.5

    for currency in dict.fromkeys((own, "USD", "EUR")):
        money = {"style": "currency", "currency": currency}
        amounts = (amount(currency), 1_000_000, 10_000_000) if currency == own else (amount(currency), 1_000_000)
        for value in amounts:
            data = {"amount": value, "currency": currency}
            yield case("money", f"{value} {currency}", "money", data, "number", value, **money)
    own_money = {"style": "currency", "currency": own}
    for value in (amount(own), 10_000_000):  # a bare number is in the currency of the locale's country
        yield case("money bare", f"{value}", "money", value, "number", value, **own_money)

    for number in (7, 1234, 1234.56, 1_000_000, 10_000_000, 2.0625):
        yield case("number", f"{number}", "number", number, "number", number)
    for percent in (15, 12.5, 1500):
        yield case("percent", f"{percent}", "percent", percent, "number", percent / 100, style="percent")

    day = "2026-03-05"
    for style in ("long", "medium", "short"):
        yield case(f"date {style}", day, f"date_{style}", day, "date", f"{day}T00:00Z", dateStyle=style, timeZone="UTC")
    at, zoned = f"{day}T14:30:00", f"{day}T14:30:00-05:00"
    utc = {"dateStyle": "medium", "timeStyle": "medium", "timeZone": "UTC"}
    yield case("datetime medium", at, "datetime_medium", at, "date", f"{at}Z", **utc)
    # With an offset the time shows its zone: ICU's timeStyle "long" (Etc/GMT+5 is UTC-05:00).
    offset = {"dateStyle": "medium", "timeStyle": "long", "timeZone": "Etc/GMT+5"}
    yield case("datetime medium", zoned, "datetime_medium", zoned, "date", zoned, **offset)

    lists = [["Lamp", "Vase"], ["Lamp", "Vase", "Rug"]]
    if locale.startswith("es-"):  # y -> e before (h)i but not "hie", o -> u before (h)o
        lists += [
            ["Jarrón", "Hilo"],
            ["Lámpara", "Vaso", "Isla"],
            ["agua", "hielo"],
            ["siete", "ocho"],
            ["Vaso", "Horno"],
        ]
    for items in lists:
        for style, kind in (("and", "conjunction"), ("or", "disjunction")):
            yield case(f"list {style}", ", ".join(items), f"list_{style}", items, "list", *items, type=kind)

    for count in (0, 1, 1.0, 2, 5, 21):
        yield case("plural", f"{count}", "plural", count, "plural", count)

    for unit, single, (low, high) in (("day", (1, 3), (7, 10)), ("hour", (1, 24), (24, 48)), ("week", (1, 2), (2, 3))):
        options = {"style": "unit", "unit": unit, "unitDisplay": "long"}
        for value in single:
            data = {"value": value, "unit": unit}
            yield case("duration", f"{value} {unit}", "duration", data, "number", value, **options)
        data = {"min": low, "max": high, "unit": unit}
        yield case("duration", f"{low}-{high} {unit}", "duration", data, "number-range", low, high, **options)

    for days in (-1, 0, 1, 3, 12, 26, 45):
        when = (CLOCK.date() + dt.timedelta(days=days)).isoformat()
        yield case("relative", f"{days:+d} days", "relative", when, "relative", days, numeric="auto")


# -- replykit's side --------------------------------------------------------------------


def languages(locales: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag.split("-")[0] for tag in locales))


def write_catalogue(root: Path, locales: Iterable[str] = LOCALES) -> Path:
    """A catalogue with the shipped locale files (their typography left out: how prose writes a
    range, spaces around Han, whole amounts or a currency's sign is the market's choice, not CLDR's) and the same
    templates in every language of ``locales``.

    A language without templates would be formatted in the catalogue's default
    locale, so each language gets its own (identical) templates folder.
    """
    shutil.copytree(REPO / "locales", root / "locales")
    for path in (root / "locales").glob("*.yaml"):  # CLDR's forms, without the locale's prose choices
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data.pop("typography", None)  # Han spacing, ranges in words ("de 3 a 5"): tests/test_regional_texts.py
        data.get("numbers", {}).pop("cents_on_whole_amounts", None)  # £5 for £5.00: the same
        data.pop("currency_symbols", None)  # Taiwan's NT$ for CLDR's $: the same
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "replykit.yaml").write_text("default_locale: en-US\nsource_language: en\n", encoding="utf-8")
    entries = {
        f"pre_sale.icu_{name}": {
            "title": name,
            "variables": {"v": {"type": type_, "example": _EXAMPLES[type_]}},
            "chat": text,
        }
        for name, (type_, text) in TEMPLATES.items()
    }
    text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    for language in languages(locales):
        folder = root / "templates" / language
        folder.mkdir(parents=True)
        (folder / "pre_sale.yaml").write_text(text, encoding="utf-8")
    return root


def load_library(root: Path, locales: Iterable[str] = LOCALES) -> replykit.Library:
    lib = replykit.load(write_catalogue(root, locales))
    lib.clock = lambda: CLOCK
    return lib


def replykit_texts(lib: replykit.Library, cases: Sequence[Case]) -> list[str]:
    """What replykit prints for each case; an error or another locale is part of the text."""
    out = []
    for case in cases:
        try:
            reply = lib.render(
                f"pre_sale.icu_{case.template}", locale=case.locale, channel="chat", strict=True, v=case.data
            )
        except replykit.ReplykitError as exc:
            out.append(f"error: {exc.message}")
            continue
        out.append(reply.body if reply.locale == case.locale else f"[formatted as {reply.locale}] {reply.body}")
    return out


# -- ICU's side -------------------------------------------------------------------------


def node_problem() -> str | None:
    """Why ICU cannot be asked on this machine, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not on PATH"
    probe = (
        "const ok = typeof Intl.DisplayNames === 'function' && typeof Intl.ListFormat === 'function'"
        " && typeof Intl.RelativeTimeFormat === 'function';"
        "const tags = process.argv.slice(1);"
        "const off = tags.filter(t => new Intl.NumberFormat(t).resolvedOptions().locale !== t);"
        "console.log(ok ? off.join(' ') : 'NO-INTL');"
    )
    try:
        done = subprocess.run([node, "-e", probe, *LOCALES], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"node does not run ({exc})"
    answer = done.stdout.strip()
    if answer == "NO-INTL":
        return "node has no Intl.DisplayNames, ListFormat or RelativeTimeFormat"
    if answer:
        return f"node's ICU has no locale data for {answer} (small-icu build?)"
    return None


def _node(args: Sequence[str], stdin: str = "") -> Any:
    """What ``node ARGS`` prints, read as JSON."""
    done = subprocess.run(
        ["node", *args], input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False
    )
    if done.returncode:
        raise RuntimeError(f"node {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def icu_texts(requests: Sequence[IcuRequest]) -> list[str]:
    """ICU's text for each request (``tests/icu_format.js``)."""
    texts: list[str] = _node([str(ICU_SCRIPT)], json.dumps([r.to_json() for r in requests]))
    return texts


def versions() -> dict[str, str]:
    """Babel's and ICU's versions, as the allowlist's ``reviewed_with`` names them."""
    import babel
    from babel.core import get_global

    icu: dict[str, str] = _node(["-p", "JSON.stringify({icu: process.versions.icu, cldr: process.versions.cldr})"])
    return {
        "babel": babel.__version__,
        "babel_cldr": str(get_global("cldr")["version"]),
        "icu": icu["icu"],
        "icu_cldr": icu["cldr"],
    }


# -- comparing ---------------------------------------------------------------------------


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def normalise(text: str) -> str:
    """The text as a customer sees it: the three kinds of space are one (see the module's docstring)."""
    return text.translate(_SPACES)


@dataclass(frozen=True, eq=False)
class Entry:
    """One reviewed difference of the allowlist.

    An exact entry names one locale, type and value and gives both texts (CLDR-version
    noise): it accepts that difference and no other. A rewrite entry names its types
    (and, when not all, its locales and values) and rewrites ICU's request so that it
    asks for what replykit deliberately prints (Latin digits: ``ar-EG-u-nu-latn``);
    it accepts a difference only if replykit prints exactly ICU's answer to that.
    Rewrites apply before exact entries, whose ``icu`` text is then ICU's rewritten answer.
    """

    reasons: tuple[str, ...]
    types: tuple[str, ...]
    locales: tuple[str, ...] = ()  # empty: every locale
    values: tuple[str, ...] = ()  # empty: every value
    replykit: str | None = None
    icu: str | None = None
    icu_request: Mapping[str, Any] | None = None

    def covers(self, case: Case) -> bool:
        return (
            case.type in self.types
            and (not self.locales or case.locale in self.locales)
            and (not self.values or case.value in self.values)
        )

    def name(self) -> str:
        def part(items: tuple[str, ...], every: str) -> str:
            return ", ".join(items) if items else every

        return f"{part(self.locales, 'every locale')} / {part(self.types, '')} / {part(self.values, 'every value')}"


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    items = tuple(value) if isinstance(value, list) else (value,)
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"{ALLOWLIST.name}: {key} {value!r}: write it as text (in quotes)")
    return items


def _entry(raw: Mapping[str, Any], reasons: Mapping[str, str]) -> Entry:
    unknown = set(raw) - {"reason", "type", "locale", "value", "replykit", "icu", "icu_request"}
    entry = Entry(
        reasons=_strings(raw, "reason"),
        types=_strings(raw, "type"),
        locales=_strings(raw, "locale"),
        values=_strings(raw, "value"),
        replykit=raw.get("replykit"),
        icu=raw.get("icu"),
        icu_request=raw.get("icu_request"),
    )
    problem = _problem(entry, reasons) or (f"unknown field(s) {sorted(unknown)}" if unknown else None)
    if problem:
        raise ValueError(f"{ALLOWLIST.name}: {entry.name()}: {problem}")
    return entry


def _problem(entry: Entry, reasons: Mapping[str, str]) -> str | None:
    exact = entry.replykit is not None and entry.icu is not None
    if not entry.reasons or any(r not in reasons for r in entry.reasons):
        return "each entry gives a reason (or reasons) from 'reasons'"
    if not entry.types:
        return "each entry names its type (or types)"
    if exact == (entry.icu_request is not None):
        return "give either replykit and icu, or icu_request"
    if exact and not len(entry.locales) == len(entry.types) == len(entry.values) == 1:
        return "an exact entry names one locale, one type and one value"
    return None


@dataclass(frozen=True)
class Allowlist:
    reasons: Mapping[str, str]
    entries: tuple[Entry, ...]
    #: The Babel and ICU versions the entries were reviewed with.
    reviewed_with: Mapping[str, str]


def load_allowlist(path: Path = ALLOWLIST) -> Allowlist:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    reasons = data["reasons"]
    entries = tuple(_entry(raw, reasons) for raw in data.get("differences") or ())
    unused = set(reasons) - {r for e in entries for r in e.reasons}
    if unused:
        raise ValueError(f"{path.name}: no entry gives the reason(s) {sorted(unused)}: delete them")
    return Allowlist(reasons, entries, data.get("reviewed_with", {}))


def rewritten(case: Case, entries: Iterable[Entry]) -> IcuRequest | None:
    """ICU's request for ``case`` with every rewrite of the allowlist that covers it, or None."""
    rewrites = [e.icu_request for e in entries if e.icu_request is not None and e.covers(case)]
    if not rewrites:
        return None
    request = case.icu
    for rewrite in rewrites:
        request = replace(
            request,
            locale=rewrite.get("locale", request.locale),
            args=tuple(rewrite.get("args", request.args)),
            options={**request.options, **rewrite.get("options", {})},
        )
    return request


@dataclass(frozen=True)
class Row:
    case: Case
    replykit: str
    icu: str
    #: ICU's answer to the request as the allowlist rewrites it, when it does.
    icu_rewritten: str | None = None
    #: The allowlist entries that accept this difference (empty when it counts).
    allowed_by: tuple[Entry, ...] = ()

    @property
    def same(self) -> bool:
        return normalise(self.replykit) == normalise(self.icu)


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]
    stale: list[Entry]
    #: Babel's and ICU's versions in this run (see ``versions``).
    versions: Mapping[str, str]

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.same and not r.allowed_by]

    @property
    def allowed(self) -> list[Row]:
        return [r for r in self.rows if not r.same and r.allowed_by]

    @property
    def exact(self) -> int:
        return sum(r.same for r in self.rows)


def compare(lib: replykit.Library, cases: Sequence[Case], allowlist: Allowlist) -> Comparison:
    """Both sides of every case, which differences the allowlist accepts, and its stale entries."""
    extra = {i: r for i, case in enumerate(cases) if (r := rewritten(case, allowlist.entries)) is not None}
    answer = icu_texts([c.icu for c in cases] + list(extra.values()))
    alternative = dict(zip(extra, answer[len(cases) :], strict=True))
    ours = replykit_texts(lib, cases)
    rows = []
    used: set[Entry] = set()
    for i, (case, mine, theirs) in enumerate(zip(cases, ours, answer[: len(cases)], strict=True)):
        row = Row(case, mine, theirs, alternative.get(i))
        if not row.same:
            allowed = _accepting(row, allowlist.entries)
            used.update(allowed)
            row = replace(row, allowed_by=allowed)
        rows.append(row)
    stale = [e for e in allowlist.entries if e not in used]
    return Comparison(rows, stale, versions())


def _accepting(row: Row, entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """The entries that together accept the difference of ``row``; empty if it counts."""
    covering = [e for e in entries if e.covers(row.case)]
    rewrites = tuple(e for e in covering if e.icu_request is not None)
    mine = normalise(row.replykit)
    theirs = normalise(row.icu_rewritten if row.icu_rewritten is not None else row.icu)
    if rewrites and mine == theirs:
        return rewrites
    for entry in covering:
        texts = (normalise(entry.replykit or ""), normalise(entry.icu or ""))
        if entry.icu_request is None and texts == (mine, theirs):
            return (*rewrites, entry)
    return ()


# -- reporting ---------------------------------------------------------------------------


def shown(text: str) -> str:
    """``text`` with its invisible characters named, for a table."""
    names = {"\u00a0": "⍽", "\u202f": "⍽", "\u200f": "<RLM>", "\u200e": "<LRM>", "\u061c": "<ALM>"}
    return "".join(names.get(ch, ch) for ch in text)


def table(rows: Iterable[Row]) -> str:
    """Locale, type, value, replykit, ICU: one line per row.

    ⍽ is a no-break space; † marks ICU's answer to the request as the allowlist rewrites it.
    """
    lines = [("locale", "type", "value", "replykit", "ICU")]
    for r in rows:
        icu = shown(r.icu) if r.icu_rewritten is None else f"{shown(r.icu_rewritten)} †"
        lines.append((r.case.locale, r.case.type, r.case.value, shown(r.replykit), icu))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(line[:4], widths, strict=True)), line[4]]) for line in lines
    )


def by_reason(rows: Iterable[Row]) -> Counter[str]:
    """Allowlisted differences per reason (a difference two reasons account for counts under both)."""
    return Counter(reason for row in rows for reason in {r for e in row.allowed_by for r in e.reasons})


def failure_message(result: Comparison, allowlist: Allowlist) -> str:
    """What the test prints when replykit and ICU disagree beyond the allowlist, or the allowlist is stale."""
    parts = []
    now = dict(result.versions)
    if dict(allowlist.reviewed_with) != now:
        parts.append(
            f"This run has {now}; {ALLOWLIST.name} was reviewed with {dict(allowlist.reviewed_with)}: "
            "CLDR-version entries may be stale or missing."
        )
    if result.failures:
        per_type = Counter(r.case.type for r in result.failures)
        parts.append(
            f"{len(result.failures)} of {len(result.rows)} cases differ from ICU and are not in "
            f"tests/{ALLOWLIST.name} ({', '.join(f'{t}: {n}' for t, n in per_type.most_common())}).\n"
            "⍽ is a no-break space; † marks ICU asked as the allowlist rewrites it.\n\n" + table(result.failures)
        )
    if result.stale:
        stale = "\n".join(f"  {e.name()} ({', '.join(e.reasons)})" for e in result.stale)
        parts.append(
            f"{len(result.stale)} entries of tests/{ALLOWLIST.name} no longer match a difference; "
            f"delete or correct them:\n{stale}"
        )
    return "\n\n".join(parts)
