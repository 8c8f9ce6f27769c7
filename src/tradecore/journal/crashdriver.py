"""A crash-test driver: an engine with a journal taking a deterministic stream of orders.

``python -m tradecore.journal.crashdriver --dir D --orders N --seed S [--resume]``

The venue (:class:`LedgerVenue`) keeps its own state in ``D/venue.db``, committed *before* it
reports, so it outlives a crash of the engine like a real venue. The driver prints
``ACK <id>`` after each submit returns (after the journal commit) and ``DIGEST <hash>`` at
the end. ``--resume`` recovers (snapshot + journal replay + venue reconciliation) first and
then runs the whole stream again: known ids are idempotent, the rest is new work.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import Execution
from tradecore.engine.port import ExecutionPort
from tradecore.journal.journal import Durability, Journal
from tradecore.journal.recovery import business_digest, reconcile, replay
from tradecore.journal.snapshot import take
from tradecore.journal.store import JournalStore, SQLiteStore
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    TradeId,
    Venue,
    VenueOrderId,
    spot,
)
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.positions.keeper import PositionKeeper
from tradecore.routing.fees import ModelFees
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade

VENUE = Venue("LEDGER")
IID = InstrumentId.of("BTC/USD", VENUE)
ACC = AccountId("crash")
D = Decimal


class LedgerVenue:
    """Deterministic venue with durable state. Market orders fill at once at a price derived
    from the order id; limits rest until a ``tick`` crosses them."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS orders (coid TEXT PRIMARY KEY, side TEXT, qty TEXT, "
            "price TEXT, open INTEGER, trades TEXT)"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS ticks (n INTEGER PRIMARY KEY)")
        self.sink: ExecutionSink | None = None

    @property
    def venue(self) -> Venue:
        return VENUE

    def bind(self, sink: ExecutionSink) -> None:
        self.sink = sink

    def _row(self, coid: str) -> tuple[str, str, str, str | None, int, str] | None:
        return self.db.execute("SELECT * FROM orders WHERE coid = ?", (coid,)).fetchone()  # type: ignore[no-any-return]

    def _report_all(self, coid: str) -> None:
        row = self._row(coid)
        assert row is not None and self.sink is not None
        self.sink.on_accepted(ClientOrderId(coid), VenueOrderId(f"V-{coid}"))
        for tid, q, px, fee in json.loads(row[5]):
            self.sink.on_filled(
                ClientOrderId(coid),
                TradeId(tid),
                D(q),
                D(px),
                Money.of(fee, "USD"),
                LiquiditySide.TAKER,
            )
        if not row[4] and sum(D(t[1]) for t in json.loads(row[5])) < D(row[2]):
            self.sink.on_canceled(ClientOrderId(coid), "closed at venue")

    def submit(self, order: Order) -> None:
        coid = order.client_order_id
        if self._row(coid) is not None:
            self._report_all(coid)  # we lost it, the venue did not: it tells us what it has
            return
        trades = []
        is_open = 1
        if order.order_type is OrderType.MARKET:
            px = D(100) + D(sum(map(ord, coid)) % 97) / 4
            fee = order.quantity * px / 10_000
            trades = [[f"T-{coid}", str(order.quantity), str(px), str(fee)]]
            is_open = 0
        self.db.execute(
            "INSERT INTO orders VALUES (?,?,?,?,?,?)",
            (
                coid,
                order.side.value,
                str(order.quantity),
                None if order.price is None else str(order.price),
                is_open,
                json.dumps(trades),
            ),
        )
        self._report_all(coid)

    def cancel(self, order: Order) -> None:
        assert self.sink is not None
        row = self._row(order.client_order_id)
        if row is None or not row[4]:
            self.sink.on_cancel_rejected(
                order.client_order_id, ReasonCode.ORDER_NOT_OPEN, "not open"
            )
            return
        self.db.execute("UPDATE orders SET open = 0 WHERE coid = ?", (order.client_order_id,))
        self.sink.on_canceled(order.client_order_id, "canceled")

    def replace(self, order: Order, new_order: Order) -> None:
        assert self.sink is not None
        self.sink.on_replace_rejected(
            order.client_order_id, ReasonCode.VENUE_REJECT, "not supported"
        )

    def tick(self, n: int, level: Decimal) -> None:
        """The market trades at ``level``: resting buys at or above it (sells at or below) fill."""
        if self.db.execute("SELECT 1 FROM ticks WHERE n = ?", (n,)).fetchone():
            return
        self.db.execute("BEGIN")
        filled = []
        for coid, side, qty, price, _, trades in self.db.execute(
            "SELECT * FROM orders WHERE open = 1 ORDER BY coid"
        ).fetchall():
            p = D(price)
            if (side == "BUY" and p >= level) or (side == "SELL" and p <= level):
                t = [f"T-{coid}-{n}", qty, price, str(D(qty) * p / 10_000)]
                self.db.execute(
                    "UPDATE orders SET open = 0, trades = ? WHERE coid = ?",
                    (json.dumps([*json.loads(trades), t]), coid),
                )
                filled.append((coid, t))
        self.db.execute("INSERT INTO ticks VALUES (?)", (n,))
        self.db.execute("COMMIT")
        assert self.sink is not None
        for coid, (tid, q, px, fee) in filled:
            self.sink.on_filled(
                ClientOrderId(coid),
                TradeId(tid),
                D(q),
                D(px),
                Money.of(fee, "USD"),
                LiquiditySide.TAKER,
            )

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        row = self._row(coid)
        if row is None:
            return VenueOrderStatus(coid, None, False, False, D(0), None)
        trades = tuple(VenueTrade(t[0], D(t[1]), D(t[2]), D(t[3])) for t in json.loads(row[5]))
        filled = sum((t[1] for t in trades), D(0))
        avg = sum((t[1] * t[2] for t in trades), D(0)) / filled if filled else None
        return VenueOrderStatus(
            coid, VenueOrderId(f"V-{coid}"), True, bool(row[4]), filled, avg, trades
        )

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        return None

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return None

    def health(self) -> VenueHealth:
        return VenueHealth.UP

    def filled(self) -> dict[str, Decimal]:
        return {
            coid: sum((D(t[1]) for t in json.loads(trades)), D(0))
            for coid, trades in self.db.execute("SELECT coid, trades FROM orders")
        }


def commands(n: int, seed: int) -> Iterator[tuple[str, object]]:
    rng = random.Random(seed)
    limits: list[str] = []
    for i in range(n):
        r = rng.random()
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        qty = D(rng.randint(1, 50)) / 100
        if r < 0.55:
            yield (
                "submit",
                SubmitOrder(
                    client_order_id=ClientOrderId(f"C{i:05d}"),
                    account=ACC,
                    instrument_id=IID,
                    side=side,
                    order_type=OrderType.MARKET,
                    quantity=qty,
                ),
            )
        elif r < 0.85:
            px = D(100) + D(rng.randint(-40, 40)) / 4
            limits.append(f"C{i:05d}")
            yield (
                "submit",
                SubmitOrder(
                    client_order_id=ClientOrderId(f"C{i:05d}"),
                    account=ACC,
                    instrument_id=IID,
                    side=side,
                    order_type=OrderType.LIMIT,
                    quantity=qty,
                    price=px,
                ),
            )
        elif r < 0.93 and limits:
            yield (
                "cancel",
                CancelOrder(client_order_id=ClientOrderId(rng.choice(limits)), account=ACC),
            )
        else:
            yield "tick", (i, D(100) + D(rng.randint(-40, 40)) / 4)


def open_store(args: argparse.Namespace) -> JournalStore:
    if args.backend == "postgres":
        from tradecore.journal.postgres import PostgresStore

        return PostgresStore(args.dsn, schema=args.schema)
    return SQLiteStore(Path(args.dir) / "journal.db")


def run(args: argparse.Namespace) -> str:
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    clock = SimClock(1_000_000_000)
    venue = LedgerVenue(d / "venue.db")
    store = open_store(args)
    journal = Journal(store, Durability(args.durability), clock_ns=clock.now_ns)
    engine = Engine(
        clock,
        InstrumentRegistry([spot("BTC/USD", VENUE, tick="0.25", lot="0.01")]),
        journal=journal,
    )
    execution = Execution(ExecutionPort(engine), [venue], ModelFees({}))
    engine.set_gateway(execution)
    venue.bind(engine.sink)
    keeper = PositionKeeper(engine.bus, engine.instruments)
    if args.resume:
        rep = replay(engine, store, keeper)
        engine.call(lambda: None)  # commit point
        reconcile(execution, rep)
        print(
            f"RECOVERED snapshot={rep.snapshot_seq} replayed={rep.replayed} "
            f"fills={rep.reconciled_fills} acks={rep.reconciled_acks} "
            f"closes={rep.reconciled_closes}",
            flush=True,
        )
    out = sys.stdout
    for i, (kind, cmd) in enumerate(commands(args.orders, args.seed)):
        clock.advance_to(1_000_000_000 + i * 1_000_000)
        if kind == "submit":
            assert isinstance(cmd, SubmitOrder)
            engine.submit(cmd)
            out.write(f"ACK {cmd.client_order_id}\n")
            out.flush()
        elif kind == "cancel":
            assert isinstance(cmd, CancelOrder)
            engine.cancel(cmd)
        else:
            assert isinstance(cmd, tuple)
            engine.call(venue.tick, int(cmd[0]), Decimal(cmd[1]))
        if args.snapshot_every and i % args.snapshot_every == args.snapshot_every - 1:
            journal.save_snapshot(engine.seq, clock.now_ns(), take(engine, keeper))
    journal.flush()
    digest = business_digest(engine, keeper)
    venue_filled = venue.filled()
    mismatched = [
        o.client_order_id
        for o in engine.orders
        if o.filled_qty != venue_filled.get(o.client_order_id, D(0))
    ]
    print(f"MISMATCH {len(mismatched)} {' '.join(mismatched[:5])}", flush=True)
    print(f"DIGEST {digest}", flush=True)
    return digest


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dir", required=True)
    p.add_argument("--orders", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--durability", default="batch", choices=[x.value for x in Durability])
    p.add_argument("--snapshot-every", type=int, default=0)
    p.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    p.add_argument("--dsn", default="host=127.0.0.1 port=5432 dbname=test user=postgres")
    p.add_argument("--schema", default="tradecore")
    run(p.parse_args(argv))


if __name__ == "__main__":
    main()
