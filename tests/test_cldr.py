"""Values written the way each locale writes them, where Babel alone gets it wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import replykit
from catalogues import MakeCatalog

NOW = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.timezone.utc)
LANGUAGES = ("en", "es", "zh", "fr", "de", "ja", "ar", "pl", "ru", "pt", "it", "nl")
VARIABLES = {
    "m": {"type": "money", "example": "1 USD", "required": False},
    "x": {"type": "number", "example": 1, "required": False},
    "n": {"type": "integer", "example": 1, "required": False},
    "d": {"type": "duration", "example": 1, "required": False},
    "when": {"type": "date", "example": "2026-03-05", "required": False},
    "items": {"type": "list", "example": ["a"], "required": False},
}


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., str]:
    """``show(locale, template, **values)``: the chat text of a one-line template, rendered for ``locale``."""
    root = tmp_path_factory.mktemp("cldr")
    (root / "locales").mkdir()
    libraries: dict[str, replykit.Library] = {}

    def render(locale: str, template: str, **values: object) -> str:
        if template not in libraries:
            folder = root / f"t{len(libraries)}"
            entry = {"customs.v": {"title": "V", "variables": VARIABLES, "chat": template}}
            for language in LANGUAGES:
                path = folder / "templates" / language / "customs.yaml"
                path.parent.mkdir(parents=True)
                path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
            library = replykit.load(folder)
            library.clock = lambda: NOW
            libraries[template] = library
        reply = libraries[template].render("customs.v", locale=locale, channel="chat", **values)
        assert reply.locale == locale, reply
        return reply.body

    return render


@pytest.mark.parametrize(
    ("locale", "amount", "expected"),
    [("es-AR", 1234.5, "$1.234,50"), ("en-IN", 1234.5, "₹1,234.50"), ("es-CO", 1234, "$1.234"),
     ("fr-FR", 1234.5, "1\u202f234,50\u00a0€"), ("ja-JP", 1234, "￥1,234"), ("es", 1234.5, "1234,50\u00a0€"),
     ("en-GB", 3, "£3.00"), ("zh-HK", 3, "HK$3.00")],
)  # fmt: skip
def test_a_bare_amount_takes_the_currency_of_the_customers_country(
    show: Callable[..., str], locale: str, amount: float, expected: str
) -> None:
    assert show(locale, "{{ m }}", m=amount) == expected


def test_a_shops_own_currency_is_used_for_bare_amounts(make_catalog: Callable[..., Path]) -> None:
    entry = {"customs.v": {"title": "V", "variables": VARIABLES, "chat": "{{ m }}"}}
    root = make_catalog({"templates/en/customs.yaml": yaml.safe_dump(entry), "replykit.yaml": "currency: EUR\n"})
    assert replykit.load(root).render("customs.v", locale="en-GB", channel="chat", m=12).body == "€12.00"


@pytest.mark.parametrize(
    ("locale", "days", "expected"),
    [("en-US", 1, "tomorrow"), ("en-US", -1, "yesterday"), ("en-US", 0, "today"), ("en-US", 12, "in 12 days"),
     ("en-US", 26, "in 26 days"), ("en-US", 45, "in 45 days"), ("en-US", -3, "3 days ago"), ("es-ES", 1, "mañana"),
     ("es-MX", 26, "dentro de 26 días"), ("zh-CN", 1, "明天"), ("zh-CN", 26, "26天后"), ("de-DE", 2, "übermorgen")],
)  # fmt: skip
def test_relative_dates_are_days_not_rounded(show: Callable[..., str], locale: str, days: int, expected: str) -> None:
    assert show(locale, "{{ when | relative }}", when=(NOW + dt.timedelta(days=days)).date().isoformat()) == expected


@pytest.mark.parametrize("locale", ["de-CH", "it-CH", "de-LI"])
def test_swiss_amounts_keep_their_apostrophes(show: Callable[..., str], locale: str) -> None:
    text = show(locale, "{{ m }} {{ x | number }}", m="10000000 CHF", x=1234567).replace("’", "'")
    assert "10'000'000.00" in text and "1'234'567" in text


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [("ar-EG", {"min": 1, "max": 2, "unit": "day"}, "1–2 يوم"), ("es-ES", {"min": 1000, "max": 1500}, "1000-1500 días"),
     ("es-MX", {"min": 1000, "max": 1500}, "1,000-1,500 días"), ("ja-JP", {"min": 7, "max": 10}, "7～10 日"),
     ("en-US", {"min": 1, "max": 1}, "1 day"), ("ar-EG", {"value": 2}, "يومان")],
)  # fmt: skip
def test_duration_ranges_are_built_from_their_parts(
    show: Callable[..., str], locale: str, value: object, expected: str
) -> None:
    assert show(locale, "{{ d }}", d=value) == expected


@pytest.mark.parametrize(
    ("items", "style", "expected"),
    [(["Jarrón", "Hilo"], "standard", "Jarrón e Hilo"), (["Vaso", "Imán", "Lámpara"], "standard", "Vaso, Imán y Lámpara"),
     (["Lámpara", "Imán"], "standard", "Lámpara e Imán"), (["agua", "hielo"], "standard", "agua y hielo"),
     (["siete", "ocho"], "or", "siete u ocho"), (["uno", "Hotel"], "or", "uno u Hotel"), (["10", "11"], "or", "10 u 11"),
     (["seis", "siete"], "or", "seis o siete")],
)  # fmt: skip
def test_spanish_lists_use_e_and_u(show: Callable[..., str], items: list[str], style: str, expected: str) -> None:
    assert show("es-ES", f"{{{{ items | list({style!r}) }}}}", items=items) == expected


def test_a_long_list_is_joined_once(show: Callable[..., str]) -> None:
    items = [f"item {i}" for i in range(1000)]
    text = show("en-US", "{{ items | list }}", items=items)
    assert text.startswith("item 0, item 1, ") and text.endswith("item 998, and item 999")


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [("zh-TW", {"value": 2, "unit": "week"}, "2 週"), ("zh-HK", {"value": 5, "unit": "day"}, "5日"),
     ("zh-HK", {"value": 1, "unit": "week"}, "1個星期"), ("zh-CN", {"value": 2, "unit": "week"}, "2周")],
)  # fmt: skip
def test_traditional_chinese_units_are_the_regions_own(
    lib: replykit.Library, locale: str, value: object, expected: str
) -> None:
    formatter = lib.pipeline.negotiator.plan(locale).attempts[0].formatter
    assert str(replykit.values.coerce("duration", value, formatter, "zh")) == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("locale", "expected"), [("zh-HK", "5 日, 1 星期"), ("zh-TW", "5 天, 1 週"), ("zh-CN", "5天, 1周")]
)
def test_a_region_without_unit_words_of_its_own_gets_cldrs(
    make_catalog: MakeCatalog, locale: str, expected: str
) -> None:
    units = 'fallback: [en]\nunits: {day: {other: "{0}天"}, week: {other: "{0}周"}}\n'
    entry = "pre_sale.d:\n  title: D\n  variables:\n    a: {type: duration, example: 1}\n  chat: '{{ a }}'\n"
    files = {"templates/en/pre_sale.yaml": entry,
        "templates/zh/pre_sale.yaml": entry, "locales/zh.yaml": units,
             "locales/zh-HK.yaml": "fallback: [zh]\n", "locales/zh-TW.yaml": "fallback: [zh]\n"}  # fmt: skip
    lib = replykit.load(make_catalog(files))
    formatter = lib.pipeline.negotiator.plan(locale).attempts[0].formatter
    found = [
        str(replykit.values.coerce("duration", v, formatter, "zh"))
        for v in ({"value": 5, "unit": "day"}, {"value": 1, "unit": "week"})
    ]  # type: ignore[attr-defined]
    assert ", ".join(found) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "1,234.5 12,345 0.25"), ("es-ES", "1234,5 12.345 0,25"), ("de-DE", "1.234,5 12.345 0,25"),
     ("es-AR", "1.234,5 12.345 0,25"), ("pl-PL", "1234,5 12\u00a0345 0,25")],
)  # fmt: skip
def test_number_filter_on_numbers_of_a_thousand_and_more(show: Callable[..., str], locale: str, expected: str) -> None:
    assert show(locale, "{{ x | number }} {{ n | number }} {{ 0.25 | number }}", x=1234.5, n=12345) == expected


def test_grouping_is_decided_on_the_printed_amount(show: Callable[..., str]) -> None:
    assert show("es-ES", "{{ m }}", m="9999.99 EUR") == "9999,99\u00a0€"
    assert show("es-ES", "{{ x | number }}", x="9999.9999") == "10.000"


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [("en-US", "1.0", "1 item"), ("en-US", "1.5", "1.5 items"), ("ru-RU", "1.0", "1 товар"), ("ru-RU", "2", "2 товара"),
     ("en-US", "1.0004", "1 item")],
)  # fmt: skip
def test_the_plural_follows_the_number_as_printed(
    show: Callable[..., str], locale: str, count: str, expected: str
) -> None:
    template = '{{ x | plural(one="# item", few="# товара", many="# товаров", other="# items") }}'
    if locale.startswith("ru"):
        template = '{{ x | plural(one="# товар", few="# товара", many="# товаров", other="# товара") }}'
    assert show(locale, template, x=count) == expected


def test_a_converted_text_is_the_same_code_as_compiling_its_conversion(tmp_path: Path) -> None:
    """Traditional replies converted from Simplified texts reuse the Simplified text's compiled
    code with its strings converted: the program must be exactly what compiling the converted
    text gives, for every shipped Chinese text."""
    from replykit import _chinese
    from replykit._yaml import Position
    from replykit.render import CompiledText, Where, make_environment

    env = make_environment(None)
    lib = replykit.load()
    texts = [t.text for template in lib.catalogue.templates["zh"].values() for t in template.texts.values()]
    texts.append('{% if method == "支付宝" %}用支付宝{% else %}{{ "已发货" }}{{ method }}{% endif %}信息')
    texts.append('{% for x in y %}{{ x }}{% endfor %}{{ "是" if n in ("软件", "鼠标") else "否" }}')  # a constant tuple
    checked = 0
    for number, text in enumerate(texts):
        where = Where("f.yaml", lambda: Position(1), "k", "zh")
        original = CompiledText(env, text, where, f"t{number}")
        for config in ("s2twp", "s2hk"):
            if not _chinese.statements_unchanged(text, config):
                continue
            source = _chinese.convert_template(text, config)
            converted = original.converted(source, lambda s, c=config: _chinese.convert(s, c))
            assert converted.code == CompiledText(env, source, where, f"t{number}").code, (config, text)
            checked += 1
    assert checked > len(texts)  # (the statement comparing 支付宝 is left to a compile of its own)
