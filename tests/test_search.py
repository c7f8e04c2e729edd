"""Search and suggestion over the shipped catalogue and small ones."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import replykit
from catalogues import MakeCatalog
from replykit.cli import main
from replykit.search import normalize, tokens


def keys(found: list[replykit.Suggestion]) -> list[str]:
    return [s.key for s in found]


def test_folding() -> None:
    assert normalize("¿Envío RÁPIDO?") == "¿envio rapido?"
    assert normalize("運費") == "运费"
    assert tokens("Parcels, envíos #A1029") == ["parcel", "envio"]
    assert tokens("退款了") == ["退", "款", "了", "退款", "款了"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("refund", "after_sale.refund_processed"),
        ("REFUND", "after_sale.refund_processed"),
        ("refunds", "after_sale.refund_processed"),
        ("refnd", "after_sale.refund_processed"),  # typo
        ("aduana", "customs.import_tax"),
        ("envio tarde", "after_sale.delivery_delay"),  # no accent
        ("退款", "after_sale.refund_processed"),
        ("退貨", "after_sale.return_exchange"),  # Traditional query, Simplified catalogue
        ("customs tax", "customs.import_tax"),
        ("damaged", "after_sale.damaged_item"),
        ("back in stock", "out_of_stock.restock_notice"),
    ],
)
def test_search_finds_the_scenario_in_the_top_three(lib: replykit.Library, query: str, expected: str) -> None:
    found = lib.search(query, limit=3)
    assert expected in keys(found), found
    assert all(0 <= s.score <= 100 for s in found)


def test_a_word_shared_by_a_group_finds_that_group(lib: replykit.Library) -> None:
    assert all(k.startswith("review_request.") for k in keys(lib.search("reseña", limit=3)))


def test_query_language_decides_the_language_of_results(lib: replykit.Library) -> None:
    assert {s.language for s in lib.search("reembolso", limit=3)} == {"es"}
    assert {s.language for s in lib.search("关税", limit=3)} == {"zh"}
    assert (
        lib.search("reembolso", limit=1)[0].title == lib.template(lib.search("reembolso", limit=1)[0].key, "es").title
    )


def test_filters_and_limit(lib: replykit.Library) -> None:
    assert all(k.startswith("customs.") for k in keys(lib.search("paquete", group="customs")))
    assert {s.language for s in lib.search("refund", language="es")} <= {"es"}
    assert len(lib.search("order", limit=2)) == 2
    assert lib.search("") == [] and lib.search("👍 #A1029") == []
    with pytest.raises(replykit.UnknownGroupError, match="did you mean 'customs'"):
        lib.search("x", group="custom")
    with pytest.raises(replykit.LocaleError):
        lib.search("x", language="fr")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("hi!! my order #A1029 arrived today and the lamp is BROKEN 😡 what now", "after_sale.damaged_item"),
        ("hola buenas, mi pedido 100293 todavia no llega, ya pasaron 3 semanas", "after_sale.delivery_delay"),
        ("你好，在吗？请问这个还有货吗", "pre_sale.low_stock"),
        ("請問包裹被海關扣了怎麼辦", "customs.held_or_returned"),
        ("do I have to pay import tax when the parcel arrives in Mexico?", "customs.import_tax"),
    ],
)
def test_suggest_reads_whole_messages(lib: replykit.Library, message: str, expected: str) -> None:
    found = lib.suggest(message)
    assert expected in keys(found), found
    assert len(found) <= 3
    assert found[0].matched


def test_index_is_built_once_per_library(lib: replykit.Library) -> None:
    assert lib.index is lib.index


def test_search_a_small_catalogue(make_catalog: MakeCatalog) -> None:
    en = "customs.import_tax:\n  title: Import duties\n  keywords: [customs, VAT]\n  chat: hi\n"
    en_other = "after_sale.refund_processed:\n  title: Refund issued\n  keywords: [money back]\n  chat: hi\n"
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": en, "templates/en/after_sale.yaml": en_other}))
    assert keys(lib.search("vat")) == ["customs.import_tax"]
    assert keys(lib.search("money")) == ["after_sale.refund_processed"]


def test_did_you_mean_uses_the_same_machinery(lib: replykit.Library) -> None:
    with pytest.raises(replykit.UnknownKeyError) as info:
        lib.render("after_sale.refund", locale="en")
    assert "after_sale.refund_processed" in info.value.suggestions


def test_cli_search_and_suggest() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["search", "aduana", "--limit", "2"])
    assert text.exit_code == 0 and len(text.stdout.splitlines()) == 2 and "[es]" in text.stdout
    data = json.loads(runner.invoke(main, ["search", "退款", "--format", "json"]).stdout)
    assert set(data[0]) == {"key", "score", "title", "language", "matched", "fits"} and data[0]["language"] == "zh"
    suggested = json.loads(runner.invoke(main, ["suggest", "my parcel arrived damaged", "--format", "json"]).stdout)
    assert suggested[0]["key"] == "after_sale.damaged_item"
    assert suggested[0]["fits"] is True
    loose = runner.invoke(main, ["suggest", "今天天气怎么样"])
    assert loose.exit_code == 0 and "no template fits this message well" in loose.stderr
    nothing = runner.invoke(main, ["search", "👍"])
    assert nothing.exit_code == 0 and "no matching template" in nothing.stderr
    bad = runner.invoke(main, ["search", "x", "--group", "custom"])
    assert bad.exit_code == 2 and "did you mean 'customs'" in bad.stderr
