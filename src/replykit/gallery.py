"""A whole market's replies in one file, for a translator or a reviewer to read at once.

Every key x channel is rendered for one locale with varied data: a woman, a man,
a customer whose gender is unknown and one with no name; a long product name;
amounts in the customer's own currency and in a foreign one. Each reply is
written as it would be sent, with what varies named above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .catalog import Channel
from .errors import ReplykitError
from .library import Library

#: The customers every key is shown for: what varies, and the value (Chinese names for Chinese).
CUSTOMERS: tuple[tuple[str, dict[str, str] | None], ...] = (
    ("a woman", {"first_name": "María", "last_name": "García", "gender": "female"}),
    ("a man", {"first_name": "James", "last_name": "Wilson", "gender": "male"}),
    ("gender unknown", {"first_name": "Alex", "last_name": "Kim"}),
    ("no name", None),
)
CHINESE_CUSTOMERS: tuple[tuple[str, dict[str, str] | None], ...] = (
    ("a woman", {"first_name": "丽", "last_name": "王", "gender": "female"}),
    ("a man", {"first_name": "伟", "last_name": "陈", "gender": "male"}),
    ("gender unknown", {"first_name": "晓明", "last_name": "张"}),
    ("no name", None),
)
LONG_PRODUCT = "Handmade ceramic table lamp with linen shade, warm white, 45 cm"


def variants(library: Library, key: str, locale: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The data a key is shown with: what varies, and the values."""
    examples = library.examples(key, locale)
    variables = library.variables(key)
    first = library.pipeline.negotiator.plan(locale).attempts[0]
    local, settings = first.formatter.currency, first.settings
    money = [n for n, v in variables.items() if v.type == "money"]
    products = [n for n, v in variables.items() if v.type in ("string", "text") and "product" in n]
    customers = CHINESE_CUSTOMERS if locale.split("-", maxsplit=1)[0] == "zh" else CUSTOMERS
    convert = library.pipeline.negotiator.plan(locale).attempts[0].convert
    if convert:  # Taiwan and Hong Kong customers write their names in Traditional characters
        from ._chinese import convert as opencc

        customers = tuple((who, {k: opencc(v, convert) for k, v in c.items()} if c else None) for who, c in customers)
    for number, (who, customer) in enumerate(customers):
        values = dict(examples)
        notes = [who]
        if "customer" in variables:
            if customer is None:
                values.pop("customer", None)
                if variables["customer"].required:
                    values["customer"] = {"name": ""}
            else:
                values["customer"] = customer
        if money:
            amount = examples[money[0]]
            plain = amount.get("amount") if isinstance(amount, dict) else amount
            currency = local if number % 2 == 0 else ("EUR" if local == "USD" else "USD")
            if currency == local and not settings.cents_on_whole_amounts:  # (a Taiwan shop charges NT$1,235)
                plain = round(float(plain or 0))
            values[money[0]] = {"amount": plain, "currency": currency}
            notes.append(f"amount in {currency}")
        if len(products) == 1 and number == 1:  # (of two products, which one is which matters)
            values[products[0]] = LONG_PRODUCT
            notes.append("a long product name")
        values.setdefault("shop", "Lumen Home")
        values.setdefault("agent", "Ana")
        yield ", ".join(notes), values


def gallery(library: Library, locale: str) -> str:
    """Every reply of ``locale``, as Markdown: a section per key, each variant's reply in full."""
    lines = [f"# {locale}: every reply", ""]
    for key in library.keys():
        template = library.template(key)
        lines += [f"## {key}: {template.title}", ""]
        for channel in template.channels:
            for note, values in variants(library, key, locale):
                lines += _shown(library, key, locale, channel, note, values, opening=True)
            if channel != "email":  # most chat answers come in the middle of a conversation
                note, values = next(variants(library, key, locale))
                lines += _shown(library, key, locale, channel, f"{note}, answering mid-conversation", values, False)
    return "\n".join(lines)


def _shown(
    library: Library, key: str, locale: str, channel: Channel, note: str, values: dict[str, Any], opening: bool
) -> list[str]:
    try:
        reply = library.render(key, locale=locale, channel=channel, opening=opening, values=values)
        text = f"Subject: {reply.subject}\n\n{reply.body}" if reply.subject else reply.body
    except ReplykitError as exc:
        text = f"(does not render: {exc})"
    return [f"### {channel}: {note}", "", "```text", text, "```", ""]
