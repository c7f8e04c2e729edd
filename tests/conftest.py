"""Shared fixtures: the shipped library and small catalogues built from dicts (see catalogues.py)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import replykit
from catalogues import MINI_LOCALES

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def lib() -> replykit.Library:
    return replykit.load()


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped catalogue (templates/, locales/, replykit.yaml)."""
    root = tmp_path / "shipped"
    root.mkdir()
    for name in ("templates", "locales"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "replykit.yaml", root / "replykit.yaml")
    return root


@pytest.fixture
def make_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Write a catalogue from {relative path: YAML text}; locales default to a small set."""

    def make(files: dict[str, str], *, locales: bool = True) -> Path:
        root = tmp_path / "catalog"
        all_files = {**(MINI_LOCALES if locales else {}), **files}
        for rel, text in all_files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        (root / "templates").mkdir(parents=True, exist_ok=True)
        return root

    return make
