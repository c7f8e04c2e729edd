"""Catalogue YAML reading: the same data PyYAML's safe loader builds, with each entry's line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from replykit._yaml import Position, _locate, parse_yaml
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
