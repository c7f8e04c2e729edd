"""Finding the right reply: fuzzy search over keys, titles, keywords and example phrases.

An agent types a few words ("wher is my parcel", "envio", "退款"); a helpdesk
passes a whole customer message. Both go through the same index, built once per
library:

* text is folded the same way on both sides: case, accents ("envio" = "envío"),
  Traditional -> Simplified Chinese, a light plural strip ("parcels" = "parcel");
  Chinese, written without spaces, is indexed by character pairs;
* each query word is matched exactly, or fuzzily (rapidfuzz) against the index
  vocabulary when it is a typo;
* a key's score is the share of the query's information (IDF-weighted words) that
  its best entry in one language covers, weighted by field (keywords and titles
  count more than descriptions), 0-100.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .detect import MAX_MESSAGE_CHARS, remove_noise

if TYPE_CHECKING:
    from .library import Library

#: How much a match in each field counts.
FIELD_WEIGHTS = {"keyword": 1.0, "title": 1.0, "phrase": 0.9, "key": 0.8, "description": 0.6}
#: A typo must be at least this close (rapidfuzz ratio) to a known word.
TYPO_CUTOFF = 80
#: A word found in more than this share of documents is ignored.
STOPWORD_SHARE = 0.25
#: Results below this score are noise.
MIN_SCORE = 15.0
#: A suggestion under this score probably does not fit the message (see :class:`Suggestion`).
FITS = 40.0

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Suggestion:
    """A ranked template: its key, score (0-100), title, language and what matched.

    ``fits`` is False when the score is under :data:`FITS`: the template shares some
    words with the message but is probably not its scenario, and an agent should
    write the reply. It is a hint, not a verdict: on the benchmark messages
    (``benchmarks/data/messages.jsonl``) 77% of the right first suggestions reach
    it and 59% of the wrong ones do not.
    """

    key: str
    score: float
    title: str
    language: str
    matched: str

    @property
    def fits(self) -> bool:
        return self.score >= FITS

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fits": self.fits}


def normalize(text: str) -> str:
    """Case-, accent- and script-folded text (``¿Envío?`` -> ``envio``, 運費 -> 运费).

    Short texts (keywords, titles, typed queries) are remembered; a customer's
    whole message is not, so the cache stays small whatever customers send.
    """
    return _normalize_short(text) if len(text) <= _CACHED_TEXT else _normalize(text)


_CACHED_TEXT = 200


@lru_cache(maxsize=4096)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = text.casefold()
    if _HAN.search(text):
        from . import _chinese

        text = _chinese.convert(text, "t2s")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Index terms: folded words (light plural strip) and Chinese character pairs."""
    folded = normalize(remove_noise(text))
    out: list[str] = []
    for run in _HAN.findall(folded):
        out.extend(run)  # single characters: 钱, 货 ...
        out.extend(run[i : i + 2] for i in range(len(run) - 1))  # and pairs: 退款, 发货 ...
    for word in _LATIN_WORD.findall(_HAN.sub(" ", folded)):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-2] if word.endswith("es") and len(word) > 5 else word[:-1]
        out.append(word)
    return out


@dataclass(frozen=True)
class _Entry:
    key: str
    language: str
    field: str
    text: str


class SearchIndex:
    """The inverted index of one library's catalogue; build once, query many times.

    A document is one key in one language. For each term the index keeps, per
    document, its best-weighted entry and how many of its entries use the term.
    """

    def __init__(self, entries: Iterable[_Entry], titles: dict[tuple[str, str], str]) -> None:
        self.entries: list[_Entry] = list(entries)
        self.documents: list[tuple[str, str]] = list(titles)
        self.titles = [titles[d] for d in self.documents]
        number = {d: i for i, d in enumerate(self.documents)}
        # term -> document -> (strength, entry index, entries using the term)
        self.postings: dict[str, dict[int, tuple[float, int, int]]] = defaultdict(dict)
        for index, entry in enumerate(self.entries):
            doc = number[(entry.key, entry.language)]
            strength = FIELD_WEIGHTS[entry.field]
            for term in set(tokens(entry.text)):
                posting = self.postings[term].get(doc)
                if posting is None:
                    self.postings[term][doc] = (strength, index, 1)
                else:  # keep the strongest entry, count them all
                    best = (strength, index) if strength > posting[0] else posting[:2]
                    self.postings[term][doc] = (*best, posting[2] + 1)
        total = max(len(self.documents), 1)
        self.idf = {term: math.log(1 + total / len(docs)) for term, docs in self.postings.items()}
        self.unknown_idf = max(self.idf.values(), default=1.0)  # a word no key uses weighs most
        self.vocabulary = list(self.postings)
        self.languages = len({language for _, language in self.documents})
        self.stopwords = {t for t, docs in self.postings.items() if len(docs) > max(STOPWORD_SHARE * total, 10)}

    @classmethod
    def build(cls, library: Library) -> SearchIndex:
        entries: list[_Entry] = []
        titles: dict[tuple[str, str], str] = {}
        for template in library.catalogue.iter_templates():
            key, language = template.key, template.language
            titles[(key, language)] = template.title
            entries.append(_Entry(key, language, "key", key.replace(".", " ").replace("_", " ")))
            entries.append(_Entry(key, language, "title", template.title))
            entries.extend(_Entry(key, language, "keyword", k) for k in template.keywords)
            entries.extend(_Entry(key, language, "phrase", p) for p in template.phrases)
            if template.description:
                entries.append(_Entry(key, language, "description", template.description))
        return cls(entries, titles)

    def _matches(self, term: str) -> list[tuple[str, float]]:
        """Index terms that stand for ``term``: itself, or close spellings of it."""
        if term in self.postings:
            return [(term, 1.0)]
        if len(term) < 3 or _HAN.match(term):
            return []
        from rapidfuzz import fuzz, process

        found = process.extract(term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=3)
        return [(word, score / 100.0) for word, score, _ in found]

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        group: str | None = None,
        limit: int = 10,
        min_score: float = MIN_SCORE,
    ) -> list[Suggestion]:
        """Keys ranked by how much of ``query`` their entries cover, best first.

        Only the first :data:`~replykit.detect.MAX_MESSAGE_CHARS` characters are read.
        """
        query = query[:MAX_MESSAGE_CHARS]
        # Words nearly every entry uses ("my", "el", "的") say nothing and cost the most.
        terms = [t for t in dict.fromkeys(tokens(query)) if t not in self.stopwords]
        if not terms:
            return []
        weights = {t: self.idf.get(t, self.unknown_idf) for t in terms}
        total = sum(weights.values())
        covered: dict[int, float] = {}
        breadth: dict[int, int] = {}
        strongest: dict[int, tuple[float, int]] = {}
        for term in terms:
            # The closest spelling per document counts (usually the only one: the term itself).
            best: dict[int, tuple[float, int, int]] = {}
            for word, closeness in self._matches(term):
                factor = weights[term] * closeness
                for doc, (strength, index, uses) in self.postings[word].items():
                    value = factor * strength
                    if doc not in best or value > best[doc][0]:
                        best[doc] = (value, index, uses)
            for doc, (value, index, uses) in best.items():
                covered[doc] = covered.get(doc, 0.0) + value
                breadth[doc] = breadth.get(doc, 0) + uses
                if doc not in strongest or value > strongest[doc][0]:
                    strongest[doc] = (value, index)
        candidates = [
            doc
            for doc in covered
            if (language is None or self.documents[doc][1] == language)
            and (group is None or self.documents[doc][0].startswith(group + "."))
        ]
        # Only the best few documents can make the list: one key may appear in every language.
        top = heapq.nlargest(limit * (self.languages + 1), candidates, key=lambda d: (covered[d], breadth[d]))
        ranked: dict[str, tuple[float, int, int]] = {}
        for doc in top:
            key = self.documents[doc][0]
            score = round(100.0 * covered[doc] / total, 1)
            if score >= min_score and (score, breadth[doc]) > ranked.get(key, (-1.0, -1, -1))[:2]:
                ranked[key] = (score, breadth[doc], doc)
        order = sorted(ranked.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
        return [
            Suggestion(key, score, self.titles[doc], self.documents[doc][1], self.entries[strongest[doc][1]].text)
            for key, (score, _, doc) in order
        ]


def suggest_keys(query: str, keys: Sequence[str], limit: int = 3) -> list[str]:
    """Keys spelled like ``query`` (for "did you mean"); nothing for a query no key is near in length."""
    if len(query) > 2 * max(map(len, keys), default=0):
        return []
    from rapidfuzz import fuzz, process, utils

    found = process.extract(query, keys, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit)
    return [key for key, score, _ in found if score >= 60]
