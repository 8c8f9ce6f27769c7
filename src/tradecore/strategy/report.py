"""Backtest statistics from the engine's own equity curve and fills, and the report files.

Conventions (docs/strategies.md): returns are simple returns between consecutive equity
samples; annualised figures use ``periods = seconds per year / sample seconds``; rf = 0.

* sharpe = mean(r) / stdev(r, ddof=1) x sqrt(periods)
* sortino = mean(r) / sqrt(sum(r^2 for r < 0) / n) x sqrt(periods)
* max_drawdown = min over t of equity_t / max(equity up to t) - 1 (a fraction <= 0)
* var_95 / es_95: historical, on the sample returns, as positive losses: the 5% quantile
  (linear interpolation between order statistics) negated, and the mean of the returns at
  or below it negated
* turnover = sum |quantity x price| of the fills; fees = sum of fees
* fill_ratio = quantity filled / quantity asked, over orders tradecore did not deny
* price improvement (bps, > 0 is better for us): against the consolidated mid when the
  order was sent, and against the volume-weighted price the best single venue's book offered
  for the whole quantity then

Money stays Decimal (quantised to cents in the files); ratios are floats (statistics).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

YEAR_S = 365 * 86_400


def quantile(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    pos = p * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def curve_stats(equity: Sequence[Decimal], sample_s: float) -> dict[str, Any]:
    e = [float(x) for x in equity]
    out: dict[str, Any] = {"samples": len(e)}
    if len(e) < 3:
        return out | {"sharpe": None, "sortino": None, "max_drawdown": 0.0, "var_95": None,
                      "es_95": None, "volatility": None}  # fmt: skip
    r = [e[i] / e[i - 1] - 1.0 for i in range(1, len(e))]
    n = len(r)
    mean = sum(r) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1))
    down = math.sqrt(sum(x * x for x in r if x < 0) / n)
    ann = math.sqrt(YEAR_S / sample_s)
    peak, mdd = e[0], 0.0
    for x in e:
        peak = max(peak, x)
        mdd = min(mdd, x / peak - 1.0)
    q = quantile(r, 0.05)
    tail = [x for x in r if x <= q]
    return out | {
        "sharpe": mean / sd * ann if sd > 0 else None,
        "sortino": mean / down * ann if down > 0 else None,
        "volatility": sd * ann,
        "max_drawdown": mdd,
        "var_95": 0.0 - q,  # 0.0 - x: never a negative zero
        "es_95": 0.0 - (sum(tail) / len(tail) if tail else q),
    }


def cents(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01")))


def _f(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.6g}"
    return html.escape(str(x))


def _iso(ts_ns: int) -> str:
    t = dt.datetime.fromtimestamp(ts_ns // 1_000_000_000, dt.UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{ts_ns % 1_000_000_000 // 1000:06d}Z"


def _svg(points: Sequence[float], title: str, color: str) -> str:
    w, h, pad = 760, 180, 30
    if len(points) < 2:
        return f"<p>{html.escape(title)}: not enough samples</p>"
    lo, hi = min(points), max(points)
    span = hi - lo or 1.0
    step = (w - 2 * pad) / (len(points) - 1)
    pts = " ".join(
        f"{pad + i * step:.1f},{h - pad - (v - lo) / span * (h - 2 * pad):.1f}"
        for i, v in enumerate(points)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img">'
        f"<title>{html.escape(title)}</title>"
        f'<rect width="{w}" height="{h}" fill="#fafafa" stroke="#ccc"/>'
        f'<text x="{pad}" y="18" font-size="12">{html.escape(title)}: '
        f"min {lo:.6g}, max {hi:.6g}</text>"
        f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/></svg>'
    )


def _table(rows: Sequence[dict[str, Any]], cols: Sequence[str], limit: int = 500) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_f(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows[:limit]
    )
    more = f"<p>{len(rows) - limit} more rows in the JSON report</p>" if len(rows) > limit else ""
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def to_html(report: dict[str, Any]) -> str:
    """One self-contained file: inline CSS and SVG, no scripts, no external resources."""
    s = report["stats"]
    eq = [float(p["equity"]) for p in report["equity"]]
    peak = -math.inf
    dd = []
    for x in eq:
        peak = max(peak, x)
        dd.append(x / peak - 1.0 if peak > 0 else 0.0)
    summary = [{"figure": k, "value": v} for k, v in sorted(s.items()) if not isinstance(v, dict)]
    denied = ", ".join(f"{k} {n}" for k, n in s.get("denied", {}).items())
    summary.append({"figure": "denied", "value": denied or "none"})
    trades = [f | {"time": _iso(f["ts"])} for f in report["fills"]]
    venues = [{"venue": k, **v} for k, v in sorted(s.get("venues", {}).items())]
    vcols = ["venue", "fills", "quantity", "notional", "fees", "maker_share",
             "vs_arrival_mid_bps", "vs_best_venue_bps"]  # fmt: skip
    fcols = ["time", "order_id", "instrument", "side", "quantity", "price", "fee", "liquidity"]
    meta = report["meta"]
    title = f"tradecore backtest: {', '.join(meta['strategies'])}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>seed {meta['seed']}, data {html.escape(str(meta['data']))}, "
        f"{meta['updates']} market updates, base currency {meta['base_currency']}</p>"
        "<h2>Summary</h2>" + _table(summary, ["figure", "value"])
        + "<h2>Equity</h2>" + _svg(eq, "equity", "#1f5fa8")
        + "<h2>Drawdown</h2>" + _svg(dd, "drawdown", "#b03030")
        + "<h2>Execution quality by venue</h2>" + _table(venues, vcols)
        + "<h2>Trades</h2>" + _table(trades, fcols)
        + "</body></html>\n"
    )  # fmt: skip


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True, indent=1) + "\n"
