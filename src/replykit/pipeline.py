"""How a reply is made, step by step, each step in a module of its own:

1. :mod:`~replykit.negotiate`: which locale answers, and the order of languages to try;
2. :mod:`~replykit.texts`: which template answers for the key in each language, compiled;
3. :mod:`~replykit.values`: the caller's values read as their types, formatted for the locale;
4. :mod:`~replykit.frame`: the greeting and sign-off that fit the locale and the customer;
5. :mod:`~replykit.render`: the texts rendered in the sandbox;
6. :mod:`~replykit.typography`: the rendered text laid out the locale's way;

and the :class:`~replykit.render.Reply`. A translation that cannot answer (it does
not load or does not render) is a defect: the next language of the plan answers,
and the defect is recorded on the reply (``strict`` raises it instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Literal

from markupsafe import Markup

from ._sandbox import Limits
from .catalog import Catalogue, Channel, Template, Variable
from .errors import (
    MissingVariableError,
    RenderError,
    ReplykitError,
    TemplateError,
    UnknownKeyError,
    UnknownVariableError,
    log_warning,
    shown,
)
from .frame import Frame, addressee
from .negotiate import Attempt, Negotiator
from .render import Reply, check_subject
from .texts import Texts
from .typography import sentence_case, typeset
from .values import VERBATIM, given, read_values

#: Names every render accepts besides the declared variables.
PROVIDED_VALUES = frozenset({"shop", "agent", "ship_to"})


class Pipeline:
    """The steps of a reply for one catalogue, with what each keeps between replies."""

    def __init__(self, catalogue: Catalogue, limits: Limits, now: Callable[[], dt.datetime]) -> None:
        self.catalogue = catalogue
        self.negotiator = Negotiator(catalogue, now)
        self.texts = Texts(catalogue, limits)
        self.frame = Frame(self.texts, self.negotiator)

    def examples(self, key: str, locale: str | None = None) -> dict[str, Any]:
        """Example values of every variable of ``key`` (see :meth:`Texts.examples`)."""
        return self.texts.examples(key, self.negotiator.plan(locale).attempts[0] if locale is not None else None)

    def reply(
        self,
        key: str,
        values: Mapping[str, Any],
        *,
        locale: str | None,
        channel: Channel,
        strict: bool,
        formality: str | None,
        examples: bool,
        unknown: Literal["error", "ignore"],
        opening: bool | None = None,
    ) -> Reply:
        """The reply for ``key`` in ``locale`` (see :meth:`replykit.Library.render`)."""
        plan = self.negotiator.plan(locale)
        variables, channels, required = self.texts.declaration(key)
        if channel not in channels:
            raise RenderError(f"template has no {shown(channel)} channel; available: {', '.join(channels)}", key=key)
        if formality is not None and formality not in ("formal", "informal"):
            raise RenderError(f"formality must be 'formal' or 'informal', got {shown(formality)}", key=key)
        first = plan.attempts[0]
        problems = _unknown_names(values, variables, key, first.locale) if unknown == "error" else []
        filled: tuple[str, ...] = ()
        if examples:  # the shop and agent too, so that a preview shows a real signature
            sample = self.examples(key, locale)
            missing = [
                name for name in (*variables, "shop", "agent") if name in sample and given(values.get(name)) is None
            ]
            if missing:
                values = {**values, **{name: sample[name] for name in missing}}
                filled = tuple(name for name in missing if name in variables)
        for name in required:
            value = values.get(name)
            if given(value) is None:
                problems.append(MissingVariableError(name, empty=value is not None, key=key, locale=first.locale))
        if problems:  # report the invalid values too: every problem in one go
            self._read(key, variables, values, first, problems)
            raise RenderError.combine(problems)

        defects: list[ReplykitError] = []
        for attempt in plan.attempts:
            template, found = self.texts.pick(attempt, key, channel)
            for defect in found:
                _defect(defect, strict, defects)
            if template is None:
                continue
            read = self._read(key, variables, values, attempt)
            try:
                opens = opening if opening is not None else channel == "email"
                subject, body, html = self._render(template, channel, read, attempt, formality, opens)
            except TemplateError as exc:  # this translation cannot answer: the next one does
                _defect(exc, strict, defects)
                continue
            return Reply(
                key=key,
                locale=attempt.locale,
                channel=channel,
                subject=subject,
                body=body,
                html=html,
                language=attempt.language,
                requested_locale=plan.requested,
                defects=tuple(defects),
                example_values=filled,
                texts_from=tuple(
                    f for f in attempt.texts if any(t.language == f for t in channel_texts(template, channel))
                ),
            )
        if defects:
            raise defects[-1]
        raise UnknownKeyError(key, (), locale=first.locale)  # pragma: no cover

    def _read(
        self,
        key: str,
        variables: Mapping[str, Variable],
        values: Mapping[str, Any],
        attempt: Attempt,
        problems: list[RenderError] | None = None,
    ) -> dict[str, Any]:
        settings = self.catalogue.settings
        return read_values(
            variables,
            values,
            attempt.formatter,
            key=key,
            locale=attempt.locale,
            shop=settings.shop,
            agent=settings.agent,
            problems=problems,
        )

    def _render(
        self,
        template: Template,
        channel: str,
        values: dict[str, Any],
        attempt: Attempt,
        formality: str | None,
        opening: bool,
    ) -> tuple[str | None, str, str | None]:
        """Frame, render and lay out one channel's texts (subject, body, HTML body).

        A reply that does not open the conversation (a chat answer in the middle of one)
        is not greeted again.
        """
        texts, needs = self.texts.channel_texts(template, channel, attempt)
        if needs:
            chosen = formality or attempt.settings.formality_for(channel)
            shop, agent = values["shop"], values["agent"]
            if "greeting" in needs:
                customer = addressee(values)
                values["greeting"] = self.frame.greeting(attempt, chosen, customer, shop, agent) if opening else ""
            if "sign_off" in needs:
                values["sign_off"] = self.frame.sign_off(attempt, chosen, shop, agent, self.texts.tone(template.key))
        settings = attempt.settings
        verbatim = [v for v in values.values() if isinstance(v, VERBATIM)]
        if channel != "email":
            body = typeset(texts[0].render(values), settings, channel, verbatim)
            greeted = opening or "greeting" not in needs
            return None, body if greeted else sentence_case(body), None
        subject = typeset(texts[0].render(values), settings, channel, verbatim)
        body = typeset(texts[1].render(values), settings, channel, verbatim)
        check_subject(subject, texts[0], values, attempt.locale)
        html = None
        if len(texts) == 3:  # the HTML body escapes every value; line breaks of the sign-off become <br>
            html_values = dict(values)
            if "sign_off" in values:
                html_values["sign_off"] = Markup("<br>\n").join(values["sign_off"].split("\n"))
            html = texts[2].render(html_values).strip()
        return subject, body, html


def channel_texts(template: Template, channel: str) -> list[Any]:
    """The texts of one channel of a (merged) template."""
    return [text for (name, _), text in template.texts.items() if name == channel]


def _unknown_names(
    values: Mapping[str, Any], variables: Mapping[str, Variable], key: str, locale: str
) -> list[RenderError]:
    """A value for every name the template does not declare is refused, with "did you mean"."""
    unknown = [name for name in values if name not in variables and name not in PROVIDED_VALUES]
    if not unknown:
        return []
    from .search import suggest_keys  # (search and detection are imported only when needed)

    return [
        UnknownVariableError(name, suggest_keys(name, list(variables), 2) if variables else [], key=key, locale=locale)
        for name in unknown
    ]


def _defect(error: ReplykitError, strict: bool, defects: list[ReplykitError]) -> None:
    if strict:
        raise error
    log_warning("falling back: %s", error)
    defects.append(error)
