"""Recovery: load the latest snapshot, replay the journal's tail, reconcile with the venues.

Reconciliation asks each venue for the status of every order the engine thinks is open and
applies what the venue knows and the engine missed (an ack, fills, a final cancel), exactly
once (:meth:`~tradecore.engine.execution.Execution.reconcile`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from tradecore.engine.core import Engine
from tradecore.engine.execution import Execution
from tradecore.journal import snapshot
from tradecore.journal.store import JournalStore
from tradecore.model import codec
from tradecore.positions.keeper import PositionKeeper


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


def reconcile(execution: Execution, rep: RecoveryReport | None = None) -> RecoveryReport:
    """Ask each venue about every order the engine thinks is open (SMART parents through
    their children) and apply what it says, through the execution module's one
    reconciliation: the venue's own trade ids, prices and fees, each trade exactly once."""
    rep = rep or RecoveryReport()
    execution.recovered()
    orders = execution.port.orders
    for o in sorted(orders.open_orders(), key=lambda x: x.client_order_id):
        client = execution.clients.get(o.instrument_id.venue)
        if client is None:
            continue  # a SMART parent: its children are reconciled
        st = client.order_status(o.client_order_id)
        if not st.known and o.venue_order_id is None:
            rep.unknown_at_venue += 1
        acks, fills, closes = execution.reconcile(o, st)
        rep.reconciled_acks += acks
        rep.reconciled_fills += fills
        rep.reconciled_closes += closes
    return rep


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
