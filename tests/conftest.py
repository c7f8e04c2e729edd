"""Shared fixtures: the shipped library and small catalogues built from dicts."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import replykit

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def lib() -> replykit.Library:
    return replykit.load()


MINI_LOCALES = {
    "locales/en.yaml": """
        currency: USD
        formality: {email: formal, chat: informal}
        greeting:
          formal:
            female: "Dear Ms. {{ customer.last_name }},"
            neutral: "Dear {{ customer.full_name }},"
            anonymous: "Hello,"
          informal:
            neutral: "Hi {{ customer.name }},"
        sign_off:
          formal: |
            Regards,
            {{ shop }}
    """,
    "locales/es.yaml": """
        fallback: [en]
        currency: EUR
        greeting:
          formal:
            female: "Estimada {{ customer.first_name }}:"
            male: "Estimado {{ customer.first_name }}:"
            neutral: "Hola, {{ customer.name }}:"
            anonymous: "¡Hola!"
          informal:
            neutral: "¡Hola, {{ customer.name }}!"
        sign_off:
          formal: |
            Saludos,
            {{ shop }}
    """,
}


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


SIMPLE_EN = textwrap.dedent(
    """
    customs.import_tax:
      title: Import tax
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
"""
)

SIMPLE_ES = textwrap.dedent(
    """
    customs.import_tax:
      title: Impuestos
      email:
        subject: Impuestos para {{ country }}
        body: |
          {{ greeting }}

          Puede haber aranceles en {{ country }}.

          {{ sign_off }}
      chat: |
        {{ greeting }} Puede haber aranceles en {{ country }}.
"""
)
