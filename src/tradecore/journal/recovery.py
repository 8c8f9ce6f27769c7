"""Recovery: load the latest snapshot, replay the journal's tail, reconcile with the venues.

Reconciliation asks each venue for the status of every order the engine thinks is open and
applies what the venue knows and the engine missed (an ack, fills, a final cancel), exactly
once: a missed fill is the difference between the venue's filled quantity and ours.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tradecore.engine.core import Engine
from tradecore.journal import snapshot
from tradecore.journal.store import JournalStore
from tradecore.model import codec
from tradecore.model.enums import LiquiditySide, OrderStatus, ReasonCode
from tradecore.model.identifiers import ClientOrderId, TradeId, Venue
from tradecore.model.values import Currency, Money
from tradecore.positions.keeper import PositionKeeper
from tradecore.venues.protocol import VenueClient, VenueOrderStatus


@dataclass
class RecoveryReport:
    snapshot_seq: int = 0
    replayed: int = 0
    reconciled_acks: int = 0
    reconciled_fills: int = 0
    reconciled_closes: int = 0
    unknown_at_venue: int = 0
    seconds: float = 0.0


def replay(
    engine: Engine,
    store: JournalStore,
    keeper: PositionKeeper | None = None,
    *,
    use_snapshot: bool = True,
    risk: snapshot.StateHolder | None = None,
) -> RecoveryReport:
    rep = RecoveryReport()
    t0 = time.perf_counter()
    after = 0
    snap = store.latest_snapshot() if use_snapshot else None
    if snap is not None:
        after = snapshot.restore(engine, snap[1], keeper, risk)
        rep.snapshot_seq = after
    engine.replaying = True
    try:
        loads, apply = codec.loads, engine.apply_event
        for _, payload in store.read(after):
            apply(loads(payload))
            rep.replayed += 1
    finally:
        engine.replaying = False
    if snap is None:
        # every journaled order went through the order store (and its eviction filter): ids
        # not in RAM no longer need a journal lookup unless the filter flags them
        engine.orders.archive_prefilled = False
    else:
        # orders before the snapshot were not replayed: put every journaled id in the filter
        # (one pass over the index), so new ids cost no journal lookup after this restart
        order_ids = getattr(store, "order_ids", None)
        if order_ids is not None:
            engine.orders.note_archived(order_ids())
            engine.orders.archive_prefilled = False
    rep.seconds = time.perf_counter() - t0
    return rep


def reconcile(
    engine: Engine, venues: Mapping[Venue, VenueClient], rep: RecoveryReport | None = None
) -> RecoveryReport:
    rep = rep or RecoveryReport()
    for o in sorted(engine.orders.open_orders(), key=lambda x: x.client_order_id):
        if o.instrument_id.venue not in venues:
            continue  # a SMART parent: its children are reconciled
        client = venues[o.instrument_id.venue]
        st = client.order_status(o.client_order_id)
        coid = o.client_order_id
        if not st.known:
            if o.status is OrderStatus.SUBMITTED:
                rep.unknown_at_venue += 1
                engine.on_rejected(coid, ReasonCode.TIMEOUT, "unknown at the venue after restart")
            continue
        if o.status is OrderStatus.SUBMITTED and st.venue_order_id is not None:
            engine.on_accepted(coid, st.venue_order_id)
            rep.reconciled_acks += 1
        missed = st.filled_qty - o.filled_qty
        if missed > 0 and st.avg_px is not None:
            inst = engine.instruments.get(o.instrument_id)
            ccy = inst.quote if inst is not None else Money.of(0, "USD").currency
            # the venue's average over everything minus what we already have, exactly
            total_notional = st.filled_qty * st.avg_px
            px = (total_notional - o.notional) / missed if o.notional else st.avg_px
            engine.on_filled(
                coid,
                TradeId(f"{coid}-recon-{engine.seq}"),
                missed,
                px,
                Money.zero(ccy),
                LiquiditySide.TAKER,
            )
            rep.reconciled_fills += 1
        if not st.open and o.is_open and o.filled_qty < o.quantity:
            engine.on_canceled(coid, "reconciled: closed at the venue")
            rep.reconciled_closes += 1
    return rep


def _apply_missed(
    engine: Engine, coid: ClientOrderId, have: Decimal, st: VenueOrderStatus, ccy: Currency
) -> int:
    """Apply the venue's trades beyond the quantity we already have, each exactly once.

    Reports arrive in the venue's order, so the trades we have are a prefix of its list.
    Without a trade list, one fill for the difference at the venue's average price."""
    n = 0
    if st.trades:
        seen = Decimal(0)
        for tid, qty, px, fee in st.trades:
            if seen >= have:
                engine.on_filled(coid, TradeId(tid), qty, px, Money(fee, ccy), LiquiditySide.TAKER)
                n += 1
            seen += qty
        return n
    if st.avg_px is not None:
        missed = st.filled_qty - have
        tid = TradeId(f"{coid}-recon-{engine.seq}")
        engine.on_filled(coid, tid, missed, st.avg_px, Money.zero(ccy), LiquiditySide.TAKER)
        n = 1
    return n


def business_digest(engine: Engine, keeper: PositionKeeper | None = None) -> str:
    """Hash of what a trader cares about (orders' status, fills, positions), independent of
    sequence numbers and timestamps, to compare a recovered run with an uninterrupted one."""
    orders = sorted(
        (
            o.client_order_id,
            o.status.value,
            str(o.quantity),
            str(o.filled_qty),
            str(o.notional),
            str(o.price),
        )
        for o in engine.orders
    )
    pos = []
    if keeper is not None:
        pos = sorted(
            (p.account, p.symbol, str(p.quantity), str(p.cost), str(p.realized))
            for p in keeper.positions()
        )
    blob = json.dumps({"orders": orders, "positions": pos}, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
