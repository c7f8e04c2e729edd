"""Texts of plain fields are filled by hand: exactly what Jinja prints, or Jinja's own answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import replykit
from replykit._yaml import Position
from replykit.errors import ReplykitError
from replykit.render import CompiledText, Where, make_environment, simple_parts

WHERE = Where("templates/en/x.yaml", lambda: Position(1), "customs.x", "en")


def _both(text: str, context: dict[str, Any]) -> tuple[str | Exception, str | Exception]:
    """What the hand fill gives (or None when it hands over), and what Jinja gives."""
    compiled = CompiledText(make_environment(None), text, WHERE, "t")
    assert compiled.simple is not None, text
    filled = compiled._fill(context)
    try:
        jinja: str | Exception = compiled.template.render(context)
    except Exception as exc:
        jinja = exc
    return filled if filled is not None else jinja, jinja


@pytest.mark.parametrize(
    "text",
    ["Your order {{ order_id }} ships {{ date }}.\n", "{{ greeting }}\r\n\r\nDear {{ customer.first_name }},\n\n",
     "{{ n }} items at {{ price }} -- {{ flag }}}} {", "no fields at all\n\n", "{{ name}}{{name }}"],
)  # fmt: skip
@pytest.mark.parametrize(
    "context",
    [{"order_id": "A-1", "date": dt.date(2026, 3, 5), "greeting": "Hi", "n": 3, "price": Decimal("4.50"),
      "flag": True, "name": "Ana"},
     {"order_id": ["a", "b"], "date": None, "greeting": {"x": 1}, "n": 3.5, "price": dt.time(9, 30), "name": ""},
     {}],
)  # fmt: skip
def test_a_plain_text_prints_what_jinja_prints(text: str, context: dict[str, Any]) -> None:
    lib = replykit.load()
    values = {**context, "customer": lib.pipeline._read("after_sale.refund_processed", lib.variables(
        "after_sale.refund_processed"), {"customer": {"first_name": "María", "last_name": "García"}, "order_id": "A",
        "amount": "1 USD", "method": "PayPal", "days": 3}, lib.pipeline.negotiator.plan("es-ES").attempts[0])["customer"]}  # fmt: skip
    filled, jinja = _both(text, values)
    if isinstance(jinja, Exception):
        assert isinstance(filled, Exception) and type(filled) is type(jinja)  # the hand gave it to Jinja
    else:
        assert filled == jinja


@pytest.mark.parametrize(
    "text",
    ["{{ x | upper }}", "{% if x %}{{ x }}{% endif %}", "{{ _secret }}", "{{ none }}", "{{ a.b.c }}",
     "{{ config }}", "{{ x.format }}", "{{- x }}", "{# note #}{{ x }}", "{{ replykit_budget }}"],
)  # fmt: skip
def test_anything_more_than_plain_fields_goes_to_jinja(text: str) -> None:
    assert simple_parts(text) is None


def test_a_plain_text_is_not_compiled_until_jinja_is_needed() -> None:
    compiled = CompiledText(make_environment(None), "Order {{ order_id }}", WHERE, "t")
    assert compiled._template is None and compiled.render({"order_id": "A-1"}) == "Order A-1"
    assert compiled._template is None  # filled by hand
    with pytest.raises(ReplykitError, match="order_id"):
        compiled.render({})  # Jinja's own error for a missing value
    assert compiled._template is not None
