"""Step 6 of a reply: the rendered text laid out as the locale writes it.

Rendering leaves the spacing of the template around the values; this step tidies
what a reader would see as a slip: blank lines at the ends, spaces at line ends.
"""

from __future__ import annotations


def tidy(text: str) -> str:
    """Strip blank lines at the ends and trailing spaces, keep inner paragraphs."""
    text = text.strip()
    if " \n" not in text and "\t\n" not in text:
        return text
    return "\n".join(line.rstrip() for line in text.split("\n"))


def sentence_case(text: str) -> str:
    """A reply that starts mid-sentence once its greeting is left out starts with a capital."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text
