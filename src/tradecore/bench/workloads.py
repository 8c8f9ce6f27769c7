"""The shared workloads of the design notes (seeded random-walk quotes, spread 2 ticks,
quotes 100 ms apart, one instrument unless stated), run through the real components.

* W1  quotes into the engine with an open position re-marked on every quote (positions, FX,
      risk context and monitor all subscribed): quotes/s.
* W2  quotes feeding three simulated venues' books; a market order every 10th quote through
      risk -> router (3 venues) -> sim venue -> fill -> position, journal on: orders/s.
* W3  per order: submit -> fill -> position updated, p50/p99/p99.9 (books refreshed between
      orders, outside the timing). Variants: direct to one venue, or SMART over 3 venues with
      splitting; risk on/off; journal off/batch/group.
* W4  resting limit orders submitted then cancelled: pairs/s.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.bench.harness import Latencies, engine_gc, idle_gc, result_line
from tradecore.bootstrap import System, build_system
from tradecore.config import load_config
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
)
from tradecore.model.market import Quote

D = Decimal
ACC = AccountId("BENCH")
GAP_NS = 100_000_000  # orders (W3) and quotes are 100 ms apart
TICK = D("0.01")
RELAXED_RISK = {
    "mode": "first",
    "breach_actions": [],
    "defaults": {
        "max_order_quantity": {"*": "1000"},
        "max_order_notional": "10000000",
        "price_band_bps": "100",
        "max_position": {"*": "1000"},
        "max_gross_exposure": "100000000",
        "max_leverage": "100",
        "max_orders_per_window": 1000000,
        "self_trade_prevention": True,
    },
}


def _system(
    *, venues: int = 3, risk: bool = True, journal: str = "none", tmp: Path | None = None
) -> System:
    # two cores or more: the engine on CPU 0, the journal writer process on CPU 1
    pinned = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    overrides: dict[str, Any] = {
        "risk": RELAXED_RISK if risk else {"enabled": False},
        # equity large enough that a run of fee-paying round trips never hits the leverage cap
        "engine": {
            "seed": 42,
            "retain_closed": 50_000,
            "initial_cash": "1000000000",
            "cpu": 0 if pinned else None,
        },
    }
    cfg = load_config(None, overrides)
    cfg = cfg.model_copy(update={"venues": cfg.venues[:venues], "instruments": cfg.instruments[:1]})
    jr = None
    if journal != "none":
        from tradecore.journal import open_journal

        path = (tmp or Path(tempfile.mkdtemp())) / "bench.db"
        jr = open_journal(
            {"backend": "sqlite", "path": str(path), "durability": journal}
            | ({"writer_cpu": 1} if pinned else {})
        )
    system = build_system(cfg, journal=jr)
    if jr is not None:
        jr._clock_ns = system.clock.now_ns
    return system


def _walk(seed: int, n: int, start_ticks: int = 6_000_000) -> Iterator[int]:
    rng = random.Random(seed)
    t = start_ticks
    for _ in range(n):
        t += rng.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2))
        yield t


def _book(
    mid_ticks: int, depth: int = 5, size: D = D("0.5")
) -> tuple[tuple[tuple[D, D], ...], tuple[tuple[D, D], ...]]:
    bids = tuple((TICK * (mid_ticks - 1 - k), size * (k + 1)) for k in range(depth))
    asks = tuple((TICK * (mid_ticks + 1 + k), size * (k + 1)) for k in range(depth))
    return bids, asks


def _refresh(system: System, mid: int) -> None:
    bids, asks = _book(mid)
    for v in system.venues.values():
        for iid in v.books:
            v.on_market(iid, bids, asks)


# ---------------------------------------------------------------------- W1
def monitor_evals(system: System) -> int:
    mon = system.extras.get("risk_monitor")
    return int(getattr(mon, "evaluations", 0))


def w1(n: int = 1_000_000, *, risk: bool = True) -> str:
    """``risk=False``: the position re-mark and FX alone (what "live PnL" needs), without the
    risk context and monitor."""
    system = _system(venues=1, risk=risk)
    eng = system.engine
    iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
    _refresh(system, 6_000_000)
    eng.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("open"), account=ACC, instrument_id=iid,
            side=Side.BUY, order_type=OrderType.MARKET, quantity=D("0.3"),
        )
    )  # fmt: skip
    system.clock.run_all()
    pos = system.positions.position("BENCH", "BTC/USD")
    assert pos is not None and pos.quantity > 0, "W1 needs an open position"
    ts = system.clock.now_ns()
    lat = Latencies()
    busy = 0
    chunk = 100_000
    done = 0
    walk = _walk(1, n)
    with engine_gc():
        while done < n:
            m = min(chunk, n - done)
            quotes = []
            for _ in range(m):
                t = next(walk)
                ts += 100_000_000
                quotes.append(Quote(iid, TICK * (t - 1), D("0.5"), TICK * (t + 1), D("0.5"), ts))
            on_quote = eng.on_quote
            advance = system.clock.advance_to
            pc = time.perf_counter_ns
            t0 = pc()
            for i, q in enumerate(quotes):
                # time moves with the quotes (100 ms apart): timers due by then fire first,
                # and the risk monitor's 100 ms throttle lets it re-evaluate on every quote
                if i & 63 == 0:
                    a = pc()
                    advance(q.ts)
                    on_quote(q)
                    lat.record_ns(pc() - a)
                else:
                    advance(q.ts)
                    on_quote(q)
            busy += pc() - t0
            done += m
    return result_line(
        "W1" if risk else "W1-pnl-only", quotes=n, quotes_per_s=round(n / (busy / 1e9)),
        **lat.summary_us(), unrealized=str(pos.unrealized()),
        risk_evaluations=monitor_evals(system),
        note="clock advanced to each quote, engine.on_quote -> positions re-mark, FX"
        + (", risk context and monitor re-evaluation" if risk else " (risk off)")
        + "; latency sampled 1/64",
    )  # fmt: skip


# ---------------------------------------------------------------------- W2
def w2(n_quotes: int = 1_000_000, journal: str = "group") -> str:
    with tempfile.TemporaryDirectory() as tmp:
        system = _system(venues=3, journal=journal, tmp=Path(tmp))
        eng, clock = system.engine, system.clock
        iids = [InstrumentId.of("BTC/USD", v) for v in system.venues]
        clients = [system.venues[i.venue] for i in iids]
        smart = InstrumentId.of("BTC/USD", Venue("SMART"))
        orders = 0
        filled = 0
        ts = clock.now_ns()
        t0 = time.perf_counter()
        with engine_gc():
            for i, mid in enumerate(_walk(2, n_quotes)):
                ts += 100_000_000
                clock.advance_to(ts)
                k = i % 3
                bids, asks = _book(mid)
                clients[k].on_market(iids[k], bids, asks)
                if i % 10 == 9:
                    orders += 1
                    res = eng.submit(SubmitOrder(
                        client_order_id=ClientOrderId(f"w2-{orders}"), account=ACC,
                        instrument_id=smart,
                        side=Side.BUY if orders % 2 else Side.SELL, order_type=OrderType.MARKET,
                        quantity=D("0.2"), time_in_force=TimeInForce.IOC,
                    ))  # fmt: skip
                    filled += res.ok
            clock.run_all()
        wall = time.perf_counter() - t0
        if eng.journal is not None:
            eng.journal.close()  # type: ignore[attr-defined]  # commits, stops its writer
        pos = system.positions.position("BENCH", "BTC/USD")
        return result_line(
            "W2", quotes=n_quotes, orders=orders, accepted=filled, seconds=round(wall, 2),
            orders_per_s=round(orders / wall), quotes_per_s=round(n_quotes / wall), journal=journal,
            events=eng.seq, position=str(pos.quantity if pos else 0),
        )  # fmt: skip


# ---------------------------------------------------------------------- W3
def w3(
    n: int = 20_000,
    *,
    smart: bool = True,
    risk: bool = True,
    journal: str = "group",
    label: str = "",
    split: bool = False,
) -> str:
    """SMART orders of 0.8 go whole to the cheapest venue (its top levels cover them: the
    router still scores and sweeps all 3 venues); ``split`` orders of 8 exceed the cheapest
    venue's depth (7.5), so every one is split across two venues."""
    with tempfile.TemporaryDirectory() as tmp:
        system = _system(venues=3 if smart else 1, risk=risk, journal=journal, tmp=Path(tmp))
        eng, clock = system.engine, system.clock
        keeper = system.positions
        target = InstrumentId.of("BTC/USD", Venue("SMART" if smart else "SIMA"))
        lat = Latencies()
        multi_fill = 0
        walk = _walk(3, n)
        qty = (D("8") if split else D("0.8")) if smart else D("0.2")
        next_time, advance = clock.next_time, clock.advance_to
        multi_venue = 0
        with idle_gc(system.collector) as gcs:
            for i in range(n):
                _refresh(system, next(walk))
                cmd = SubmitOrder(
                    client_order_id=ClientOrderId(f"w3-{i}"), account=ACC, instrument_id=target,
                    side=Side.BUY if i % 2 else Side.SELL, order_type=OrderType.MARKET,
                    quantity=qty, time_in_force=TimeInForce.IOC,
                )  # fmt: skip
                before = keeper.fills
                t0 = time.perf_counter_ns()
                order = eng.submit(cmd).order
                # simulated time jumps from timer to timer (venue latency elapses instantly)
                # until the order is done and its fills are in the position
                while order is not None and not order.status.is_terminal:
                    nt = next_time()
                    if nt is None:
                        break
                    advance(nt)
                lat.record_ns(time.perf_counter_ns() - t0)
                # the next order comes 100 ms later, like the quotes; timers due by then
                # (ack timeouts, the monitor's scheduled re-evaluation) fire in between
                advance(clock.now_ns() + GAP_NS)
                gcs.idle()  # the engine is idle until the next order: collect garbage now
                if keeper.fills - before > 1:
                    multi_fill += 1
                if (
                    smart
                    and len(
                        {c.instrument_id.venue for c in eng.orders.children(cmd.client_order_id)}
                    )
                    > 1
                ):
                    multi_venue += 1
        if eng.journal is not None:
            eng.journal.close()  # type: ignore[attr-defined]  # stops its writer process
        path = ("router-3venues-split" if split else "router-3venues") if smart else "direct-1venue"
        name = label or f"W3-{path}-risk-{'on' if risk else 'off'}-journal-{journal}"
        return result_line(
            name, orders=n, quantity=str(qty), multi_fill_orders=multi_fill,
            multi_venue_orders=multi_venue, fills=keeper.fills, **lat.summary_us(),
            events=eng.seq,
        )  # fmt: skip


# ---------------------------------------------------------------------- W4
def w4(n: int = 100_000) -> str:
    system = _system(venues=1, risk=False)
    eng, clock = system.engine, system.clock
    iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
    _refresh(system, 6_000_000)
    lat = Latencies()
    t0 = time.perf_counter()
    with engine_gc():
        pc = time.perf_counter_ns
        for i in range(n):
            coid = ClientOrderId(f"w4-{i}")
            a = pc()
            eng.submit(SubmitOrder(
                client_order_id=coid, account=ACC, instrument_id=iid, side=Side.BUY,
                order_type=OrderType.LIMIT, quantity=D("0.01"), price=D(59000) + TICK * (i % 1000),
                time_in_force=TimeInForce.GTC,
            ))  # fmt: skip
            clock.run_all()
            eng.cancel(CancelOrder(client_order_id=coid, account=ACC))
            clock.run_all()
            if i & 7 == 0:  # latency sampled 1 in 8 (recording costs time, too)
                lat.record_ns(pc() - a)
    wall = time.perf_counter() - t0
    return result_line(
        "W4",
        pairs=n,
        pairs_per_s=round(n / wall),
        **lat.summary_us(),
        open_orders=len(eng.orders.open_orders()),
        note="submit GTC limit + ack, cancel + confirm, through the sim venue; latency 1/8",
    )


# ---------------------------------------------------------------------- recovery
def recovery(n_events: int = 1_000_000) -> str:
    """Journal ``n_events`` (initialized/submitted/accepted/filled per order), then time a
    full replay into a fresh engine from the SQLite file."""
    from tradecore.journal import Durability, Journal
    from tradecore.journal.recovery import replay
    from tradecore.journal.store import SQLiteStore

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "recovery.db"
        system = _system(venues=1, risk=False)
        jr = Journal(SQLiteStore(path), Durability.GROUP, group_events=20_000)
        system.engine.journal = jr
        system.engine._commit = jr.commit
        iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
        t0 = time.perf_counter()
        i = 0
        while system.engine.seq < n_events:
            _refresh(system, 6_000_000 + (i % 50))
            system.engine.submit(SubmitOrder(
                client_order_id=ClientOrderId(f"r-{i}"), account=ACC, instrument_id=iid,
                side=Side.BUY if i % 2 else Side.SELL, order_type=OrderType.MARKET,
                quantity=D("0.1"),
            ))  # fmt: skip
            system.clock.run_all()
            i += 1
        jr.flush()
        write_s = time.perf_counter() - t0
        events = jr.store.max_seq() if jr.store else 0
        fresh = _system(venues=1, risk=False)
        store = SQLiteStore(path)
        with engine_gc():
            rep = replay(fresh.engine, store, fresh.positions)
        assert fresh.engine.state_digest() == system.engine.state_digest()
        return result_line(
            "recovery", events=events, replay_seconds=round(rep.seconds, 2),
            events_per_s=round(rep.replayed / rep.seconds), write_seconds=round(write_s, 2),
            db_mb=round(path.stat().st_size / 2**20, 1), digest_matches=True,
        )  # fmt: skip


# ---------------------------------------------------------------------- W3 positions
def w3_positions(n: int = 20_000) -> str:
    """The position-update path alone: an ``OrderFilled`` published on the bus until the
    position (average cost, marks, incremental unrealized totals) is updated."""
    from tradecore.engine.bus import MessageBus
    from tradecore.model import LiquiditySide, Money, OrderFilled, TradeId, VenueOrderId
    from tradecore.positions.keeper import PositionKeeper

    bus = MessageBus()
    keeper = PositionKeeper(bus)
    iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
    fee = Money.of("0.01", "USD")
    rng = random.Random(5)
    lat = Latencies()
    fills = [
        OrderFilled(
            i,
            i,
            ClientOrderId(f"p{i}"),
            ACC,
            iid,
            VenueOrderId("v"),
            TradeId(f"t{i}"),
            Side.BUY if rng.random() < 0.5 else Side.SELL,
            D(rng.randint(1, 50)) / 100,
            D(60000) + D(rng.randint(-500, 500)) / 100,
            fee,
            LiquiditySide.TAKER,
            None,
        )
        for i in range(n)
    ]
    publish = bus.publish
    with engine_gc():
        for f in fills:
            t0 = time.perf_counter_ns()
            publish(f)
            lat.record_ns(time.perf_counter_ns() - t0)
    pos = keeper.position("BENCH", "BTC/USD")
    return result_line(
        "W3-fill-to-position", fills=n, **lat.summary_us(), position=str(pos.quantity if pos else 0)
    )


# ---------------------------------------------------------------------- memory
def _rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as f:
        pages = int(f.read().split()[1])
    import os

    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def memory(
    n_events: int = 10_000_000,
    sample_every: int = 1_000_000,
    on_sample: Callable[[], None] | None = None,
) -> str:
    """Current RSS every ``sample_every`` events of a long run (market orders, risk on, group
    journal on SQLite): flat memory means closed orders live in the journal, not in RAM.
    ``on_sample`` (the CLI's progress bar) is called at each sample, outside the hot path."""
    with tempfile.TemporaryDirectory() as tmp:
        system = _system(venues=1, risk=True, journal="group", tmp=Path(tmp))
        eng, clock = system.engine, system.clock
        iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
        samples: list[tuple[int, float]] = [(0, _rss_mb())]
        next_sample = sample_every
        i = 0
        t0 = time.perf_counter()
        with idle_gc(system.collector) as gcs:
            while eng.seq < n_events:
                if i % 50 == 0:
                    _refresh(system, 6_000_000 + (i // 50) % 7)
                eng.submit(SubmitOrder(
                    client_order_id=ClientOrderId(f"m-{i}"), account=ACC, instrument_id=iid,
                    side=Side.BUY if i % 2 else Side.SELL, order_type=OrderType.MARKET,
                    quantity=D("0.01"),
                ))  # fmt: skip
                clock.run_all()
                gcs.idle()
                i += 1
                if eng.seq >= next_sample:
                    samples.append((eng.seq, _rss_mb()))
                    next_sample += sample_every
                    if on_sample is not None:
                        on_sample()
        if eng.journal is not None:
            eng.journal.flush()  # type: ignore[attr-defined]
        wall = time.perf_counter() - t0
        writer = getattr(eng.journal, "writer", None)
        writer_rss = _rss_mb(writer.pid) if writer is not None else None
        if eng.journal is not None:
            eng.journal.close()  # type: ignore[attr-defined]
        return result_line(
            "memory", events=eng.seq, orders=i, seconds=round(wall, 1),
            rss_mb_by_events=samples, orders_in_ram=len(eng.orders), evicted=eng.orders.evicted,
            journal_writer_rss_mb=writer_rss,
        )  # fmt: skip
