"""Values print the locale's way, through Babel/CLDR, and bad values are refused clearly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency

import replykit

VALUES_EN = """
    pre_sale.values:
      title: Values
      variables:
        total: {type: money, example: {amount: 1234.5, currency: USD}}
        when: {type: date, example: "2026-03-05"}
        at: {type: datetime, example: "2026-03-05T14:30:00"}
        items: {type: list, example: [Lamp, Vase, Rug]}
        count: {type: integer, example: 3}
        discount: {type: percent, example: 15}
        days: {type: duration, example: {min: 7, max: 10, unit: business_day}}
        hours: {type: duration, example: {value: 24, unit: hour}}
        big: {type: number, example: 1234567.5}
      chat: |
        total={{ total }}
        when={{ when }}
        short={{ when | date("short") }}
        at={{ at }}
        items={{ items }}
        or={{ items | list("or") }}
        count={{ count | plural(one="# item", other="# items") }}
        off={{ discount }}
        days={{ days }}
        hours={{ hours }}
        big={{ big }}
        eur={{ 12.5 | money("EUR") }}
"""


@pytest.fixture
def values_lib(make_catalog: Callable[..., Path]) -> replykit.Library:
    root = make_catalog(
        {
            "templates/en/pre_sale.yaml": VALUES_EN,
            "templates/es/pre_sale.yaml": VALUES_EN.replace("title: Values", "title: Valores"),
            "templates/zh/pre_sale.yaml": VALUES_EN.replace("title: Values", "title: 数值"),
            "locales/es.yaml": """
                fallback: [en]
                units:
                  business_day: {one: "{0} día hábil", many: "{0} de días hábiles", other: "{0} días hábiles"}
                numbers: {minimum_grouping_digits: 2}
            """,
            "locales/zh.yaml": """
                fallback: [en]
                units:
                  business_day: {other: "{0}个工作日"}
            """,
            "locales/en.yaml": """
                units:
                  business_day: {one: "{0} business day", other: "{0} business days"}
            """,
        }
    )
    return replykit.load(root)


def _fields(lib: replykit.Library, locale: str, **override: object) -> dict[str, str]:
    context = {**lib.examples("pre_sale.values"), **override}
    body = lib.render("pre_sale.values", locale=locale, channel="chat", **context).body
    return dict(line.split("=", 1) for line in body.splitlines())


@pytest.mark.parametrize(
    ("locale", "babel_locale"),
    [("en-US", "en_US"), ("en-GB", "en_GB"), ("zh-CN", "zh_Hans_CN"), ("zh-TW", "zh_Hant_TW")],
)
def test_values_match_babel(values_lib: replykit.Library, locale: str, babel_locale: str) -> None:
    out = _fields(values_lib, locale)
    assert out["total"] == format_currency(Decimal("1234.5"), "USD", locale=babel_locale)
    assert out["when"] == format_date(dt.date(2026, 3, 5), "long", locale=babel_locale)
    assert out["short"] == format_date(dt.date(2026, 3, 5), "short", locale=babel_locale)
    assert out["items"] == format_list(["Lamp", "Vase", "Rug"], locale=babel_locale)
    assert out["eur"] == format_currency(Decimal("12.5"), "EUR", locale=babel_locale)


def test_spanish_values(values_lib: replykit.Library) -> None:
    out = _fields(values_lib, "es-ES")
    assert out["total"] == "1234,50\xa0US$"
    assert out["when"] == "5 de marzo de 2026"
    assert out["items"] == "Lamp, Vase y Rug"
    assert out["or"] == "Lamp, Vase o Rug"
    assert out["off"] == "15\xa0%"
    assert out["days"] == "7-10 días hábiles"  # CLDR range pattern for Spanish
    assert out["count"] == "3 items"
    assert out["big"] == "1.234.567,5"
    assert _fields(values_lib, "es-ES", total={"amount": 12345.5, "currency": "EUR"})["total"] == "12.345,50\xa0€"


def test_english_and_chinese_values(values_lib: replykit.Library) -> None:
    en = _fields(values_lib, "en-US")
    assert (en["total"], en["off"], en["days"], en["hours"]) == ("$1,234.50", "15%", "7–10 business days", "24 hours")
    assert en["at"] == "Mar 5, 2026, 2:30:00\u202fPM"
    zh = _fields(values_lib, "zh-CN")
    assert (zh["total"], zh["items"], zh["days"], zh["when"]) == (
        "US$1,234.50",
        "Lamp、Vase和Rug",
        "7-10个工作日",
        "2026年3月5日",
    )
    assert zh["hours"] == "24小时"


@pytest.mark.parametrize(
    ("count", "en", "locale"),
    [(1, "1 item", "en-US"), (0, "0 items", "en-US"), (2, "2 items", "en-US"), (1000, "1,000 items", "en-US")],
)
def test_plural_uses_cldr_categories(values_lib: replykit.Library, count: int, en: str, locale: str) -> None:
    assert _fields(values_lib, locale, count=count)["count"] == en


def test_duration_singular_and_single_values(values_lib: replykit.Library) -> None:
    assert _fields(values_lib, "en-US", days={"value": 1, "unit": "business_day"})["days"] == "1 business day"
    assert _fields(values_lib, "es-ES", days={"value": 1, "unit": "business_day"})["days"] == "1 día hábil"
    assert _fields(values_lib, "en-US", days=3)["days"] == "3 days"
    assert _fields(values_lib, "en-US", days="3-5")["days"] == "3–5 days"


@pytest.mark.parametrize(
    ("locale", "money", "shown"),
    [
        ("es-MX", {"amount": 12345.5, "currency": "USD"}, "USD\xa012,345.50"),  # a code is spaced from the digits
        ("es-MX", {"amount": -12, "currency": "EUR"}, "-EUR\xa012.00"),
        ("en-US", {"amount": 99, "currency": "CHF"}, "CHF\xa099.00"),
        ("zh-CN", {"amount": 99, "currency": "CHF"}, "CHF\xa099.00"),
        ("es-MX", {"amount": 12345.5, "currency": "MXN"}, "$12,345.50"),  # a sign is not
        ("en-US", {"amount": 12.5, "currency": "EUR"}, "€12.50"),
        ("zh-CN", {"amount": 1234.5, "currency": "USD"}, "US$1,234.50"),
        ("es-ES", {"amount": 1234.5, "currency": "CHF"}, "1234,50\xa0CHF"),  # the pattern's own space stays single
    ],
)
def test_money_follows_cldr_currency_spacing(
    values_lib: replykit.Library, locale: str, money: dict[str, object], shown: str
) -> None:
    assert _fields(values_lib, locale, total=money)["total"] == shown


def test_money_accepts_text_and_bare_numbers(values_lib: replykit.Library) -> None:
    assert _fields(values_lib, "en-US", total="12.50 EUR")["total"] == "€12.50"
    assert _fields(values_lib, "en-US", total="EUR 12.50")["total"] == "€12.50"
    # a bare number takes the locale's currency (es-ES: EUR from the shipped-like file? no: the mini en file says USD)
    assert _fields(values_lib, "en-US", total=5)["total"] == "$5.00"


def test_dates_accept_iso_strings_and_objects(values_lib: replykit.Library) -> None:
    assert _fields(values_lib, "en-US", when=dt.date(2026, 1, 2))["when"] == "January 2, 2026"
    assert _fields(values_lib, "en-US", when="2026-01-02T10:00:00")["when"] == "January 2, 2026"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("total", "a lot", "expected money"),
        ("total", {"currency": "USD"}, "needs an 'amount'"),
        ("total", {"amount": 3, "currency": "dollars"}, "ISO 4217"),
        ("when", "next tuesday", "ISO date"),
        ("count", 2.5, "whole number"),
        ("count", True, "whole number"),
        ("days", {"min": 9, "max": 3}, "greater than max"),
        ("days", {"value": 3, "unit": "fortnight"}, "unknown duration unit"),
        ("big", "NaN", "finite"),
        ("items", 42, "expected a list"),
    ],
)
def test_bad_values_are_clear_errors(values_lib: replykit.Library, name: str, value: object, message: str) -> None:
    context = {**values_lib.examples("pre_sale.values"), name: value}
    with pytest.raises(replykit.InvalidValueError, match=message) as info:
        values_lib.render("pre_sale.values", locale="en-US", channel="chat", **context)
    assert info.value.key == "pre_sale.values"
    assert info.value.locale == "en-US"
    assert f"variable {name!r}" in str(info.value)


def test_relative_time_uses_the_library_clock(make_catalog: Callable[..., Path]) -> None:
    root = make_catalog(
        {
            "templates/en/pre_sale.yaml": """
                pre_sale.soon:
                  title: Soon
                  variables:
                    when: {type: date, example: "2026-03-08"}
                  chat: "{{ when | relative }}"
            """,
            "templates/es/pre_sale.yaml": """
                pre_sale.soon:
                  title: Pronto
                  chat: "{{ when | relative }}"
            """,
        }
    )
    lib = replykit.load(root)
    lib.clock = lambda: dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.timezone.utc)
    assert lib.render("pre_sale.soon", locale="en", channel="chat", when="2026-03-08").body == "in 3 days"
    assert lib.render("pre_sale.soon", locale="es", channel="chat", when="2026-03-08").body == "dentro de 3 días"


def test_examples_are_plain_json_data(lib: replykit.Library) -> None:
    import json

    examples = lib.examples("after_sale.refund_processed")
    assert examples["amount"] == {"amount": 1234.5, "currency": "USD"}
    assert examples["days"] == {"min": 3, "max": 5, "unit": "business_day"}
    assert json.loads(json.dumps(examples)) == examples
    shipped = lib.examples("mid_sale.shipped")
    assert shipped["delivery_date"] == "2026-12-03"


@pytest.mark.parametrize(
    ("language", "first", "last", "full"),
    [
        ("zh", "小明", "张", "张小明"),  # a Chinese name: family name first, no space
        ("zh", "明", "欧阳", "欧阳明"),
        ("zh", "Ana", "Ruiz", "Ana Ruiz"),  # a Latin name keeps its own order in a Chinese reply
        ("zh", "小明", "", "小明"),
        ("en", "Ana", "", "Ana"),
    ],
)
def test_full_name_follows_the_name_order_of_the_reply(language: str, first: str, last: str, full: str) -> None:
    from replykit.values import Customer

    assert Customer(first, last, "neutral", "", language).full_name == full


@pytest.mark.parametrize(
    "inside", [" ", "\t", "\n", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\u00a0", "\u2028", "\u3000"]
)
def test_a_web_address_with_a_space_or_control_character_is_refused(inside: str) -> None:
    from replykit.values import coerce

    fmt = replykit.load().pipeline.negotiator.plan("en-US").attempts[0].formatter
    assert coerce("url", " https://shop.example/a?b=1 ", fmt, "en") == "https://shop.example/a?b=1"
    with pytest.raises(replykit.InvalidValueError, match="web address"):
        coerce("url", f"https://shop.example/a{inside}b", fmt, "en")


def test_amounts_written_before_are_written_the_same_and_the_kept_ones_are_bounded() -> None:
    from replykit.values import MAX_KEPT_AMOUNTS

    fmt = replykit.load().pipeline.negotiator.plan("en-US").attempts[0].formatter
    asked = [(Decimal("1234.5"), "USD", None), (Decimal("1234.5"), "EUR", None), (Decimal("1234.50"), "USD", "#,##0.### ¤"),
             (Decimal("1234.5"), "USD", "#,##0.### ¤"), (Decimal("5"), "USD", None)]  # fmt: skip
    first = [fmt.money(*a) for a in asked]
    assert first == ["$1,234.50", "€1,234.50", "1,234.50 $", "1,234.50 $", "$5.00"]
    assert [fmt.money(*a) for a in reversed(asked)] == first[::-1]
    for cents in range(MAX_KEPT_AMOUNTS + 10):
        fmt.money(Decimal(cents).scaleb(-2), "USD")
    assert len(fmt._amounts) <= MAX_KEPT_AMOUNTS and fmt.money(Decimal("0.07"), "USD") == "$0.07"
