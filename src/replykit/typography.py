"""Step 6 of a reply: the rendered text laid out as the locale writes it.

Rendering leaves the spacing of the template around the values. This step applies
the locale file's typography (``typography:``) everywhere, whatever the template
and the values hold:

* Han characters take no space next to an inserted value, a Latin word or a digit
  (``han_spacing: false``, Chinese), or exactly one (``true``);
* in a chat or SMS, a link never runs into the next sentence: what follows it on the
  same line goes to the next line (a phone would take it as part of the link);
* blank lines at the ends and spaces at line ends go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .locales import LocaleSettings

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_MARKS = "\u3000-\u303f\uff00-\uffef"  # 、。「」（）：，！ and other full-width marks
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]」』）。，；：！？]", re.IGNORECASE)
_SPACES = "[ \u00a0\u202f]+"
_AROUND_HAN = re.compile(
    rf"(?<=[{_HAN}{_CJK_MARKS}]){_SPACES}(?=[\w{_HAN}])|(?<=[\w%.)]){_SPACES}(?=[{_HAN}{_CJK_MARKS}])"
)
_LIST_MARKER = re.compile(r"[ \t]*(?:\d{1,3}[.)]|[-*•])[ \t]+")
_HAN_NEXT_TO_LATIN = re.compile(rf"(?<=[{_HAN}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[{_HAN}])")


def tidy(text: str) -> str:
    """Strip blank lines at the ends and trailing spaces, keep inner paragraphs."""
    text = text.strip()
    if " \n" not in text and "\t\n" not in text:
        return text
    return "\n".join(line.rstrip() for line in text.split("\n"))


def typeset(text: str, settings: LocaleSettings, channel: str, verbatim: Iterable[object] = ()) -> str:
    """``text`` with the locale's typography applied (see the module's description).

    The ``verbatim`` values keep their own spacing inside: a date, an amount or a duration
    as CLDR writes it for the locale (2026年3月5日 14:30), an address as the customer
    wrote it; only their edges meet the text by the locale's rule."""
    spaced = settings.han_spacing
    if spaced is not None and _has_han(text):
        before = text
        text = _protected(text, lambda part: _han_spacing(part, spaced))
        for value in verbatim if text != before else ():
            printed = str(value)
            respaced = _han_spacing(printed, spaced)
            if respaced != printed:
                text = text.replace(respaced, printed)
    if channel != "email":
        text = _links_end_their_line(text)
    return tidy(text)


def sentence_case(text: str) -> str:
    """A reply that starts mid-sentence once its greeting is left out starts with a capital."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _han_spacing(text: str, spaced: bool) -> str:
    if spaced:
        return _HAN_NEXT_TO_LATIN.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        marker = _LIST_MARKER.match(line)  # "1. 我们" keeps the space after its number
        start = marker.end() if marker else 0
        lines.append(line[:start] + _AROUND_HAN.sub("", line[start:]))
    return "\n".join(lines)


def _protected(text: str, change: object) -> str:
    """Apply ``change`` to the text between links: a link and the space after it stay as written."""
    out = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(change(text[last : match.start()]))  # type: ignore[operator]
        out.append(match.group())
        last = match.end()
    out.append(change(text[last:]))  # type: ignore[operator]
    return "".join(out)


def _links_end_their_line(text: str) -> str:
    """Put what follows a link on its line onto the next line."""

    def end_line(match: re.Match[str]) -> str:
        rest = text[match.end() : match.end() + 1]
        return match.group() + "\n" if rest in (" ", "\u00a0") else match.group()

    fixed = _LINK.sub(end_line, text)
    return re.sub(r"\n[ \u00a0]+", "\n", fixed) if fixed != text else text
