"""Typed template values and their locale-correct formatting.

A template variable declares a type (``money``, ``date``, ``customer``, ...).
Before a render, each value the caller gives is read as that type
(:func:`coerce`) and bound to the reply's locale, so ``{{ order.total }}``
prints ``$1,234.50`` in en-US and ``1234,50 US$`` in es-ES with no filter.
All formatting goes through Babel (CLDR); nothing here hand-writes a format.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_group_symbol,
)

from ._cldr import minimum_grouping_digits, range_pattern, spanish_conjunction
from .errors import InvalidValueError, RenderError, shown
from .locales import DURATION_UNITS, LocaleSettings, is_currency_code

#: The variable types a catalogue may declare.
TYPES = (
    "string",
    "text",
    "url",
    "email",
    "integer",
    "number",
    "percent",
    "money",
    "date",
    "datetime",
    "duration",
    "list",
    "customer",
    "address",
    "boolean",
)

#: The duration units CLDR has words for, by their CLDR names.
CLDR_UNITS = _BABEL_UNITS = {
    "minute": "duration-minute",
    "hour": "duration-hour",
    "day": "duration-day",
    "week": "duration-week",
    "month": "duration-month",
}


#: Amounts a formatter keeps written (see :meth:`Formatter.money`).
MAX_KEPT_AMOUNTS = 1_024
#: Decimals of each currency (CLDR), looked up once per code.
_PRECISION: dict[str, int] = {}


class Formatter:
    """Babel formatting bound to one locale and its catalogue settings.

    Babel (CLDR's data) writes every number, date and list; this class adds the
    CLDR rules Babel does not apply (:mod:`replykit._cldr`, currency spacing) and
    works around what Babel gets wrong, each in one place.
    """

    def __init__(
        self,
        locale: Locale,
        settings: LocaleSettings,
        currency: str,
        clock: Callable[[], dt.datetime],
        country: str | None = None,
        currency_display: str = "auto",
    ) -> None:
        self.locale = locale
        self.settings = settings
        self.currency = currency
        self.clock = clock
        #: The customer's country (ISO 3166), when known: an amount whose sign also means
        #: that country's own currency is shown with its code (``USD 1,234.50`` in Mexico).
        self.country = country
        #: ``auto`` (as above), ``symbol`` (always the locale's sign) or ``code`` (always the ISO code).
        self.currency_display = currency_display
        self._countries: dict[str, Formatter] = {}
        self._plain_digits: bool | None = None  # worked out on first use: a fallback may never format
        self._plural: dict[int, str] = {}
        self._symbols: dict[str, str] = {}
        self._amounts: dict[tuple[Any, ...], str] = {}
        min_grouping = settings.minimum_grouping_digits
        self.min_grouping = min_grouping or minimum_grouping_digits(locale.language, locale.territory)
        #: Babel strips a group separator that is an apostrophe (de-CH ``10'000'000``) as if
        #: it quoted text; such locales are grouped here instead.
        self._apostrophe = "'" in get_group_symbol(locale)

    def _grouped(self, rounded: Decimal) -> bool:
        """CLDR's minimumGroupingDigits, decided on the number as it is printed (9999.999 € is 10.000,00 €)."""
        return self.min_grouping < 2 or abs(rounded) >= 10 ** (2 + self.min_grouping)

    def for_country(self, country: str) -> Formatter:
        """This formatter for a customer in ``country`` (a shipping country given with the values)."""
        found = self._countries.get(country)
        if found is None:
            found = Formatter(self.locale, self.settings, self.currency, self.clock, country, self.currency_display)
            self._countries[country] = found
        return found

    def _shows_code(self, currency: str) -> bool:
        """Whether ``currency`` must be shown by its code: asked so, or its sign here is also the
        sign of the customer's own, other currency (``$`` for dollars and Mexican pesos)."""
        if self.currency_display != "auto":
            return self.currency_display == "code"
        if self.country is None:
            return False
        key = f"{currency}>{self.country}"
        found = self._symbols.get(key)
        if found is None:
            found = "code" if _shares_sign(currency, self.country, self.locale) else "sign"
            self._symbols[key] = found
        return found == "code"

    def money(self, amount: Decimal, currency: str, fmt: str | None = None) -> str:
        """``amount`` of ``currency`` written the locale's way; the amounts written last are kept
        (a batch or a lint writes the same few amounts again and again, and Babel is slow at it)."""
        key = (type(amount), str(amount), currency, fmt)
        found = self._amounts.get(key)
        if found is None:
            found = self._money(amount, currency, fmt)
            if len(self._amounts) >= MAX_KEPT_AMOUNTS:
                self._amounts.clear()
            self._amounts[key] = found
        return found

    def _money(self, amount: Decimal, currency: str, fmt: str | None) -> str:
        coded = fmt is None and self._shows_code(currency)
        if coded:
            fmt = str(self.locale.currency_formats["standard"].pattern).replace("¤", "¤¤")
        digits = _PRECISION.get(currency)
        if digits is None:
            digits = _PRECISION[currency] = get_currency_precision(currency)
        grouped = self._grouped(amount.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN))
        whole = bool(digits) and not self.settings.cents_on_whole_amounts and amount == amount.to_integral_value()
        if whole:  # £5, not £5.00: the locale's pattern without its decimals
            fmt = re.sub(r"\.0+", "", fmt or str(self.locale.currency_formats["standard"].pattern))
        text = format_currency(
            amount,
            currency,
            format=fmt,
            locale=self.locale,
            group_separator=grouped and not self._apostrophe,
            currency_digits=not whole,
        )
        if grouped and self._apostrophe:
            text = _group_digits(text, get_group_symbol(self.locale))
        symbol = self._symbols.get(currency)
        if symbol is None:
            symbol = self._symbols[currency] = get_currency_symbol(currency, self.locale)
        own = self.settings.currency_symbols.get(currency)
        if own and not coded and symbol in text:  # the market's sign (NT$), not CLDR's ($)
            text, symbol = text.replace(symbol, own, 1), own
        return _currency_spacing(text, symbol if symbol in text else currency)

    def number(self, value: Decimal | float, fmt: str | None = None) -> str:
        if fmt is None and type(value) is int and 0 <= value < 1000:
            if self._plain_digits is None:
                # Small whole numbers (counts, days) print as plain digits in every locale
                # with Latin digits; checking that once saves a Babel call per number.
                self._plain_digits = format_decimal(123, locale=self.locale) == "123"
            if self._plain_digits:
                return str(value)
        grouped = self._grouped(printed(Decimal(value)))
        text = format_decimal(value, format=fmt, locale=self.locale, group_separator=grouped and not self._apostrophe)
        return _group_digits(text, get_group_symbol(self.locale)) if grouped and self._apostrophe else text

    def percent(self, fraction: Decimal | float, fmt: str | None = None) -> str:
        """``15%``, ``12,5 %``: every decimal given is kept (a 12.5% discount is not "13%")."""
        grouped = self._grouped(printed(Decimal(fraction) * 100))
        text = format_percent(
            fraction, format=fmt, locale=self.locale, decimal_quantization=False, group_separator=grouped
        )
        sign = self.locale.number_symbols["latn"].get("percentSign", "%")
        return text.replace("%", sign) if sign != "%" and sign not in text else text  # Babel drops ar's marks

    # Dates, lists and units import their Babel modules on first use (CLI start-up).

    def date(self, value: dt.date, fmt: str = "long") -> str:
        from babel.dates import format_date

        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, fmt, locale=self.locale)

    def datetime(self, value: dt.datetime, fmt: str = "medium") -> str:
        """A date and time; one with an offset shows it (``GMT-05:00``): "2:30 PM" alone would mislead."""
        from babel.dates import format_datetime, get_timezone_gmt

        if value.tzinfo is None or fmt not in ("short", "medium"):
            return format_datetime(value, fmt, tzinfo=value.tzinfo, locale=self.locale)
        zone = get_timezone_gmt(value, "long", locale=self.locale)
        time = self.locale.time_formats["long"].pattern.replace("z", f"'{zone}'")
        pattern = str(self.locale.datetime_formats[fmt]).format(time, self.locale.date_formats[fmt].pattern)
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=self.locale)

    def time(self, value: dt.datetime | dt.time, fmt: str = "short") -> str:
        from babel.dates import format_time

        return format_time(value, fmt, locale=self.locale)

    def list(self, items: Iterable[Any], style: str = "standard") -> str:
        """``A, B and C`` from CLDR's list patterns, composed in one pass (Babel's
        ``format_list`` rebuilds the text once per item), with Spanish "e" and "u"."""
        texts = [str(i) for i in items]
        patterns = self.locale.list_patterns.get(style)
        if patterns is None:
            raise InvalidValueError(f"unknown list style {style!r}; use standard, or, or unit")
        if len(texts) < 2:
            return texts[0] if texts else ""
        spanish = self.locale.language == "es"
        if len(texts) == 2:
            pattern = patterns["2"]
            pattern = spanish_conjunction(pattern, texts[1]) if spanish else pattern
            return _fill(pattern, texts[0], texts[1])
        end = spanish_conjunction(patterns["end"], texts[-1]) if spanish else patterns["end"]
        text = _fill(end, texts[-2], texts[-1])
        start, middle = str(patterns["start"]), str(patterns["middle"])
        if _joins(start) and _joins(middle):  # "{0}, {1}": one join, whatever the length
            return texts[0] + start[3:-3] + middle[3:-3].join([*texts[1:-2], text])
        for item in reversed(texts[1:-2]):
            text = _fill(middle, item, text)
        return _fill(start, texts[0], text)

    def plural_category(self, count: Decimal | float) -> str:
        """The CLDR plural category of ``count`` as it is printed (``1.0`` prints ``1``: one)."""
        if type(count) is int and count < 10_000:
            category = self._plural.get(count)
            if category is None:
                category = self._plural[count] = str(self.locale.plural_form(abs(count)))
            return category
        return str(self.locale.plural_form(abs(printed(Decimal(count)))))

    #: Up to how many days away a date reads in days ("in 26 days"); beyond, in months.
    RELATIVE_DAYS = 60

    def relative(self, value: dt.date | dt.timedelta, granularity: str = "day") -> str:
        """``tomorrow``, ``in 26 days``, ``mañana``, ``3天后``: relative to the clock, in days.

        A promised date must not be rounded to weeks or months: a date up to
        :attr:`RELATIVE_DAYS` away reads in days, with CLDR's words for the near
        ones; only a later one reads in months (Babel's ``format_timedelta``).
        """
        from babel.dates import format_timedelta

        if isinstance(value, dt.timedelta):
            delta = value
        else:
            now = self.clock()
            if isinstance(value, dt.datetime):
                if value.tzinfo is None:
                    now = now.replace(tzinfo=None)
                delta = value - now
            else:
                delta = value - now.date()
        days = round(delta.total_seconds() / 86_400)
        fields = self.locale._data["date_fields"].get("day")
        if granularity == "day" and fields is not None and abs(days) <= self.RELATIVE_DAYS:
            near = fields["relative"].get(days)
            if near is not None:
                return str(near)
            forms = fields["future" if days > 0 else "past"]
            category = self.plural_category(abs(days))
            return str(forms.get(category) or forms["other"]).replace("{0}", self.number(abs(days)))
        return format_timedelta(
            delta,
            granularity=granularity,  # type: ignore[arg-type]
            add_direction=True,
            locale=self.locale,
        )

    def duration(self, low: int, high: int | None, unit: str) -> str:
        """``3 days``, ``7–10 business days``: the phrase from the locale file, else CLDR's unit.

        A range takes the form of its upper bound (CLDR's plural ranges end with it)
        unless that form spells the number out (Arabic "يومان", two days): then the
        general form, and the number range is written the locale's way.
        """
        ranged = high is not None and high != low
        count = high if ranged and high is not None else low
        prose = self.settings.range  # Spanish prose reads "de 3 a 5 días"
        amount = (
            (prose or range_pattern(self.locale.language))
            .replace("{0}", self.number(low))
            .replace("{1}", self.number(count))
            if ranged
            else self.number(low)
        )
        patterns = self.settings.units.get(unit) or self._cldr_unit(unit)
        if not patterns:
            raise InvalidValueError(
                f"the locale file has no phrase for unit {unit!r}; add units.{unit} to locales/{self.settings.tag}.yaml"
            )
        pattern = patterns.get(self.plural_category(count)) or patterns.get("other") or ""
        if "{0}" not in pattern:
            pattern = pattern if not ranged and count in (1, 2) else patterns.get("other", pattern)
        return pattern.replace("{0}", amount)

    def _cldr_unit(self, unit: str) -> dict[str, str]:
        """CLDR's long (else short) unit phrases of a duration unit, by plural category."""
        babel_unit = _BABEL_UNITS.get(unit)
        if babel_unit is None:
            return {}
        data = self.locale._data["unit_patterns"].get(babel_unit, {})
        for length in ("long", "short"):
            forms = {k: str(v) for k, v in dict(data.get(length, {})).items() if k != "per"}
            if forms:
                return forms
        return {}

    def number_range(self, low: int, high: int) -> str:
        """``7–10``, ``7-10``, ``7～10``: CLDR's range pattern of the locale."""
        return range_pattern(self.locale.language).replace("{0}", self.number(low)).replace("{1}", self.number(high))


def _fill(pattern: str, first: str, second: str) -> str:
    """A two-place CLDR pattern filled in, whatever the values hold (they may contain "{1}")."""
    head, _, rest = str(pattern).partition("{0}")
    middle, _, tail = rest.partition("{1}")
    return head + first + middle + second + tail


def _joins(pattern: str) -> bool:
    return pattern.startswith("{0}") and pattern.endswith("{1}") and pattern.count("{") == 2


def _shares_sign(currency: str, country: str, locale: Locale) -> bool:
    """True when ``currency`` is shown here with the same sign that ``country``'s own currency
    has there: a customer in Mexico reads "$" as pesos."""
    from .locales import Tag, babel_locale, local_currency

    own = local_currency(Tag("und", None, country))
    if own is None or own == currency:
        return False
    from babel.languages import get_official_languages

    sign = get_currency_symbol(currency, locale)
    for language in get_official_languages(country, de_facto=True):  # the country's own locales
        there = babel_locale(Tag(language.split("_")[0], None, country))
        if there is not None and sign == get_currency_symbol(own, there):
            return True
    return False


def printed(value: Decimal) -> Decimal:
    """``value`` as the default number pattern prints it (at most 3 decimals, half-even)."""
    rounded = value.quantize(_THOUSANDTH, ROUND_HALF_EVEN) if value.as_tuple().exponent < -3 else value  # type: ignore[operator]
    return rounded.to_integral_value() if rounded == rounded.to_integral_value() else rounded.normalize()


_THOUSANDTH = Decimal("0.001")


def _group_digits(text: str, symbol: str) -> str:
    """Put ``symbol`` between the thousands of the first run of digits (the integer part)."""
    match = re.search(r"\d{4,}", text)
    if match is None:
        return text
    digits = match.group()
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return text[: match.start()] + symbol.join(groups) + text[match.end() :]


def _currency_spacing(text: str, shown: str) -> str:
    """CLDR's currency spacing, which Babel does not apply.

    A currency written with a letter next to the digits takes a no-break space
    (``USD 1,234.50``, ``CHF 12.00``); a sign such as ``$`` or ``€`` does not.
    """
    at = text.find(shown) if shown else -1
    if at < 0:
        return text
    end = at + len(shown)
    if end < len(text) and text[end].isdigit() and _spaced(shown[-1]):
        return f"{text[:end]}\u00a0{text[end:]}"
    if at > 0 and text[at - 1].isdigit() and _spaced(shown[0]):
        return f"{text[:at]}\u00a0{text[at:]}"
    return text


def _spaced(char: str) -> bool:
    # CLDR's currencyMatch [[:^S:]&[:^Z:]]: anything but a symbol or a space.
    return unicodedata.category(char)[0] not in "SZ"


# -- locale-bound values: print themselves the locale's way ---------------------------


class Money:
    """An amount in an ISO 4217 currency."""

    __slots__ = ("_fmt", "amount", "currency")

    def __init__(self, amount: Decimal, currency: str, fmt: Formatter) -> None:
        self.amount = amount
        self.currency = currency
        self._fmt = fmt

    def __str__(self) -> str:
        return self._fmt.money(self.amount, self.currency)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and (self.amount, self.currency) == (
            other.amount,
            other.currency,
        )

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __repr__(self) -> str:
        return str(self)


class LocalInt(int):
    """An integer that prints with the locale's digit grouping."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.number(int(self))

    __repr__ = __str__


class LocalNumber(Decimal):
    """A decimal number that prints the locale's way."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.number(Decimal(self))

    __repr__ = __str__


class Percent(float):
    """A percentage given as ``15`` for 15 %; prints ``15%`` or ``15 %``."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.percent(Decimal(repr(float(self))) / 100)

    __repr__ = __str__


class LocalDate(dt.date):
    """A date that prints in the locale's long form (``5 de marzo de 2026``)."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.date(self)

    __repr__ = __str__


class LocalDateTime(dt.datetime):
    """A date and time that prints in the locale's medium form."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.datetime(self)

    __repr__ = __str__


class Duration:
    """A span such as ``3 days`` or ``7–10 business days``."""

    __slots__ = ("_fmt", "high", "low", "unit")

    def __init__(self, low: int, high: int | None, unit: str, fmt: Formatter) -> None:
        self.low = low
        self.high = high
        self.unit = unit
        self._fmt = fmt

    @property
    def max(self) -> int:
        return self.high if self.high is not None else self.low

    def __str__(self) -> str:
        return self._fmt.duration(self.low, self.high, self.unit)

    __repr__ = __str__


class TextList(list):  # type: ignore[type-arg]
    """A list that prints as the locale's list: ``A, B y C``."""

    _fmt: Formatter

    def __str__(self) -> str:
        return self._fmt.list(self)

    __repr__ = __str__


class Customer:
    """The person the reply is for. ``full_name`` follows the locale's name order."""

    __slots__ = ("_language", "_name", "first_name", "gender", "last_name")

    def __init__(
        self,
        first_name: str,
        last_name: str,
        gender: str,
        name: str,
        language: str,
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.gender = gender
        self._name = name
        self._language = language

    @property
    def full_name(self) -> str:
        if self._name:
            return self._name
        first, last = self.first_name, self.last_name
        if self._language == "zh" and (_has_han(first) or _has_han(last)):
            return f"{last}{first}"
        return " ".join(p for p in (first, last) if p)

    @property
    def name(self) -> str:
        """The name to address the customer by: first name, else full name."""
        return self.first_name or self.full_name

    def __str__(self) -> str:
        return self.full_name

    __repr__ = __str__


class Address:
    """A postal address, written in the locale's order with its postcode labelled.

    The locale file's ``address`` pattern places the fields (``{line1}``, ``{city}``,
    ``{postcode}``, ...); a line whose fields are all empty is left out. An address
    given as one text is printed as given.
    """

    __slots__ = ("_fmt", "fields", "text")

    FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country")

    def __init__(self, fields: Mapping[str, str], text: str, fmt: Formatter) -> None:
        self.fields = dict(fields)
        self.text = text
        self._fmt = fmt

    def __str__(self) -> str:
        pattern = self._fmt.settings.address
        if self.text or not pattern:
            return self.text or ", ".join(v for v in self.fields.values() if v)
        lines = []
        for line in pattern.strip("\n").split("\n"):
            names = _ADDRESS_FIELD.findall(line)
            if names and not any(self.fields.get(n) for n in names):
                continue  # nothing to show on this line (no region, no postcode)
            for name in names:  # an empty field goes with the separator before it ("{city}, {region}")
                if not self.fields.get(name):
                    line = re.sub(rf"[ ,，、]*\{{{name}\}}", "", line)
            text = _ADDRESS_FIELD.sub(lambda m: self.fields.get(m.group(1), ""), line)
            lines.append(text.strip(" ,，、"))
        return "\n".join(line for line in lines if line)

    __repr__ = __str__


_ADDRESS_FIELD = re.compile(r"\{(name|line1|line2|city|region|postcode|country)\}")


def _has_han(text: str) -> bool:
    """True if ``text`` holds a Chinese character (a regex of these ranges costs 4 ms to compile)."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


# -- reading raw values (JSON, YAML, CLI strings) as declared types ----------------------
#
# Values come from customers and order systems: every reader bounds a value's size
# and magnitude before converting or formatting it, so no value can cost more than
# a few milliseconds or kilobytes to turn into text.

#: What a value made only of is no value: white space and invisible marks (zero-width
#: space and joiners, word joiner, byte order mark, soft hyphen).
#: Values printed as CLDR (or the customer) writes them, whose inside the locale's typography leaves alone.
VERBATIM = (Money, LocalNumber, Percent, LocalDate, LocalDateTime, Duration, Address)

BLANK = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"
)

#: Characters of one text value (a message, an address, a product name).
MAX_TEXT = 100_000
#: Items of one list value.
MAX_ITEMS = 1_000
#: Characters of a number, date or money amount written as text.
MAX_NUMBER_TEXT = 64
#: Digits before the decimal point of any number or amount (under a thousand trillion).
MAX_WHOLE_DIGITS = 15
#: Digits after the decimal point of any number.
MAX_DECIMALS = 12
#: The largest duration, in its unit.
MAX_DURATION = 100_000


def given(value: Any) -> Any:
    """``value``, or None when it is blank text: an empty CSV cell, or only invisible marks, gives no value."""
    return None if isinstance(value, str) and not value.strip(BLANK) else value


def read_values(
    variables: Mapping[str, Any],
    context: Mapping[str, Any],
    fmt: Formatter,
    *,
    key: str,
    locale: str,
    shop: str,
    agent: str,
    problems: list[RenderError] | None = None,
) -> dict[str, Any]:
    """Step 3 of a reply: the caller's values read as their declared types and bound to
    the attempt's formatting, with the shop and agent names (``shop`` and ``agent`` when
    none is given). Every invalid value is reported, together with ``problems`` found
    before, in one error.
    """
    language = fmt.locale.language
    problems = problems if problems is not None else []
    ship_to = context.get("ship_to")
    if ship_to is not None:  # the customer's country, for amounts whose sign would mislead there
        if isinstance(ship_to, str) and re.fullmatch(r"[A-Za-z]{2}", ship_to.strip()):
            fmt = fmt.for_country(ship_to.strip().upper())
        else:
            message = (
                f"variable 'ship_to' (country): expected an ISO 3166 country code such as MX, got {shown(ship_to)}"
            )
            problems.append(InvalidValueError(message, variable="ship_to", key=key, locale=locale))
    values: dict[str, Any] = {FORMATTER: fmt, "locale": locale}

    def read(name: str, type_: str, value: Any) -> Any:
        try:
            return coerce(type_, value, fmt, language)
        except InvalidValueError as exc:
            message = f"variable {name!r} ({type_}): {exc.message}"
            problems.append(InvalidValueError(message, variable=name, key=key, locale=locale))
            return None

    for name, var in variables.items():
        values[name] = read(name, var.type, given(context.get(name)))
    values["shop"] = read("shop", "string", context.get("shop")) or shop
    values["agent"] = read("agent", "string", context.get("agent")) or agent
    if problems:
        raise RenderError.combine(problems)
    return values


#: The context entry that carries the reply's formatter. It is not a valid
#: template name, so a template cannot print or reach it.
FORMATTER = "replykit:formatter"


def coerce(type_: str, value: Any, fmt: Formatter, language: str) -> Any:
    """Read ``value`` as ``type_`` and bind it to ``fmt``'s locale.

    Raises :class:`InvalidValueError` (without location; the caller adds it).
    """
    if value is None:
        return None
    reader = _READERS.get(type_)
    if reader is None:
        raise InvalidValueError(f"unknown variable type {type_!r}")
    return reader(value, fmt, language)


def _bind(obj: Any, fmt: Formatter) -> Any:
    obj._fmt = fmt
    return obj


def _read_text(value: Any, fmt: Formatter, language: str) -> str:
    if type(value) is str and value.isascii() and len(value) <= MAX_TEXT:
        return value  # the common case: nothing to check
    if isinstance(value, (dict, list, tuple)):
        raise InvalidValueError(f"expected text, got {shown(value)}")
    if isinstance(value, int) and value.bit_length() > 64:
        raise InvalidValueError("expected text, got a number too large to write out")
    return _clean_text(value if isinstance(value, str) else str(value))


def _clean_text(text: str) -> str:
    """Text that can be sent: not over the size limit, no lone surrogate (broken UTF-16)."""
    if len(text) > MAX_TEXT:
        raise InvalidValueError(f"text of {len(text):,} characters is over the limit of {MAX_TEXT:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValueError(
            f"text holds an invalid character (lone surrogate U+{ord(text[exc.start]):04X} at {exc.start}); "
            "fix the encoding of the source data"
        ) from None
    return text


#: White space (what ``str.isspace`` finds) or a control character (Unicode category Cc).
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _read_url(value: Any, fmt: Formatter, language: str) -> str:
    """A web address a customer can open: http or https with a host, no spaces or controls.

    ``javascript:`` and ``data:`` addresses would run or show anything from a link.
    """
    from urllib.parse import urlsplit

    text = _read_text(value, fmt, language).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or _SPACE_OR_CONTROL.search(text)
    ):
        raise InvalidValueError(f"expected a web address starting with https://, got {shown(text)}")
    return text


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def _read_email(value: Any, fmt: Formatter, language: str) -> str:
    text = _read_text(value, fmt, language).strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise InvalidValueError(f"expected an e-mail address such as ana@example.com, got {shown(text)}")
    return text


def _read_integer(value: Any, fmt: Formatter, language: str) -> LocalInt:
    if type(value) is int and -_INT_BOUND < value < _INT_BOUND:  # the common case, straight from JSON
        return _bind(LocalInt(value), fmt)  # type: ignore[no-any-return]
    if isinstance(value, bool):
        raise InvalidValueError("expected a whole number, got true/false")
    number = _decimal(value, "a whole number")
    if number != number.to_integral_value():
        raise InvalidValueError(f"expected a whole number, got {shown(value)}")
    return _bind(LocalInt(int(number)), fmt)  # type: ignore[no-any-return]


def _decimal(value: Any, what: str) -> Decimal:
    """``value`` as a finite Decimal within the bounds, checked before any costly conversion."""
    if isinstance(value, (bool, dict, list, tuple)):
        raise InvalidValueError(f"expected {what}, got {shown(value)}")
    if isinstance(value, int):  # also LocalInt, whose str() is locale-formatted
        if value.bit_length() > 64:
            raise InvalidValueError(f"expected {what} under {_LARGEST}, got a larger number")
        return _in_bounds(Decimal(int(value)), value, what)
    if isinstance(value, Decimal):
        if len(value.as_tuple().digits) > MAX_WHOLE_DIGITS + MAX_DECIMALS:
            raise InvalidValueError(f"expected {what} of at most {MAX_WHOLE_DIGITS + MAX_DECIMALS} digits")
        return _in_bounds(Decimal(value), value, what)
    text = float.__repr__(value) if isinstance(value, float) else str(value).strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise InvalidValueError(f"expected {what}, got text of {len(text):,} characters")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidValueError(f"expected {what}, got {shown(value)}") from None
    return _in_bounds(number, value, what)


_LARGEST = f"10^{MAX_WHOLE_DIGITS}"
_INT_BOUND = 10**MAX_WHOLE_DIGITS


def _in_bounds(number: Decimal, value: Any, what: str) -> Decimal:
    if not number.is_finite():
        raise InvalidValueError(f"expected a finite {what}, got {shown(value)}")
    if not number:
        return Decimal(0)  # 0E-999999 is zero too
    if number.adjusted() >= MAX_WHOLE_DIGITS:
        raise InvalidValueError(f"expected {what} under {_LARGEST}, got {shown(value)}")
    _, digits, exponent = number.as_tuple()
    if -int(exponent) > MAX_DECIMALS and -int(exponent) - _trailing_zeros(digits) > MAX_DECIMALS:
        raise InvalidValueError(f"expected {what} with at most {MAX_DECIMALS} decimals, got {shown(value)}")
    return number


def _trailing_zeros(digits: tuple[int, ...]) -> int:
    return len(digits) - len("".join(map(str, digits)).rstrip("0"))


def _read_number(value: Any, fmt: Formatter, language: str) -> LocalNumber:
    return _bind(LocalNumber(_decimal(value, "a number")), fmt)  # type: ignore[no-any-return]


def _read_percent(value: Any, fmt: Formatter, language: str) -> Percent:
    text = value.strip().rstrip("%").strip() if isinstance(value, str) else value
    return _bind(Percent(_decimal(text, "a percentage such as 15")), fmt)  # type: ignore[no-any-return]


_MONEY_FIELDS = frozenset({"amount", "currency", "value"})
_MONEY_TEXT = re.compile(r"^\s*(?:([A-Za-z]{3})\s*)?([-+]?[\d.]+)\s*(?:([A-Za-z]{3}))?\s*$")


def _read_money(value: Any, fmt: Formatter, language: str) -> Money:
    currency: Any = None
    if isinstance(value, Mapping):
        if not ("amount" in value or "value" in value) or any(k not in _MONEY_FIELDS for k in value):
            raise InvalidValueError(
                "money needs an 'amount': {amount: 12.5, currency: USD}, or text such as '12.50 USD'"
            )
        amount, currency = value.get("amount", value.get("value")), value.get("currency")
    elif isinstance(value, str):
        match = _MONEY_TEXT.match(value) if len(value) <= MAX_NUMBER_TEXT else None
        if not match or (match[1] and match[3]):
            raise InvalidValueError(f"expected money such as '12.50 USD', got {shown(value)}")
        amount, currency = match[2], match[1] or match[3]
    else:
        amount = value
    code = (currency.strip() if isinstance(currency, str) else fmt.currency if currency is None else "?").upper()
    if not is_currency_code(code):
        raise InvalidValueError(f"currency must be an ISO 4217 code such as USD or EUR, got {shown(currency)}")
    number = _decimal(amount, "an amount")
    allowed = _PRECISION.get(code)
    if allowed is None:
        allowed = _PRECISION[code] = get_currency_precision(code)
    places = _decimals(number) if -int(number.as_tuple().exponent) > allowed else 0
    if places > allowed:
        scaled = number.scaleb(3)
        separator = (
            f", or, if the dot separates thousands ({int(scaled)}), write it without one"
            if places == 3 and scaled == scaled.to_integral_value()
            else ""
        )
        decimals = "decimal" if places == 1 else "decimals"
        raise InvalidValueError(
            f"the amount {shown(amount)} has {places} {decimals} and {code} has {allowed or 'none'}: "
            f"round it{separator}"
        )
    return Money(number, code, fmt)


def _decimals(number: Decimal) -> int:
    """Digits after the decimal point, trailing zeros aside (``12.50`` has 1)."""
    _, digits, exponent = number.as_tuple()
    return max(0, -int(exponent) - _trailing_zeros(digits)) if digits != (0,) else 0


def _date_text(value: Any, example: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_NUMBER_TEXT:
        raise InvalidValueError(f"expected an ISO date such as {example}, got {shown(value)}")
    return value.strip()


def _read_date(value: Any, fmt: Formatter, language: str) -> LocalDate:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = _date_text(value, "2026-03-05")
        try:  # the whole text: "2026-03-123" is no date, "2026-03-12T10:00:00" is one
            value = dt.date.fromisoformat(text) if len(text) == 10 else _iso_datetime(text).date()
        except ValueError:
            raise InvalidValueError(f"expected an ISO date such as 2026-03-05, got {shown(text)}") from None
    return _bind(LocalDate(value.year, value.month, value.day), fmt)  # type: ignore[no-any-return]


def _read_datetime(value: Any, fmt: Formatter, language: str) -> LocalDateTime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        text = _date_text(value, "2026-03-05T14:30:00")
        try:
            value = _iso_datetime(text)
        except ValueError:
            raise InvalidValueError(
                f"expected an ISO date-time such as 2026-03-05T14:30:00, got {shown(text)}"
            ) from None
    out = LocalDateTime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        value.tzinfo,
    )
    return _bind(out, fmt)  # type: ignore[no-any-return]


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _iso_datetime(text: str) -> dt.datetime:
    """ISO 8601 as people and order systems write it (``Z`` for UTC); nothing after it."""
    if not _ISO_DATETIME.fullmatch(text):
        raise ValueError(text)
    return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


_RANGE_TEXT = re.compile(r"\s*(\d{1,9})\s*[-–]\s*(\d{1,9})\s*")


def _read_duration(value: Any, fmt: Formatter, language: str) -> Duration:
    unit = "day"
    if isinstance(value, Mapping):
        unit = value.get("unit", "day")
        if "min" in value or "max" in value:
            low, high = value.get("min", value.get("max")), value.get("max")
        elif "value" in value:
            low, high = value["value"], None
        else:
            raise InvalidValueError("a duration needs 'value', or 'min' and 'max', e.g. {min: 7, max: 10}")
    elif isinstance(value, str) and len(value) <= MAX_NUMBER_TEXT and (match := _RANGE_TEXT.fullmatch(value)):
        low, high = match[1], match[2]
    else:
        low, high = value, None
    if unit not in DURATION_UNITS:
        raise InvalidValueError(f"unknown duration unit {shown(unit)}; use one of {', '.join(DURATION_UNITS)}")
    lo = _duration_part(low, fmt, language)
    hi = _duration_part(high, fmt, language) if high is not None else None
    if hi is not None and hi < lo:
        raise InvalidValueError(f"duration min {lo} is greater than max {hi}")
    return Duration(lo, hi, unit, fmt)


def _duration_part(value: Any, fmt: Formatter, language: str) -> int:
    number = int(_read_integer(value, fmt, language))
    if not 0 <= number <= MAX_DURATION:
        raise InvalidValueError(f"a duration is from 0 to {MAX_DURATION:,}, got {number:,}")
    return number


def _read_list(value: Any, fmt: Formatter, language: str) -> TextList:
    if isinstance(value, str):  # a comma may be part of an item ("Rug 1,5 m x 2 m"): never split text
        raise InvalidValueError(
            f'expected a list such as ["Lamp", "Vase"], got the text {shown(value)} '
            "(in a CSV cell or with --var, write the list as JSON)"
        )
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            raise InvalidValueError(f"a list of {len(value):,} items is over the limit of {MAX_ITEMS:,}")
        items = [_list_item(v, fmt, language) for v in value]
    else:
        raise InvalidValueError(f"expected a list, got {shown(value)}")
    if len(items) > MAX_ITEMS:
        raise InvalidValueError(f"a list of {len(items):,} items is over the limit of {MAX_ITEMS:,}")
    if sum(len(str(i)) for i in items) > MAX_TEXT:
        raise InvalidValueError(f"a list of over {MAX_TEXT:,} characters in all is over the limit")
    return _bind(TextList(items), fmt)  # type: ignore[no-any-return]


def _list_item(value: Any, fmt: Formatter, language: str) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _read_number(value, fmt, language)
    raise InvalidValueError(f"a list holds texts or numbers, got {shown(value)}")


_CUSTOMER_FIELDS = frozenset({"first_name", "last_name", "name", "gender", "locale", "email"})
_GENDER_ALIASES = {"f": "female", "m": "male", "unknown": "neutral", "other": "neutral"}


def _read_customer(value: Any, fmt: Formatter, language: str) -> Customer:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise InvalidValueError("a customer is a mapping such as {first_name: Ana, last_name: Ruiz, gender: female}")
    unknown = value.keys() - _CUSTOMER_FIELDS
    if unknown:
        raise InvalidValueError(f"unknown customer field(s): {', '.join(sorted(shown(k) for k in unknown)[:5])}")
    gender = value.get("gender") or "neutral"
    gender = _GENDER_ALIASES.get(gender.lower(), gender.lower()) if isinstance(gender, str) else gender
    if gender not in ("female", "male", "neutral"):
        raise InvalidValueError(f"customer gender must be female, male or neutral, got {shown(gender)}")
    return Customer(
        _name_part(value, "first_name"),
        _name_part(value, "last_name"),
        gender,
        _name_part(value, "name"),
        language,
    )


def _name_part(value: Mapping[str, Any], field: str, owner: str = "customer") -> str:
    part = value.get(field) or ""
    if type(part) is str and part.isascii() and len(part) <= MAX_TEXT:
        return part.strip()  # the common case: nothing invisible to strip
    if not isinstance(part, str):
        raise InvalidValueError(f"{owner} {field} must be text, got {shown(part)}")
    try:
        return _clean_text(part).strip(BLANK)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{owner} {field}: {exc.message}") from None


def _read_address(value: Any, fmt: Formatter, language: str) -> Address:
    if isinstance(value, str):
        return Address({}, _clean_text(value).strip(), fmt)
    if not isinstance(value, Mapping):
        raise InvalidValueError("an address is text, or a mapping such as {line1: ..., city: ..., postcode: ...}")
    unknown = [k for k in value if k not in Address.FIELDS]
    if unknown:
        raise InvalidValueError(
            f"unknown address field(s): {', '.join(shown(k) for k in unknown[:5])}; use {', '.join(Address.FIELDS)}"
        )
    fields = {name: _name_part(value, name, "address") for name in Address.FIELDS}
    return Address(fields, "", fmt)


def _read_boolean(value: Any, fmt: Formatter, language: str) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else value
    if text in ("true", "yes", "1", "on", 1):
        return True
    if text in ("false", "no", "0", "off", 0):
        return False
    raise InvalidValueError(f"expected true or false, got {shown(value)}")


_READERS: dict[str, Callable[[Any, Formatter, str], Any]] = {
    "string": _read_text,
    "text": _read_text,
    "url": _read_url,
    "email": _read_email,
    "integer": _read_integer,
    "number": _read_number,
    "percent": _read_percent,
    "money": _read_money,
    "date": _read_date,
    "datetime": _read_datetime,
    "duration": _read_duration,
    "list": _read_list,
    "customer": _read_customer,
    "address": _read_address,
    "boolean": _read_boolean,
}


def to_plain(value: Any) -> Any:
    """Example values as JSON-compatible data (dates as ISO strings, money as a dict)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value
