"""Test helpers for shops that keep their own catalogue.

In a pytest suite::

    from replykit.testing import assert_catalog_ok

    def test_catalogue():
        assert_catalog_ok("path/to/catalogue")
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ._paths import shown_folder
from .library import load
from .lint import Finding, lint

__all__ = ["CatalogueNotOk", "assert_catalog_ok"]


class CatalogueNotOk(AssertionError):
    """The catalogue has lint errors; ``findings`` holds them."""

    def __init__(self, findings: Sequence[Finding], folder: str = ".") -> None:
        self.findings = list(findings)
        # the message names files from the current directory (``folder`` is the catalogue's)
        lines = "\n".join(f"  {f.under(folder).format_text()}" for f in self.findings)
        super().__init__(f"{len(self.findings)} catalogue problem(s):\n{lines}")


def assert_catalog_ok(
    path: str | os.PathLike[str] | None = None,
    *,
    ignore: Sequence[str] = (),
    warnings: bool = False,
) -> list[Finding]:
    """Fail with every finding listed when the catalogue has errors (or warnings, if asked).

    Returns the findings that did not fail the check (warnings, by default).
    """
    library = load(path)
    findings = lint(library, ignore=ignore)
    failing = [f for f in findings if warnings or f.severity == "error"]
    if failing:
        raise CatalogueNotOk(failing, shown_folder(library.catalogue.root))
    return findings
