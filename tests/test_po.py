"""The translator workflow: PO export/import, format-preserving YAML edits, stamp, new-language."""

from __future__ import annotations

import difflib
import io
import os
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import replykit
from catalogues import SIMPLE_EN, SIMPLE_ES, MakeCatalog
from conftest import REPO
from replykit import _yamledit, po
from replykit._yamledit import Change, Flow, apply_changes, edit_file
from replykit.cli import main

# -- helpers ----------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edit_po(data: bytes, strings: dict[str, str], *, fuzzy: dict[str, bool] | None = None) -> bytes:
    """Set msgstr (and the fuzzy flag) of messages by msgctxt, as a PO editor would."""
    catalog = read_po(io.BytesIO(data))
    seen = set()
    for message in catalog:
        if message.context in strings:
            message.string = strings[message.context]
            seen.add(message.context)
        if fuzzy and message.context in fuzzy:
            if fuzzy[message.context]:
                message.flags.add("fuzzy")
            else:
                message.flags.discard("fuzzy")
    assert seen == set(strings), set(strings) - seen
    out = io.BytesIO()
    write_po(out, catalog, sort_output=False)
    return out.getvalue()


def messages(data: bytes) -> dict[str, object]:
    return {m.context: m for m in read_po(io.BytesIO(data)) if m.id}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


EN_NOTES = """
customs.import_tax:
  title: Import tax
  description: Whether duties apply and who pays them.
  notes: |
    Keep it neutral.
    Never promise a refund of duties.
  keywords: [customs, import tax]
  phrases:
    - do I pay customs?
  variables:
    customer: {type: customer, example: {first_name: Ana, last_name: Ruiz, gender: female}}
    country: {type: string, example: Mexico}
  email:
    subject: Import tax for {{ country }}
    body: |
      {{ greeting }}

      Duties may apply in {{ country }}.

      {{ sign_off }}
  chat: |
    {{ greeting }} Duties may apply in {{ country }}.

customs.held:
  title: Held by customs
  variables:
    country: {type: string, example: Mexico}
  chat: |
    Your parcel is held in {{ country }}.
"""


@pytest.fixture
def small(make_catalog: MakeCatalog) -> Path:
    """en with two keys (one with description and notes), es translating one of them."""
    return make_catalog({"templates/en/customs.yaml": EN_NOTES, "templates/es/customs.yaml": SIMPLE_ES})


# -- export -----------------------------------------------------------------------------


def test_export_entries_context_comments_and_locations(small: Path) -> None:
    lib = replykit.load(small)
    data = po.export_po(lib, "es")
    catalog = read_po(io.BytesIO(data))
    assert catalog.locale_identifier == "es"
    found = messages(data)
    assert list(found) == [
        "customs.import_tax:title",
        "customs.import_tax:keywords",
        "customs.import_tax:phrases",
        "customs.import_tax:email.subject",
        "customs.import_tax:email.body",
        "customs.import_tax:chat",
        "customs.held:title",
        "customs.held:chat",
    ]
    title = found["customs.import_tax:title"]
    assert (title.id, title.string) == ("Import tax", "Impuestos")
    assert title.auto_comments == [
        "Whether duties apply and who pays them.",
        "Keep it neutral.",
        "Never promise a refund of duties.",
    ]
    assert title.locations == [("templates/en/customs.yaml", 2)]
    assert found["customs.import_tax:keywords"].id == "customs, import tax"
    assert found["customs.import_tax:keywords"].string == ""  # the translation has no keywords
    body = found["customs.import_tax:email.body"]
    assert body.id == "{{ greeting }}\n\nDuties may apply in {{ country }}.\n\n{{ sign_off }}\n"
    assert body.string.startswith("{{ greeting }}\n\nPuede haber aranceles")
    assert body.locations == [("templates/en/customs.yaml", 15)]
    assert not body.fuzzy and "python-format" not in body.flags
    held = found["customs.held:chat"]
    assert (held.string, held.fuzzy, held.locations) == ("", False, [("templates/en/customs.yaml", 28)])


def test_stale_translation_is_exported_fuzzy(make_catalog: MakeCatalog) -> None:
    stale = SIMPLE_ES.replace("  title: Impuestos\n", "  title: Impuestos\n  source: 0123456789ab\n")
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": stale}))
    assert po.translation_status(lib, "es") == {"customs.import_tax": "stale"}
    found = messages(po.export_po(lib, "es"))
    assert all(m.fuzzy for m in found.values())


def test_source_language_cannot_be_exported(small: Path) -> None:
    with pytest.raises(replykit.CatalogueError, match="source language"):
        po.export_po(replykit.load(small), "en")


# -- round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "zh"])
def test_round_trip_without_edits_is_byte_identical(shipped_copy: Path, language: str) -> None:
    before = snapshot(shipped_copy)
    lib = replykit.load(shipped_copy)
    report = po.import_po(lib, po.export_po(lib, language), language)
    assert report.files == [] and report.summary() == "No changes."
    assert snapshot(shipped_copy) == before


def test_edited_msgstr_lands_on_its_lines_only(shipped_copy: Path) -> None:
    path = shipped_copy / "templates/es/customs.yaml"
    key = "customs.import_tax"
    unstamped = re.sub(r"\n  source: \w+\n", "\n", path.read_text(encoding="utf-8"), count=1)  # the key's stamp
    original = "# Revisado por el equipo de Madrid.\n" + unstamped.replace(
        "  chat: |\n", "  # breve, para el chat\n  chat: |\n", 1
    )
    path.write_text(original, encoding="utf-8")
    lib = replykit.load(shipped_copy)
    assert lib.template(key, "es").source is None
    old_subject = lib.template(key, "es").texts[("email", "subject")].text
    data = edit_po(
        po.export_po(lib, "es"),
        {
            f"{key}:email.subject": "Impuestos: ¿quién los paga? ({{ order_id }})",
            f"{key}:chat": "{{ greeting }} Puede haber aranceles en {{ country }}.\nMás información: {{ rates_url }}\n",
        },
    )
    report = po.import_po(lib, data, "es")
    assert report.fields == [
        ("templates/es/customs.yaml", key, "email.subject"),
        ("templates/es/customs.yaml", key, "chat"),
    ]
    assert report.stamped == [key]
    assert report.summary() == "Updated 2 fields in 1 file; source revision recorded for 1 key."
    after = path.read_text(encoding="utf-8")
    removed, added = changed_lines(original, after)
    old_chat = lib.template(key, "es").texts[("chat", "body")].text.rstrip("\n")
    assert removed == [f'    subject: "{old_subject}"', f"    {old_chat}"]
    revision = lib.template(key).revision()
    assert added == [
        '    subject: "Impuestos: ¿quién los paga? ({{ order_id }})"',
        "    {{ greeting }} Puede haber aranceles en {{ country }}.",
        "    Más información: {{ rates_url }}",
        f"  source: {revision}",
    ]
    assert after.startswith("# Revisado por el equipo de Madrid.\n")
    assert "  # breve, para el chat\n  chat: |\n" in after
    for other in snapshot(shipped_copy):
        if other != "templates/es/customs.yaml":
            assert (shipped_copy / other).read_bytes() == (REPO / other).read_bytes()
    reloaded = replykit.load(shipped_copy)
    assert reloaded.problems == []
    assert po.translation_status(reloaded, "es")[key] == "translated"
    assert reloaded.template(key, "es").source == revision
    assert "Más información" in reloaded.render(key, locale="es", channel="chat", **reloaded.examples(key)).body


def test_new_key_is_appended_with_the_source_layout(small: Path) -> None:
    lib = replykit.load(small)
    before = (small / "templates/es/customs.yaml").read_text(encoding="utf-8")
    data = edit_po(
        po.export_po(lib, "es"),
        {"customs.held:title": "Retenido en aduana", "customs.held:chat": "Su paquete está retenido en {{ country }}."},
    )
    report = po.import_po(lib, data, "es")
    assert report.added == ["customs.held"] and report.stamped == ["customs.held"]
    after = (small / "templates/es/customs.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)
    revision = lib.template("customs.held").revision()
    assert after[len(before) :] == (
        f"\ncustoms.held:\n  title: Retenido en aduana\n  chat: |\n    Su paquete está retenido en {{{{ country }}}}.\n"
        f"  source: {revision}\n"
    )
    reloaded = replykit.load(small)
    assert reloaded.problems == []
    assert reloaded.render("customs.held", locale="es", channel="chat", country="Chile").body == (
        "Su paquete está retenido en Chile."
    )


def test_partly_translated_new_key_is_marked_untranslated(small: Path) -> None:
    lib = replykit.load(small)
    data = edit_po(po.export_po(lib, "es"), {"customs.held:title": "Retenido en aduana"})
    report = po.import_po(lib, data, "es")
    assert report.added == ["customs.held"] and report.stamped == []
    reloaded = replykit.load(small)
    held = reloaded.template("customs.held", "es")
    assert (held.title, held.untranslated) == ("Retenido en aduana", True)
    assert held.texts[("chat", "body")].text == "Your parcel is held in {{ country }}.\n"
    reply = reloaded.render("customs.held", locale="es", channel="chat", country="Chile")
    assert (reply.language, reply.defects) == ("en", ())


def test_new_group_file_is_created(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/.keep": ""})
    lib = replykit.load(root)
    strings = {f"customs.import_tax:{m}": "x" for m in ("title", "email.subject", "chat")}
    strings["customs.import_tax:email.body"] = "{{ greeting }}\n\nHola.\n\n{{ sign_off }}\n"
    report = po.import_po(lib, edit_po(po.export_po(lib, "es"), strings), "es")
    assert report.files == ["templates/es/customs.yaml"]
    assert replykit.load(root).template("customs.import_tax", "es").texts[("chat", "body")].text == "x\n"


def test_fuzzy_translation_is_written_but_not_stamped(make_catalog: MakeCatalog) -> None:
    stale = SIMPLE_ES.replace("  title: Impuestos\n", "  title: Impuestos\n  source: 0123456789ab\n")
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": stale})
    lib = replykit.load(root)
    exported = po.export_po(lib, "es")
    edited = edit_po(exported, {"customs.import_tax:title": "Aranceles"})
    report = po.import_po(lib, edited, "es")
    assert report.stamped == [] and replykit.load(root).template("customs.import_tax", "es").title == "Aranceles"
    # the reviewer clears every fuzzy flag: the translation is current again
    cleared = edit_po(edited, {}, fuzzy={m: False for m in messages(exported)})
    report = po.import_po(replykit.load(root), cleared, "es")
    assert report.stamped == ["customs.import_tax"] and report.fields == []
    assert po.translation_status(replykit.load(root), "es") == {"customs.import_tax": "translated"}


# -- bad input --------------------------------------------------------------------------


def _bad_cases(good: bytes) -> dict[str, tuple[str, str, str]]:
    """name -> (PO bytes, error text, the text of the line the error must point at)."""
    text = good.decode("utf-8")
    return {
        "unparseable": (
            text.replace('msgctxt "customs.import_tax:title"', 'msgctxt "customs.import_tax:title"\nbogus "x"'),
            "not a valid PO file",
            'bogus "x"',
        ),
        "unknown key": (
            text.replace("customs.import_tax:title", "customs.import_taxes:title"),
            "unknown key 'customs.import_taxes'",
            'msgid "Import tax"',
        ),
        "unknown field": (
            text.replace("customs.import_tax:chat", "customs.import_tax:fax"),
            "has no field 'fax'",
            'msgid ""',
        ),
        "wrong language": (
            text.replace('"Language: es\\n"', '"Language: zh\\n"'),
            "for language 'zh', not 'es'",
            '"Language: zh\\n"',
        ),
        "placeholder": (
            text.replace('msgstr "Impuestos para {{ country }}"', 'msgstr "Impuestos para {{ pais }}"'),
            "{{ pais }}",
            'msgid "Import tax for {{ country }}"',
        ),
        "no context": (text.replace('msgctxt "customs.import_tax:title"\n', ""), "no msgctxt", 'msgid "Import tax"'),
    }


def test_same_as_source_survives_export_and_import(make_catalog: MakeCatalog) -> None:
    es = SIMPLE_ES.replace("  title: Impuestos", "  title: Import tax\n  same_as_source: [title]")
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": es})
    lib = replykit.load(root)
    assert lib.problems == [] and lib.template("customs.import_tax", "es").same_as_source == {"title"}
    before = snapshot(root)
    exported = po.export_po(lib, "es")
    assert messages(exported)["customs.import_tax:title"].string == "Import tax"
    assert po.import_po(lib, exported, "es").files == [] and snapshot(root) == before  # no edits, no diff
    edited = edit_po(exported, {"customs.import_tax:chat": "{{ greeting }} Hay aranceles en {{ country }}.\n"})
    assert po.import_po(lib, edited, "es").files == ["templates/es/customs.yaml"]
    text = (root / "templates/es/customs.yaml").read_text(encoding="utf-8")
    assert text.startswith("customs.import_tax:\n  title: Import tax\n  same_as_source: [title]\n")
    reloaded = replykit.load(root)
    assert reloaded.problems == [] and po.translation_status(reloaded, "es") == {"customs.import_tax": "translated"}


@pytest.mark.parametrize(
    "case", ["unparseable", "unknown key", "unknown field", "wrong language", "placeholder", "no context"]
)
def test_bad_po_raises_with_file_and_line_and_changes_nothing(small: Path, tmp_path: Path, case: str) -> None:
    lib = replykit.load(small)
    good = edit_po(po.export_po(lib, "es"), {"customs.held:title": "Retenido"})  # would add a key
    text, error, line_text = _bad_cases(good)[case]
    data = text.encode("utf-8")
    assert data != good
    po_file = tmp_path / "es.po"
    po_file.write_bytes(data)
    before = snapshot(small)
    with pytest.raises(replykit.CatalogueError) as info:
        po.import_po(lib, po_file, "es")
    message = str(info.value)
    assert error in message
    lines = data.decode("utf-8").splitlines()
    assert info.value.file == str(po_file) and info.value.line is not None
    assert message.startswith(f"{po_file}:{info.value.line}: ")
    if case == "unknown field":  # the msgid line of the message whose msgctxt is wrong
        assert lines[info.value.line - 2] == 'msgctxt "customs.import_tax:fax"'
    else:
        assert lines[info.value.line - 1] == line_text
    assert snapshot(small) == before


def test_garbage_and_empty_po_files_are_rejected(small: Path) -> None:
    lib = replykit.load(small)
    before = snapshot(small)
    with pytest.raises(replykit.CatalogueError, match=r"<PO data>:1: not a valid PO file"):
        po.import_po(lib, b"this is not a PO file\n", "es")
    with pytest.raises(replykit.CatalogueError, match="no Language header"):
        po.import_po(lib, b"", "es")
    with pytest.raises(replykit.CatalogueError, match=r"x.po:2: not valid UTF-8"):
        po.import_po(lib, b'msgid ""\nmsgstr "\xff"\n', "es", name="x.po")
    assert snapshot(small) == before


# -- stamp, status, new language --------------------------------------------------------


def test_stamp_records_the_source_revision(make_catalog: MakeCatalog) -> None:
    stale = SIMPLE_ES.replace("  title: Impuestos\n", "  title: Impuestos\n  source: 0123456789ab\n")
    root = make_catalog({"templates/en/customs.yaml": EN_NOTES, "templates/es/customs.yaml": stale})
    lib = replykit.load(root)
    assert po.translation_status(lib, "es") == {"customs.import_tax": "stale", "customs.held": "missing"}
    with pytest.raises(replykit.UnknownKeyError):
        po.stamp(lib, "es", ["customs.import_taxes"])
    with pytest.raises(replykit.CatalogueError, match="no es translation"):
        po.stamp(lib, "es", ["customs.held"])
    assert po.stamp(lib, "es") == ["customs.import_tax"]
    text = (root / "templates/es/customs.yaml").read_text(encoding="utf-8")
    assert text == stale.lstrip("\n").replace("0123456789ab", lib.template("customs.import_tax").revision())
    reloaded = replykit.load(root)
    for key, translation in reloaded.catalogue.templates["es"].items():  # what lint checks
        assert translation.source == reloaded.template(key).revision()
    assert po.translation_status(reloaded, "es")["customs.import_tax"] == "translated"
    before = snapshot(root)
    assert po.stamp(reloaded, "es") == []
    assert snapshot(root) == before


def test_new_language_scaffold(shipped_copy: Path) -> None:
    created = po.new_language(shipped_copy, "FR")
    assert shipped_copy / "locales/fr.yaml" in created
    assert shipped_copy / "templates/fr/customs.yaml" in created
    locale = yaml.safe_load((shipped_copy / "locales/fr.yaml").read_text(encoding="utf-8"))
    assert locale["fallback"] == ["en"] and locale["units"]["day"] == {
        "one": "{0}\u00a0jour",
        "other": "{0}\u00a0jours",
    }
    lib = replykit.load(shipped_copy)
    assert lib.problems == []
    assert set(lib.keys(language="fr")) == set(lib.keys(language="en"))
    status = po.translation_status(lib, "fr")
    assert set(status.values()) == {"untranslated"} and len(status) == len(lib.keys())
    for key in ("customs.import_tax", "out_of_stock.backorder"):
        for channel in ("email", "chat"):
            reply = lib.render(key, locale="fr-FR", channel=channel, **lib.examples(key))
            english = lib.render(key, locale="en-US", channel=channel, **lib.examples(key))
            assert (reply.language, reply.defects, reply.body) == ("en", (), english.body)
    exported = messages(po.export_po(lib, "fr"))
    assert {m.string for m in exported.values()} == {""}
    with pytest.raises(replykit.CatalogueError, match="already exists"):
        po.new_language(shipped_copy, "fr")


def test_translating_a_scaffolded_entry_removes_the_flag(shipped_copy: Path) -> None:
    po.new_language(shipped_copy, "fr")
    lib = replykit.load(shipped_copy)
    key = "customs.held_or_returned"
    exported = po.export_po(lib, "fr")
    strings = {ctx: f"FR {m.id}" for ctx, m in messages(exported).items() if ctx.startswith(key + ":")}
    report = po.import_po(lib, edit_po(exported, strings), "fr")
    assert report.stamped == [key]
    reloaded = replykit.load(shipped_copy)
    assert reloaded.problems == []
    template = reloaded.template(key, "fr")
    assert not template.untranslated and template.source == reloaded.template(key).revision()
    assert po.translation_status(reloaded, "fr")[key] == "translated"
    text = (shipped_copy / "templates/fr/customs.yaml").read_text(encoding="utf-8")
    entry = text.split(f"\n{key}:\n", 1)[1].split("\n\n", 1)[0]
    assert "untranslated" not in entry and entry.startswith("  title: FR ")
    reply = reloaded.render(key, locale="fr", **reloaded.examples(key))
    assert reply.language == "fr" and reply.subject is not None and reply.subject.startswith("FR ")


def test_existing_locale_file_is_kept(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "locales/de.yaml": "fallback: [en]\ncurrency: EUR\n"})
    before = (root / "locales/de.yaml").read_bytes()
    created = po.new_language(root, "de")
    assert created == [root / "templates/de/customs.yaml"]
    assert (root / "locales/de.yaml").read_bytes() == before


def test_the_packaged_catalogue_is_never_written(shipped_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(po, "_packaged_catalogue", shipped_copy.resolve)
    lib = replykit.load(shipped_copy)
    before = snapshot(shipped_copy)
    for call in (
        lambda: po.import_po(lib, po.export_po(lib, "es"), "es"),
        lambda: po.stamp(lib, "es"),
        lambda: po.new_language(shipped_copy, "fr"),
    ):
        with pytest.raises(replykit.CatalogueError, match="--catalog"):
            call()
    assert snapshot(shipped_copy) == before


# -- format-preserving edits ------------------------------------------------------------

DOC = """\
# header comment
k.a:
  title: Hi  # trailing comment
  keywords: [a, b]
  email:
    subject: "S {{ x }}"
    body: |
      line one

      line two

  # about chat
  chat: |
    hello
"""


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("k.a", "title"), "Hola", "  title: Hola  # trailing comment"),
        (("k.a", "title"), "yes", '  title: "yes"  # trailing comment'),
        (("k.a", "title"), "a: b", '  title: "a: b"  # trailing comment'),
        (("k.a", "title"), "{{ x }} first", '  title: "{{ x }} first"  # trailing comment'),
        (("k.a", "title"), "2024", '  title: "2024"  # trailing comment'),
        (("k.a", "email", "subject"), "plain now", '    subject: "plain now"'),  # keeps its quotes
        (("k.a", "keywords"), Flow(["x, y", "z"]), '  keywords: ["x, y", z]'),
        (("k.a", "chat"), "one\ntwo", "  chat: |-\n    one\n    two"),
        (("k.a", "chat"), "single", "  chat: single"),
    ],
)
def test_values_are_written_as_yaml_would_read_them(
    path: tuple[str, ...], value: _yamledit.Value, expected: str
) -> None:
    out = apply_changes(DOC, [Change(path, value)])
    assert expected in out
    assert _get(yaml.safe_load(out), path) == value
    removed, added = changed_lines(DOC, out)
    assert "\n".join(added) == expected and len(removed) == (2 if path == ("k.a", "chat") else 1)


def _get(data: object, path: tuple[str, ...]) -> object:
    for name in path:
        assert isinstance(data, dict)
        data = data[name]
    return data


def test_multi_line_value_keeps_blank_lines_and_comments_around_it() -> None:
    out = apply_changes(DOC, [Change(("k.a", "email", "body"), "uno\n\ndos\n")])
    assert out == DOC.replace("      line one\n\n      line two\n", "      uno\n\n      dos\n")


def test_unchanged_values_leave_the_text_identical() -> None:
    same = [
        Change(("k.a", "title"), "Hi"),
        Change(("k.a", "keywords"), Flow(["a", "b"])),
        Change(("k.a", "nope"), None),
    ]
    assert apply_changes(DOC, same) is DOC


def test_new_fields_go_after_their_sibling_and_deletes_take_whole_lines() -> None:
    out = apply_changes(
        DOC,
        [
            Change(("k.a", "untranslated"), True, after="title"),
            Change(("k.a", "email", "html"), "<p>x</p>"),
            Change(("k.a", "source"), "123456789012"),
            Change(("k.a", "keywords"), None),
        ],
    )
    assert out == (
        DOC.replace("  title: Hi  # trailing comment\n", "  title: Hi  # trailing comment\n  untranslated: true\n")
        .replace("  keywords: [a, b]\n", "")
        .replace("      line two\n", "      line two\n    html: <p>x</p>\n")
        + '  source: "123456789012"\n'
    )


def test_aliases_and_flow_mappings_are_refused() -> None:
    text = "k.a:\n  title: &t Hi\n  notes: *t\n  email: {subject: a, body: b}\n"
    with pytest.raises(replykit.CatalogueError, match="alias"):
        apply_changes(text, [Change(("k.a", "notes"), "x")])
    with pytest.raises(replykit.CatalogueError, match="flow mapping"):
        apply_changes(text, [Change(("k.a", "email", "html"), "x")])
    assert 'subject: "a, b"' in apply_changes(text, [Change(("k.a", "email", "subject"), "a, b")])


def test_edit_file_is_atomic_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "customs.yaml"
    path.write_text(DOC, encoding="utf-8")
    path.chmod(0o640)
    assert edit_file(path, [Change(("k.a", "title"), "Hi")]) is False
    assert edit_file(path, [Change(("k.a", "title"), "Hola")]) is True
    assert "title: Hola" in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customs.yaml"]

    written = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        edit_file(path, [Change(("k.a", "title"), "Adiós")])
    assert path.read_bytes() == written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customs.yaml"]


def test_a_result_that_does_not_read_back_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "customs.yaml"
    path.write_text(DOC, encoding="utf-8")
    monkeypatch.setattr(_yamledit, "_scalar", lambda text, **kw: "[oops")
    with pytest.raises(replykit.CatalogueError, match="left unchanged"):
        edit_file(path, [Change(("k.a", "title"), "Hola")])
    assert path.read_text(encoding="utf-8") == DOC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customs.yaml"]


def test_import_leaves_no_temporary_files(shipped_copy: Path) -> None:
    lib = replykit.load(shipped_copy)
    data = edit_po(po.export_po(lib, "es"), {"customs.import_tax:title": "Aranceles"})
    po.import_po(lib, data, "es")
    assert not [p for p in shipped_copy.rglob("*") if p.name.endswith(".tmp")]


# -- CLI --------------------------------------------------------------------------------


def test_cli_translator_workflow(shipped_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    cat = ["--catalog", shipped_copy.name]  # files are named from the current directory

    result = runner.invoke(main, ["export-po", "--language", "es", *cat])
    assert result.exit_code == 0, result.output
    assert 'msgctxt "customs.import_tax:email.subject"' in result.stdout

    out = tmp_path / "es.po"
    result = runner.invoke(main, ["export-po", "--language", "es", "--out", str(out), *cat])
    assert result.exit_code == 0 and out.is_file()
    out.write_bytes(edit_po(out.read_bytes(), {"customs.import_tax:title": "Aranceles"}))

    result = runner.invoke(main, ["import-po", str(out), "--language", "es", *cat])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "shipped/templates/es/customs.yaml: customs.import_tax title",
        "Updated 1 field in 1 file.",  # (the translation was stamped current already)
    ]

    out.write_bytes(out.read_bytes().replace(b"customs.import_tax:title", b"customs.nope:title"))
    result = runner.invoke(main, ["import-po", str(out), "--language", "es", *cat])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {out}:") and "unknown key 'customs.nope'" in result.stderr

    english = shipped_copy / "templates/en/customs.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace("Sorry for the wait!", "Sorry!"), encoding="utf-8")
    result = runner.invoke(main, ["stamp", "--language", "es", "customs.inspection_delay", *cat])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["customs.inspection_delay", "Recorded the source revision of 1 key."]

    result = runner.invoke(main, ["stamp", "--language", "es", "customs.nope", *cat])
    assert result.exit_code == 2 and "did you mean" in result.stderr

    result = runner.invoke(main, ["new-language", "fr", *cat])
    assert result.exit_code == 0, result.output
    assert "created shipped/locales/fr.yaml" in result.stdout.splitlines()
    result = runner.invoke(main, ["new-language", "fr", *cat])
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_cli_refuses_the_packaged_catalogue(shipped_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(po, "_packaged_catalogue", shipped_copy.resolve)
    result = CliRunner().invoke(main, ["stamp", "--language", "es", "--catalog", str(shipped_copy)])
    assert result.exit_code == 2
    assert "installed with replykit" in result.stderr and "--catalog" in result.stderr


def test_import_po_reports_babel_catalogues_too(small: Path) -> None:
    """A PO file written by another tool (no comments, no locations) imports the same."""
    lib = replykit.load(small)
    catalog = Catalog(locale="es")
    catalog.add("Import tax", "Aranceles", context="customs.import_tax:title")
    out = io.BytesIO()
    write_po(out, catalog)
    report = po.import_po(lib, out.getvalue(), "es")
    assert report.fields == [("templates/es/customs.yaml", "customs.import_tax", "title")]
    assert report.stamped == []  # only one field: not known to be complete


def test_a_missing_field_is_added_in_entry_order(make_catalog: MakeCatalog) -> None:
    en = SIMPLE_EN + "  sms: Duties may apply in {{ country }}.\n"
    root = make_catalog({"templates/en/customs.yaml": en, "templates/es/customs.yaml": SIMPLE_ES + "  notes: ok\n"})
    lib = replykit.load(root)
    before = (root / "templates/es/customs.yaml").read_text(encoding="utf-8")
    data = edit_po(po.export_po(lib, "es"), {"customs.import_tax:sms": "Puede haber aranceles en {{ country }}."})
    po.import_po(lib, data, "es")
    after = (root / "templates/es/customs.yaml").read_text(encoding="utf-8")
    revision = lib.template("customs.import_tax").revision()  # every field is translated now
    sms = "  sms: Puede haber aranceles en {{ country }}.\n"
    assert after == before.replace("  notes: ok\n", f"{sms}  notes: ok\n  source: {revision}\n")


def test_an_email_is_added_only_with_subject_and_body(make_catalog: MakeCatalog) -> None:
    chat_only = "customs.import_tax:\n  title: Impuestos\n  chat: Hola.\n"
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": chat_only})
    lib = replykit.load(root)
    exported = po.export_po(lib, "es")
    with pytest.raises(replykit.CatalogueError, match=r"translate both email\.subject and email\.body"):
        po.import_po(lib, edit_po(exported, {"customs.import_tax:email.subject": "Asunto"}), "es")
    body = "{{ greeting }}\n\nHola.\n\n{{ sign_off }}\n"
    strings = {"customs.import_tax:email.subject": "Asunto", "customs.import_tax:email.body": body}
    po.import_po(lib, edit_po(exported, strings), "es")
    assert (root / "templates/es/customs.yaml").read_text(encoding="utf-8") == (
        "customs.import_tax:\n  title: Impuestos\n  email:\n    subject: Asunto\n    body: |\n"
        "      {{ greeting }}\n\n      Hola.\n\n      {{ sign_off }}\n  chat: Hola.\n"
        f"  source: {lib.template('customs.import_tax').revision()}\n"
    )


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_text_reads_back_exactly_or_is_refused(text: str) -> None:
    for path in (("k.a", "title"), ("k.a", "email", "body"), ("k.a", "keywords")):
        value: _yamledit.Value = Flow([text]) if path[-1] == "keywords" else text
        try:
            out = apply_changes(DOC, [Change(path, value)])
        except replykit.CatalogueError:
            continue  # refused: the file would not have been written
        assert _get(yaml.safe_load(out), path) == value


def test_round_trip_ignores_trailing_newline_differences(make_catalog: MakeCatalog) -> None:
    """A translation written without the English's final newline is no change."""
    chat_only = "customs.import_tax:\n  title: Impuestos\n  chat: Hola.\n"
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": chat_only})
    lib = replykit.load(root)
    before = snapshot(root)
    assert po.import_po(lib, po.export_po(lib, "es"), "es").files == []
    assert snapshot(root) == before
