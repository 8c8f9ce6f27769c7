"""serve's start: recover from the journal, then go on (never a fresh wipe).

1. where the market was: the last market step journaled by the manual clock
   (``ClockAdvanced``), or the last step at or before the last journaled event;
2. snapshot + replay of the journal (``journal.recovery.replay``), positions included, noting
   on the way what the venues were still doing: requests sent and not arrived, the orders the
   last step filled passively;
3. the embedded simulated venues get back what they held (venues/sim/restore.py), as a real
   venue keeps our orders while we are down: resting orders in queue order, requests in
   flight re-scheduled for when they were due, the last step's market-maker depth less what
   it traded with us, their outage flags, their last quotes; their numbering goes on;
4. an order that cannot be given back (a venue that cannot be rebuilt) is reconciled with its
   venue (``journal.recovery``); one the venue does not know is closed, "lost by the venue at
   restart".

Exact (the restarted run equals an uninterrupted one) when the venues' latencies are shorter
than a market step and no fault is injected (``reject_rate``/``timeout_rate``: their draws
are sequential), as in the embedded defaults; see docs/journal.md.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from tradecore.bootstrap import System
from tradecore.journal.recovery import RecoveryReport, replay
from tradecore.journal.snapshot import StateHolder
from tradecore.journal.store import JournalStore
from tradecore.marketdata.types import MarketUpdate
from tradecore.model import codec
from tradecore.model.enums import LiquiditySide, OrderStatus, OrderType
from tradecore.model.events import (
    OrderAccepted,
    OrderAdopted,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaced,
    OrderSubmitted,
)
from tradecore.model.identifiers import ClientOrderId, InstrumentId
from tradecore.model.orders import Order
from tradecore.service.clock import ClockAdvanced, MarketStep, market_steps

_NUMBERED = re.compile(r"^([A-Z0-9_]+)-T?(\d+)$")


@dataclass
class Resumed:
    events: int = 0  # journaled events before this start
    last_ts: int | None = None  # time of the last one (None: a new journal)
    step: MarketStep | None = None  # the last market step applied (None: none yet)
    steps: Iterator[MarketStep] = field(default_factory=lambda: iter(()))  # the ones after
    report: RecoveryReport | None = None
    restored: int = 0  # orders given back to their venues (resting or in flight)
    mismatches: int = 0  # venue quantities that did not rebuild as journaled (0: exact)
    lost_at_venue: int = 0

    def describe(self) -> str:
        if self.report is None:
            return "new journal"
        r = self.report
        step = "none" if self.step is None else str(self.step.index)
        return (
            f"recovered {self.events} events (snapshot at seq {r.snapshot_seq}, "
            f"{r.replayed} replayed); market step {step}; {self.restored} open orders given "
            f"back to the simulated venues ({self.mismatches} mismatches); reconciled "
            f"{r.reconciled_acks} acks, {r.reconciled_fills} fills, {r.reconciled_closes} "
            f"closes; {self.lost_at_venue + r.unknown_at_venue} open orders unknown at the "
            "venues closed"
        )


def last_event_ts(store: JournalStore) -> int | None:
    top = store.max_seq()
    for _, payload in store.read(top - 1, chunk=1):
        return int(codec.loads(payload).ts)
    return None


def last_clock(store: JournalStore) -> ClockAdvanced | None:
    read: Callable[[str], bytes | None] | None = getattr(store, "last_audit", None)
    raw = None if read is None else read(ClockAdvanced.__name__)
    if raw is None:
        return None
    rec = codec.loads(raw)
    return rec if isinstance(rec, ClockAdvanced) else None


class _Tracker:
    """Watches the replay: what each open order last asked of its venue, the passive fills of
    the market updates the venues will be rebuilt from, the highest venue ids."""

    def __init__(self, system: System, passive_at: set[tuple[InstrumentId, int]]) -> None:
        self.orders = system.engine.orders
        self.passive_at = passive_at
        self.sent: dict[str, tuple[int, int]] = {}  # coid -> (seq, ts) of its submit
        self.queued: dict[str, int] = {}  # coid -> seq it joined its book's queue
        self.cancel: dict[str, tuple[int, int]] = {}
        self.replace: dict[str, tuple[int, int, OrderPendingReplace]] = {}
        self.passive: dict[tuple[InstrumentId, int], dict[str, Decimal]] = defaultdict(dict)
        self.ids: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._on: dict[type[Any], Callable[[Any], None]] = {
            OrderInitialized: self._initialized,
            OrderSubmitted: lambda e: self.sent.__setitem__(e.client_order_id, (e.seq, e.ts)),
            OrderAccepted: self._queued,
            OrderAdopted: self._queued,
            OrderReplaced: self._replaced,
            OrderPendingCancel: lambda e: self.cancel.__setitem__(e.client_order_id, (e.seq, e.ts)),
            OrderPendingReplace: lambda e: self.replace.__setitem__(
                e.client_order_id, (e.seq, e.ts, e)
            ),
            OrderFilled: self._filled,
        }

    def __call__(self, e: Any) -> None:
        fn = self._on.get(type(e))
        if fn is not None:
            fn(e)
        coid = getattr(e, "client_order_id", None)
        if coid is None or not (coid in self.sent or coid in self.queued):
            return
        o = self.orders.get(coid)
        if o is None or not o.is_open:  # only open orders' requests matter at the end
            for d in (self.sent, self.queued, self.cancel, self.replace):
                d.pop(coid, None)

    def _number(self, ident: str, k: int) -> None:
        m = _NUMBERED.match(ident)
        if m is not None:
            slot = self.ids[m.group(1)]
            slot[k] = max(slot[k], int(m.group(2)))

    def _initialized(self, e: OrderInitialized) -> None:
        if e.submitted:
            self.sent[e.client_order_id] = (e.seq, e.ts)

    def _queued(self, e: OrderAccepted | OrderAdopted) -> None:
        self.queued.setdefault(e.client_order_id, e.seq)
        self._number(e.venue_order_id, 0)

    def _replaced(self, e: OrderReplaced) -> None:
        self.queued[e.new_client_order_id] = e.seq

    def _filled(self, e: OrderFilled) -> None:
        self._number(e.trade_id, 1)
        key = (e.instrument_id, e.ts)
        # a maker leg of a match between two of our orders ("...M") is not the market's
        if e.liquidity is LiquiditySide.MAKER and key in self.passive_at and e.trade_id[-1] != "M":
            got = self.passive[key]
            got[e.client_order_id] = got.get(e.client_order_id, Decimal(0)) + e.quantity


@dataclass
class _Market:
    """Where the market stood: the last step, and per book its last update and last quote."""

    step: MarketStep | None = None
    rest: Iterator[MarketStep] = field(default_factory=lambda: iter(()))
    last: dict[InstrumentId, MarketUpdate] = field(default_factory=dict)
    quoted: dict[InstrumentId, tuple[int, int, MarketUpdate]] = field(default_factory=dict)


def _market_until(system: System, step: int | None, ts: int | None) -> _Market:
    it = market_steps(system)
    out = _Market()
    nxt = next(it, None)
    while nxt is not None and (
        (step is not None and nxt.index <= step) or (ts is not None and nxt.ts <= ts)
    ):
        out.step = nxt
        for k, u in enumerate(nxt.updates):
            out.last[u.instrument_id] = u
            if u.up:
                out.quoted[u.instrument_id] = (nxt.index, k, u)
        nxt = next(it, None)
    out.rest = it if nxt is None else itertools.chain([nxt], it)
    return out


def recover(system: System, store: JournalStore) -> Resumed:
    """Bring ``system`` (built on an empty engine) to the state its journal describes."""
    events = store.max_seq()
    clock_rec = last_clock(store)
    ts = last_event_ts(store) if events else None
    market = _market_until(system, None if clock_rec is None else clock_rec.step, ts)
    if events == 0 and clock_rec is None:
        return Resumed(steps=market.rest)
    eng = system.engine
    passive_at = {(iid, u.ts) for iid, (_, _, u) in market.quoted.items()}
    tracker = _Tracker(system, passive_at)
    eng.bus.subscribe_all(tracker)
    try:
        # risk's emergency state (kill switch, halts, reduce-only) rides in the events and
        # snapshots too
        risk = cast(
            "StateHolder | None", system.risk if hasattr(system.risk, "emergency") else None
        )
        rep = replay(eng, store, system.positions, risk=risk)
    finally:
        eng.bus.unsubscribe(tracker)
    for name, venue in system.venues.items():
        ids = tracker.ids[str(name)]
        if clock_rec is not None and str(name) in clock_rec.ids:
            ids = [max(a, b) for a, b in zip(ids, clock_rec.ids[str(name)], strict=True)]
        venue.continue_ids(ids[0], ids[1])
    at = max(ts or 0, market.step.ts if market.step is not None else 0)
    if at > system.clock.now_ns():
        system.clock.advance_to(at)
    eng.call(lambda: None)  # a commit point before new events
    system.execution.recovered()
    restored, mismatches, others = _give_back(system, tracker, market)
    lost = _reconcile(system, others, rep)
    return Resumed(events, ts, market.step, market.rest, rep, restored, mismatches, lost)


def _give_back(system: System, tr: _Tracker, market: _Market) -> tuple[int, int, list[Order]]:
    """Rebuild the simulated venues from the engine's open orders; returns (orders given
    back, mismatches, orders that could not be given back)."""
    eng = system.engine
    timers: list[tuple[int, Callable[[], None]]] = []
    resting: list[tuple[int, Order]] = []
    others: list[Order] = []
    given = 0  # orders given back (one resting with a cancel or replace in flight counts once)
    for o in sorted(eng.orders.open_orders(), key=lambda x: x.client_order_id):
        client = system.venues.get(o.instrument_id.venue)
        if client is None:
            continue  # a SMART parent: its children are given back
        coid = o.client_order_id
        sent = tr.sent.get(coid)
        if o.venue_order_id is None and sent is not None:
            timers.append((sent[0], functools.partial(client.restore_arrival, o, sent[1])))
        elif o.venue_order_id is not None and _rests(o):
            resting.append((tr.queued.get(coid, 0), o))
        else:
            others.append(o)
            continue
        given += 1
        cancel = tr.cancel.get(coid)
        if o.status is OrderStatus.PENDING_CANCEL and cancel is not None:
            timers.append((cancel[0], functools.partial(client.restore_cancel, coid, cancel[1])))
        repl = tr.replace.get(coid)
        if o.status is OrderStatus.PENDING_REPLACE and repl is not None:
            e = repl[2]
            fn = functools.partial(
                client.restore_replace, coid, e.new_client_order_id, e.quantity, o.filled_qty,
                e.price, repl[1],
            )  # fmt: skip
            timers.append((repl[0], fn))
    for _, o in sorted(resting, key=lambda x: x[0]):
        system.venues[o.instrument_id.venue].restore_resting(o)
    mismatches = 0
    for iid, (_, _, u) in market.quoted.items():
        client = system.venues.get(iid.venue)
        if client is None:
            continue
        passive = []
        for maker, qty in tr.passive.get((iid, u.ts), {}).items():
            filled = eng.orders.get(ClientOrderId(maker))
            if filled is None or filled.price is None:
                mismatches += 1
                continue
            passive.append((filled, qty))
        mismatches += client.restore_depth(iid, u.bids, u.asks, passive)
    for iid, u in market.last.items():
        client = system.venues.get(iid.venue)
        if client is not None:
            client.set_down(not u.up)
    eng.replaying = True  # the last quotes again: marks and risk see them, nobody acts
    try:
        for iid, (_, _, u) in sorted(market.quoted.items(), key=lambda x: x[1][:2]):
            client = system.venues.get(iid.venue)
            if client is not None:
                eng.call(client.quote_now, iid, u.ts)
    finally:
        eng.replaying = False
    for _, due in sorted(timers, key=lambda x: x[0]):  # equal-time timers keep their order
        due()
    return given, mismatches, others


def _rests(o: Order) -> bool:
    """Whether an acknowledged open order is one a venue holds: on its book, or a stop
    waiting for its trigger (one that has traded has triggered)."""
    if o.trigger_price is not None and not o.filled_qty:
        return True
    limit = o.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    return limit and o.price is not None and o.leaves_qty > 0


def _reconcile(system: System, orders: list[Order], rep: RecoveryReport) -> int:
    """Orders no venue could be given back: what the venue says, applied once; unknown ones
    are closed."""
    eng = system.engine
    lost = 0
    for o in orders:
        client = system.venues[o.instrument_id.venue]
        st = client.order_status(o.client_order_id)
        if not st.known and o.venue_order_id is None:
            rep.unknown_at_venue += 1
        acks, fills, closes = system.execution.reconcile(o, st)
        rep.reconciled_acks += acks
        rep.reconciled_fills += fills
        rep.reconciled_closes += closes
        if o.is_open and not client.order_status(o.client_order_id).known:
            eng.sink.on_canceled(o.client_order_id, "lost by the venue at restart")
            lost += 1
    return lost
