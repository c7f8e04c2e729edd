"""Lint timing: the shipped catalogue and a generated 1,000-key x 3-language one.

    python benchmarks/lint_bench.py

Each figure is the best of three in-process runs of ``lint(load(path))`` (so
Jinja's bytecode cache is warm after the first), plus the first, cold run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_catalogue import make_catalogue

import replykit
from replykit.lint import lint


def timed(path: Path | None) -> tuple[float, int]:
    start = time.perf_counter()
    findings = lint(replykit.load(path))
    return time.perf_counter() - start, sum(f.severity == "error" for f in findings)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REPLYKIT_CACHE"] = str(Path(tmp) / "cache")
        (Path(tmp) / "cache").mkdir()
        big = make_catalogue(Path(tmp) / "big", 1000)
        for label, path in (("shipped (34 keys x 3)", None), ("generated (1,000 keys x 3)", big)):
            runs = [timed(path) for _ in range(3)]
            cold, errors = runs[0]
            warm = min(t for t, _ in runs[1:])
            print(f"{label}: cold {cold:.2f} s, warm {warm:.2f} s, errors {errors}")
    print(
        f"(python {sys.version.split()[0]}, {os.cpu_count()} cores; median of warm runs {statistics.median([warm]):.2f} s)"
    )


if __name__ == "__main__":
    main()
