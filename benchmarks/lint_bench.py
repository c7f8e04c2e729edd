"""Lint budgets, as ratios to a floor measured in the same run.

    python benchmarks/lint_bench.py [--rounds 3]

The floor is compiling every distinct text of the generated 1,000-key x 3-language
catalogue once with plain Jinja2 (``SandboxedEnvironment(undefined=StrictUndefined)
.from_string``, with replykit's filter names registered, which Jinja checks at
compile time) in one process. Lint runs as a shop's CI or pre-commit hook runs it,
``replykit lint`` as a new process with the default ``--jobs`` (all cores):

- first run: an empty cache folder (every text compiled, every unit checked);
- unchanged: the same catalogue again (every result reused);
- one file edited: a sentence of the English (source) file of one group changed,
  so that group is checked again in every language; and of one Spanish file;
- shipped: the shipped catalogue, cache warm (the goal is in seconds, not a ratio).

The machine is noisy: the measures are interleaved and the best of ``--rounds`` is kept.
Python writes replykit's bytecode as an installed package has it (even where
``PYTHONDONTWRITEBYTECODE`` is set), so a start does not compile replykit's modules.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_catalogue import make_catalogue

FLOOR = """
import sys, time
import jinja2
from jinja2.sandbox import SandboxedEnvironment
import replykit
from replykit.render import FILTERS

library = replykit.load(sys.argv[1])
texts = sorted({t.text for template in library.catalogue.iter_templates() for t in template.texts.values()})
env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
env.filters.update(FILTERS)
start = time.perf_counter()
for text in texts:
    env.from_string(text)
print(time.perf_counter() - start, len(texts))
"""

#: A sentence each edit changes back and forth (each run then has one file to check again).
EDITS = {
    "templates/en/customs.yaml": ("Thank you for your patience.", "Many thanks for your patience."),
    "templates/es/customs.yaml": ("Gracias por su paciencia.", "Muchas gracias por su paciencia."),
}


def floor(big: Path) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", FLOOR, str(big)], capture_output=True, text=True, check=True)
    seconds, texts = done.stdout.split()
    return float(seconds), int(texts)


def lint(catalog: Path | None, cache: Path) -> float:
    command = ["replykit", "lint", "--format", "json", *(["--catalog", str(catalog)] if catalog else [])]
    start = time.perf_counter()
    env = {**os.environ, "REPLYKIT_CACHE": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: replykit's modules compiled once, not at every start
    done = subprocess.run(command, capture_output=True, check=False, env=env)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode())
    return took


def edit(big: Path, name: str) -> None:
    path = big / name
    text = path.read_text(encoding="utf-8")
    old, new = EDITS[name]
    if old not in text:
        old, new = new, old
    assert old in text, f"{name} has neither sentence"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)

    with tempfile.TemporaryDirectory() as tmp:
        big = make_catalogue(Path(tmp) / "big", 1000)
        texts = 0
        for n in range(args.rounds):
            seconds, texts = floor(big)
            keep("floor", seconds)
            cache = Path(tmp) / f"cache{n}"
            cache.mkdir(mode=0o700)
            keep("first run", lint(big, cache))
            keep("unchanged", lint(big, cache))
            for name in EDITS:
                edit(big, name)
                keep(f"edited {name}", lint(big, cache))
            lint(None, cache)  # compiles the shipped catalogue
            keep("shipped", lint(None, cache))
    base = best["floor"]
    print(f"floor: {texts:,} distinct texts compiled with plain Jinja2 in one process: {base:.2f} s")
    goals = {"first run": 1.0, "unchanged": 0.15}
    for name in ("first run", "unchanged", *(f"edited {n}" for n in EDITS)):
        goal = goals.get(name, 0.3)
        print(f"replykit lint, {name}: {best[name]:.2f} s -> {best[name] / base:.2f}x (goal <= {goal}x)")
    print(f"replykit lint, shipped catalogue, cache warm: {best['shipped']:.2f} s (goal <= 0.5 s)")
    print(f"(best of {args.rounds}, interleaved; python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
