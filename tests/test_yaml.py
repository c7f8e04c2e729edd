"""Catalogue YAML reading: the same data PyYAML's safe loader builds, with each entry's line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from replykit._yaml import Duplicate, Position, _locate, parse_yaml
from replykit.errors import YamlError
from replykit.library import shipped_catalogue

SAMPLES = {
    "catalogue entry": (
        "customs.tax:\n  title: Tax\n  email:\n    subject: Duties\n    body: |\n      Hello\n      {{ x }}\n"
        "  variables:\n    x: {type: text, example: 'a: b'}\n"
    ),
    "scalars of every kind": "a: 1\nb: 2.5\nc: true\nd: null\ne: 2026-11-24\nf: '007'\ng: ~\nh: 0x1f\ni: .inf\n",
    "non-string keys": "1: one\ntrue: yes\nnull: nothing\n",
    "merge key": "base: &b {a: 1}\nchild:\n  <<: *b\n  c: 2\n",
    "aliases": "x: &x [1, 2]\ny: *x\n",
    "nested lists": "a: [[1, [2, {b: c}]], [], {}]\n",
    "duplicate key": "a: 1\na: 2\n",
    "empty": "",
    "scalar document": "just text\n",
    "folded": "a: >\n  one\n  two\n",
    "deep": "a: " + "[" * 40 + "]" * 40 + "\n",
}


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_data_is_what_the_safe_loader_builds(text: str) -> None:
    assert parse_yaml(text, "f.yaml").data == yaml.load(text, Loader=yaml.CSafeLoader)


def test_positions_are_noted_while_parsing() -> None:
    doc = parse_yaml(SAMPLES["catalogue entry"], "f.yaml")
    assert doc.positions[("customs.tax",)] == Position(1)
    assert doc.positions[("customs.tax", "email", "subject")] == Position(4)
    assert doc.positions[("customs.tax", "email", "body")] == Position(5, block=True)
    assert doc.positions[("customs.tax", "variables", "x", "type")] == Position(9)
    assert doc.line("customs.tax", "email", "body") == 5
    assert parse_yaml(SAMPLES["catalogue entry"], "f.yaml").data["customs.tax"]["email"]["body"] == "Hello\n{{ x }}\n"


def test_a_file_with_aliases_still_finds_its_lines() -> None:
    doc = parse_yaml("x: &x [1, 2]\ny:\n  z: *x\n", "f.yaml")
    assert doc.data == {"x": [1, 2], "y": {"z": [1, 2]}}
    assert doc.line("y", "z") == 3


def test_dates_and_numbers_keep_their_types() -> None:
    data = parse_yaml(SAMPLES["scalars of every kind"], "f.yaml").data
    assert data["e"] == dt.date(2026, 11, 24) and data["a"] == 1 and data["f"] == "007" and data["c"] is True


SHIPPED_FILES = sorted(
    [
        shipped_catalogue() / "replykit.yaml",
        *shipped_catalogue().glob("templates/*/*.yaml"),
        *shipped_catalogue().glob("locales/*.yaml"),
    ]
)


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_files_have_the_same_lines_both_ways(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc = parse_yaml(text, path.name)
    assert doc.data == yaml.load(text, Loader=yaml.CSafeLoader)
    assert doc.positions == _locate(text, path.name)


KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8)
LEAVES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
)
DATA = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4))


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(KEYS, DATA, max_size=5), flow=st.sampled_from([None, True, False]))
def test_any_plain_data_reads_back_with_its_lines(data: dict[str, object], flow: bool | None) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow)
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == yaml.load(text, Loader=yaml.CSafeLoader)
    assert doc.positions == _locate(text, "f.yaml")


# -- errors point at the line to fix -----------------------------------------------------

BROKEN = {  # the commonest mistakes, and the line a translator has to fix
    "a key without its colon": ("customs.x:\n  title Tax\n  chat: hi\n", 2),
    "the last key without its colon": ("customs.x:\n  title: Tax\n  chat hi\n", 3),
    "a key without its colon before a comment": ("customs.x:\n  title Tax  # note\n\n  chat: hi\n", 2),
    "a mapping key without its colon": ("customs.x:\n  title: Tax\n  email\n    subject: S\n    body: B\n", 3),
    "an entry key without its colon": ("customs.x\n  title: Tax\n  chat: hi\n", 1),
    "a field indented too much": ("customs.x:\n  title: Tax\n    chat: hi\n  notes: n\n", 3),
    "a field indented too little": ("customs.x:\n  title: Tax\n  email:\n    subject: S\n   body: B\n", 5),
    "an entry indented": ("customs.x:\n  title: Tax\n  chat: hi\n customs.y:\n  title: Y\n", 4),
    "a text line indented too little": ("customs.x:\n  title: Tax\n  chat: |\n    hello\n  world\n  notes: n\n", 5),
    "a tab for indentation": ("customs.x:\n  title: Tax\n\tchat: hi\n", 3),
    "a tab in a text block": ("customs.x:\n  title: Tax\n  chat: |\n\thello\n", 4),
    "an unclosed quote": ('customs.x:\n  title: "Tax\n  chat: hi\n  notes: n\n', 2),
    "an unclosed bracket": ("customs.x:\n  keywords: [tax, duty\n  chat: hi\n", 2),
    "a colon in an unquoted text": ("customs.x:\n  title: Tax\n  chat: Note: duties apply\n", 3),
}


@pytest.mark.parametrize(("text", "line"), BROKEN.values(), ids=BROKEN.keys())
def test_a_yaml_error_points_at_the_line_to_fix(make_catalog: Callable[..., Path], text: str, line: int) -> None:
    import replykit
    from replykit.lint import lint

    root = make_catalog({"templates/en/customs.yaml": text}, locales=False)
    (finding,) = lint(replykit.load(root))
    assert (finding.code, finding.file, finding.line) == ("yaml-syntax", "templates/en/customs.yaml", line)
    assert "column" in finding.message


def test_a_yaml_error_says_what_to_do() -> None:
    def message(text: str) -> str:
        with pytest.raises(YamlError) as info:
            parse_yaml(text, "f.yaml")
        return info.value.message

    assert message(BROKEN["a key without its colon"][0]).endswith("a ':' is missing after the key on this line")
    assert message(BROKEN["a field indented too much"][0]).endswith("indented more than the entry above it")
    assert message(BROKEN["a tab for indentation"][0]).endswith("indent with spaces, not tabs")
    assert message(BROKEN["an unclosed quote"][0]).endswith("the quote or bracket opened here is not closed")
    assert message(BROKEN["a colon in an unquoted text"][0]).endswith("put the text in quotes, as it holds ': '")


# -- a key given twice -------------------------------------------------------------------


@pytest.mark.parametrize("aliases", [False, True], ids=["built here", "built by PyYAML"])
def test_duplicate_keys_are_found_at_any_level(aliases: bool) -> None:
    text = "a: 1\nb:\n  c: 1\n  d: [{e: 1, e: 2}]\n  c: 2\na: 3\n" + ("x: &x {k: 1}\ny:\n  <<: *x\n  k: 2\n" * aliases)
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == yaml.load(text, Loader=yaml.CSafeLoader)  # the data is what PyYAML builds
    assert doc.duplicates == [Duplicate(("b", "d"), "e", 4, 4), Duplicate(("b",), "c", 5, 3), Duplicate((), "a", 6, 1)]
    assert set(doc.duplicated_entries()) == {"a", "b"}  # a merged key overridden is no duplicate


def test_non_text_keys_given_twice_are_found() -> None:
    assert parse_yaml("1: a\n2: b\n1: c\n", "f.yaml").duplicates == [Duplicate((), "1", 3, 1)]


TWICE = """\
customs.first:
  title: First
  chat: Hello
customs.twice:
  title: Twice
  chat: Hi
customs.field:
  title: Field
  chat: Hello
  title: Field again
customs.email:
  title: Email
  email:
    subject: One
    body: Body
    subject: Two
customs.variable:
  title: Variable
  variables:
    x: {type: string, example: a}
    x: {type: string, example: b}
  chat: "{{ x }}"
customs.twice:
  title: Twice again
  chat: Hi again
customs.last:
  title: Last
  chat: Bye
"""


def test_a_duplicate_key_skips_its_entry_and_the_rest_loads(make_catalog: Callable[..., Path]) -> None:
    import replykit

    root = make_catalog({"templates/en/customs.yaml": TWICE}, locales=False)
    library = replykit.load(root)
    assert library.keys() == ["customs.first", "customs.last"]
    found = sorted((p.line, p.key, p.code) for p in library.problems)
    assert found == [
        (10, "customs.field", "yaml-syntax"),
        (16, "customs.email", "yaml-syntax"),
        (21, "customs.variable", "yaml-syntax"),
        (23, "customs.twice", "yaml-syntax"),
    ]
    twice = next(p for p in library.problems if p.key == "customs.twice")
    assert twice.message.startswith("'customs.twice' is given twice (first on line 4)")
    email = next(p for p in library.problems if p.key == "customs.email")
    assert "'subject' is given twice in customs.email.email (first on line 14)" in email.message


def test_a_setting_given_twice_is_ignored(make_catalog: Callable[..., Path]) -> None:
    import replykit

    root = make_catalog(
        {
            "templates/en/customs.yaml": "customs.x:\n  title: X\n  chat: Hi\n",
            "replykit.yaml": "shop: One\nagent: Ana\nshop: Two\n",
            "locales/en.yaml": "currency: EUR\ncurrency: GBP\nlimits: {chat: 10, chat: 20}\n",
        },
        locales=False,
    )
    library = replykit.load(root)
    found = sorted((p.file, p.line) for p in library.problems)
    assert found == [("locales/en.yaml", 2), ("locales/en.yaml", 3), ("replykit.yaml", 3)]
    assert all("given twice" in p.message and "the setting is ignored" in p.message for p in library.problems)
    assert library.catalogue.settings.shop == "" and library.catalogue.settings.agent == "Ana"
    assert library.catalogue.locale_files["en"][1] == {}
