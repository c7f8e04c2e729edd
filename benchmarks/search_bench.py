"""Search quality and speed.

    python benchmarks/search_bench.py

Quality: ``Library.suggest`` on the customer messages in ``data/messages.jsonl``
(written independently of the catalogue, each with its expected key or keys):
top-1 and top-3 accuracy, per language. Speed: mean query time over the shipped
catalogue and over a generated 1,000-key x 3-language one, index built once.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_catalogue import make_catalogue  # noqa: E402

import replykit  # noqa: E402

QUERIES = ["refund", "wher is my parcel", "aduana", "退款", "envio", "damaged", "customs fees", "reembolso"]


def quality(lib: replykit.Library) -> None:
    messages = [json.loads(line) for line in (HERE / "data" / "messages.jsonl").read_text().splitlines() if line]
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for message in messages:
        found = [s.key for s in lib.suggest(message["text"], limit=3)]
        row = hits[message["language"]]
        row[0] += bool(found) and found[0] in message["keys"]
        row[1] += bool(set(found) & set(message["keys"]))
        row[2] += 1
    total = [sum(r[i] for r in hits.values()) for i in range(3)]
    for language, (top1, top3, n) in sorted(hits.items()):
        print(f"  {language}: top-1 {top1 / n:.1%}, top-3 {top3 / n:.1%} (n={n})")
    print(f"  all: top-1 {total[0] / total[2]:.1%}, top-3 {total[1] / total[2]:.1%} (n={total[2]})")


def speed(label: str, lib: replykit.Library) -> None:
    messages = [
        json.loads(line)["text"] for line in (HERE / "data" / "messages.jsonl").read_text().splitlines() if line
    ]
    start = time.perf_counter()
    lib.search("warm up")  # builds the index
    built = time.perf_counter() - start
    for text in messages:  # warm-up
        lib.suggest(text)
    rounds = 5
    start = time.perf_counter()
    for _ in range(rounds):
        for query in QUERIES:
            lib.search(query)
    per_search = (time.perf_counter() - start) / (rounds * len(QUERIES))
    start = time.perf_counter()
    for text in messages:
        lib.suggest(text)
    per_suggest = (time.perf_counter() - start) / len(messages)
    print(
        f"{label}: index {built * 1000:.0f} ms; search {per_search * 1000:.2f} ms, suggest {per_suggest * 1000:.2f} ms per query"
    )


def main() -> None:
    shipped = replykit.load()
    print("suggest accuracy on the evaluation messages:")
    quality(shipped)
    speed("shipped catalogue", replykit.load())
    with tempfile.TemporaryDirectory() as tmp:
        speed("generated catalogue (1,000 keys x 3)", replykit.load(make_catalogue(Path(tmp) / "big", 1000)))


if __name__ == "__main__":
    main()
