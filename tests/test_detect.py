"""Language detection: short messages, noise, hints, scripts, determinism, backends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

import pytest

import replykit
from replykit import detect_language

EN_ES_ZH = ("en", "es", "zh")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order??", "en"),
        ("WHERE IS MY PACKAGE", "en"),
        ("can i get a refund for order #B4471", "en"),
        ("thanks!", "en"),
        ("¿cuándo llega?", "es"),
        ("hola", "es"),
        ("gracias!!", "es"),
        ("mi pedido #A1029 todavia no llega 😡", "es"),
        ("quiero devolver las zapatillas, me quedan chicas", "es"),
        ("mi pedido de AirPods Pro Max no llega", "es"),  # English product name, Spanish message
        ("hola, q pasó con mi order 100293?", "es"),
        ("请问有现货吗", "zh"),
        ("請問有現貨嗎", "zh"),
        ("我的order #B4471 还没到", "zh"),
        ("退款", "zh"),
    ],
)
def test_short_customer_messages(text: str, language: str) -> None:
    assert detect_language(text, candidates=EN_ES_ZH).language == language


@pytest.mark.parametrize(
    ("text", "script", "locale"),
    [
        ("请问有现货吗", "Hans", "zh-Hans"),
        ("請問有現貨嗎", "Hant", "zh-Hant"),
        ("我要退货，尺码太小了", "Hans", "zh-Hans"),
        ("我要退貨，尺碼太小了", "Hant", "zh-Hant"),
        ("包裹到哪了", "Hans", "zh-Hans"),  # only shared characters: Simplified by default
    ],
)
def test_chinese_script(text: str, script: str, locale: str) -> None:
    detection = detect_language(text, candidates=EN_ES_ZH)
    assert (detection.language, detection.script, detection.locale, detection.method) == (
        "zh",
        script,
        locale,
        "script",
    )


def test_chinese_region_comes_from_hints_of_the_same_script() -> None:
    assert detect_language("請問有現貨嗎", hints={"country": "TW"}).locale == "zh-TW"
    assert detect_language("請問有現貨嗎", hints="zh-HK").locale == "zh-HK"
    assert detect_language("包裹到哪了", hints="zh-TW").script == "Hant"  # shared characters: the region decides
    assert detect_language("请问有现货吗", hints="zh-TW").locale == "zh-Hans"  # Simplified text wins


def test_noise_does_not_sway_the_answer() -> None:
    noisy = "hola 👋 mi pedido LX123456789CN https://track.example.com/AB12 ventas@tienda.example #A1029 no llega"
    assert detect_language(noisy, candidates=EN_ES_ZH).language == "es"
    only_noise = detect_language("#A1029 100293 😡 https://x.example/y", candidates=EN_ES_ZH)
    assert (only_noise.language, only_noise.method) == ("en", "default")


def test_hints_decide_short_text_and_text_wins_when_clear() -> None:
    short = detect_language("ok", candidates=EN_ES_ZH, hints={"accept_language": "es-MX,es;q=0.9,en;q=0.8"})
    assert (short.language, short.locale, short.method) == ("es", "es-MX", "hint")
    stored = detect_language("hola", candidates=EN_ES_ZH, hints={"locale": "en-GB"})
    assert (stored.language, stored.locale, stored.method) == ("en", "en-GB", "hint")
    long_spanish = "Hola, quería saber cuándo llega mi pedido, lo compré hace dos semanas y no tengo noticias"
    clear = detect_language(long_spanish, candidates=EN_ES_ZH, hints={"locale": "en-US"})
    assert (clear.language, clear.method) == ("es", "model")
    assert clear.locale == "es"  # the hint's region belongs to another language


def test_region_from_country_hint_when_languages_agree() -> None:
    assert detect_language("¿dónde está mi paquete?", candidates=EN_ES_ZH, hints={"country": "MX"}).locale == "es-MX"
    assert detect_language("where is my parcel?", candidates=EN_ES_ZH, hints={"country": "GB"}).locale == "en-GB"
    assert detect_language("where is my parcel?", candidates=EN_ES_ZH, hints={"country": "MX"}).locale == "en"


def test_nothing_to_go_on_gives_the_default() -> None:
    detection = detect_language("👍", candidates=EN_ES_ZH, default="es-ES")
    assert (detection.language, detection.locale, detection.method, detection.confidence) == (
        "es",
        "es-ES",
        "default",
        0.0,
    )
    assert detect_language("", candidates=EN_ES_ZH).method == "default"


def test_deterministic() -> None:
    texts = ["hola", "ok", "do u ship to puerto rico?", "merci", "hello?", "si"]
    first = [detect_language(t, candidates=EN_ES_ZH) for t in texts]
    for _ in range(3):
        assert [detect_language(t, candidates=EN_ES_ZH) for t in texts] == first
    seeded = replykit.LangdetectDetector()
    answers = {detect_language("hola amigo", candidates=("en", "es"), detector=seeded) for _ in range(5)}
    assert len(answers) == 1


def test_any_catalogue_languages() -> None:
    fr_de = ("fr", "de", "en")
    assert detect_language("bonjour, où est ma commande ?", candidates=fr_de).language == "fr"
    assert detect_language("Wo ist meine Bestellung?", candidates=fr_de).language == "de"
    assert detect_language("где мой заказ", candidates=("ru", "en")).method == "script"


def test_pluggable_detector() -> None:
    class AlwaysSpanish:
        def scores(self, text: str, languages: Sequence[str]) -> Mapping[str, float]:
            return {"es": 1.0} if "es" in languages else {}

    assert isinstance(AlwaysSpanish(), replykit.Detector)
    detection = detect_language("where is my order", candidates=EN_ES_ZH, detector=AlwaysSpanish())
    assert (detection.language, detection.method) == ("es", "model")
    lib = replykit.load()
    lib.detector = AlwaysSpanish()
    assert lib.detect("where is my order").language == "es"


def test_langdetect_backend_answers_within_candidates() -> None:
    detector = replykit.LangdetectDetector()
    assert (
        detect_language("where is my order, I paid last week", candidates=EN_ES_ZH, detector=detector).language == "en"
    )
    assert (
        detect_language(
            "dónde está mi pedido, lo pagué la semana pasada", candidates=EN_ES_ZH, detector=detector
        ).language
        == "es"
    )


def test_bad_hints_are_clear_errors() -> None:
    with pytest.raises(replykit.DetectionError, match="ISO 3166"):
        detect_language("hi", hints={"country": "Mexico"})
    with pytest.raises(replykit.DetectionError, match="unknown hint"):
        detect_language("hi", hints={"langauge": "es"})
    with pytest.raises(replykit.LocaleError):
        detect_language("hi", hints={"locale": "xx-!!"})


def test_reply_to_detects_negotiates_and_renders(lib: replykit.Library) -> None:
    context = lib.examples("mid_sale.shipped")
    reply = lib.reply_to("hola, ¿ya enviaron mi pedido?", "mid_sale.shipped", hints={"country": "MX"}, **context)
    assert (reply.locale, reply.language) == ("es-MX", "es")
    assert reply.detection.method == "model" and reply.detection.locale == "es-MX"
    tw = lib.reply_to("請問我的包裹寄出了嗎", "mid_sale.shipped", channel="chat", **context)
    assert tw.locale == "zh-Hant" and "訂單" in tw.body
    assert reply.to_dict()["detection"]["language"] == "es"


def test_import_and_render_do_not_load_detection_or_search() -> None:
    code = (
        "import sys, replykit\n"
        "lib = replykit.load()\n"
        "lib.render('customs.import_tax', locale='es-MX', **lib.examples('customs.import_tax'))\n"
        "print(sorted(m for m in ('lingua', 'wordfreq', 'langdetect', 'rapidfuzz', 'replykit.detect',"
        " 'replykit.search') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
