"""A hostile venue: it delays, duplicates, reorders and drops its reports (and loses some order
requests), but answers status queries truthfully. Over random order flows, direct and SMART,
the engine never raises, books no trade twice, never books more than the venue traded, keeps
each parent equal to the sum of its children, and after a final reconciliation every order's
filled quantity and every position equal the venue's own trades."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import Execution, attach
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    Order,
    OrderFilled,
    OrderType,
    ReasonCode,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TimeInForce,
    TradeId,
    Venue,
    VenueOrderId,
    spot,
)
from tradecore.model.market import BookLevel, BookSnapshot, Quote
from tradecore.positions.keeper import PositionKeeper
from tradecore.routing.config import RoutingConfig
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade

D = Decimal
MS = 1_000_000
SYMBOL = "BTC/USD"
ACC = AccountId("desk")
PRICE = {Side.BUY: D(100), Side.SELL: D(99)}  # where a buy (sell) of ours trades


@dataclass
class VOrder:
    side: Side
    qty: Decimal
    ioc: bool
    vid: VenueOrderId
    filled: Decimal = Decimal(0)
    open: bool = True
    trades: list[VenueTrade] = field(default_factory=list)


class HostileVenue:
    def __init__(self, name: str, clock: SimClock, rnd: random.Random, hostility: int) -> None:
        self._venue = Venue(name)
        self.clock = clock
        self.rnd = rnd
        self.h = hostility  # 0: polite ... 3: very hostile
        self.sink: ExecutionSink | None = None
        self.orders: dict[str, VOrder] = {}
        self._n = 0
        iid = InstrumentId(SYMBOL, self._venue)
        self._book = BookSnapshot(
            iid, (BookLevel(D(99), D(50)),), (BookLevel(D(100), D(50)),), 0, 1
        )

    @property
    def venue(self) -> Venue:
        return self._venue

    def bind(self, sink: ExecutionSink) -> None:
        self.sink = sink

    # ------------------------------------------------------------------ hostility
    def _delay(self) -> int:
        r = self.rnd.random()
        if r < 0.1 * self.h:
            return self.rnd.randint(900, 2500) * MS  # around and beyond the 1 s ack timeout
        return self.rnd.randint(1, 50) * MS

    def _send(self, fn: Callable[[], None]) -> None:
        """A report: maybe dropped, maybe twice, always late by a random delay (reordered)."""
        if self.rnd.random() < 0.08 * self.h:
            return
        now = self.clock.now_ns()
        self.clock.schedule(now + self._delay(), fn)
        if self.rnd.random() < 0.1 * self.h:
            self.clock.schedule(now + self._delay(), fn)

    def _sink(self) -> ExecutionSink:
        assert self.sink is not None
        return self.sink

    # ------------------------------------------------------------------ venue behaviour
    def submit(self, order: Order) -> None:
        if self.rnd.random() < 0.05 * self.h:
            return  # the request is lost: the venue never knows the order
        coid, side, qty = order.client_order_id, order.side, order.leaves_qty
        ioc = order.time_in_force is TimeInForce.IOC or order.order_type is OrderType.MARKET
        self.clock.schedule(self.clock.now_ns() + self._delay(),
                            lambda: self._arrive(coid, side, qty, ioc))  # fmt: skip

    def _arrive(self, coid: ClientOrderId, side: Side, qty: Decimal, ioc: bool) -> None:
        if coid in self.orders:
            return
        self._n += 1
        vo = VOrder(side, qty, ioc, VenueOrderId(f"{self._venue}-{self._n}"))
        self.orders[coid] = vo
        self._send(lambda: self._sink().on_accepted(coid, vo.vid))
        for _ in range(self.rnd.randint(0, 2)):
            self._trade(coid)
        if ioc:
            self._close(coid, "IOC remainder")
        else:
            later = self.clock.now_ns() + self.rnd.randint(1, 3000) * MS
            self.clock.schedule(later, lambda: self._trade(coid))

    def _trade(self, coid: ClientOrderId) -> None:
        vo = self.orders[coid]
        left = vo.qty - vo.filled
        if not vo.open or left <= 0:
            return
        q = min(left, D(self.rnd.randint(1, 4)))
        self._n += 1
        price = PRICE[vo.side]
        t = VenueTrade(f"{self._venue}-T{self._n}", q, price, q * price / 1000, LiquiditySide.TAKER)
        vo.filled += q
        vo.trades.append(t)
        if vo.filled == vo.qty:
            vo.open = False
        fee = Money.of(t.fee, "USD")
        self._send(
            lambda: self._sink().on_filled(coid, TradeId(t.trade_id), q, price, fee, t.liquidity)
        )

    def _close(self, coid: ClientOrderId, why: str) -> None:
        vo = self.orders[coid]
        if vo.open:
            vo.open = False
            self._send(lambda: self._sink().on_canceled(coid, why))

    def cancel(self, order: Order) -> None:
        coid = order.client_order_id

        def at_venue() -> None:
            vo = self.orders.get(coid)
            if vo is None or not vo.open:
                self._send(lambda: self._sink().on_cancel_rejected(
                    coid, ReasonCode.ORDER_NOT_OPEN, "not open"))  # fmt: skip
                return
            self._close(coid, "canceled by request")

        self.clock.schedule(self.clock.now_ns() + self._delay(), at_venue)

    def replace(self, order: Order, new_order: Order) -> None:
        coid = order.client_order_id
        self._send(lambda: self._sink().on_replace_rejected(
            coid, ReasonCode.VENUE_REJECT, "no replace here"))  # fmt: skip

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        vo = self.orders.get(coid)
        if vo is None:
            return VenueOrderStatus(coid, None, False, False, D(0), None)
        avg = (
            sum((t.quantity * t.price for t in vo.trades), D(0)) / vo.filled if vo.filled else None
        )
        return VenueOrderStatus(coid, vo.vid, True, vo.open, vo.filled, avg, tuple(vo.trades))

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        return None

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return self._book

    def health(self) -> VenueHealth:
        return VenueHealth.UP


@dataclass
class World:
    engine: Engine
    clock: SimClock
    execution: Execution
    venues: dict[str, HostileVenue]
    keeper: PositionKeeper
    fills: list[OrderFilled]


def build(rnd: random.Random, hostility: int) -> World:
    clock = SimClock(1_000_000_000)
    names = ("HA", "HB")
    insts = [spot(SYMBOL, n, tick="1", lot="1") for n in names]
    engine = Engine(clock, InstrumentRegistry(insts))
    venues = {n: HostileVenue(n, clock, rnd, hostility) for n in names}
    execution = attach(engine, venues.values(), config=RoutingConfig(max_attempts=2), seed=1)
    keeper = PositionKeeper(engine.bus, engine.instruments)
    fills: list[OrderFilled] = []
    engine.bus.subscribe(OrderFilled, fills.append)
    return World(engine, clock, execution, venues, keeper, fills)


def check_every_step(w: World) -> None:
    tids = [f.trade_id for f in w.fills]
    assert len(tids) == len(set(tids)), "a trade id was booked twice"
    for o in w.engine.orders:
        if o.instrument_id.venue == "SMART":
            kids = w.engine.orders.children(o.client_order_id)
            assert o.filled_qty == sum((c.filled_qty for c in kids), D(0))
        else:
            vo = w.venues[o.instrument_id.venue].orders.get(o.client_order_id)
            venue_filled = vo.filled if vo is not None else D(0)
            assert o.filled_qty <= venue_filled, "booked more than the venue traded"


def check_final(w: World) -> None:
    for o in sorted(w.engine.orders, key=lambda x: x.client_order_id):
        client = w.execution.clients.get(o.instrument_id.venue)
        if client is not None:  # every order, open or closed: the truth once more
            w.engine.call(w.execution.reconcile, o, client.order_status(o.client_order_id))
    check_every_step(w)
    net = D(0)
    for o in w.engine.orders:
        if o.instrument_id.venue == "SMART":
            continue
        vo = w.venues[o.instrument_id.venue].orders.get(o.client_order_id)
        venue_filled = vo.filled if vo is not None else D(0)
        assert o.filled_qty == venue_filled, (o, venue_filled)
    for v in w.venues.values():
        for vo in v.orders.values():
            net += vo.filled * vo.side.sign
    pos = w.keeper.position(ACC, SYMBOL)
    assert (pos.quantity if pos is not None else D(0)) == net, "positions differ from the venues"


ACTION = st.one_of(
    st.tuples(
        st.just("submit"),
        st.sampled_from(["SMART", "HA", "HB"]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 8),
        st.sampled_from([TimeInForce.IOC, TimeInForce.GTC]),
    ),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("replace"), st.integers(0, 20)),
    st.tuples(st.just("wait"), st.integers(1, 1500)),
)


@settings(max_examples=2000, deadline=None)
@given(
    flow=st.lists(ACTION, min_size=1, max_size=12),
    seed=st.integers(0, 2**32),
    hostility=st.integers(0, 3),
)
def test_any_report_sequence_is_safe(flow: list[tuple], seed: int, hostility: int) -> None:  # type: ignore[type-arg]
    w = build(random.Random(seed), hostility)
    ids: list[ClientOrderId] = []
    for n, action in enumerate(flow):
        kind = action[0]
        if kind == "submit":
            _, venue, side, qty, tif = action
            coid = ClientOrderId(f"o{n}")
            ids.append(coid)
            limit = D(100) if side is Side.BUY else D(99)
            w.engine.submit(
                SubmitOrder(
                    client_order_id=coid, account=ACC, instrument_id=InstrumentId(SYMBOL, venue),
                    side=side, order_type=OrderType.LIMIT, quantity=D(qty), price=limit,
                    time_in_force=tif,
                )
            )  # fmt: skip
        elif kind in ("cancel", "replace") and ids:
            coid = ids[action[1] % len(ids)]
            if kind == "cancel":
                w.engine.cancel(CancelOrder(client_order_id=coid, account=ACC))
            else:
                w.engine.replace(
                    ReplaceOrder(client_order_id=coid, new_client_order_id=ClientOrderId(f"r{n}"),
                                 account=ACC, quantity=D(9))
                )  # fmt: skip
        elif kind == "wait":
            w.clock.advance_to(w.clock.now_ns() + action[1] * MS)
        check_every_step(w)
    w.clock.advance_to(w.clock.now_ns() + 10_000 * MS)
    check_every_step(w)
    check_final(w)
