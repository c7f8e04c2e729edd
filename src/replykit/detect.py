"""Which language (and Chinese script) a customer wrote in.

Short, informal chat is the normal case, so detection works in layers:

1. Noise goes first: URLs, e-mail addresses, order numbers, product codes and
   emoji say nothing about the language.
2. The writing system decides when only one candidate language uses it (Han
   characters -> Chinese, hangul -> Korean). Simplified vs Traditional Chinese
   is read off the characters with OpenCC.
3. Otherwise a statistical model scores the candidates that share the script:
   word frequencies (wordfreq) and, when the words alone do not settle it,
   lingua's character n-gram models. Both are deterministic.
4. When the text is too short or too ambiguous, hints decide (a stored customer
   locale, an Accept-Language header, a shipping country), then the default.

The model behind step 3 is pluggable: anything with a ``scores`` method (see
:class:`Detector`) can replace it, e.g. :class:`LangdetectDetector`.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from .errors import DetectionError, LocaleError, shown
from .locales import Tag, parse_tag

#: Characters of a message that detection and search read. The customer's own words
#: come first (a quoted thread or a signature follows them), and a page is plenty;
#: the cap bounds the time any message can cost.
MAX_MESSAGE_CHARS = 4_000

# Noise is found token by token with patterns that cannot backtrack: each run of
# letters and digits is matched once, whole, and dropped when it holds a digit.
_TOKEN = re.compile(r"\S+")
_CODE = re.compile(r"[#@]?[A-Za-z0-9_-]+", re.ASCII)
_WORD = re.compile(r"[^\W\d_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SCRIPTS: dict[str, re.Pattern[str]] = {
    "Hani": _HAN,
    "Kana": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]"),
    "Hang": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "Cyrl": re.compile(r"[\u0400-\u04ff]"),
    "Arab": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "Hebr": re.compile(r"[\u0590-\u05ff]"),
    "Grek": re.compile(r"[\u0370-\u03ff]"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]"),
    "Deva": re.compile(r"[\u0900-\u097f]"),
    "Latn": _LATIN,
}
#: The script each language is written in, where it is not Latin.
_LANGUAGE_SCRIPT = {
    "zh": "Hani", "ja": "Kana", "ko": "Hang",
    "ru": "Cyrl", "uk": "Cyrl", "bg": "Cyrl", "sr": "Cyrl", "mk": "Cyrl", "be": "Cyrl", "kk": "Cyrl",
    "ar": "Arab", "fa": "Arab", "ur": "Arab", "he": "Hebr", "el": "Grek", "th": "Thai", "hi": "Deva",
}  # fmt: skip

#: Below this many letters, a text is too short to judge on its own.
MIN_LETTERS = 2
#: The model must be at least this sure to overrule a hint; a short text never does.
OVERRULE_HINT = 0.9
#: A text with fewer letters than this, or a single word, is too short to overrule a hint.
SHORT_LETTERS = 8
#: Below this (no language has a majority), a model answer without hints gives way to the default.
MIN_CONFIDENCE = 0.5
#: Punctuation that only one language writes: strong evidence for short texts ("¿hay stock?").
_MARKS = {"¿": "es", "¡": "es"}
_MARK_WEIGHT = 20.0


@dataclass(frozen=True)
class Detection:
    """The answer: the language to reply in, its script (Chinese only), a locale, how sure and how.

    ``detected`` is the language the text is written in when that could be told;
    ``supported`` is False when that language is not among the candidates (German
    text for an en/es/zh catalogue): ``language`` and ``locale`` then come from the
    hints or the default, and ``method`` says so (``unsupported-hint``,
    ``unsupported-default``).
    """

    language: str
    script: str | None
    locale: str
    confidence: float
    method: str
    detected: str | None = None
    supported: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@runtime_checkable
class Detector(Protocol):
    """A statistical language model: probabilities for some of ``languages``.

    Return an empty mapping when the text gives no evidence. The answer must
    depend on the text alone (no randomness), so detection stays deterministic.
    """

    def scores(self, text: str, languages: Sequence[str]) -> Mapping[str, float]: ...


_MISSING: Any = object()


class LinguaDetector:
    """Word frequencies (wordfreq) first, lingua's n-gram models when words do not settle it.

    Measured on the short-text benchmark (``benchmarks/detect_bench.py``), the word
    evidence alone decides two texts in three, and together they beat either one.
    """

    #: Weight of the word evidence against lingua's log-probabilities.
    WORD_WEIGHT = 0.5
    #: A word-evidence margin (natural log) at which lingua is not consulted.
    DECISIVE = 4.0
    #: Frequency given to a word a language's list does not have.
    FLOOR = 1e-7

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detectors: dict[frozenset[str], Any] = {}
        self._words: dict[str, Mapping[str, float] | None] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (LinguaDetector, ())  # models and word lists load again where it lands

    def scores(self, text: str, languages: Sequence[str]) -> Mapping[str, float]:
        words = _WORD.findall(text.lower())
        if not words:
            return {}
        langs = languages
        floor = math.log(self.FLOOR)
        known: dict[str, float] = {}
        for lang in langs:
            lexicon = self._lexicon(lang)
            if lexicon is not None:
                known[lang] = sum([lexicon.get(w, floor) for w in words])
        if len(known) == len(langs) and len(langs) > 1:
            ranked = sorted(known.values(), reverse=True)
            if ranked[0] - ranked[1] >= self.DECISIVE:
                return _softmax(known)
        model = self._lingua(langs)
        if model is None:
            return _softmax(known) if known else {}
        probabilities = {self._code(c.language): c.value for c in model.compute_language_confidence_values(text)}
        # Word evidence only counts when every candidate has a word list to compare.
        weight = self.WORD_WEIGHT if len(known) == len(langs) else 0.0
        return _softmax(
            {lang: math.log(probabilities.get(lang, 0.0) + 1e-9) + weight * known.get(lang, 0.0) for lang in langs}
        )

    def _lexicon(self, language: str) -> Mapping[str, float] | None:
        """log(frequency + FLOOR) of each word in wordfreq's list for ``language``."""
        lexicon = self._words.get(language, _MISSING)
        if lexicon is _MISSING:
            with self._lock:
                lexicon = self._words.get(language, _MISSING)
                if lexicon is _MISSING:  # another thread may have built it meanwhile
                    frequencies = _word_frequencies(language)
                    lexicon = (
                        {w: math.log(f + self.FLOOR) for w, f in frequencies.items()}
                        if frequencies is not None
                        else None
                    )
                    self._words[language] = lexicon
        return lexicon  # type: ignore[no-any-return]

    def _lingua(self, languages: Sequence[str]) -> Any:
        key = frozenset(languages)
        if key not in self._detectors:
            with self._lock:
                if key not in self._detectors:
                    self._detectors[key] = _build_lingua(languages)
        return self._detectors[key]

    @staticmethod
    def _code(language: Any) -> str:
        return str(language.iso_code_639_1.name).lower()


class LangdetectDetector:
    """langdetect (Google's language-detection port), seeded so it is deterministic.

    Only the candidates' profiles are loaded, so the answer is always one of them.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._factories: dict[frozenset[str], Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (LangdetectDetector, (self.seed,))

    def scores(self, text: str, languages: Sequence[str]) -> Mapping[str, float]:
        try:
            from langdetect.lang_detect_exception import LangDetectException
        except ImportError:  # pragma: no cover - a declared dependency
            raise DetectionError("the langdetect backend needs the 'langdetect' package") from None
        with self._lock:
            factory = self._factory(frozenset(languages))
            if factory is None:
                return {}
            detector = factory.create()
            detector.append(text)
            try:
                found = detector.get_probabilities()
            except LangDetectException:
                return {}
        out: dict[str, float] = {}
        for p in found:
            out[_base(p.lang)] = out.get(_base(p.lang), 0.0) + p.prob
        return out

    def _factory(self, languages: frozenset[str]) -> Any:
        if languages not in self._factories:
            import os

            from langdetect.detector_factory import DetectorFactory

            folder = _langdetect_profiles()
            profiles = []
            for name in sorted(os.listdir(folder)):
                if _base(name) in languages:
                    with open(os.path.join(folder, name), encoding="utf-8") as fh:
                        profiles.append(fh.read())
            factory = None
            if len(profiles) >= 2:
                factory = DetectorFactory()
                factory.load_json_profile(profiles)
                factory.seed = self.seed  # langdetect is random unless seeded
            self._factories[languages] = factory
        return self._factories[languages]


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def _langdetect_profiles() -> str:
    import os

    import langdetect

    return os.path.join(os.path.dirname(langdetect.__file__), "profiles")


def _softmax(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


def _word_frequencies(language: str) -> Mapping[str, float] | None:
    import wordfreq

    if language not in wordfreq.available_languages("small"):
        return None
    return wordfreq.get_frequency_dict(language, wordlist="small")


def _build_lingua(languages: Sequence[str]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = []
    for code in languages:
        try:
            chosen.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue
    if len(chosen) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*chosen).build()


@lru_cache(maxsize=1)
def default_detector() -> LinguaDetector:
    """One shared :class:`LinguaDetector` (its models load once, on first use)."""
    return LinguaDetector()


# -- hints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hint:
    language: str
    region: str | None


def _read_hints(hints: Mapping[str, Any] | str | None) -> list[_Hint]:
    """Hints in order of trust: stored locale, Accept-Language, shipping country."""
    if hints is None:
        return []
    if isinstance(hints, str):
        hints = {"locale": hints}
    unknown = set(hints) - {"locale", "accept_language", "country"}
    if unknown:
        raise DetectionError(f"unknown hint(s) {', '.join(sorted(unknown))}; use locale, accept_language or country")
    out: list[_Hint] = []
    if hints.get("locale"):
        tag = parse_tag(str(hints["locale"]))
        out.append(_Hint(tag.language, tag.region))
    if hints.get("accept_language"):
        out.extend(_accept_language(str(hints["accept_language"])))
    if hints.get("country"):
        out.extend(_country(str(hints["country"])))
    return out


#: Languages of an Accept-Language header that are read (browsers send a handful).
MAX_ACCEPTED_LANGUAGES = 20


def _accept_language(header: str) -> list[_Hint]:
    """``es-MX,es;q=0.9,en;q=0.8`` -> es-MX, es, en (by quality, then order)."""
    weighted: list[tuple[float, int, Tag]] = []
    for index, part in enumerate(header.split(",", MAX_ACCEPTED_LANGUAGES)[:MAX_ACCEPTED_LANGUAGES]):
        value, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match[1])
            except ValueError:
                quality = 0.0
        if not value or value == "*" or quality <= 0:
            continue
        try:
            weighted.append((-quality, index, parse_tag(value)))
        except LocaleError:
            continue
    return [_Hint(tag.language, tag.region) for _, _, tag in sorted(weighted, key=lambda w: (w[0], w[1]))]


@lru_cache(maxsize=256)
def _country_languages(country: str) -> tuple[str, ...]:
    from babel.languages import get_official_languages

    return tuple(get_official_languages(country, de_facto=True))


def _country(code: str) -> list[_Hint]:
    country = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DetectionError(f"country hint must be an ISO 3166 code such as MX, got {shown(code)}")
    return [_Hint(_base(lang), country) for lang in _country_languages(country)]


# -- detection -------------------------------------------------------------------------


def detect_language(
    text: str,
    *,
    candidates: Iterable[str] | None = None,
    hints: Mapping[str, Any] | str | None = None,
    default: str | None = None,
    detector: Detector | None = None,
) -> Detection:
    """Detect the language of a customer's message among ``candidates``.

    ``candidates`` defaults to the shipped catalogue's languages; ``hints`` is a
    stored locale string or a mapping with ``locale``, ``accept_language`` and
    ``country``; ``default`` (a locale) answers when nothing else can.

    >>> detect_language("¿cuándo llega mi pedido?").language
    'es'
    >>> d = detect_language("請問有現貨嗎")
    >>> (d.language, d.script, d.locale, d.method)
    ('zh', 'Hant', 'zh-Hant', 'script')
    >>> detect_language("ok", hints={"country": "MX"}).locale
    'es-MX'
    """
    text = text[:MAX_MESSAGE_CHARS]
    languages = _candidates(candidates)
    hinted = [h for h in _read_hints(hints) if h.language in languages]
    default_tag = parse_tag(default) if default else Tag(languages[0])
    if default_tag.language not in languages:
        default_tag = Tag(languages[0])

    cleaned = remove_noise(text)
    words = _WORD.findall(cleaned)
    counts = _script_counts("".join(words))
    letters = sum(counts.values())
    script = _dominant_script(counts)
    same_script = [lang for lang in languages if _LANGUAGE_SCRIPT.get(lang, "Latn") == script]

    probabilities: Mapping[str, float] = {}
    method = "model"
    if letters >= 1 and len(same_script) == 1:
        probabilities = {same_script[0]: 0.99 if letters >= MIN_LETTERS else 0.8}
        method = "script"
    elif letters >= MIN_LETTERS and same_script:
        model = detector or default_detector()
        probabilities = _weigh_marks(text, model.scores(cleaned, same_script))

    foreign = _foreign_language(words, letters, script, languages, method) if letters >= MIN_LETTERS else None
    if foreign is not None:
        detected, sure = foreign
        fallback = hinted[0] if hinted else _Hint(default_tag.language, default_tag.region)
        kind = "unsupported-hint" if hinted else "unsupported-default"
        answer = _answer(fallback.language, fallback.region, cleaned, sure, kind, hinted)
        return replace(answer, detected=detected, supported=False)
    if probabilities:
        language = max(probabilities, key=probabilities.__getitem__)  # ties: the first candidate
        confidence = probabilities[language]
        hint = hinted[0] if hinted else None
        short = method == "model" and (letters < SHORT_LETTERS or len(words) < 2)
        if hint is not None and hint.language != language and (short or confidence < OVERRULE_HINT):
            return _answer(
                hint.language, hint.region, cleaned, max(probabilities.get(hint.language, 0.0), 0.5), "hint", hinted
            )
        if hint is None and method == "model" and confidence <= MIN_CONFIDENCE:
            return _answer(default_tag.language, default_tag.region, cleaned, confidence, "default", hinted)
        return _answer(language, None, cleaned, confidence, method, hinted)
    if hinted:
        return _answer(hinted[0].language, hinted[0].region, cleaned, 0.5, "hint", hinted)
    return _answer(default_tag.language, default_tag.region, cleaned, 0.0 if not letters else 0.3, "default", hinted)


def _candidates(candidates: Iterable[str] | None) -> list[str]:
    key = tuple(candidates) if candidates is not None else None
    return list(_candidate_languages(key))


@lru_cache(maxsize=64)
def _candidate_languages(candidates: tuple[str, ...] | None) -> tuple[str, ...]:
    if candidates is None:
        from .catalog import shipped_catalogue

        folder = shipped_catalogue() / "templates"
        names = sorted(p.name for p in folder.iterdir() if p.is_dir())
        candidates = tuple(sorted(names, key=lambda c: c != "en"))
    out = []
    for candidate in candidates:
        code = parse_tag(candidate).language
        if not _cldr_has(code, None):
            raise DetectionError(
                f"unknown language {shown(candidate)} among the candidates; use codes such as en, es, zh"
            )
        if code not in out:
            out.append(code)
    if not out:
        raise DetectionError("no candidate languages to choose from")
    return tuple(out)


def _weigh_marks(text: str, probabilities: Mapping[str, float]) -> Mapping[str, float]:
    marked = {lang for mark, lang in _MARKS.items() if mark in text and lang in probabilities}
    if not marked or len(probabilities) < 2:
        return probabilities
    weighted = {lang: p * (_MARK_WEIGHT if lang in marked else 1.0) for lang, p in probabilities.items()}
    total = sum(weighted.values())
    return {lang: p / total for lang, p in weighted.items()}


def remove_noise(text: str) -> str:
    """Drop what says nothing about the language: links, e-mails, handles, ids, codes.

    >>> remove_noise("order #A-1029 at https://shop.example/x, mail me@x.com: iPhone15的壳")
    'order   at   mail    的壳'
    """
    return _TOKEN.sub(_token_without_noise, text)


def _token_without_noise(match: re.Match[str]) -> str:
    token = match.group()
    if token.isalpha():
        return token
    if "@" in token or "://" in token or token.lower().startswith("www."):
        return " "
    return _CODE.sub(_code_or_word, token)


def _code_or_word(match: re.Match[str]) -> str:
    run = match.group()
    return " " if run[0] in "#@" or any(c.isdigit() for c in run) else run


def _script_counts(letters: str) -> dict[str, int]:
    """Letters per writing system (the common all-Latin case without a scan per script)."""
    if letters.isascii():
        return {"Latn": len(letters)}
    han = len(_HAN.findall(letters))
    latin = len(_LATIN.findall(letters))
    counts = {"Hani": han, "Latn": latin}
    if han + latin < len(letters):
        counts.update({name: len(p.findall(letters)) for name, p in _SCRIPTS.items() if name not in counts})
    return counts


def _dominant_script(counts: Mapping[str, int]) -> str | None:
    if counts.get("Kana"):  # kana only appear in Japanese, which mixes them with Han
        return "Kana"
    # A Han character carries about as much as a short word: "iPhone 15的手机壳还有货吗"
    # and "Marconi发明了无线电。" are Chinese.
    if counts.get("Hani") and 2 * counts["Hani"] >= counts.get("Latn", 0):
        return "Hani"
    best = max(counts.items(), key=lambda kv: kv[1])
    return best[0] if best[1] else None


def _answer(
    language: str, region: str | None, text: str, confidence: float, method: str, hinted: Sequence[_Hint]
) -> Detection:
    """Build the answer; the region comes from the first hint of the same language."""
    if region is None:
        region = next((h.region for h in hinted if h.language == language and h.region), None)
    script = chinese_script(text, region) if language == "zh" else None
    if language == "zh":
        if region and _region_script(region) != script:
            region = None  # a Hong Kong customer writing Simplified gets Simplified
        locale = f"zh-{region}" if region else f"zh-{script}"
    else:
        locale = f"{language}-{region}" if region and _cldr_has(language, region) else language
    detected = language if method in ("script", "model") else None  # a hint or default says nothing of the text
    return Detection(language, script, locale, round(float(confidence), 4), method, detected)


#: Languages told apart from the catalogue's, by writing system: the common ones of
#: cross-border shopping that have word lists (wordfreq). A script only one language
#: writes needs no words.
FOREIGN = {
    "Latn": ("de", "fr", "pt", "it", "nl", "pl", "tr", "sv", "da", "nb", "id", "vi", "ro", "cs", "ms", "fil"),
    "Cyrl": ("ru", "uk", "bg"),
    "Arab": ("ar", "fa", "ur"),
}
_SCRIPT_LANGUAGE = {"Kana": "ja", "Hang": "ko", "Hebr": "he", "Grek": "el", "Thai": "th", "Deva": "hi"}
#: Words of each foreign language's list that are compared (the most frequent).
FOREIGN_WORDS = 5_000
#: How much better (natural log, over the whole text) a foreign language must explain
#: the words than every candidate to call the text foreign.
FOREIGN_MARGIN = 6.0


def _foreign_language(
    words: Sequence[str], letters: int, script: str | None, candidates: Sequence[str], method: str
) -> tuple[str, float] | None:
    """The language of a text written in none of ``candidates``, and how sure, if that is clear."""
    if script is None or method == "script":
        return None
    if script in _SCRIPT_LANGUAGE and not any(_LANGUAGE_SCRIPT.get(c, "Latn") == script for c in candidates):
        language = _SCRIPT_LANGUAGE[script]
        return (language, 0.99) if language not in candidates else None
    others = [lang for lang in FOREIGN.get(script, ()) if lang not in candidates]
    if len(words) < 3 or letters < SHORT_LETTERS or not others:
        return None
    folded = [w.lower() for w in words]
    floor = math.log(LinguaDetector.FLOOR)
    scores = {}
    for lang in [*others, *candidates]:
        lexicon = _common_words(lang)
        if lexicon is not None:
            scores[lang] = sum(lexicon.get(w, floor) for w in folded)
    ours = max((scores[c] for c in candidates if c in scores), default=None)
    best = max(others, key=lambda lang: scores.get(lang, -math.inf))
    if best not in scores or (ours is not None and scores[best] - ours < FOREIGN_MARGIN):
        return None
    return best, round(_softmax(scores)[best], 4)


@lru_cache(maxsize=32)
def _common_words(language: str) -> dict[str, float] | None:
    """log frequency of the :data:`FOREIGN_WORDS` most frequent words of ``language``."""
    frequencies = _word_frequencies(language)
    if frequencies is None:
        return None
    top = sorted(frequencies.items(), key=lambda kv: -kv[1])[:FOREIGN_WORDS]
    return {word: math.log(f + LinguaDetector.FLOOR) for word, f in top}


def _cldr_has(language: str, region: str | None) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(f"{language}_{region}" if region else language)
    except (UnknownLocaleError, ValueError):
        return False
    return True


_CHAR_SCRIPT: dict[str, str] = {}


def _char_script(char: str) -> str:
    """``Hant`` if OpenCC simplifies the character, ``Hans`` if it makes it traditional, else ``both``."""
    from . import _chinese

    if _chinese.convert(char, "t2s") != char:
        return "Hant"
    if _chinese.convert(char, "s2t") != char:
        return "Hans"
    return "both"


def _region_script(region: str) -> str:
    return "Hant" if region in ("TW", "HK", "MO") else "Hans"


def chinese_script(text: str, region: str | None = None) -> str:
    """``Hant`` when the text has more Traditional-only than Simplified-only characters.

    Characters common to both scripts say nothing; a tie goes to the region's
    script, else Simplified.
    """
    traditional = simplified = 0
    for char in _HAN.findall(text):
        kind = _CHAR_SCRIPT.get(char)
        if kind is None:
            kind = _CHAR_SCRIPT[char] = _char_script(char)
        if kind == "Hant":
            traditional += 1
        elif kind == "Hans":
            simplified += 1
    if traditional != simplified:
        return "Hant" if traditional > simplified else "Hans"
    return _region_script(region) if region else "Hans"
