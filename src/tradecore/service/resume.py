"""serve's start: recover from the journal, then go on (never a fresh wipe).

1. snapshot + replay of the journal's tail (``journal.recovery.replay``), positions included;
2. the simulated clock is set to the last journaled time, so the market feed resumes with the
   next step (the feed is a pure function of the journal);
3. reconciliation with the venues (``journal.recovery.reconcile``): acks, missed fills, closes;
   an order still open here that its venue no longer knows (the embedded simulated venues
   restart empty, with this process) is closed: canceled, ``lost by the venue at restart``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from tradecore.bootstrap import System
from tradecore.journal.recovery import RecoveryReport, reconcile, replay
from tradecore.journal.snapshot import StateHolder
from tradecore.journal.store import JournalStore
from tradecore.model import codec
from tradecore.model.events import OrderAccepted, OrderFilled

_NUMBERED = re.compile(r"^([A-Z0-9_]+)-T?(\d+)$")


@dataclass
class Resumed:
    events: int = 0  # journaled events before this start
    last_ts: int | None = None  # time of the last one (None: a new journal)
    report: RecoveryReport | None = None
    lost_at_venue: int = 0

    def describe(self) -> str:
        if self.report is None:
            return "new journal"
        r = self.report
        return (
            f"recovered {self.events} events (snapshot at seq {r.snapshot_seq}, "
            f"{r.replayed} replayed); reconciled {r.reconciled_acks} acks, "
            f"{r.reconciled_fills} fills, {r.reconciled_closes} closes; "
            f"{self.lost_at_venue + r.unknown_at_venue} open orders unknown at the venues closed"
        )


def last_event_ts(store: JournalStore) -> int | None:
    top = store.max_seq()
    for _, payload in store.read(top - 1, chunk=1):
        return int(codec.loads(payload).ts)
    return None


def recover(system: System, store: JournalStore) -> Resumed:
    """Bring ``system`` (built on an empty engine) to the state its journal describes."""
    events = store.max_seq()
    if events == 0:
        return Resumed()
    eng = system.engine
    orders: dict[str, int] = defaultdict(int)
    trades: dict[str, int] = defaultdict(int)

    def seen(e: object) -> None:  # the highest venue order and trade number per venue
        is_fill = isinstance(e, OrderFilled)
        ident = str(e.trade_id if is_fill else getattr(e, "venue_order_id", ""))  # type: ignore[attr-defined]
        m = _NUMBERED.match(ident)
        if m is not None:
            table = trades if is_fill else orders
            table[m.group(1)] = max(table[m.group(1)], int(m.group(2)))

    eng.bus.subscribe(OrderFilled, seen)
    eng.bus.subscribe(OrderAccepted, seen)
    try:
        # risk's emergency state (kill switch, halts) rides in snapshots too
        risk = cast(
            "StateHolder | None", system.risk if hasattr(system.risk, "emergency") else None
        )
        rep = replay(eng, store, system.positions, risk=risk)
    finally:
        eng.bus.unsubscribe(seen)
    for name, venue in system.venues.items():
        go_on = getattr(venue, "continue_ids", None)
        if go_on is not None:
            go_on(orders[name], trades[name])
    ts = last_event_ts(store)
    if ts is not None and ts > system.clock.now_ns():
        system.clock.advance_to(ts)
    eng.call(lambda: None)  # a commit point before new events
    reconcile(system.execution, rep)
    lost = 0
    for o in sorted(eng.orders.open_orders(), key=lambda x: x.client_order_id):
        client = system.venues.get(o.instrument_id.venue)
        if client is None:
            continue  # a SMART parent: closed by its children
        if not client.order_status(o.client_order_id).known:
            eng.sink.on_canceled(o.client_order_id, "lost by the venue at restart")
            lost += 1
    return Resumed(events, ts, rep, lost)
