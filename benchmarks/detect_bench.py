"""Language-detection benchmark: accuracy, script, speed, memory.

Run by hand from the project root (numbers go in the README):

    python benchmarks/detect_bench.py [--data ../shared/data/langid] [--backend lingua|langdetect]

Accuracy is the answer restricted to the catalogue's languages (en, es, zh),
as the library uses it: no hints, default en.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = ("single-words", "word-pairs", "tatoeba", "chat")
LANGUAGES = ("en", "es", "zh")


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def accuracy(detect, texts: list[str], expected: str) -> float:  # type: ignore[no-untyped-def]
    return sum(detect(t).language == expected for t in texts) / len(texts)


def fresh_process(code: str) -> str:
    """Run ``code`` in a new interpreter (cold caches) and return its output."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data" / "langid")
    parser.add_argument("--backend", choices=["lingua", "langdetect"], default="lingua")
    args = parser.parse_args()

    import replykit

    detector = replykit.LinguaDetector() if args.backend == "lingua" else replykit.LangdetectDetector()

    def detect(text: str) -> replykit.Detection:
        return replykit.detect_language(text, candidates=LANGUAGES, detector=detector)

    print(f"backend: {args.backend}\n")
    print(f"{'category':<14}" + "".join(f"{lang:>8}" for lang in LANGUAGES) + f"{'mean':>8}")
    means = {}
    for category in (*CATEGORIES, "sentences"):
        scores = [accuracy(detect, lines(args.data / category / f"{lang}.txt"), lang) for lang in LANGUAGES]
        means[category] = statistics.mean(scores)
        print(f"{category:<14}" + "".join(f"{s:>8.1%}" for s in scores) + f"{means[category]:>8.2%}")
    print(f"\nmean of {', '.join(CATEGORIES)}: {statistics.mean(means[c] for c in CATEGORIES):.2%}")

    messages = [json.loads(line) for line in lines(HERE / "data" / "messages.jsonl")]
    own = {lang: [m["text"] for m in messages if m["language"] == lang] for lang in LANGUAGES}
    print(
        "own customer messages: "
        + ", ".join(f"{lang} {accuracy(detect, own[lang], lang):.1%} (n={len(own[lang])})" for lang in LANGUAGES)
    )

    chinese = [m for m in messages if m["language"] == "zh"]
    chinese += [{"text": t, "script": "Hans"} for t in lines(args.data / "chat" / "zh.txt")]
    right = sum(detect(m["text"]).script == m["script"] for m in chinese)
    print(f"Chinese script (Hans/Hant) on {len(chinese)} chat messages: {right / len(chinese):.1%}")

    short = [
        *own["en"],
        *own["es"],
        *own["zh"],
        *(t for lang in LANGUAGES for t in lines(args.data / "chat" / f"{lang}.txt")),
    ]
    for text in short:  # warm-up: every model loaded
        detect(text)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in short:
            detect(text)
    per_call = (time.perf_counter() - start) / (rounds * len(short))
    print(f"mean time per short message after warm-up: {per_call * 1e6:.1f} µs (n={len(short)}, {rounds} rounds)")

    backend = "LinguaDetector()" if args.backend == "lingua" else "LangdetectDetector()"
    first = fresh_process(
        "import time, replykit\n"
        f"d = replykit.{backend}\n"
        "t = time.perf_counter()\n"
        "replykit.detect_language('hi, where is my order?', candidates=('en', 'es', 'zh'), detector=d)\n"
        "print(time.perf_counter() - t)"
    )
    print(f"first detection in a fresh process: {float(first):.3f} s")
    rss = fresh_process(
        "import resource, replykit\n"
        f"d = replykit.{backend}\n"
        "for t in ('where is my order', 'hola, ¿dónde está mi pedido?', '我的包裹到哪了', '請問有現貨嗎'):\n"
        "    replykit.detect_language(t, candidates=('en', 'es', 'zh'), detector=d)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    print(f"peak resident memory after detecting en/es/zh: {float(rss):.0f} MB")
    loaded = fresh_process(
        "import sys, replykit\n"
        "lib = replykit.load()\n"
        "lib.render('customs.import_tax', locale='es-MX', **lib.examples('customs.import_tax'))\n"
        "print(sorted(m for m in ('lingua', 'wordfreq', 'langdetect', 'rapidfuzz') if m in sys.modules))"
    )
    print(f"detection libraries loaded by import + render: {loaded}")


if __name__ == "__main__":
    main()
