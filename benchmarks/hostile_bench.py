"""What a hostile template costs before it is refused: time and peak memory of each.

    python benchmarks/hostile_bench.py [--only NAME,NAME] [--limits max_steps=50_000,...]

Each attack is one catalogue key rendered with ``strict=True`` and its example
values. The template is compiled first (a compile is not the attack; the code
cache is off, so every run compiles what this version of replykit makes of it);
then the render is timed, and run again under tracemalloc for its peak memory.
Every line shows what the render ended with: the refusal's message, or "rendered".
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

import replykit

KEY_PREFIX = "customs.attack_"

#: Values every attack may use: the kinds a catalogue declares.
VARIABLES = {
    "customer": {"type": "customer", "example": {"first_name": "Ana", "last_name": "Ruiz"}},
    "country": {"type": "string", "example": "Mexico"},
    "amount": {"type": "money", "example": {"amount": 12.5, "currency": "USD"}},
    "when": {"type": "datetime", "example": "2026-03-05T14:30:00"},
    "items": {"type": "list", "example": ["Lamp", "Vase", "Rug"]},
}

MACRO_40 = "{% macro f(n) %}{% if n < 40 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}{{ f(0) }}"
HAN = "{% set s = '\u4e00' * 199000 %}"
BIG = "{% set big = country * 30000 %}"  # 180,000 characters
BIG_LIST = "{% set l = [''] * 199000 %}"

#: (name, template): the attacks, then their neighbours.
ATTACKS: list[tuple[str, str]] = [
    ("macro doubling, depth 40", MACRO_40),
    ("batch(1)|list over 200,000 characters", "{% set s = 'ab' * 100000 %}{{ (s|batch(1))|list }}"),
    ("sum(start=[]) over lists", "{% set l = [[1]] * 9000 %}{{ l|sum(start=[]) }}"),
    ("join of 1,000 large strings", BIG + "{% set l = [big] * 1000 %}{{ l|join }}"),
    ("join of a literal list of 60 large strings", BIG + "{{ [" + ", ".join(["big"] * 60) + "]|join }}"),
    ("v['center'](10**9)", "{{ country['center'](10**9) }}"),
    ("stored method c = v.center", "{% set c = country.center %}{{ c(10**9) }}"),
    ("'{0}'['for'~'mat']", "{{ '{0}'['for' ~ 'mat'](country) }}"),
    ("format_map through an item", "{{ '{x}'['format_map']({'x': country}) }}"),
    ("when['now']()", "{{ when['now']() }}"),
    ("print range", "{{ range }}"),
    ("print a method", "{{ country.upper }}"),
    ("money + 1", "{{ amount + 1 }}"),
    ("missing customer field", "{{ customer.nickname }}"),
    ("Decimal error", "{{ amount.amount|round(40) }}"),
    # neighbours
    ("round(10**9, 'ceil')", "{{ 1.5|round(10**9, 'ceil') }}"),
    ("batch(10**8, fill)", "{{ 'x'|batch(10**8, 'y')|list }}"),
    ("strip() with 200,000 characters", HAN + "{{ s.strip(s ~ 'x') }}"),
    ("trim() with 200,000 characters", HAN + "{{ s|trim(s ~ 'x') }}"),
    ("striptags over 60,000 tags", "{{ ('<a>' * 60000)|striptags }}"),
    ("recursive loop", "{% for x in [1, 2] recursive %}{{ loop([1, 2]) }}{% endfor %}"),
    (
        "a large loop body",
        "{% for i in range(1000) %}{% for j in range(10) %}"
        + "{% set x = country %}" * 200
        + "{% endfor %}{% endfor %}",
    ),
    (
        "set blocks held by nested macros",
        BIG
        + "{% macro f(n) %}{% set x %}{{ big }}{{ big }}{{ big }}{{ big }}{{ big }}{% endset %}{{ f(n+1) }}{{ x|length }}{% endmacro %}{{ f(0) }}",
    ),
    (
        "output of 10,000 large strings",
        BIG + "{% for i in range(1000) %}{% for j in range(10) %}{{ big }}{% endfor %}{% endfor %}",
    ),
    ("doubling a string with ~", "{% set a = country %}" + "{% set a = a ~ a %}" * 40 + "{{ a }}"),
    (
        "f(*items) with 199,000 items, in a loop",
        BIG_LIST
        + MACRO_40.removesuffix("{{ f(0) }}")
        + "{% for i in range(1000) %}{% for j in range(10) %}{{ f(*l) }}{% endfor %}{% endfor %}",
    ),
    (
        "'in' a 199,000-character text, in a loop",
        "{% set s = 'ab' * 99500 %}{% for i in range(1000) %}{% for j in range(10) %}{% if 'abc' in s %}{% endif %}{% endfor %}{% endfor %}",
    ),
    ("sort of 200,000 Han characters", HAN + "{{ s|sort|length }}"),
    ("unique of 200,000 Han characters", HAN + "{{ s|unique|list }}"),
    ("urlencode of Han text in a loop", HAN + "{% for i in range(1000) %}{{ s|urlencode|length }}{% endfor %}"),
    (
        "title() in a macro recursion",
        HAN
        + "{% macro f(n) %}{{ s.title()|length }}{% if n < 30 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}{{ f(0) }}",
    ),
    (
        "printing money 100,000 times",
        "{% for i in range(1000) %}{% for j in range(10) %}" + "{{ amount }}" * 10 + "{% endfor %}{% endfor %}",
    ),
    (
        "a date filter 10,000 times",
        "{% for i in range(1000) %}{% for j in range(10) %}{{ when|date('full') }}{% endfor %}{% endfor %}",
    ),
    (
        "number with a long pattern 10,000 times",
        "{% for i in range(1000) %}{% for j in range(10) %}{{ amount.amount|number('0.' ~ '0' * 20) }}{% endfor %}{% endfor %}",
    ),
    ("plural of 1e999999", "{{ '1e999999'|plural(other='#') }}"),
    ("date pattern of 100,000 characters", "{{ when|date('y' * 100000) }}"),
    ("plural form of 199,000 '#'", "{{ 123456789|plural(other='#' * 199000) }}"),
    ("list filter over 10,000 items", "{{ ([country] * 10000)|list }}"),
    (
        "list filter, 150 long items",
        "{% set l = [country * 200] * 150 %}{% for i in range(100) %}{{ l|list|length }}{% endfor %}",
    ),
    (
        "'in' a 199,000-item list, in a loop",
        BIG_LIST
        + "{% for i in range(1000) %}{% for j in range(10) %}{% if 'z' in l %}{% endif %}{% endfor %}{% endfor %}",
    ),
    (
        "comparing 199,000-item lists, in a loop",
        BIG_LIST
        + "{% set m = [''] * 199000 %}{% for i in range(1000) %}{% for j in range(10) %}{% if l == m %}{% endif %}{% endfor %}{% endfor %}",
    ),
    (
        "slicing a 199,000-item list, in a loop",
        BIG_LIST
        + "{% for i in range(1000) %}{% for j in range(10) %}{% if l[1:] %}{% endif %}{% endfor %}{% endfor %}",
    ),
    (
        "hashing a 199,000-item tuple, in a loop",
        "{% set t = ('',) * 199000 %}{% set d = {} %}{% for i in range(1000) %}{% for j in range(10) %}{% if t in d %}{% endif %}{% endfor %}{% endfor %}",
    ),
    (
        "unique of 4,900 numbers with one hash",
        "{% set p = 2**61 - 1 %}{% set l = (range(0, 1000*p, p)|sort) + (range(1000*p, 2000*p, p)|sort)"
        " + (range(2000*p, 3000*p, p)|sort) + (range(3000*p, 4000*p, p)|sort) + (range(4000*p, 4900*p, p)|sort) %}"
        "{{ l|unique|length }}",
    ),
    (
        "lookups in a dict of 1,000 keys with one hash",
        "{% set p = 2**61 - 1 %}{% set d = {"
        + ", ".join(f"p*{i}: {i}" for i in range(1, 1001))
        + "} %}{% for i in range(1000) %}{% for j in range(10) %}{% if d[p*1000] %}{% endif %}{% endfor %}{% endfor %}",
    ),
    ("range(10**100)", "{{ range(10**100)|list }}"),
    ("power tower", "{{ ((2**64)**64)**64 }}"),
    ("item of a huge name", "{{ customer[country * 30000] }}"),
]


def catalogue(folder: Path) -> Path:
    entries = {
        f"{KEY_PREFIX}{n}": {"title": name, "variables": VARIABLES, "chat": template}
        for n, (name, template) in enumerate(ATTACKS)
    }
    (folder / "templates" / "en").mkdir(parents=True)
    (folder / "templates" / "en" / "customs.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), "utf-8")
    return folder


def attempt(lib: replykit.Library, key: str) -> str:
    try:
        lib.render(key, channel="chat", strict=True, **lib.examples(key))
    except replykit.ReplykitError as exc:
        return f"{type(exc).__name__}: {exc.message}"
    return "rendered"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated parts of attack names")
    parser.add_argument("--limits", default="", help="replykit.Limits fields, e.g. max_steps=50_000,max_work=1_000_000")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.limits.split(",") if item)
    limits = replykit.Limits(**{k: int(v.replace("_", "")) for k, v in overrides.items()})
    print("limits:", ", ".join(f"{f.name}={getattr(limits, f.name):,}" for f in dataclasses.fields(limits)))
    os.environ["REPLYKIT_CACHE"] = "off"
    with tempfile.TemporaryDirectory() as tmp:
        lib = replykit.load(catalogue(Path(tmp)), limits=limits)
        worst_time = worst_memory = 0.0
        print(f"{'attack':<44} {'time':>9} {'peak':>9}  outcome")
        for n, (name, _) in enumerate(ATTACKS):
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            key = f"{KEY_PREFIX}{n}"
            attempt(lib, key)  # compiles the template (and warms Babel)
            start = time.perf_counter()
            outcome = attempt(lib, key)
            seconds = time.perf_counter() - start
            tracemalloc.start()
            attempt(lib, key)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            worst_time, worst_memory = max(worst_time, seconds), max(worst_memory, peak)
            print(f"{name:<44} {seconds * 1000:7.1f}ms {peak:7.1f}MB  {outcome[:110]}")
        print(f"{'worst':<44} {worst_time * 1000:7.1f}ms {worst_memory:7.1f}MB")


if __name__ == "__main__":
    main()
