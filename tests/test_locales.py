"""Locale tags, negotiation and fallback chains."""

from __future__ import annotations

import pytest

import replykit
from replykit.locales import Tag, parse_tag


@pytest.mark.parametrize(
    ("requested", "locale", "language"),
    [
        ("es-MX", "es-MX", "es"),
        ("es_MX", "es-MX", "es"),
        ("ES-mx", "es-MX", "es"),
        ("es", "es", "es"),
        ("es-AR", "es-AR", "es"),  # no locale file, but Spanish templates and CLDR data
        ("zh-Hant-TW", "zh-TW", "zh"),
        ("zh-TW", "zh-TW", "zh"),
        ("zh_TW", "zh-TW", "zh"),
        ("zh-HK", "zh-HK", "zh"),
        ("zh_CN", "zh-CN", "zh"),
        ("zh-Hans-CN", "zh-CN", "zh"),
        ("zh", "zh", "zh"),
        ("en", "en", "en"),
        ("en-GB", "en-GB", "en"),
        ("de-DE", "en-US", "en"),  # well-formed, unsupported: the catalogue default
        ("fr", "en-US", "en"),
        ("xx-YY", "en-US", "en"),  # well-formed, unknown to CLDR
    ],
    ids=str,
)
def test_negotiation_table(lib: replykit.Library, requested: str, locale: str, language: str) -> None:
    reply = lib.render("pre_sale.welcome", locale=requested, **lib.examples("pre_sale.welcome"))
    assert (reply.locale, reply.language) == (locale, language)
    assert lib.negotiate(requested) == locale


def test_default_locale_when_none_requested(lib: replykit.Library) -> None:
    reply = lib.render("pre_sale.welcome", **lib.examples("pre_sale.welcome"))
    assert reply.locale == lib.default_locale == "en-US"


def test_unsupported_locale_is_reported_on_the_reply(lib: replykit.Library) -> None:
    reply = lib.render("pre_sale.welcome", locale="de-DE", **lib.examples("pre_sale.welcome"))
    assert reply.requested_locale == "de-DE"
    assert reply.locale == "en-US"
    assert reply.fell_back


@pytest.mark.parametrize("bad", ["xx-!!", "", "e", "english please", "en-US-!!", "12-34"])
def test_malformed_tag_is_an_error(lib: replykit.Library, bad: str) -> None:
    with pytest.raises(replykit.LocaleError, match="malformed locale tag"):
        lib.render("pre_sale.welcome", locale=bad, **lib.examples("pre_sale.welcome"))


def test_locale_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_tag("!!")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("es-MX", Tag("es", None, "MX")),
        ("zh_hant_tw", Tag("zh", "Hant", "TW")),
        ("EN", Tag("en")),
        ("es-419", Tag("es", None, "419")),
        ("en_US.UTF-8", Tag("en", None, "US")),
    ],
)
def test_parse_tag(text: str, tag: Tag) -> None:
    assert parse_tag(text) == tag


def test_spanish_region_formats_money_its_own_way(lib: replykit.Library) -> None:
    ex = lib.examples("after_sale.refund_processed")
    mx = lib.render("after_sale.refund_processed", locale="es-MX", **ex)
    es = lib.render("after_sale.refund_processed", locale="es-ES", **ex)
    assert mx.language == es.language == "es"
    assert "USD\xa01,234.50" in mx.body  # CLDR es-MX: a code before the digits takes a no-break space
    assert "1234,50\xa0US$" in es.body  # CLDR es-ES, no grouping under five digits


def test_traditional_chinese_for_taiwan_and_hong_kong(lib: replykit.Library) -> None:
    ex = lib.examples("after_sale.refund_processed", "zh-CN")
    cn = lib.render("after_sale.refund_processed", locale="zh-CN", **ex)
    tw = lib.render("after_sale.refund_processed", locale="zh-TW", **ex)
    hk = lib.render("after_sale.refund_processed", locale="zh-HK", **ex)
    assert (cn.texts_from, tw.texts_from, hk.texts_from) == (("zh",), ("zh-TW",), ("zh-HK",))  # written, not converted
    assert "退款" in cn.body and "个工作日" in cn.body
    assert "入帳" in tw.body and "個工作天" in tw.body  # Taiwan's words
    assert "工作天" in hk.body and "工作日" not in hk.body  # Hong Kong's
    assert "账" not in tw.body and "账" not in hk.body


def test_traditional_examples_follow_the_locale_script(lib: replykit.Library) -> None:
    assert lib.examples("after_sale.refund_processed", "zh-TW")["method"] == "信用卡"  # the region's own example
    assert lib.examples("after_sale.refund_processed", "zh-CN")["method"] == "支付宝"
