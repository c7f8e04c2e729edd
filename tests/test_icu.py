"""replykit formats values as ICU does (Node's Intl), locale by locale.

The grid, both sides and the comparison are in ``tests/icu_diff.py``; the reviewed
differences in ``tests/icu_allowlist.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import icu_diff


def test_formatting_matches_icu(tmp_path: Path) -> None:
    problem = icu_diff.node_problem()
    if problem:
        pytest.skip(f"node with ICU is not installed: {problem}")
    allowlist = icu_diff.load_allowlist()
    found, reviewed = icu_diff.versions().get("icu_cldr", ""), str(allowlist.reviewed_with.get("icu_cldr", ""))
    if found.split(".")[0] != reviewed.split(".", maxsplit=1)[0]:
        pytest.skip(
            f"this node's ICU has CLDR {found}, the allowlist was reviewed against CLDR {reviewed}: "
            "its CLDR-version entries would not hold; run with a node whose ICU has that CLDR"
        )
    lib = icu_diff.load_library(tmp_path / "catalogue")
    result = icu_diff.compare(lib, icu_diff.grid(), allowlist)
    if result.failures or result.stale:
        pytest.fail(icu_diff.failure_message(result, allowlist), pytrace=False)


def test_allowlist_is_reviewable() -> None:
    """Every entry has a known reason, and an exact entry names one case of the grid."""
    allowlist = icu_diff.load_allowlist()
    cases = {(c.locale, c.type, c.value) for c in icu_diff.grid()}
    types = {c.type for c in icu_diff.grid()}
    for entry in allowlist.entries:
        assert set(entry.types) <= types, entry.name()
        assert set(entry.locales) <= set(icu_diff.LOCALES), entry.name()
        if entry.icu_request is None:
            assert (entry.locales[0], entry.types[0], entry.values[0]) in cases, entry.name()
    assert allowlist.reviewed_with, "say which Babel and ICU versions the allowlist was reviewed with"


def test_spaces_are_the_only_normalisation() -> None:
    assert icu_diff.normalise("1\u202f234,50\u00a0€") == icu_diff.normalise("1 234,50 €")
    assert icu_diff.normalise("UTC\u22125") != icu_diff.normalise("UTC-5")
    assert icu_diff.normalise("\u200f15%") != icu_diff.normalise("15%")
