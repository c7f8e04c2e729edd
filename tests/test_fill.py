"""Texts of fields, filters and if-branches are filled by hand: exactly what Jinja prints, or Jinja's own answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import replykit
from replykit._yaml import Position
from replykit.errors import ReplykitError
from replykit.fill import Branch, Field
from replykit.render import CompiledText, Where, hand_parts, make_environment
from replykit.values import FORMATTER

WHERE = Where("templates/en/x.yaml", lambda: Position(1), "customs.x", "en")


def _fill_and_render(text: str, values: dict[str, Any]) -> tuple[str | None, str | Exception, CompiledText]:
    """What the hand fill gives (None when it hands over), and what Jinja gives."""
    compiled = CompiledText(make_environment(None), text, WHERE, "t")
    assert compiled.simple is not None, text
    filled = compiled._fill(values)
    try:
        jinja: str | Exception = compiled.template.render(values)
    except Exception as exc:
        jinja = exc
    return filled, jinja, compiled


def _customer_and_formatter(locale: str) -> dict[str, Any]:
    """A customer read as a render reads one, and the formatter of ``locale``."""
    lib = replykit.load()
    attempt = lib.pipeline.negotiator.plan(locale).attempts[0]
    customer = lib.pipeline._read("after_sale.refund_processed", lib.variables("after_sale.refund_processed"),
        {"customer": {"first_name": "María", "last_name": "García"}, "order_id": "A", "amount": "1 USD",
         "method": "PayPal", "days": 3}, attempt)["customer"]  # fmt: skip
    return {"customer": customer, FORMATTER: attempt.formatter}


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
    values = {**context, "customer": _customer_and_formatter("es-ES")["customer"]}
    filled, jinja, _ = _fill_and_render(text, values)
    filled = filled if filled is not None else jinja  # (the hand gave it to Jinja)
    if isinstance(jinja, Exception):
        assert isinstance(filled, Exception) and type(filled) is type(jinja)  # the hand gave it to Jinja
    else:
        assert filled == jinja


@pytest.mark.parametrize(
    "text",
    ["{{ _secret }}", "{{ none }}", "{{ not }}", "{{ a.b.c }}", "{{ config }}", "{{ class }}",
     "{{ x.format }}", "{{- x }}", "{{ replykit_budget }}", "{{ x | attr('y') }}", "{{ x | nope }}",
     "{{ x | upper.lower }}", '{{ x | plural(one="a", "b") }}', '{{ x | plural(one="a", one="b") }}',
     '{{ x | date("a\\nb") }}', '{{ x | date("a" "b") }}', "{{ x | date(3) }}", '{{ x | date("a",) }}',
     "{{ x | default(none) }}", "{{ x | money(y) }}", '{{ x | quote("}}") }}', "{{ x ~ y }}", "{{ x | upper -}}",
     "{% for x in y %}{{ x }}{% endfor %}", "{% if a == 1 %}x{% endif %}", "{% if a is defined %}x{% endif %}",
     "{% if a: %}x{% endif %}", "{% if (a) %}x{% endif %}", "{% if a | length %}x{% endif %}", "{% if a %}x",
     "{% if a %}x{% endif %}{% endif %}", "{% set a = 1 %}{{ a }}", "{{ a if b else c }}", "{% if a.b.c %}x{% endif %}",
     "{% if true %}x{% endif %}", "{% if a, b %}x{% endif %}", "{% if a %}x{% else %}y{% elif b %}z{% endif %}",
     "{% if a %}x{% endif b %}", "{% elif a %}x", "{{ a | date('x',) }}", "{% if a %}{{ b | attr('c') }}{% endif %}",
     "{% if a and %}x{% endif %}", "{% if not %}x{% endif %}", "{% if a %}x{% else b %}y{% endif %}"],
)  # fmt: skip
def test_anything_more_than_fields_and_branches_goes_to_jinja(text: str) -> None:
    assert hand_parts(make_environment(None), text) is None


def test_a_plain_text_is_not_compiled_until_jinja_is_needed() -> None:
    compiled = CompiledText(make_environment(None), "Order {{ order_id }}", WHERE, "t")
    assert compiled._template is None and compiled.render({"order_id": "A-1"}) == "Order A-1"
    assert compiled._template is None  # filled by hand
    with pytest.raises(ReplykitError, match="order_id"):
        compiled.render({})  # Jinja's own error for a missing value
    assert compiled._template is not None


FILTERED = [
    "Total: {{ amount | money }} ({{ share | percent }}) -- {{ amount | money(format='#,##0.0 ¤') }}",
    "{{ when | date(\"medium\") }} / {{when|date('short')}} / {{ when | date }}",
    "{{ items | list(\"or\") }}; {{ items | list | upper }}; {{ items | join(', ') }}",
    '{{ n | plural(one="# item", other="# items") }} {{ n | plural(other=\'#\') }}',
    "{{ customer.first_name | upper }} {{ name | quote }} {{ customer.full_name | lower | title }}",
    '{{ name | truncate }} {{ missing | default("—") }} {{ name | trim("A") | length }}',
    '{{ n | plural(one="x") }}{{ amount | money("EUR") }}{{ name | date }}',
]
CONTEXTS = [
    {"amount": "12.5 USD", "share": 15, "when": dt.date(2026, 3, 5), "items": ["a", "b", "c"], "n": 1, "name": "Ana"},
    {"amount": Decimal("1234.5"), "share": "0.5", "when": "2026-03-05", "items": "solo", "n": 3.0, "name": ""},
    {"amount": None, "share": None, "when": None, "items": None, "n": None, "name": None, "missing": "set"},
    {"amount": ["x"], "share": {"a": 1}, "when": 5, "items": [["deep"]], "n": "many", "name": ["A", "B"]},
    {"amount": 10**40, "share": 1e308, "when": dt.time(9), "items": ["x" * 300_000], "n": -1, "name": "x" * 250_000},
    {},
]


@pytest.mark.parametrize("text", FILTERED)
@pytest.mark.parametrize("context", CONTEXTS, ids=["good", "text", "none", "wrong", "huge", "empty"])
def test_filtered_fields_print_what_jinja_prints(text: str, context: dict[str, Any]) -> None:
    filled, jinja, compiled = _filled_and_rendered(text, context, "es-ES")
    assert any(isinstance(p, Field) and p.filters for p in compiled.simple or ()), text
    if context is CONTEXTS[0] and not isinstance(jinja, Exception):
        assert filled is not None  # (not a test of Jinja alone)


def _filled_and_rendered(
    text: str, context: dict[str, Any], locale: str
) -> tuple[str | None, str | Exception, CompiledText]:
    """The text filled by hand and rendered by Jinja with ``context`` (and a customer and
    formatter of ``locale``): the same text, or the hand gives it to Jinja, which reports it."""
    filled, jinja, compiled = _fill_and_render(text, {**context, **_customer_and_formatter(locale)})
    if isinstance(jinja, Exception):
        assert filled is None, (filled, jinja)
    else:
        assert filled == jinja
    return filled, jinja, compiled


def test_a_filtered_text_is_not_compiled_until_jinja_is_needed() -> None:
    compiled = CompiledText(make_environment(None), "{{ n | plural(one='# item', other='# items') }}", WHERE, "t")
    formatter = replykit.load().pipeline.negotiator.plan("en-US").attempts[0].formatter
    assert compiled.render({"n": 3, FORMATTER: formatter}) == "3 items" and compiled._template is None
    with pytest.raises(ReplykitError, match="three"):
        compiled.render({"n": "three", FORMATTER: formatter})  # the filter's own error, from Jinja
    assert compiled._template is not None


def test_every_shipped_reply_is_the_same_filled_by_hand_as_by_jinja(monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: the shipped catalogue rendered in every locale and channel, then again
    with every text rendered by Jinja."""

    def replies() -> dict[tuple[str, str, str], tuple[str | None, str, str | None]]:
        lib = replykit.load()
        found = {}
        for key in lib.keys():
            for locale in ("en-US", "en-GB", "es-ES", "es-MX", "zh-CN", "zh-TW", "zh-HK", "fr"):
                for channel in lib.template(key).channels:
                    reply = lib.render(key, locale=locale, channel=channel, values=lib.examples(key, locale))
                    found[(key, locale, channel)] = (reply.subject, reply.body, reply.html)
        return found

    by_hand: list[str] = []
    fill = CompiledText._fill

    def counted(self: CompiledText, context: Any) -> str | None:
        filled = fill(self, context)
        if filled is not None and "|" in self._source:
            by_hand.append(self._source)
        return filled

    monkeypatch.setattr(CompiledText, "_fill", counted)
    first = replies()
    assert len(set(by_hand)) > 20  # filtered texts were filled by hand
    monkeypatch.setattr(CompiledText, "_fill", lambda self, context: None)
    assert replies() == first


BRANCHED = [
    "{% if express %}Express{% elif returned %}Returned{% else %}Standard{% endif %} for {{ name }}.",
    "{%- if a and not b %}\n  yes {{ n | plural(one='# item', other='# items') }}\n{% endif -%}\nend\n",
    "Line\n    {% if a %}\n    inside {{ name }}\n    {% else %}\n    out\n    {% endif %}\nafter\n",
    "{% if a or customer.first_name %}{% if not not b %}{{ customer.first_name | upper }}{% endif %}{% endif %}.",
    "{# a note #}{{ name }}{% raw %}{{ kept }}{% endraw %}{% if a %}{# inner #}x{% endif %}",
    "{% if a %}{% elif b %}{% elif n %}{{ n | percent }}{% else %}{{ missing }}{% endif %}",
]
BRANCH_CONTEXTS = [
    {"express": True, "returned": False, "name": "Ana", "a": 1, "b": "", "n": 1},
    {"express": 0, "returned": ["x"], "name": "", "a": None, "b": "x", "n": 3},
    {"express": "", "returned": {}, "name": None, "a": [], "b": [], "n": 0.5},
    {"express": False, "returned": False, "a": False, "b": 0, "n": 0},
    {},
]


@pytest.mark.parametrize("text", BRANCHED)
@pytest.mark.parametrize("context", BRANCH_CONTEXTS, ids=["true", "other", "empty", "false", "missing"])
def test_branches_print_what_jinja_prints(text: str, context: dict[str, Any]) -> None:
    filled, _, compiled = _filled_and_rendered(text, context, "en-US")
    assert any(isinstance(p, Branch) for p in compiled.simple or ()) or "{#" in text
    if context is BRANCH_CONTEXTS[0]:
        assert filled is not None


def test_the_quick_reading_of_tags_is_the_lexers() -> None:
    """Texts with tags are read by one expression where they have no comments, whitespace
    control or text in tags: exactly as Jinja's lexer reads them, or not at all."""
    import random

    from replykit.fill import _read_tags, _read_tokens

    lib = replykit.load()
    shipped = sorted({t.text for tm in lib.catalogue.iter_templates() for t in tm.texts.values() if "{%" in t.text})
    pieces = ["{% if a %}", "{% elif b.c %}", "{% else %}", "{% endif %}", "{% if not a and b or c %}", "{{ x }}",
              "{{ y | plural(one='# a', other='# b') }}", "\n", "\r\n", "  ", "\t", " \u3000", "text", "{%if a%}",
              "{% endif %}\n", "{% if a -%}", "{% for a in b %}", "{{ x }}\n"]  # fmt: skip
    rng = random.Random(7)
    made = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3_000)]
    read = 0
    for text in shipped + made:
        quick = _read_tags(text)
        if quick is not None:
            read += 1
            assert quick == _read_tokens(text), text
    assert sum(_read_tags(t) is not None for t in shipped) >= 0.8 * len(shipped)
    assert read > 300  # (most made texts do not balance their tags)
