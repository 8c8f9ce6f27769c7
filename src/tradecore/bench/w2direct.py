"""W2-direct: W2's quote stream and order cadence on one simulated venue, no router.

The one-to-one counterpart of NautilusTrader's W2 script (``w2_orders.py --pattern reduce
--sync`` in the shared bench anchors): one venue, every quote into its book, a MARKET order
straight to that venue on every 10th quote, sides alternating so the position goes
0.4 -> 0.2 -> 0.4 ... (first BUY 0.4, then SELL 0.2 / BUY 0.2: increase / reduce, never
closes). Pre-trade risk and the ``group`` journal stay on, as in W2. Like that script, the
quotes are generated before the timed loop (in chunks of 100,000 here, outside the timing);
the timed loop is: clock to the quote's time (fires the venue's due acks and fills), the
venue's book update and quote to the engine, every 10th quote the order.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tradecore.bench.harness import engine_gc, result_line
from tradecore.bench.workloads import ACC, D, _book, _system, _walk
from tradecore.model import (
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
)

CHUNK = 100_000


def w2_direct(n_quotes: int = 1_000_000, journal: str = "group", every: int = 10) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        system = _system(venues=1, journal=journal, tmp=Path(tmp))
        eng, clock = system.engine, system.clock
        iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
        on_market = system.venues[iid.venue].on_market
        submit, advance = eng.submit, clock.advance_to
        first, qty = D("0.4"), D("0.2")
        orders = filled = 0
        busy = 0
        done = 0
        ts = clock.now_ns()
        walk = _walk(2, n_quotes)
        with engine_gc():
            while done < n_quotes:
                m = min(CHUNK, n_quotes - done)
                chunk = []
                for _ in range(m):
                    ts += 100_000_000
                    chunk.append((ts, *_book(next(walk))))
                t0 = time.perf_counter_ns()
                for i, (at, bids, asks) in enumerate(chunk, done + 1):
                    advance(at)
                    on_market(iid, bids, asks)
                    if i % every == 0:
                        cmd = SubmitOrder(
                            client_order_id=ClientOrderId(f"w2d-{orders}"), account=ACC,
                            instrument_id=iid, side=Side.SELL if orders % 2 else Side.BUY,
                            order_type=OrderType.MARKET, quantity=qty if orders else first,
                            time_in_force=TimeInForce.IOC,
                        )  # fmt: skip
                        orders += 1
                        filled += submit(cmd).ok
                busy += time.perf_counter_ns() - t0
                done += m
            t0 = time.perf_counter_ns()
            clock.run_all()  # the last order's fill
            busy += time.perf_counter_ns() - t0
        wall = busy / 1e9
        if eng.journal is not None:
            eng.journal.close()  # type: ignore[attr-defined]  # commits, stops its writer
        pos = system.positions.position("BENCH", "BTC/USD")
        return result_line(
            "W2-direct", quotes=n_quotes, orders=orders, accepted=filled, seconds=round(wall, 2),
            orders_per_s=round(orders / wall), quotes_per_s=round(n_quotes / wall),
            journal=journal, events=eng.seq, position=str(pos.quantity if pos else 0),
            fills=system.positions.fills,
            note="one venue, no router; quotes generated outside the timing (NautilusTrader's "
            "w2_orders.py --pattern reduce --sync counterpart)",
        )  # fmt: skip
