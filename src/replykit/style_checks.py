"""Lint checks of how a reply reads in its market: what a native agent would fix.

Each is a small function over the lint context (see :mod:`replykit.lint`):

* ``han-spacing``: a Chinese text that puts a space between Han characters and a
  value (the locale's typography removes it; the source should not have it);
* ``closing-tone``: an apology or warning that closes cheerfully ("祝您购物愉快",
  "Happy shopping") or a locale with no closing for a tone its templates use;
* ``avoided-term``: a reply with a word its locale does not use (Mainland 發貨 in a
  Taiwan reply), from the locale file's ``avoid:`` list;
* ``ambiguous-currency``: a text that writes a currency sign next to a value
  (``${{ total }}``), which the currency rule cannot make unambiguous;
* ``link-run-on``: a link that runs into the next word in a text (``{{ url }}If``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import ReplykitError

if TYPE_CHECKING:
    from .catalog import Template
    from .lint import Context, Finding
    from .locales import LocaleSettings

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_SPACED_VALUE = re.compile(rf"[{_HAN}][ \u00a0]+\{{\{{|\}}\}}[ \u00a0]+[{_HAN}]")
_SIGN_NEXT_TO_VALUE = re.compile(r"(?:US\$|[$€£¥￥₹])\s?\{\{|\}\}\s?(?:[$€£¥￥₹]|US\$)")
_LINK_INTO_WORD = re.compile(r"\{\{\s*(\w+)\s*\}\}(?=[^\s.,;:!?)\]」』）。，；：！？\"'])")
#: Closings that cheer: they do not belong after an apology or a warning.
CHEERFUL = (
    "祝您购物愉快",
    "祝您購物愉快",
    "happy shopping",
    "enjoy your shopping",
    "¡felices compras",
    "disfrute de sus compras",
)


def _matching_lines(ctx: Context, pattern: re.Pattern[str]) -> Iterator[tuple[Template, str, int]]:
    """Each text of the unit's templates whose line matches ``pattern``: its template, its
    ``channel part`` name and the file line of its first such line."""
    for template in ctx.templates:
        for (channel, part), text in template.texts.items():
            for number, line in enumerate(text.text.splitlines(), start=1):
                if pattern.search(line):
                    yield template, f"{channel} {part}", text.position.text_line(number)
                    break


def check_han_spacing(ctx: Context) -> Iterator[Finding]:
    """han-spacing: Chinese text writes values without spaces around them."""
    if not ctx.unit.language.startswith("zh"):
        return
    for template, where, line in _matching_lines(ctx, _SPACED_VALUE):
        yield ctx.finding(
            "han-spacing", template,
            f"{where}: a space between Han characters and a value; write 在{{{{ date }}}}前, not 在 {{{{ date }}}} 前",
            line,
        )  # fmt: skip


def check_closing_tone(ctx: Context) -> Iterator[Finding]:
    """closing-tone: no cheerful closing after an apology or a warning, in the text or from the locale."""
    tones = {}
    for template in ctx.templates:
        source = ctx.source_templates.get(template.key)
        tone = tones[template.key] = (source or template).tone
        if tone not in ("apology", "warning"):
            continue
        for (channel, part), text in template.texts.items():
            folded = text.text.casefold()
            cheer = next((c for c in CHEERFUL if c in folded), None)
            if cheer:
                yield ctx.finding(
                    "closing-tone", template,
                    f"{channel} {part}: '{cheer}' closes a reply whose tone is {tone}; leave it to the "
                    "locale's closing for that tone",
                    text.position.line,
                )  # fmt: skip
    if ctx.unit.language in ctx.catalogue.regional:
        return
    signed = {tones[t.key] for t in ctx.templates if _signs(t)}
    attempt = ctx.library.pipeline.negotiator.plan(ctx.unit.language).attempts[0]
    closing = attempt.settings.closing
    for tone in sorted(signed - set(closing) - {"neutral"}):
        if closing:
            file = attempt.settings.file or f"locales/{ctx.unit.language}.yaml"
            yield _locale_finding(
                file, ctx.unit.language,
                f"no closing for the tone {tone!r}: its replies close with the neutral one; add closing.{tone}",
            )  # fmt: skip


def avoided_words(ctx: Context, key: str) -> list[list[str]]:
    """For a key just rendered in every locale of the unit: each ``[locale, channel, word,
    instead, file]`` where a reply writes a word its locale avoids (the locale file's
    ``avoid:``), with the file to change: the text's, or the locale file's for its words."""
    from .render import Reply

    found: list[list[str]] = []
    source = ctx.source_templates.get(key)
    if source is None:
        return found
    for locale in ctx.locales:
        settings = ctx.library.pipeline.negotiator.plan(locale).attempts[0].settings
        for channel in source.channels if settings.avoid else ():
            reply = ctx._replies.get((key, locale, channel))
            if not isinstance(reply, Reply):
                continue  # reported by the render check
            text = f"{reply.subject or ''}\n{reply.body}"
            for word, instead in settings.avoid.items():
                if word not in text:
                    continue
                answered = [t for f in reply.texts_from if (t := ctx.catalogue.get(f, key)) is not None]
                writes = next((t for t in answered if any(word in x.text for x in t.texts.values())), None)
                if writes is not None:
                    file = writes.file
                elif word in _words_of(settings):
                    file = settings.file or f"locales/{locale}.yaml"
                else:  # in an example value
                    file = answered[-1].file if answered else source.file
                found.append([locale, channel, word, instead, file])
    return found


def _words_of(settings: LocaleSettings) -> str:
    """The words a locale file gives a reply (greeting, closing, signature, units, address)."""
    return repr((settings.greeting, settings.closing, settings.sign_off, settings.units, settings.address))


def check_avoided_terms(ctx: Context) -> Iterator[Finding]:
    """avoided-term: a reply uses a word its locale avoids (found as the unit's keys are rendered)."""
    from .lint import CODES, Finding

    for key, record in ctx.records.items():
        for locale, channel, word, instead, file in record.get("avoided", ()):
            folder = file.split("/")[1] if file.startswith("templates/") else None
            template = ctx.catalogue.get(folder, key) if folder else None
            hint = (
                ""
                if file.startswith(f"templates/{locale}/") or file.startswith("locales/")
                else (f"; or give {locale} a text of its own in templates/{locale}/")
            )
            yield Finding(
                file, template.line if template else 1, "avoided-term", CODES["avoided-term"], key, locale,
                f"the {locale} {channel} reply writes {word!r}, which {locale} does not use: write {instead!r}{hint}",
            )  # fmt: skip


def check_ambiguous_currency(ctx: Context) -> Iterator[Finding]:
    """ambiguous-currency: a currency sign written next to a value bypasses the currency rule."""
    for template, where, line in _matching_lines(ctx, _SIGN_NEXT_TO_VALUE):
        yield ctx.finding(
            "ambiguous-currency", template,
            f"{where}: a currency sign written next to a value; give the value as money "
            "(its currency is then shown so that no customer misreads it)",
            line,
        )  # fmt: skip


def check_link_run_on(ctx: Context) -> Iterator[Finding]:
    """link-run-on: a link placeholder followed directly by a word: phones take it into the link."""
    for template in ctx.templates:
        try:
            variables = ctx.library.variables(template.key)
        except ReplykitError:
            continue
        urls = {n for n, v in variables.items() if v.type == "url"}
        for (channel, part), text in template.texts.items():
            for match in _LINK_INTO_WORD.finditer(text.text):
                if match.group(1) in urls:
                    yield ctx.finding(
                        "link-run-on", template,
                        f"{channel} {part}: {{{{ {match.group(1)} }}}} runs into the next word; put a space or a line "
                        "break after a link",
                        text.position.line,
                    )  # fmt: skip


def _signs(template: object) -> bool:
    texts = getattr(template, "texts", {})
    return any("sign_off" in t.text for t in texts.values())


def _locale_finding(file: str, language: str, message: str) -> Finding:
    from .lint import CODES, Finding

    return Finding(file, 1, "closing-tone", CODES["closing-tone"], None, language, message)


STYLE_CHECKS = [check_han_spacing, check_closing_tone, check_avoided_terms, check_ambiguous_currency, check_link_run_on]
STYLE_CODES = {
    "han-spacing": "warning",
    "closing-tone": "warning",
    "avoided-term": "warning",
    "ambiguous-currency": "error",
    "link-run-on": "warning",
}
