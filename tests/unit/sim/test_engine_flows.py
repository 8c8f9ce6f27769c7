"""Random flows of our own orders (two accounts, every order type) through the engine into one
simulated venue, under each STP mode: the engine's view always ends equal to the venue's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderFilled,
    OrderType,
    Side,
    StpMode,
    SubmitOrder,
    TimeInForce,
    spot,
)
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
IID = InstrumentId.parse("BTC/USD@SIMA")
T0 = 1_000_000_000
TICK = D("0.5")

_order = st.fixed_dictionaries(
    {
        "account": st.sampled_from(["A", "B"]),
        "side": st.sampled_from([Side.BUY, Side.SELL]),
        "lots": st.integers(1, 20),
        "off": st.integers(-3, 3),
        "kind": st.sampled_from(["limit", "limit", "market", "ioc", "iceberg", "stop", "gtd"]),
    }
)
_op = st.one_of(
    st.tuples(st.just("submit"), _order),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("quote"), st.integers(-4, 4)),
    st.tuples(st.just("wait"), st.integers(0, 800)),
)


def _cmd(n: int, o: dict[str, Any]) -> SubmitOrder:
    px = D(100) + o["off"] * TICK
    kw: dict[str, Any] = dict(
        client_order_id=ClientOrderId(f"o{n}"), account=AccountId(o["account"]),
        instrument_id=IID, side=o["side"], quantity=D(o["lots"]) / 10,
        order_type=OrderType.LIMIT, price=px,
    )  # fmt: skip
    kind = o["kind"]
    if kind == "market":
        kw.update(order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.IOC)
    elif kind == "ioc":
        kw.update(time_in_force=TimeInForce.IOC)
    elif kind == "iceberg":
        kw.update(display_qty=D("0.1"))
    elif kind == "stop":
        kw.update(order_type=OrderType.STOP_LIMIT, trigger_price=px)
    elif kind == "gtd":
        kw.update(time_in_force=TimeInForce.GTD, expire_ns=T0 + 2_000_000)
    return SubmitOrder(**kw)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(StpMode)), st.lists(_op, min_size=3, max_size=40))
def test_the_engine_ends_where_the_venue_is(mode: StpMode, ops: list[tuple[str, Any]]) -> None:
    clock = SimClock(T0)
    inst = spot("BTC/USD", "SIMA", tick=str(TICK), lot="0.1")
    model = VenueModel(IID.venue, FeeSchedule(D("-1"), D("7.5")), {IID: inst})
    v = SimVenueClient(model, clock, SimVenueConfig(ack_jitter_us=0, stp=mode))
    eng = Engine(clock, InstrumentRegistry([inst]))
    attach(eng, [v])
    v.on_market(IID, ((D(99), D(1)),), ((D(101), D(1)),))
    fills: list[OrderFilled] = []
    eng.bus.subscribe(OrderFilled, fills.append)
    sent: list[SubmitOrder] = []
    for kind, arg in ops:
        if kind == "submit":
            cmd = _cmd(len(sent), arg)
            sent.append(cmd)
            eng.submit(cmd)
        elif kind == "cancel" and sent:
            c = sent[arg % len(sent)]
            eng.cancel(CancelOrder(client_order_id=c.client_order_id, account=c.account))
        elif kind == "quote":
            mid = D(100) + arg * TICK
            v.on_market(IID, ((mid - 2 * TICK, D(1)),), ((mid + 2 * TICK, D(1)),))
        elif kind == "wait":
            clock.advance_to(clock.now_ns() + arg * 1000)
    clock.run_all()
    tids = [f.trade_id for f in fills]
    assert len(tids) == len(set(tids))  # every leg has its own trade id
    legs = {f.trade_id: f for f in fills}
    for tid, f in legs.items():  # both legs of a match between our orders were booked
        if tid.endswith("M"):
            t = legs[tid[:-1]]
            assert (t.quantity, t.price, t.side) == (f.quantity, f.price, f.side.opposite)
    booked = {"A": D(0), "B": D(0)}  # each account's position as the engine booked it
    for f in fills:
        booked[f.account] += f.quantity * f.side.sign
    at_venue = {"A": D(0), "B": D(0)}  # and as the venue's own trades say
    for cmd in sent:
        for tr in v.order_status(cmd.client_order_id).trades:
            at_venue[cmd.account] += tr[1] * cmd.side.sign
    assert booked == at_venue
    for cmd in sent:
        o = eng.orders.get(cmd.client_order_id)
        assert o is not None
        vs = v.order_status(cmd.client_order_id)
        if not vs.known:
            assert not o.is_open  # denied by the engine, or refused at arrival
            continue
        assert o.filled_qty == vs.filled_qty, (o, vs)
        assert o.is_open == vs.open, (o, vs)
        r = v.books[IID].get(cmd.client_order_id)
        if r is not None:  # what rests at the venue is what the engine says is left
            assert r.qty + r.hidden == o.leaves_qty, (o, r.qty, r.hidden)
        if mode is not StpMode.NONE:
            assert v.self_matches == 0
