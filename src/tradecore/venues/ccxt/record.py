"""``tradecore record``: a venue's books (top of book) and public trades, polled through
ccxt, to Parquet. The books file has the replay schema of :mod:`tradecore.marketdata.replay`
(decimals as text), so ``[marketdata] replay = "books.parquet"`` runs a strategy on it; the
trades file (``ts_ns, venue, symbol, trade_id, side, price, quantity``) is kept beside it for
analysis (the replay path drives venues from books only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.marketdata import replay
from tradecore.marketdata.types import MarketUpdate
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.venues.ccxt.errors import classify
from tradecore.venues.ccxt.markets import clean, instruments_from_markets, to_decimal

TRADE_COLUMNS = ("ts_ns", "venue", "symbol", "trade_id", "side", "price", "quantity")


@dataclass
class Recording:
    books: list[MarketUpdate] = field(default_factory=list)
    trades: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


async def record(
    ex: Any, venue: Venue, symbols: Sequence[str], seconds: float, interval_s: float
) -> Recording:
    """Poll ``symbols`` every ``interval_s`` for ``seconds``; ccxt failures are counted (by
    outcome) and the poll goes on."""
    rec = Recording()
    markets = await ex.load_markets()
    ticks = {i.id.symbol: i.tick_size for i in instruments_from_markets(markets, venue)}
    missing = [s for s in symbols if s not in ticks]
    if missing:
        raise ValueError(f"not listed on {venue}: {', '.join(missing)}")
    seen: dict[str, set[str]] = {s: set() for s in symbols}
    last_ts = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in symbols:
            try:
                ob = await ex.fetch_order_book(s, 5)
                tape = await ex.fetch_trades(s)
            except Exception as e:
                m = classify(e)
                rec.errors[m.outcome.value] = rec.errors.get(m.outcome.value, 0) + 1
                continue
            ts = max(time.time_ns(), last_ts + 1)  # strictly increasing rows
            last_ts = ts
            row = _top(ob, ticks[s])
            if row is not None:
                (b, bs), (a, az) = row
                rec.books.append(MarketUpdate(ts, InstrumentId(s, venue), ((b, bs),), ((a, az),)))
            for t in tape:
                tid = str(t["id"])
                if tid in seen[s]:
                    continue
                seen[s].add(tid)
                px, qty = to_decimal(t["price"]), to_decimal(t["amount"])
                if px is None or qty is None:
                    continue
                rec.trades.append({
                    "ts_ns": str(int(t.get("timestamp") or 0) * 1_000_000), "venue": str(venue),
                    "symbol": s, "trade_id": tid, "side": str(t.get("side") or ""),
                    "price": str(clean(px)), "quantity": str(clean(qty)),
                })  # fmt: skip
        await asyncio.sleep(interval_s)
    return rec


def _top(
    ob: dict[str, Any], tick: Decimal
) -> tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]] | None:
    bids, asks = ob.get("bids") or [], ob.get("asks") or []
    if not bids or not asks:
        return None
    b, bs = to_decimal(bids[0][0], tick), to_decimal(bids[0][1])
    a, az = to_decimal(asks[0][0], tick), to_decimal(asks[0][1])
    if b is None or bs is None or a is None or az is None or b >= a:
        return None
    return (b, clean(bs)), (a, clean(az))


def write(rec: Recording, books: Path, trades: Path | None) -> None:
    replay.write_parquet(books, rec.books)
    if trades is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = {
            c: pa.array(
                [int(r[c]) for r in rec.trades] if c == "ts_ns" else [r[c] for r in rec.trades],
                pa.int64() if c == "ts_ns" else pa.string(),
            )
            for c in TRADE_COLUMNS
        }
        pq.write_table(pa.table(cols), trades)
