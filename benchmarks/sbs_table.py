"""The ratio table of a side-by-side run (benchmarks/sbs_both.sh) against issue 20's targets.

Reads the JSON lines, takes the median over rounds of each (who, figure), and prints a
markdown table: NautilusTrader, tradecore pure, tradecore compiled, the ratio each build
reaches, the target ratio and whether it is met. Higher is better for throughputs; for
latencies the ratio is NautilusTrader's / ours (how many times lower ours is).

Usage: python benchmarks/sbs_table.py sbs.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

Line = dict[str, Any]
Pick = Callable[[Line], float | None]


def _field(workload: str, key: str) -> Pick:
    def pick(d: Line) -> float | None:
        return float(d[key]) if d.get("workload") == workload and key in d else None

    return pick


def _nt_latency(key: str) -> Pick:
    def pick(d: Line) -> float | None:
        lat = d.get("lat_submit_to_filled_us")
        return float(lat[key]) if d.get("workload") == "W3_latency" and lat else None

    return pick


# (row label, NT figure, tradecore figure, target ratio, higher is better)
ROWS: list[tuple[str, Pick, Pick, float | None, bool]] = [
    ("W1 quotes/s, monitor every quote", _field("W1_ticks", "ticks_per_s"),
     _field("W1", "quotes_per_s"), 7.0, True),
    ("W1 quotes/s, PnL only", _field("W1_ticks", "ticks_per_s"),
     _field("W1-pnl-only", "quotes_per_s"), None, True),
    ("W2 orders/s, SMART over 3 venues", _field("W2_orders", "orders_per_s"),
     _field("W2", "orders_per_s"), 25.0, True),
    ("W2-direct orders/s, one venue", _field("W2_orders", "orders_per_s"),
     _field("W2-direct", "orders_per_s"), 25.0, True),
    ("W3 direct p99 µs (risk, group journal)", _nt_latency("p99"),
     _field("W3-direct-1venue-risk-on-journal-group", "p99_us"), 20.0, False),
    ("W3 direct p99.9 µs", _nt_latency("p99_9"),
     _field("W3-direct-1venue-risk-on-journal-group", "p99_9_us"), 20.0, False),
    ("W3 direct p50 µs", _nt_latency("p50"),
     _field("W3-direct-1venue-risk-on-journal-group", "p50_us"), None, False),
    ("W3 SMART 3 venues p99 µs", _nt_latency("p99"),
     _field("W3-router-3venues-risk-on-journal-group", "p99_us"), 10.0, False),
    ("W4 pairs/s", _field("W4_limit_cancel", "pairs_per_s"), _field("W4", "pairs_per_s"),
     25.0, True),
]  # fmt: skip


def medians(lines: list[Line]) -> dict[tuple[str, int], float]:
    """(who, row index) -> median over the rounds."""
    got: dict[tuple[str, int], list[float]] = defaultdict(list)
    for d in lines:
        who = d.get("who", "")
        for i, (_, nt, tc, _, _) in enumerate(ROWS):
            v = (nt if who == "NT" else tc)(d)
            if v is not None:
                got[(who, i)].append(v)
    return {k: statistics.median(v) for k, v in got.items()}


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def table(lines: list[Line]) -> str:
    m = medians(lines)
    out = [
        "| figure (median of rounds) | NautilusTrader | tradecore pure | ratio | "
        "tradecore compiled | ratio | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, (label, _, _, target, higher) in enumerate(ROWS):
        nt = m.get(("NT", i))
        cells = [label, _fmt(nt)]
        for who in ("TC-pure", "TC-compiled"):
            v = m.get((who, i))
            ratio = None
            if v and nt:
                ratio = v / nt if higher else nt / v
            mark = ""
            if ratio is not None and target is not None:
                mark = " met" if ratio >= target else " NOT met"
            cells += [_fmt(v), "-" if ratio is None else f"{ratio:.2f}x{mark}"]
        cells.append("-" if target is None else f"≥ {target:g}x")
        out.append("| " + " | ".join(cells) + " |")
    rec = {w: [d["replay_seconds"] for d in lines if d.get("who") == w and d.get("workload") ==
               "recovery" and "replay_seconds" in d] for w in ("TC-pure", "TC-compiled")}  # fmt: skip
    if any(rec.values()):
        txt = ", ".join(f"{w} {statistics.median(v):.2f} s" for w, v in rec.items() if v)
        out.append(f"\nrecovery of 1,000,000 events (target ≤ 2 s): {txt}")
    cal = [d for d in lines if d.get("who") == "calib"]
    for d in cal:
        out.append("calib: " + json.dumps({k: v for k, v in d.items() if k not in ("who", "w")}))
    return "\n".join(out)


def main() -> None:
    with open(sys.argv[1]) as f:
        lines = [json.loads(x) for x in f if x.startswith("{")]
    print(table(lines))


if __name__ == "__main__":
    main()
