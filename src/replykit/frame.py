"""Step 4 of a reply: its frame, the greeting that opens it and the sign-off that closes it.

The words come from the locale files (``greeting`` and ``sign_off``, by formality
and by the customer's gender, with a neutral form and one for no name), never from
the template: a translator writes ``{{ greeting }}`` and the locale decides how a
customer in that market is addressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .negotiate import Attempt, Negotiator
from .texts import Texts
from .typography import tidy
from .values import Customer

#: Characters of shop and agent names together up to which a sign-off is remembered.
CACHED_NAMES = 200


class Frame:
    """Greetings and sign-offs for the attempts of a plan."""

    def __init__(self, texts: Texts, negotiator: Negotiator) -> None:
        self.texts = texts
        self.negotiator = negotiator
        self._sign_offs: dict[tuple[Any, ...], str] = {}

    def greeting(self, attempt: Attempt, formality: str, customer: Customer | None, shop: str, agent: str) -> str:
        """The greeting for ``customer``: by gender, then neutral, then the one for no name."""
        settings = attempt.settings
        rules = settings.greeting.get(formality) or settings.greeting.get("formal") or {}
        if customer is None or not (customer.first_name or customer.last_name or customer.full_name):
            order = ["anonymous", "neutral"]
        else:
            order = [customer.gender, "neutral", "anonymous"]
        for gender in order:
            text = rules.get(gender)
            if text is None or not _fields_present(text, customer):
                continue
            rule_formality = formality if formality in settings.greeting else "formal"
            compiled = self.texts.rule(attempt, ("greeting", rule_formality, gender), self.negotiator.locale_data)
            if compiled is not None:
                return tidy(compiled.render({"customer": customer, "shop": shop, "agent": agent}))
        return ""

    def sign_off(self, attempt: Attempt, formality: str, shop: str, agent: str, tone: str = "neutral") -> str:
        """The closing line for the reply's tone (none after an apology that would read wrong),
        then the signature naming the shop and the agent (remembered: a few pairs sign most replies)."""
        chosen = formality if formality in attempt.settings.sign_off else "formal"
        cache_key = (attempt.layers, attempt.convert, formality, chosen, shop, agent, tone)
        text = self._sign_offs.get(cache_key)
        if text is None:
            names = {"shop": shop, "agent": agent}
            signature = self.texts.rule(attempt, ("sign_off", chosen), self.negotiator.locale_data)
            closing = self._closing(attempt, tone, formality)
            lines = [tidy(part.render(names)) for part in (closing, signature) if part is not None]
            text = "\n".join(line for line in lines if line)
            if len(shop) + len(agent) <= CACHED_NAMES:  # names are the caller's: keep the cache small
                if len(self._sign_offs) > 1024:
                    self._sign_offs.clear()
                self._sign_offs[cache_key] = text
        return text

    def _closing(self, attempt: Attempt, tone: str, formality: str) -> Any:
        """The closing rule for the tone (else the neutral one), in the formality (else formal)."""
        closing = attempt.settings.closing
        found = tone if tone in closing else "neutral"
        by_formality = closing.get(found, {})
        chosen = formality if formality in by_formality else "formal"
        if chosen not in by_formality:
            return None
        return self.texts.rule(attempt, ("closing", found, chosen), self.negotiator.locale_data)


def addressee(values: Mapping[str, Any]) -> Customer | None:
    """The customer the reply is to: ``customer``, else the first customer-typed value
    (a gift's sender declared before it must not be greeted)."""
    customer = values.get("customer")
    if isinstance(customer, Customer):
        return customer
    return next((v for v in values.values() if isinstance(v, Customer)), None)


def _fields_present(rule: str, customer: Customer | None) -> bool:
    """A greeting rule naming a customer field is skipped when that field is empty."""
    if customer is None:
        return "customer." not in rule
    for name in ("first_name", "last_name"):
        if f"customer.{name}" in rule and not getattr(customer, name):
            return False
    return True
