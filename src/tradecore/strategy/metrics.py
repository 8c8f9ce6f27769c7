"""The backtest report's figures, from the fills and the sampled equity curve."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradecore.strategy.base import Strategy
from tradecore.strategy.handle import OrderHandle
from tradecore.strategy.host import StrategyAlert
from tradecore.strategy.report import cents, curve_stats
from tradecore.strategy.values import Fill

BPS = Decimal(10_000)


def _bps(x: Decimal) -> float:
    return float(x)


def _improvement(side: str, ref: Decimal | None, price: Decimal) -> Decimal | None:
    """Basis points better than ``ref`` (> 0: bought below / sold above it)."""
    if ref is None or ref == 0:
        return None
    diff = ref - price if side == "BUY" else price - ref
    return diff / ref * BPS


def execution_quality(
    fills: Sequence[Fill], handles: dict[str, OrderHandle]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    acc: dict[str, dict[str, Decimal]] = {}
    for f in fills:
        venue = f.instrument.partition("@")[2]
        h = handles[f.order_id]
        a = acc.setdefault(venue, Counter())  # type: ignore[arg-type]
        a["fills"] += 1
        a["quantity"] += f.quantity
        a["notional"] += f.quantity * f.price
        a["fees"] += f.exact_fee
        if f.liquidity == "MAKER":
            a["maker_qty"] += f.quantity
        for key, ref in (("mid", h.arrival_mid), ("best", h.arrival_best_venue)):
            imp = _improvement(f.side, ref, f.price)
            if imp is not None:
                a[f"{key}_w"] += imp * f.quantity
                a[f"{key}_q"] += f.quantity
    for venue, a in sorted(acc.items()):
        out[venue] = {
            "fills": int(a["fills"]),
            "quantity": str(a["quantity"]),
            "notional": cents(a["notional"]),
            "fees": cents(a["fees"]),
            "maker_share": float(a["maker_qty"] / a["quantity"]) if a["quantity"] else None,
            "vs_arrival_mid_bps": _bps(a["mid_w"] / a["mid_q"]) if a["mid_q"] else None,
            "vs_best_venue_bps": _bps(a["best_w"] / a["best_q"]) if a["best_q"] else None,
        }
    return out


def build_report(
    meta: dict[str, Any],
    strategies: Sequence[Strategy],
    fills: Sequence[Fill],
    rows: Sequence[dict[str, Any]],
    alerts: Sequence[StrategyAlert],
) -> dict[str, Any]:
    handles = {h.ids[0]: h for s in strategies for h in s.orders}
    accounts = sorted({r["account"] for r in rows})
    # one curve: the sum over the strategies' accounts at each sample time
    by_ts: dict[int, Decimal] = {}
    for r in rows:
        by_ts[r["ts"]] = by_ts.get(r["ts"], Decimal(0)) + Decimal(r["equity"])
    ts_sorted = sorted(by_ts)
    equity = [by_ts[t] for t in ts_sorted]
    stats = curve_stats(equity, meta["sample_ms"] / 1000)
    asked = filled = Decimal(0)
    denials: Counter[str] = Counter()
    for h in handles.values():
        if h.denial is not None:
            denials[h.denial.reason.value] += 1
            continue
        asked += h.quantity
        filled += h.filled
    turnover = sum((f.quantity * f.price for f in fills), Decimal(0))
    fees = sum((f.exact_fee for f in fills), Decimal(0))
    first = equity[0] if equity else Decimal(0)
    last = equity[-1] if equity else Decimal(0)
    stats |= {
        "pnl": cents(last - first),
        "start_equity": cents(first),
        "end_equity": cents(last),
        "fills": len(fills),
        "orders": len(handles),
        "denied": dict(sorted(denials.items())),
        "turnover": cents(turnover),
        "turnover_ratio": float(turnover / first) if first else None,
        "fees": cents(fees),
        "fill_ratio": float(filled / asked) if asked else None,
        "max_drawdown_money": cents(_max_dd_money(equity)),
        "venues": execution_quality(fills, handles),
    }
    return {
        "meta": meta | {"accounts": accounts},
        "stats": stats,
        "equity": [
            {"ts": t, "account": "+".join(accounts), "equity": str(by_ts[t])} for t in ts_sorted
        ],
        "samples": list(rows),
        "fills": [f.as_dict() for f in fills],
        "orders": [
            {
                "order_id": h.ids[0],
                "ids": list(h.ids),
                "instrument": str(h.instrument_id),
                "side": h.side,
                "type": h.order_type,
                "time_in_force": h.time_in_force,
                "quantity": str(h.quantity),
                "filled": str(h.filled),
                "status": h.status.value,
                "reason": h.reason,
                "arrival_mid": None if h.arrival_mid is None else str(h.arrival_mid),
                "arrival_best_venue": None
                if h.arrival_best_venue is None
                else str(h.arrival_best_venue),
            }
            for h in handles.values()
        ],
        "alerts": [
            {"ts": a.ts, "strategy": a.strategy, "kind": a.kind, "reason": a.reason} for a in alerts
        ],
    }


def _max_dd_money(equity: Sequence[Decimal]) -> Decimal:
    peak: Decimal | None = None
    worst = Decimal(0)
    for x in equity:
        peak = x if peak is None or x > peak else peak
        worst = max(worst, peak - x)
    return worst
