"""What hostile values, messages and batch rows cost: time and peak memory of each refusal.

    python benchmarks/hostile_input_bench.py

Each line is one attack against the shipped catalogue: how long replykit takes to
answer it (render, refuse, detect, suggest, or the whole batch command) and the
peak memory it allocates meanwhile (tracemalloc), so SECURITY.md can state the
bounds. The answer must be fast and small whatever the input's size.
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import replykit
from replykit.cli import main

KEY = "pre_sale.low_stock"


def measure(label: str, work: Callable[[], object]) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        work()
        outcome = "answered"
    except replykit.ReplykitError as exc:
        outcome = type(exc).__name__
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<46} {seconds * 1000:9.1f} ms {peak / 1e6:8.1f} MB  {outcome}")


def main_bench() -> None:
    lib = replykit.load()
    examples = lib.examples(KEY)
    lib.render(KEY, **examples)
    lib.suggest("warm up")
    lib.detect("warm up the model")

    def render(**values: object) -> Callable[[], object]:
        return lambda: lib.render(KEY, **{**examples, **values})

    print(f"{'attack':<46} {'time':>12} {'peak':>11}  outcome")
    measure("quantity = '1e999999999'", render(quantity="1e999999999"))
    measure("quantity = 10**100000", render(quantity=10**100_000))
    measure("quantity = '9' * 1,000,000", render(quantity="9" * 1_000_000))
    measure("product = 'x' * 10,000,000", render(product="x" * 10_000_000))
    measure("product with a line break (in the subject)", render(product="Lamp\r\nBcc: x@evil.example"))
    measure("locale = 1 MB tag", lambda: lib.render(KEY, locale="es-" + "x" * 1_000_000, **examples))
    measure("key = 1 MB", lambda: lib.render("pre_sale." + "x" * 1_000_000))
    list_key = "out_of_stock.partial_shipment"
    list_examples = lib.examples(list_key)
    items = [f"item {i}" for i in range(100_000)]
    measure("a list of 100,000 items", lambda: lib.render(list_key, **{**list_examples, "shipped_items": items}))
    for label, message in [
        ("detect 'a' * 20,000 + ' 1'", "a" * 20_000 + " 1"),
        ("detect 'a' * 1,000,000", "a" * 1_000_000),
        ("detect 100 kB of one token with digits", "a1" * 50_000 + "é"),
    ]:
        measure(label, lambda m=message: lib.detect(m))  # type: ignore[misc]
    measure("suggest 'a' * 100,000 + ' 1'", lambda: lib.suggest("a" * 100_000 + " 1"))
    words = " ".join(f"w{i:05d}x".replace("0", "o") for i in range(50_000))
    measure("suggest 50,000 distinct words", lambda: lib.suggest(words))

    from click.testing import CliRunner

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        good = json.dumps({**examples, "key": KEY})
        rows = [good, '{"a": ' * 1000 + "1" + "}" * 1000, json.dumps({**examples, "shop": "\ud800"}), good]
        jsonl = folder / "rows.jsonl"
        jsonl.write_text("\n".join(rows) + "\n", encoding="utf-8")
        args = [
            "batch",
            str(jsonl),
            "--key-field",
            "key",
            "--quiet",
            "--out",
            str(folder / "o"),
            "--errors",
            str(folder / "e"),
        ]
        measure("batch: a row nested 1,000 deep, a lone surrogate", lambda: CliRunner().invoke(main, args))
        csv_file = folder / "rows.csv"
        csv_file.write_text(
            "product,quantity,product_url,customer.first_name\n"
            + 'Lamp,3,"https://x.example\n'
            + "Vase,2,https://x.example,Ana\n" * 20_000,
            encoding="utf-8",
        )
        args = [
            "batch",
            str(csv_file),
            "--key",
            KEY,
            "--quiet",
            "--out",
            str(folder / "o"),
            "--errors",
            str(folder / "e"),
        ]
        measure("batch: CSV with an unclosed quote, 20,000 rows", lambda: CliRunner().invoke(main, args))


if __name__ == "__main__":
    main_bench()
