"""Medians of before/after W3 lines (benchmarks/w3_abba.sh, w3_before_after.sh): one row per
variant with p50 / p99 / p99.9 before and after and the change.

``--faster-half``: each percentile's median over the faster half of a tree's runs, for a
host that switches between speeds from run to run (this session's host ran W3 direct at
p50 ~64 or ~92 µs, whichever tree it was): the slow runs then do not decide the median.

Usage: python benchmarks/w3_compare.py w3.jsonl [--faster-half]
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def _median(values: list[float], faster_half: bool) -> float:
    v = sorted(values)
    return statistics.median(v[: max(1, len(v) // 2)] if faster_half else v)


def table(lines: list[str], faster_half: bool = False) -> list[str]:
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
        keys = ("p50_us", "p99_us", "p99_9_us")
        mb = [_median([r[k] for r in b], faster_half) for k in keys]
        ma = [_median([r[k] for r in a], faster_half) for k in keys]
        out.append(
            f"| {name} | {len(b)} + {len(a)} | {' / '.join(f'{x:.1f}' for x in mb)} | "
            f"{' / '.join(f'{x:.1f}' for x in ma)} | {100 * (ma[0] / mb[0] - 1):+.1f}% | "
            f"{100 * (ma[1] / mb[1] - 1):+.1f}% |"
        )
    return out


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        rows = [ln for ln in f if ln.startswith("{")]
    print("\n".join(table(rows, faster_half="--faster-half" in sys.argv[2:])))
