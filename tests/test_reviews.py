"""Review flags: written to reviews.yaml atomically, read back with their lines, reported by lint."""

from __future__ import annotations

import pytest

import replykit
from catalogues import SIMPLE_EN, SIMPLE_ES, MakeCatalog
from replykit.errors import CatalogueError
from replykit.lint import lint
from replykit.reviews import REVIEWS_FILE, add_flag, read_flags


def test_a_flag_is_written_read_back_and_reported_until_resolved(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": SIMPLE_ES})
    assert read_flags(root) == [] and not [f for f in lint(replykit.load(root)) if f.code == "review-flag"]
    add_flag(root, "customs.import_tax", "es-MX", "chat", "«aranceles» is not what Mexico says")
    second = add_flag(root, "customs.import_tax", "es-ES", "email", "  the subject is too long  ")
    text = (root / REVIEWS_FILE).read_text("utf-8")
    assert text.startswith("# Review flags") and "«aranceles» is not what Mexico says" in text
    assert (
        second.comment == "the subject is too long"
        and second.line == text.splitlines().index("- key: customs.import_tax", 5) + 1
    )
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]  # nothing left of the atomic write

    findings = [f for f in lint(replykit.load(root)) if f.code == "review-flag"]
    assert [(f.file, f.locale, f.severity) for f in findings] == [
        ("reviews.yaml", "es-MX", "warning"), ("reviews.yaml", "es-ES", "warning")
    ]  # fmt: skip
    assert all(f.line > 3 and "delete the entry or set status: resolved" in f.message for f in findings)

    (root / REVIEWS_FILE).write_text(text.replace("status: open", "status: resolved", 1), "utf-8")
    (left,) = [f for f in lint(replykit.load(root)) if f.code == "review-flag"]
    assert left.locale == "es-ES"


def test_a_bad_flags_file_is_a_finding_with_its_line(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {"templates/en/customs.yaml": SIMPLE_EN, REVIEWS_FILE: "- key: customs.import_tax\n  locale: es\n"}
    )
    with pytest.raises(CatalogueError, match="needs key, locale and comment"):
        read_flags(root)
    (finding,) = [f for f in lint(replykit.load(root)) if f.file == REVIEWS_FILE]
    assert finding.code == "schema" and finding.line == 1
    with pytest.raises(CatalogueError, match="needs a comment"):
        add_flag(root, "customs.import_tax", "es", "chat", "   ")
