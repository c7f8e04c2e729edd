"""How closely replykit's value formatting matches ICU (Node's Intl).

    python benchmarks/icu_report.py            # the figures
    python benchmarks/icu_report.py --table    # and every difference not in the allowlist

The same grid, catalogue and allowlist as tests/test_icu.py (see tests/icu_diff.py):
the grid's size, the share of cases where both print the same text, the
allowlisted differences by reason, and the remaining differences by value type.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import icu_diff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="also print every difference not in the allowlist")
    args = parser.parse_args()
    problem = icu_diff.node_problem()
    if problem:
        print(f"node with ICU is not installed: {problem}", file=sys.stderr)
        return 2
    allowlist = icu_diff.load_allowlist()
    cases = icu_diff.grid()
    with tempfile.TemporaryDirectory() as folder:
        result = icu_diff.compare(icu_diff.load_library(Path(folder) / "catalogue"), cases, allowlist)
    total = len(result.rows)
    now = result.versions

    print(f"versions: Babel {now['babel']} (CLDR {now['babel_cldr']}), Node ICU {now['icu']} (CLDR {now['icu_cldr']})")
    print(f"grid: {len(icu_diff.LOCALES)} locales x {len({c.type for c in cases})} value types = {total} cases")
    print(f"exact match: {result.exact} / {total} = {result.exact / total:.1%}")
    accepted = result.exact + len(result.allowed)
    print(f"exact or allowlisted: {accepted} / {total} = {accepted / total:.1%}")
    print(f"allowlisted differences: {len(result.allowed)} ({len(allowlist.entries)} entries)")
    for reason, count in icu_diff.by_reason(result.allowed).most_common():
        print(f"  {reason}: {count}")
    print(f"remaining differences: {len(result.failures)}")
    for type_, count in Counter(r.case.type for r in result.failures).most_common():
        print(f"  {type_}: {count}")
    if result.stale:
        print(f"stale allowlist entries: {len(result.stale)}")
        for entry in result.stale:
            print(f"  {entry.name()} ({', '.join(entry.reasons)})")
    if args.table and result.failures:
        print()
        print(icu_diff.table(result.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
