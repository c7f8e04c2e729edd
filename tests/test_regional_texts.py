"""Regional texts, the frame of a reply (tone, opening), typography and money across borders."""

from __future__ import annotations

import pytest

import replykit
from catalogues import MakeCatalog

EN = """
customs.x:
  title: X
  tone: apology
  variables:
    customer: {type: customer, example: {first_name: Ana, gender: female}}
    product: {type: string, example: Lamp}
    days: {type: duration, example: {min: 3, max: 5}}
    link: {type: url, example: "https://shop.example/t?id=1"}
  email:
    subject: About your {{ product }}
    body: |
      {{ greeting }}

      Body EN {{ product | quote }} in {{ days }}.

      {{ sign_off }}
  chat: "{{ greeting }} sorry, track it here: {{ link }} Thanks"
"""
ES = """
customs.x:
  title: X es
  email:
    subject: Sobre su {{ product }}
    body: |
      {{ greeting }}

      Cuerpo ES {{ product | quote }} en {{ days }}, oferta.

      {{ sign_off }}
  chat: "{{ greeting }} lo sentimos, ya salió: {{ link }} Gracias"
"""
ES_MX = """
customs.x:
  email:
    body: |
      {{ greeting }}

      Cuerpo MX {{ product | quote }} en {{ days }}, cotización.

      {{ sign_off }}
"""
ZH = """
customs.x:
  title: 标题
  email:
    subject: 关于您的 {{ product }}
    body: |
      {{ greeting }}

      通过快递发货，预计 {{ days }} 送达。

      {{ sign_off }}
  chat: "信息：您的 {{ product }} 已发货"
"""
ZH_TW = """
customs.x:
  chat: "您的 {{ product }} 已出貨"
"""
LOCALES = {
    "locales/en.yaml": """
        formality: {email: formal, chat: informal}
        greeting:
          formal: {female: "Dear Ms. {{ customer.first_name }},", anonymous: "Hello,"}
          informal: {neutral: "Hi {{ customer.first_name }},", anonymous: "Hi,"}
        closing:
          neutral: {formal: "Kind regards,"}
          apology: {formal: "With our apologies,"}
        sign_off:
          formal: "{{ shop }} team"
    """,
    "locales/es.yaml": """
        fallback: [en]
        greeting:
          formal: {female: "Estimada {{ customer.first_name }}:"}
          informal: {neutral: "¡Hola, {{ customer.first_name }}!"}
        closing:
          neutral: {formal: "Saludos cordiales."}
        sign_off:
          formal: "Equipo de {{ shop }}"
        typography: {quotes: ["«", "»"], range: "de {0} a {1}"}
    """,
    "locales/zh.yaml": """
        fallback: [en]
        greeting:
          formal: {female: "{{ customer.first_name }}女士，您好！"}
        sign_off:
          formal: "{{ shop }}客服团队"
        typography: {quotes: ["“", "”"], han_spacing: false}
    """,
    "locales/zh-TW.yaml": """
        fallback: [zh]
        typography: {quotes: ["「", "」"]}
    """,
}


@pytest.fixture
def lib(make_catalog: MakeCatalog) -> replykit.Library:
    files = {
        "templates/en/customs.yaml": EN,
        "templates/es/customs.yaml": ES,
        "templates/es-MX/customs.yaml": ES_MX,
        "templates/zh/customs.yaml": ZH,
        "templates/zh-TW/customs.yaml": ZH_TW,
        **LOCALES,
    }
    return replykit.load(make_catalog(files, locales=False))


def test_a_regional_text_overrides_its_language_field_by_field(lib: replykit.Library) -> None:
    mx = lib.render("customs.x", locale="es-MX", shop="Lumen", values=lib.examples("customs.x"))
    es = lib.render("customs.x", locale="es-ES", shop="Lumen", values=lib.examples("customs.x"))
    assert "Cuerpo MX" in mx.body and mx.subject == "Sobre su Lamp" and mx.texts_from == ("es-MX", "es")
    assert "Cuerpo ES" in es.body and es.texts_from == ("es",)
    chat = lib.render("customs.x", locale="es-MX", channel="chat", values=lib.examples("customs.x"))
    assert chat.body.startswith("Lo sentimos, ya salió") and chat.texts_from == ("es",)


def test_traditional_texts_are_the_regions_own_and_converted_only_where_missing(lib: replykit.Library) -> None:
    tw = lib.render("customs.x", locale="zh-TW", channel="chat", values=lib.examples("customs.x"))
    assert tw.body == "您的Lamp已出貨" and tw.texts_from == ("zh-TW",)
    hk = lib.render("customs.x", locale="zh-HK", channel="chat", values=lib.examples("customs.x"))
    assert hk.body == "信息：您的Lamp已發貨" and hk.texts_from == ("zh",)  # OpenCC's, for want of a text of its own


def test_a_regional_text_without_its_language_is_not_used(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {"templates/en/customs.yaml": EN, "templates/fr-CA/customs.yaml": ES_MX, **LOCALES}, locales=False
    )
    reply = replykit.load(root).render("customs.x", locale="fr-CA", values=replykit.load(root).examples("customs.x"))
    assert reply.language == "en" and "Body EN" in reply.body  # fr-CA is a language of its own here, untranslated


def test_the_closing_follows_the_tone(lib: replykit.Library, make_catalog: MakeCatalog) -> None:
    reply = lib.render("customs.x", locale="en-US", shop="Lumen", values=lib.examples("customs.x"))
    assert reply.body.endswith("With our apologies,\nLumen team")
    neutral = EN.replace("  tone: apology\n", "")
    other = replykit.load(make_catalog({"templates/en/customs.yaml": neutral, **LOCALES}, locales=False))
    assert other.render("customs.x", shop="Lumen", values=other.examples("customs.x")).body.endswith(
        "Kind regards,\nLumen team"
    )
    es = lib.render("customs.x", locale="es-ES", shop="Lumen", values=lib.examples("customs.x"))
    assert es.body.endswith("Saludos cordiales.\nEquipo de Lumen")  # no apology closing in es: the neutral one


def test_a_chat_greets_only_when_it_opens_the_conversation(lib: replykit.Library) -> None:
    values = lib.examples("customs.x")
    assert lib.render("customs.x", channel="chat", values=values).body.startswith("Sorry, track it here:")
    assert lib.render("customs.x", channel="chat", opening=True, values=values).body.startswith("Hi Ana, sorry")
    assert lib.render("customs.x", values=values).body.startswith("Dear Ms. Ana,")  # an e-mail opens


def test_locale_typography(lib: replykit.Library) -> None:
    values = lib.examples("customs.x")
    es = lib.render("customs.x", locale="es-ES", values=values)
    assert "«Lamp» en de 3 a 5 días" in es.body
    zh = lib.render("customs.x", locale="zh-CN", values=values)
    assert zh.subject == "关于您的Lamp" and "预计3-5天送达" in zh.body
    chat = lib.render("customs.x", channel="chat", values=values)
    assert chat.body == "Sorry, track it here: https://shop.example/t?id=1\nThanks"


@pytest.mark.parametrize(
    ("locale", "ship_to", "amount", "expected"),
    [("en-US", None, "12 USD", "$12.00"), ("en-US", "MX", "12 USD", "USD\u00a012.00"), ("en-US", "CA", "12 USD", "USD\u00a012.00"),
     ("en-US", "DE", "12 USD", "$12.00"), ("en-CA", None, "12 USD", "US$12.00"), ("es-MX", None, "12 USD", "USD\u00a012.00"),
     ("es-MX", None, "12 MXN", "$12.00")],
)  # fmt: skip
def test_money_that_cannot_be_misread_across_borders(
    make_catalog: MakeCatalog, locale: str, ship_to: str | None, amount: str, expected: str
) -> None:
    entry = "customs.m:\n  title: M\n  variables:\n    m: {type: money, example: 1}\n  chat: '{{ m }}'\n"
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": entry, "templates/es/customs.yaml": entry}))
    extra = {"ship_to": ship_to} if ship_to else {}
    assert lib.render("customs.m", locale=locale, channel="chat", m=amount, **extra).body == expected


def test_a_shop_can_force_the_code_or_the_sign(make_catalog: MakeCatalog) -> None:
    entry = "customs.m:\n  title: M\n  variables:\n    m: {type: money, example: 1}\n  chat: '{{ m }}'\n"
    for display, expected in (("code", "USD\u00a012.00"), ("symbol", "$12.00")):
        root = make_catalog({"templates/en/customs.yaml": entry, "replykit.yaml": f"currency_display: {display}\n"})
        lib = replykit.load(root)
        assert lib.render("customs.m", channel="chat", m="12 USD", ship_to="MX").body == expected


def test_an_address_is_laid_out_the_locales_way(make_catalog: MakeCatalog) -> None:
    entry = "customs.a:\n  title: A\n  variables:\n    a: {type: address, example: x}\n  chat: '{{ a }}'\n"
    locales = {
        "locales/en.yaml": "address: |\n  {line1}\n  {line2}\n  {city}, {region}\n  Postcode: {postcode}\n  {country}\n",
        "locales/zh.yaml": "fallback: [en]\naddress: |\n  {country}{region}{city}{line1}{line2}\n  邮政编码：{postcode}\n",
    }
    files = {"templates/en/customs.yaml": entry, "templates/zh/customs.yaml": entry, **locales}
    lib = replykit.load(make_catalog(files, locales=False))
    address = {"line1": "1 Main St", "city": "Springfield", "postcode": "12345", "country": "USA"}
    assert lib.render("customs.a", channel="chat", a=address).body == "1 Main St\nSpringfield\nPostcode: 12345\nUSA"
    china = {"line1": "世纪大道100号", "city": "上海市", "region": "", "postcode": "200120", "country": "中国"}
    assert (
        lib.render("customs.a", locale="zh-CN", channel="chat", a=china).body
        == "中国上海市世纪大道100号\n邮政编码：200120"
    )
    assert lib.render("customs.a", channel="chat", a="as typed, 123").body == "as typed, 123"


def test_the_gallery_shows_every_key_and_channel_with_varied_data(tmp_path: object) -> None:
    from pathlib import Path

    from click.testing import CliRunner

    from replykit.cli import main

    out = Path(str(tmp_path)) / "gallery"
    result = CliRunner().invoke(main, ["gallery", "--locale", "es-MX", "--locale", "zh-TW", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lib = replykit.load()
    text = (out / "gallery-es-MX.md").read_text(encoding="utf-8")
    for key in lib.keys():
        assert f"## {key}:" in text
    assert "Estimada María:" in text and "Estimado James:" in text and "does not render" not in text
    assert "amount in MXN" in text and "amount in USD" in text and "a long product name" in text
    assert "陳先生" in (out / "gallery-zh-TW.md").read_text(encoding="utf-8")
    mid = text.split("### chat: a woman, answering mid-conversation")[1].split("```text\n")[1]
    assert not mid.startswith("¡Hola") and text.count("answering mid-conversation") == sum(
        len(lib.template(k).channels) - 1 for k in lib.keys()
    )


def test_stamps_and_po_files_understand_regions(make_catalog: MakeCatalog) -> None:
    import io

    from babel.messages.pofile import read_po, write_po

    from replykit import po

    files = {"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES, "templates/es-MX/customs.yaml": ES_MX}
    root = make_catalog({**files, **LOCALES}, locales=False)
    lib = replykit.load(root)
    assert po.stamp(lib, "es-MX") == ["customs.x"]
    lib = replykit.load(root)
    assert po.translation_status(lib, "es-MX") == {"customs.x": "translated"}
    catalog = read_po(io.BytesIO(po.export_po(lib, "es-MX")))
    messages = {m.context: m for m in catalog if m.id}
    assert messages["customs.x:email.body"].id.startswith("{{ greeting }}\n\nCuerpo ES")  # what the region overrides
    assert "Cuerpo MX" in messages["customs.x:email.body"].string and messages["customs.x:chat"].string == ""
    messages["customs.x:chat"].string = "{{ greeting }} lo sentimos, ya se envió: {{ link }} Gracias"
    out = io.BytesIO()
    write_po(out, catalog)
    po.import_po(lib, out.getvalue(), "es-MX")
    written = (root / "templates/es-MX/customs.yaml").read_text(encoding="utf-8")
    assert "ya se envió" in written and "title" not in written and "Cuerpo ES" not in written
    (root / "templates/es/customs.yaml").write_text(ES.replace("oferta", "promoción"), encoding="utf-8")
    assert po.translation_status(replykit.load(root), "es-MX") == {"customs.x": "stale"}  # what it overrides changed


def test_a_translation_closes_in_its_sources_tone(lib: replykit.Library, make_catalog: MakeCatalog) -> None:
    locales = {**LOCALES, "locales/es.yaml": LOCALES["locales/es.yaml"].replace(
        'neutral: {formal: "Saludos cordiales."}',
        'neutral: {formal: "Saludos cordiales."}\n          apology: {formal: "Disculpe las molestias."}',
    )}  # fmt: skip
    files = {"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES, **locales}
    es = replykit.load(make_catalog(files, locales=False))
    reply = es.render("customs.x", locale="es-ES", shop="Lumen", values=es.examples("customs.x"))
    assert reply.body.endswith("Disculpe las molestias.\nEquipo de Lumen")  # (the es entry says no tone)


def test_words_of_a_locale_file_in_its_own_script_are_not_converted(make_catalog: MakeCatalog) -> None:
    taiwan = (
        LOCALES["locales/zh-TW.yaml"].rstrip() + '\n        sign_off:\n          formal: "感謝您的支持 {{ shop }}"\n'
    )
    files = {"templates/en/customs.yaml": EN, "templates/zh/customs.yaml": ZH, **LOCALES, "locales/zh-TW.yaml": taiwan}
    lib = replykit.load(make_catalog(files, locales=False))
    tw = lib.render("customs.x", locale="zh-TW", shop="Lumen", values=lib.examples("customs.x"))
    assert tw.body.endswith("感謝您的支持Lumen")  # s2twp would make it 支援
    hk = lib.render("customs.x", locale="zh-HK", shop="Lumen", values=lib.examples("customs.x"))
    assert hk.body.endswith("Lumen客服團隊")  # zh.yaml's Simplified words are converted


def test_a_numbered_list_keeps_its_space_without_han_spacing(make_catalog: MakeCatalog) -> None:
    listed = ZH.replace("通过快递发货，预计 {{ days }} 送达。", "1. 我们已发货\n      2. 预计 {{ days }} 送达")
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": EN, "templates/zh/customs.yaml": listed,
                                      **LOCALES}, locales=False))  # fmt: skip
    body = lib.render("customs.x", locale="zh-CN", values=lib.examples("customs.x")).body
    assert "\n1. 我们已发货\n2. 预计3-5天送达" in body


def test_lint_understands_regional_folders(make_catalog: MakeCatalog) -> None:
    from replykit.lint import lint

    copied = ES_MX + '  chat: "{{ greeting }} lo sentimos, ya salió: {{ link }} Gracias"\n'
    files = {"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES, "templates/es-MX/customs.yaml": copied,
             **LOCALES, "locales/es-MX.yaml": "fallback: [es]\navoid: {Sobre: Acerca de}\n"}  # fmt: skip
    found = lint(replykit.load(make_catalog(files, locales=False)), cache=False)
    mexico = [f for f in found if f.file == "templates/es-MX/customs.yaml"]
    assert not [f for f in mexico if f.code in ("missing-translation", "channel-mismatch")]  # holds what differs
    (same,) = [f for f in mexico if f.code == "unchanged-translation"]
    assert same.message.startswith("chat is the same as the es text; remove it")
    avoided = [f for f in found if f.code == "avoided-term"]
    assert avoided and all(f.locale == "es-MX" and f.file == "templates/es/customs.yaml" for f in avoided)
    assert "write 'Acerca de'" in avoided[0].message and "email" in avoided[0].message  # (the subject is es's)
    assert {f.code for f in found if f.locale == "es-ES"} <= {"unused-variable"}


def test_style_checks_are_lint_codes(make_catalog: MakeCatalog) -> None:
    from replykit.lint import CODES, lint

    zh = ZH.replace("关于您的 {{ product }}", "关于您的 {{ product }} 订单").replace(
        "预计 {{ days }} 送达。", "预计 {{ days }} 送达。祝您购物愉快！"
    )
    en = EN.replace("track it here: {{ link }} Thanks", "track it here: {{ link }}Thanks").replace(
        "in {{ days }}.", "in {{ days }} for ${{ product }}."
    )
    found = lint(replykit.load(make_catalog({"templates/en/customs.yaml": en, "templates/zh/customs.yaml": zh,
                                              **LOCALES}, locales=False)), cache=False)  # fmt: skip
    codes = {f.code for f in found}
    assert {"han-spacing", "closing-tone", "link-run-on", "ambiguous-currency"} <= codes <= set(CODES)
    (cheer,) = [f for f in found if f.code == "closing-tone" and f.key]
    assert cheer.file == "templates/zh/customs.yaml" and "apology" in cheer.message


def test_an_address_leaves_out_an_empty_field_with_its_separator(make_catalog: MakeCatalog) -> None:
    entry = "customs.a:\n  title: A\n  variables:\n    a: {type: address, example: x}\n  chat: '{{ a }}'\n"
    files = {
        "templates/en/customs.yaml": entry,
        "locales/en.yaml": "address: |\n  {line1}\n  {city}, {region} {postcode}\n",
    }
    lib = replykit.load(make_catalog(files, locales=False))
    address = {"line1": "1 Main St", "city": "Springfield", "region": "", "postcode": "62704"}
    assert lib.render("customs.a", channel="chat", a=address).body == "1 Main St\nSpringfield 62704"
    no_city = {"line1": "1 Main St", "region": "IL", "postcode": "62704"}
    assert lib.render("customs.a", channel="chat", a=no_city).body == "1 Main St\nIL 62704"


def test_an_address_keeps_its_own_spacing_where_han_takes_spaces(make_catalog: MakeCatalog) -> None:
    entry = (
        "customs.a:\n  title: A\n  variables:\n    a: {type: address, example: x}\n  chat: '地址如下：{{ a }}，共3件'\n"
    )
    taiwan = "fallback: [zh]\ntypography: {han_spacing: true}\naddress: '{city}{line1}'\n"
    files = {"templates/en/customs.yaml": entry, "templates/zh/customs.yaml": entry, **LOCALES,
             "locales/zh-TW.yaml": taiwan}  # fmt: skip
    lib = replykit.load(make_catalog(files, locales=False))
    reply = lib.render("customs.a", locale="zh-TW", channel="chat", a={"city": "台北市", "line1": "南京東路100號5樓"})
    assert reply.body == "地址如下：台北市南京東路100號5樓，共 3 件"  # the rest of the text is spaced


@pytest.mark.parametrize(("cents", "amount", "expected"), [(True, "5 GBP", "£5.00"), (False, "5 GBP", "£5"),
                                                          (False, "4.5 GBP", "£4.50"), (False, "1235 JPY", "JP¥1,235")])  # fmt: skip
def test_a_locale_can_write_whole_amounts_without_cents(
    make_catalog: MakeCatalog, cents: bool, amount: str, expected: str
) -> None:
    entry = "customs.m:\n  title: M\n  variables:\n    m: {type: money, example: 1}\n  chat: '{{ m }}'\n"
    british = f"fallback: [en]\nnumbers: {{cents_on_whole_amounts: {str(cents).lower()}}}\n"
    files = {"templates/en/customs.yaml": entry, **LOCALES, "locales/en-GB.yaml": british}
    lib = replykit.load(make_catalog(files, locales=False))
    assert lib.render("customs.m", locale="en-GB", channel="chat", m=amount).body == expected


def test_a_locale_can_write_its_own_sign_for_a_currency(make_catalog: MakeCatalog) -> None:
    entry = "customs.m:\n  title: M\n  variables:\n    m: {type: money, example: 1}\n  chat: '{{ m }}'\n"
    taiwan = "fallback: [zh]\ncurrency_symbols: {TWD: NT$}\nnumbers: {cents_on_whole_amounts: false}\n"
    files = {"templates/en/customs.yaml": entry, "templates/zh/customs.yaml": entry, **LOCALES,
             "locales/zh-TW.yaml": taiwan}  # fmt: skip
    lib = replykit.load(make_catalog(files, locales=False))
    shown = [lib.render("customs.m", locale="zh-TW", channel="chat", m=m).body for m in ("1235 TWD", "12.5 USD")]
    assert shown == ["NT$1,235", "US$12.50"]
    bad = make_catalog({**files, "locales/zh-TW.yaml": "fallback: [zh]\ncurrency_symbols: {NTD: NT$}\n"})
    (problem,) = [p for p in replykit.load(bad).problems if "currency_symbols" in p.message]
    assert problem.file == "locales/zh-TW.yaml" and "ISO 4217" in problem.message


def test_an_override_is_stale_only_when_the_text_it_overrides_changes(make_catalog: MakeCatalog) -> None:
    from replykit import po

    files = {"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES, "templates/es-MX/customs.yaml": ES_MX,
             **LOCALES}  # fmt: skip
    root = make_catalog(files, locales=False)
    po.stamp(replykit.load(root), "es-MX")
    spanish = root / "templates/es/customs.yaml"
    spanish.write_text(ES.replace("lo sentimos, ya salió", "lo sentimos mucho, ya salió"), encoding="utf-8")
    assert po.translation_status(replykit.load(root), "es-MX")["customs.x"] == "translated"  # es-MX has no chat
    spanish.write_text(ES.replace("Cuerpo ES", "Texto ES"), encoding="utf-8")
    assert po.translation_status(replykit.load(root), "es-MX")["customs.x"] == "stale"  # it overrides the body
