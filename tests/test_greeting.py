"""Greetings and sign-offs follow each locale's rules (shipped locale files)."""

from __future__ import annotations

import pytest

import replykit

KEY = "customs.import_tax"

MARIA = {"first_name": "Maria", "last_name": "Garcia", "gender": "female"}
JUAN = {"first_name": "Juan", "last_name": "Pérez", "gender": "male"}
ALEX = {"first_name": "Alex", "last_name": "Kim"}
WANG_F = {"first_name": "丽", "last_name": "王", "gender": "female"}
LI_M = {"first_name": "伟", "last_name": "李", "gender": "male"}
ZHANG = {"first_name": "小明", "last_name": "张"}


def _first_line(lib: replykit.Library, locale: str, customer: object, **kw: object) -> str:
    context = {**lib.examples(KEY), "customer": customer, **kw}
    return lib.render(KEY, locale=locale, **context).body.splitlines()[0]


@pytest.mark.parametrize(
    ("locale", "customer", "greeting"),
    [
        ("en-US", MARIA, "Dear Ms. Garcia,"),
        ("en-US", JUAN, "Dear Mr. Pérez,"),
        ("en-US", ALEX, "Dear Alex Kim,"),
        ("en-GB", MARIA, "Dear Ms Garcia,"),
        ("en-US", {"first_name": "Maria", "gender": "female"}, "Dear Maria,"),  # no surname: neutral
        ("en-US", {}, "Hello,"),
        ("es-ES", MARIA, "Estimada Maria:"),
        ("es-MX", JUAN, "Estimado Juan:"),
        ("es-MX", ALEX, "Hola, Alex:"),  # gender unknown: neutral form
        ("es-ES", {}, "¡Hola!"),
        ("zh-CN", WANG_F, "尊敬的王女士，您好！"),
        ("zh-CN", LI_M, "尊敬的李先生，您好！"),
        ("zh-CN", ZHANG, "张小明，您好！"),  # full name, family name first
        ("zh-CN", {}, "您好！"),
        ("zh-TW", {}, "您好："),  # a Taiwanese letter opens with a colon
        ("zh-TW", WANG_F, "王小姐您好："),
        ("zh-HK", LI_M, "親愛的李先生："),
        ("zh-CN", {"first_name": "John", "last_name": "Smith"}, "John Smith，您好！"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_email_greeting(lib: replykit.Library, locale: str, customer: dict[str, str], greeting: str) -> None:
    assert _first_line(lib, locale, customer) == greeting


def test_chat_is_informal_by_default(lib: replykit.Library) -> None:
    context = {**lib.examples(KEY), "customer": MARIA}
    assert lib.render(KEY, locale="en-US", channel="chat", opening=True, **context).body.startswith("Hi Maria,")
    assert lib.render(KEY, locale="es-MX", channel="chat", opening=True, **context).body.startswith("¡Hola, Maria!")


def test_formality_can_be_overridden(lib: replykit.Library) -> None:
    context = {**lib.examples(KEY), "customer": MARIA}
    assert lib.render(KEY, locale="en-US", formality="informal", **context).body.startswith("Hi Maria,")
    with pytest.raises(replykit.RenderError, match="formality"):
        lib.render(KEY, locale="en-US", formality="casual", **context)


def test_sign_off_names_shop_and_agent(lib: replykit.Library) -> None:
    context = {**lib.examples(KEY), "shop": "Lumen Home", "agent": "Ana"}
    en = lib.render(KEY, locale="en-US", **context).body
    assert en.endswith("Best regards,\nAna\nLumen Home Customer Service")
    es = lib.render(KEY, locale="es-ES", **context).body
    assert es.endswith("Un cordial saludo.\nAna\nAtención al cliente de Lumen Home")
    mx = lib.render(KEY, locale="es-MX", **context).body
    assert mx.endswith("Saludos cordiales.\nAna\nAtención al cliente de Lumen Home")
    zh = lib.render(KEY, locale="zh-CN", **context).body
    assert zh.endswith("祝您生活愉快！\n客服Ana\nLumen Home客服团队")
    tw = lib.render(KEY, locale="zh-TW", **context).body
    assert tw.endswith("客服 Ana\nLumen Home 客服團隊 敬上")


def test_sign_off_without_shop_or_agent_has_no_gaps(lib: replykit.Library) -> None:
    examples = {k: v for k, v in lib.examples(KEY).items() if k not in ("shop", "agent")}
    body = lib.render(KEY, locale="en-US", **examples).body
    assert body.endswith("Best regards,\nCustomer Service")
    named = lib.render(KEY, locale="en-US", **lib.examples(KEY)).body  # the examples sign with a real name
    assert named.endswith("Ana\nLumen Home Customer Service")


def test_shop_and_agent_come_from_catalogue_settings(make_catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from catalogues import SIMPLE_EN

    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "replykit.yaml": "shop: Casa Azul\nagent: Lucía\n"})
    lib = replykit.load(root)
    body = lib.render(KEY, **lib.examples(KEY)).body
    assert body.endswith("Regards,\nCasa Azul")
    assert lib.render(KEY, shop="Other", **lib.examples(KEY)).body.endswith("Regards,\nOther")
