"""Rendering: the sandbox, strict variables, fallback on defective translations."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

import replykit
from catalogues import SIMPLE_EN, SIMPLE_ES, MakeCatalog

KEY = "customs.import_tax"


def _lib(make_catalog: MakeCatalog, es: str = SIMPLE_ES, **extra: str) -> replykit.Library:
    files = {"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": es, **extra}
    return replykit.load(make_catalog(files))


def test_render_returns_a_complete_reply(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    reply = lib.render(KEY, locale="es-MX", **lib.examples(KEY))
    assert reply.key == KEY
    assert reply.locale == "es-MX"
    assert reply.channel == "email"
    assert reply.subject == "Impuestos para Mexico"
    assert reply.body == "Estimada Ana:\n\nPuede haber aranceles en Mexico.\n\nSaludos,"
    assert not reply.fell_back
    chat = lib.render(KEY, locale="es", channel="chat", **lib.examples(KEY))
    assert chat.subject is None and chat.channel == "chat"


def test_customer_text_is_data_not_template_code(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    for payload in ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ ''.__class__ }}", "<b>hi</b>"]:
        reply = lib.render(KEY, customer={"name": "Eve"}, country=payload)
        assert f"Duties may apply in {payload}." in reply.body
        assert "49" not in reply.body


def test_missing_variable_names_key_locale_and_variable(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    with pytest.raises(replykit.MissingVariableError) as info:
        lib.render(KEY, locale="es-MX", customer={"name": "Eve"})
    err = info.value
    assert (err.key, err.locale, err.variable) == (KEY, "es-MX", "country")
    assert str(err).startswith("[es-MX] customs.import_tax: missing variable 'country'")


def test_blank_text_is_no_value(make_catalog: MakeCatalog) -> None:
    # An empty CSV cell must not become a reply that reads "Duties may apply in ."
    lib = _lib(make_catalog)
    with pytest.raises(replykit.MissingVariableError, match="variable 'country' is empty") as info:
        lib.render(KEY, locale="es-MX", customer={"name": "Eve"}, country="  ")
    assert info.value.variable == "country"
    optional = """
        customs.optional:
          title: Optional
          variables:
            refund: {type: money, required: false, example: 12}
            note: {type: string, required: false, example: Thanks}
          chat: "{% if refund %}Refund: {{ refund }}. {% endif %}{{ note or 'No note.' }}"
    """
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": optional}))
    assert lib.render("customs.optional", channel="chat", refund="", note=" ").body == "No note."
    assert lib.render("customs.optional", channel="chat", refund="12.5 USD").body == "Refund: $12.50. No note."


def test_unknown_key_suggests_close_keys(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    with pytest.raises(replykit.UnknownKeyError) as info:
        lib.render("customs.import_taxes", country="x")
    assert info.value.suggestions == (KEY,)
    assert "did you mean 'customs.import_tax'?" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_unknown_channel_is_a_caller_error(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    with pytest.raises(replykit.RenderError, match="no 'sms' channel; available: email, chat"):
        lib.render(KEY, channel="sms", **lib.examples(KEY))


def test_undeclared_variable_in_translation_falls_back_and_is_recorded(
    make_catalog: MakeCatalog, caplog: pytest.LogCaptureFixture
) -> None:
    broken = SIMPLE_ES.replace(
        "Puede haber aranceles en {{ country }}.", "Puede haber {{ tasas }} en {{ country }}.", 1
    )
    lib = _lib(make_catalog, es=broken)
    with caplog.at_level(logging.WARNING, logger="replykit"):
        reply = lib.render(KEY, locale="es-MX", **lib.examples(KEY))
    assert reply.language == "en" and reply.locale == "en-US"
    assert reply.requested_locale == "es-MX" and reply.fell_back
    (defect,) = reply.defects
    assert isinstance(defect, replykit.TemplateError)
    assert (defect.file, defect.line, defect.key, defect.locale) == ("templates/es/customs.yaml", 8, KEY, "es")
    assert "'tasas' is undefined" in str(defect)
    assert "falling back" in caplog.text
    with pytest.raises(replykit.TemplateError, match="'tasas' is undefined"):
        lib.render(KEY, locale="es-MX", strict=True, **lib.examples(KEY))


def test_syntax_error_is_reported_at_its_yaml_line(make_catalog: MakeCatalog) -> None:
    broken = SIMPLE_ES.replace("Puede haber aranceles en {{ country }}.", "Puede haber aranceles en {{ country }.", 1)
    lib = _lib(make_catalog, es=broken)
    reply = lib.render(KEY, locale="es", **lib.examples(KEY))
    assert reply.language == "en"
    assert reply.defects[0].line == 8
    assert "template syntax error" in str(reply.defects[0])
    chat = lib.render(KEY, locale="es", channel="chat", **lib.examples(KEY))
    assert chat.language == "es" and not chat.defects  # the chat text is fine


def test_broken_yaml_file_does_not_stop_the_rest(make_catalog: MakeCatalog) -> None:
    lib = _lib(
        make_catalog,
        es="customs.import_tax:\n  title: [unclosed\n",
        **{"templates/en/pre_sale.yaml": "pre_sale.hello:\n  title: Hi\n  chat: Hello!\n"},
    )
    (problem,) = lib.problems
    assert isinstance(problem, replykit.CatalogueError)
    assert problem.file == "templates/es/customs.yaml" and problem.line is not None
    assert problem.locale == "es"
    assert lib.render("pre_sale.hello", channel="chat").body == "Hello!"
    reply = lib.render(KEY, locale="es", **lib.examples(KEY))
    assert reply.language == "en" and reply.defects == (problem,)
    with pytest.raises(replykit.CatalogueError):
        lib.render(KEY, locale="es", strict=True, **lib.examples(KEY))


def test_invalid_entry_is_skipped_with_its_location(make_catalog: MakeCatalog) -> None:
    es = SIMPLE_ES + "\ncustoms.bad:\n  title: Malo\n  colour: red\n  chat: hola\n"
    lib = _lib(make_catalog, es=es)
    (problem,) = lib.problems
    assert problem.key == "customs.bad" and problem.line == 16
    assert "unknown field 'colour'" in str(problem)
    assert lib.render(KEY, locale="es", **lib.examples(KEY)).language == "es"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("customs.X:\n  title: t\n  chat: c\n", "a key is '<group>.<name>'"),
        ("weird.key:\n  title: t\n  chat: c\n", "unknown group 'weird'"),
        ("pre_sale.key:\n  title: t\n  chat: c\n", "move it to pre_sale.yaml"),
        ("customs.k:\n  chat: c\n", "missing field 'title'"),
        ("customs.k:\n  title: t\n", "no channel"),
        ("customs.k:\n  title: t\n  email: {body: b}\n", "email needs a subject"),
        ("customs.k:\n  title: t\n  chat: c\n  variables: {x: {example: 1}}\n", "needs a type"),
        ("customs.k:\n  title: t\n  chat: c\n  variables: {x: {type: string}}\n", "needs an example"),
        ("customs.k:\n  title: t\n  chat: c\n  variables: {off: {type: string, example: a}}\n", "put it in quotes"),
        (
            "customs.k:\n  title: t\n  chat: c\n  variables: {shop: {type: string, example: a}}\n",
            "provided by replykit",
        ),
    ],
)
def test_schema_problems_are_clear(make_catalog: MakeCatalog, entry: str, message: str) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": SIMPLE_EN + "\n" + entry}))
    assert len(lib.problems) == 1
    assert message in str(lib.problems[0])
    assert lib.problems[0].file == "templates/en/customs.yaml"


def test_library_pickles_as_its_path(make_catalog: MakeCatalog) -> None:
    lib = _lib(make_catalog)
    data = pickle.dumps(lib)
    assert len(data) < 500
    clone = pickle.loads(data)
    assert clone.render(KEY, locale="es", **lib.examples(KEY)) == lib.render(KEY, locale="es", **lib.examples(KEY))


def test_errors_pickle_with_their_fields() -> None:
    err = replykit.UnknownKeyError("a.b", ["a.c"], locale="es")
    clone = pickle.loads(pickle.dumps(err))
    assert (str(clone), clone.key, clone.suggestions, clone.locale) == (str(err), "a.b", ("a.c",), "es")


def test_catalog_from_environment(make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN})
    monkeypatch.setenv("REPLYKIT_CATALOG", str(root))
    assert replykit.load().keys() == [KEY]


def test_missing_catalogue_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(replykit.CatalogueError, match="does not exist"):
        replykit.load(tmp_path / "nope")
    with pytest.raises(replykit.CatalogueError, match="no templates/ folder"):
        replykit.load(tmp_path)


def test_introspection(lib: replykit.Library) -> None:
    assert lib.languages[0] == "en" and {lang.split("-")[0] for lang in lib.languages} == {"en", "es", "zh"}
    assert KEY in lib.keys()
    assert lib.keys(group="customs") == [k for k in lib.keys() if k.startswith("customs.")]
    template = lib.template(KEY, "es")
    assert template.language == "es" and template.file == "templates/es/customs.yaml"
    assert set(template.channels) >= {"email", "chat"}
    with pytest.raises(replykit.LocaleError, match="no templates in language 'fr'"):
        lib.template(KEY, "fr")
    with pytest.raises(replykit.UnknownKeyError):
        lib.examples("customs.nope")


def test_every_group_has_a_starter_in_every_language(lib: replykit.Library) -> None:
    for group in ("pre_sale", "mid_sale", "after_sale", "customs", "out_of_stock", "review_request"):
        for language in ("en", "es", "zh"):
            keys = lib.keys(group=group, language=language)
            assert keys, (group, language)
            assert {"email", "chat"} <= set(lib.template(keys[0], language).channels)
