"""Small catalogues the tests build: a few templates and locale files, and a probe.

``make_catalog`` (a fixture in ``conftest.py``) writes one from these texts; the
probe is a one-entry catalogue whose chat text a test chooses, for hostile
templates and values.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import replykit

#: ``make_catalog(files, *, locales=True) -> Path``: writes a catalogue from {path: YAML text}.
MakeCatalog = Callable[..., Path]

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


PROBE_KEY = "customs.probe"
PROBE_FILE = "templates/en/customs.yaml"
PROBE_VARIABLES: dict[str, Any] = {
    "customer": {"type": "customer", "example": {"first_name": "Ana", "last_name": "Ruiz"}},
    "country": {"type": "string", "example": "Mexico"},
    "amount": {"type": "money", "example": {"amount": 12.5, "currency": "USD"}, "required": False},
    "when": {"type": "datetime", "example": "2026-03-05T14:30:00", "required": False},
    "items": {"type": "list", "example": ["Lamp", "Vase", "Rug"], "required": False},
}


def probe(
    make_catalog: MakeCatalog, chat: str, *, es: str | None = None, limits: replykit.Limits | None = None, **extra: Any
) -> replykit.Library:
    """A library of one template, ``customs.probe``, whose chat text is ``chat`` (and ``es``
    its Spanish one); ``extra`` adds fields (an ``email``) to the entry."""
    entry = {"title": "Probe", "variables": PROBE_VARIABLES, "chat": chat, **extra}
    files = {PROBE_FILE: yaml.safe_dump({PROBE_KEY: entry}, allow_unicode=True)}
    if es is not None:
        files["templates/es/customs.yaml"] = yaml.safe_dump(
            {PROBE_KEY: {"title": "Prueba", "chat": es}}, allow_unicode=True
        )
    return replykit.load(make_catalog(files), limits=limits)
