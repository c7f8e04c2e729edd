"""Lint timing: the shipped catalogue and a generated 1,000-key x 3-language one.

    python benchmarks/lint_bench.py

The shipped catalogue is linted in-process (``lint(load())``, best of three once
compiled templates are cached). The generated one is linted the way a shop's CI
or pre-commit hook runs it, ``replykit lint`` as a new process: the first run
with an empty cache (every text compiled), then the best of three warm runs,
with the default ``--jobs`` (all cores) and with ``--jobs 1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_catalogue import make_catalogue

import replykit
from replykit.lint import lint


def in_process(path: Path | None) -> float:
    start = time.perf_counter()
    lint(replykit.load(path))
    return time.perf_counter() - start


def command(path: Path, *options: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        ["replykit", "lint", "--catalog", str(path), "--format", "json", *options], capture_output=True, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode())
    return time.perf_counter() - start


def bench_large(big: Path) -> None:
    """The budget: lint of 1,000 keys x 3 languages under 5 s."""
    cold = command(big)
    warm = min(command(big) for _ in range(3))
    one = min(command(big, "--jobs", "1") for _ in range(2))
    print(
        f"lint 1,000 keys x 3 (replykit lint): {warm:.2f} s on {os.cpu_count()} cores (goal < 5 s); "
        f"{one:.2f} s with --jobs 1; first run, empty cache, {cold:.1f} s"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REPLYKIT_CACHE"] = str(Path(tmp) / "cache")
        (Path(tmp) / "cache").mkdir()
        runs = [in_process(None) for _ in range(3)]
        print(f"lint shipped catalogue (34 keys x 3, in-process): first {runs[0]:.2f} s, then {min(runs[1:]):.2f} s")
        bench_large(make_catalogue(Path(tmp) / "big", 1000))
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
