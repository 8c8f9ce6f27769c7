"""Medians of before/after W3 lines (benchmarks/w3_abba.sh, w3_before_after.sh): one row per
variant with p50 / p99 / p99.9 before and after and the change.

Usage: python benchmarks/w3_compare.py w3.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def table(lines: list[str]) -> list[str]:
    runs: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    for line in lines:
        r = json.loads(line)
        if "p50_us" in r:
            runs[(r["workload"], r["tree"])].append(r)
    out = ["| W3 variant | runs | before p50 / p99 / p99.9 µs | after p50 / p99 / p99.9 µs | p50 | p99 |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for name in sorted({k[0] for k in runs}):
        b, a = runs[(name, "before")], runs[(name, "after")]
        if not b or not a:
            continue
        mb = [statistics.median(r[k] for r in b) for k in ("p50_us", "p99_us", "p99_9_us")]
        ma = [statistics.median(r[k] for r in a) for k in ("p50_us", "p99_us", "p99_9_us")]
        out.append(
            f"| {name} | {len(b)} + {len(a)} | {' / '.join(f'{x:.1f}' for x in mb)} | "
            f"{' / '.join(f'{x:.1f}' for x in ma)} | {100 * (ma[0] / mb[0] - 1):+.1f}% | "
            f"{100 * (ma[1] / mb[1] - 1):+.1f}% |"
        )
    return out


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print("\n".join(table([ln for ln in f if ln.startswith("{")])))
